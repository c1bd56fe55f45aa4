"""Step 07: automatic backward, written recursively.

What it teaches: during forward, each Function stamps itself on its output as the output's
`creator`, and remembers its own input and output. The result is a linked list from y back to x
(y -> C -> b -> B -> a -> A -> x), built as the code runs ("define-by-run"). `y.backward()` follows
those links: ask my creator for my input's gradient, then ask the input to continue.

Where it simplifies: the recursion uses one Python stack frame per function, so a chain longer
than Python's recursion limit (about 1000) fails; step 08 shows that and replaces it with a loop.
Only single-input, single-output functions exist so far.
"""
import numpy as np


class Variable:
    """An array, its gradient, and the Function that produced it (`creator`)."""

    def __init__(self, data):
        self.data = data
        self.grad = None
        self.creator = None

    def set_creator(self, func):
        """Remember which Function produced this variable."""
        self.creator = func

    def backward(self):
        """Push this variable's gradient one function back, then let the input carry on."""
        f = self.creator
        if f is not None:
            x = f.input
            x.grad = f.backward(self.grad)
            x.backward()


class Function:
    """Base class: records input, output and the creator link during the call."""

    def __call__(self, var):
        out = Variable(self.forward(var.data))
        out.set_creator(self)
        self.input = var
        self.output = out
        return out

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

    # the links recorded during forward lead from y all the way back to x
    assert y.creator is C and C.input is b and b.creator is B
    assert B.input is a and a.creator is A and A.input is x
    print('walking back from y:', ' <- '.join(type(f).__name__ for f in (C, B, A)))

    y.grad = np.array(1.0)
    y.backward()
    print('dy/dx =', x.grad)


if __name__ == '__main__':
    main()
