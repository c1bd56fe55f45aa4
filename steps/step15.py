"""Step 15: branching graphs break a stack-ordered backward.

What it teaches: in a = x**2, y = a**2 + a**2 the variable a feeds two branches that meet again
at the addition. Backpropagation may call a function's backward only once its output has
received the gradients from *every* use; otherwise it sends a partial gradient upstream. The
stack walk of step 14 does exactly that and gets dy/dx = 96 instead of 64 (it runs a's creator
twice); skipping functions already seen runs it once but too early and gets 32. The numerical
derivative confirms 64. Step 16 fixes the order with generations.

Where it simplifies: this step only demonstrates the problem; the engine is step 14's.
"""
import numpy as np


def as_array(x):
    """Turn a NumPy or Python scalar into a 0-d array; arrays pass through."""
    if np.isscalar(x):
        return np.array(x)
    return x


class Variable:
    """An array, its gradient, and the Function that produced it (`creator`)."""

    def __init__(self, data):
        if data is not None and not isinstance(data, np.ndarray):
            raise TypeError(f'Variable: data must be a numpy.ndarray or None, '
                            f'got {type(data).__name__}')
        self.data = data
        self.grad = None
        self.creator = None

    def set_creator(self, func):
        """Remember which Function produced this variable."""
        self.creator = func

    def cleargrad(self):
        """Forget the accumulated gradient before differentiating something new."""
        self.grad = None

    def backward(self, only_once=False):
        """Step 14's stack walk; `only_once` skips functions whose backward already ran."""
        if self.grad is None:
            self.grad = np.ones_like(self.data)
        todo, done = [self.creator], set()
        while todo:
            f = todo.pop()
            if f is None or (only_once and f in done):
                continue
            done.add(f)
            print(f'    running {type(f).__name__}.backward with gradient',
                  [float(out.grad) for out in f.outputs])
            gxs = f.backward(*[out.grad for out in f.outputs])
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx in zip(f.inputs, gxs):
                x.grad = gx if x.grad is None else x.grad + gx
                todo.append(x.creator)


class Function:
    """Base class: `f(x0, x1, ...)` returns one Variable, or a tuple when there are several."""

    def __call__(self, *inputs):
        ys = self.forward(*[v.data for v in inputs])
        if not isinstance(ys, tuple):
            ys = (ys,)
        outputs = tuple(Variable(as_array(y)) for y in ys)
        for out in outputs:
            out.set_creator(self)
        self.inputs = inputs
        self.outputs = outputs
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *xs):
        """Compute on arrays; return an array or a tuple of arrays."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')

    def backward(self, *gys):
        """One gradient per output in; one gradient per input out (a tuple if several)."""
        raise NotImplementedError(f'{type(self).__name__}.backward is not defined')


class Square(Function):
    """y = x**2;  dy/dx = 2x."""

    def forward(self, x):
        return x ** 2

    def backward(self, gy):
        return 2 * self.inputs[0].data * gy


def square(x):
    """Elementwise x**2."""
    return Square()(x)


class Add(Function):
    """y = x0 + x1;  dy/dx0 = dy/dx1 = 1."""

    def forward(self, x0, x1):
        return x0 + x1

    def backward(self, gy):
        return gy, gy


def add(x0, x1):
    """Elementwise x0 + x1."""
    return Add()(x0, x1)


def diamond(x):
    """a = x**2 feeds two squares that are added: y = 2 x**4."""
    a = square(x)
    return add(square(a), square(a))


def main():
    for only_once in (False, True):
        x = Variable(np.array(2.0))
        y = diamond(x)
        label = 'stack walk, each function once' if only_once else 'stack walk (step 14)'
        print(f'{label}:')
        y.backward(only_once=only_once)
        print(f'  -> dy/dx = {x.grad}')

    eps = 1e-4
    numeric = (diamond(Variable(np.array(2.0 + eps))).data
               - diamond(Variable(np.array(2.0 - eps))).data) / (2 * eps)
    print(f'central difference: {numeric:.6f}  (exact 8 x**3 = 64)')


if __name__ == '__main__':
    main()
