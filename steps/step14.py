"""Step 14: using the same variable twice; accumulating gradients; `cleargrad`.

What it teaches: in y = x + x both inputs of Add are the same variable, so two gradients arrive
at x and must be summed (dy/dx = 2). Step 13's engine assigned instead of adding and got 1. The
fix is to add a new gradient to whatever is already in `x.grad`. The flip side: a variable reused
for a second, unrelated computation still holds the old gradient, so `cleargrad()` resets it.

Where it simplifies: the walk order is still a plain stack, which gives wrong answers on graphs
where a variable feeds two branches that meet again (shown in step 15, fixed in step 16).
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

    def backward(self):
        """Accumulate d(self)/d(v) into `v.grad` for every variable v upstream."""
        if self.grad is None:
            self.grad = np.ones_like(self.data)
        todo = [self.creator]
        while todo:
            f = todo.pop()
            if f is None:
                continue
            gxs = f.backward(*[out.grad for out in f.outputs])
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx in zip(f.inputs, gxs):
                # a new array, not `+=`: Add hands the very same array to both inputs, and an
                # in-place update would silently change the other one too
                x.grad = gx if x.grad is None else x.grad + gx
                todo.append(x.creator)


def backward_overwriting(y):
    """Step 13's walk, kept for comparison: each arriving gradient replaces the previous one."""
    y.grad = np.ones_like(y.data)
    todo = [y.creator]
    while todo:
        f = todo.pop()
        if f is None:
            continue
        gxs = f.backward(*[out.grad for out in f.outputs])
        if not isinstance(gxs, tuple):
            gxs = (gxs,)
        for x, gx in zip(f.inputs, gxs):
            x.grad = gx
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


def main():
    x = Variable(np.array(3.0))
    y = add(x, x)
    backward_overwriting(y)
    print('y = x + x, overwriting engine (step 13): dy/dx =', x.grad, '(wrong)')

    x = Variable(np.array(3.0))
    y = add(add(x, x), x)
    y.backward()
    print('y = x + x + x, accumulating engine: dy/dx =', x.grad)

    # reuse x for a second computation: the old gradient would leak into the new one
    y = add(x, x)
    y.backward()
    print('y = x + x without cleargrad: dy/dx =', x.grad, '(3 left over + 2)')
    x.cleargrad()
    y = add(x, x)
    y.backward()
    print('y = x + x after x.cleargrad(): dy/dx =', x.grad)


if __name__ == '__main__':
    main()
