"""Step 06: backpropagation by hand with Variables that carry a gradient.

What it teaches: each Function now knows its own local derivative. `forward` keeps the input it
saw, and `backward(gy)` turns the gradient of the output into the gradient of the input
(gy times the local derivative). Every Variable gains a `.grad`. Calling the backward methods in
reverse order of the forward calls gives dy/dx exactly.

Where it simplifies: the order of the backward calls is written out by hand and only works for a
straight chain. Step 07 lets the variables remember their creators so that this walk happens by
itself; the final package also runs it on any graph.
"""
import numpy as np


class Variable:
    """An array (`.data`) plus the gradient of the final output with respect to it (`.grad`)."""

    def __init__(self, data):
        self.data = data
        self.grad = None


class Function:
    """Base class: remembers its input so that `backward` can evaluate the local derivative."""

    def __call__(self, var):
        self.input = var
        return Variable(self.forward(var.data))

    def forward(self, x):
        """Compute on a plain array."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')

    def backward(self, gy):
        """Turn d(out)/d(output) into d(out)/d(input)."""
        raise NotImplementedError(f'{type(self).__name__}.backward is not defined')


class Square(Function):
    """y = x**2;  dy/dx = 2x."""

    def forward(self, x):
        return x ** 2

    def backward(self, gy):
        return 2 * self.input.data * gy


class Exp(Function):
    """y = exp(x);  dy/dx = exp(x)."""

    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return np.exp(self.input.data) * gy


def main():
    A, B, C = Square(), Exp(), Square()
    x = Variable(np.array(0.5))
    a = A(x)
    b = B(a)
    y = C(b)

    # the reverse of the forward order: C, then B, then A
    y.grad = np.array(1.0)
    b.grad = C.backward(y.grad)
    a.grad = B.backward(b.grad)
    x.grad = A.backward(a.grad)
    print('y =', y.data)
    print('dy/dx by backpropagation =', x.grad)


if __name__ == '__main__':
    main()
