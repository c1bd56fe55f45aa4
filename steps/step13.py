"""Step 13: backward for functions with several inputs.

What it teaches: `backward` mirrors `forward`: it receives one gradient per output and returns
one gradient per input. Addition passes the incoming gradient unchanged to both inputs; square
now reads its input from `self.inputs[0]`. The engine's loop zips the returned gradients with the
inputs and queues every input's creator. For z = x**2 + y**2 at (2, 3) it finds dz/dx = 4 and
dz/dy = 6.

Where it simplifies: a gradient arriving at a variable overwrites what was there, which is wrong
when a variable is used twice (step 14); the order of the walk is only right for trees (step 16).
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

    def backward(self):
        """Fill in `.grad` of every variable this one was computed from."""
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
    x = Variable(np.array(2.0))
    y = Variable(np.array(3.0))
    z = add(square(x), square(y))
    z.backward()
    print('z = x**2 + y**2 =', z.data)
    print('dz/dx =', x.grad, ' dz/dy =', y.grad)


if __name__ == '__main__':
    main()
