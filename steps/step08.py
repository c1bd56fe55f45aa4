"""Step 08: automatic backward as a loop instead of recursion.

What it teaches: the same walk as step 07, but driven by a list of functions still to process.
Each turn takes a function, computes its input's gradient, and queues the input's creator. No
stack frame is kept per link, so arbitrarily long chains work: the demo differentiates a chain of
1,020 squares, which makes the recursive version of step 07 raise RecursionError.

Where it simplifies: a plain list works only because the graph is a straight chain; step 16 adds
generations so that branching graphs are processed in the right order.
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
        """Walk the creator links with an explicit to-do list."""
        todo = [self.creator]
        while todo:
            f = todo.pop()
            if f is None:
                continue
            x, y = f.input, f.output
            x.grad = f.backward(y.grad)
            todo.append(x.creator)

    def backward_recursive(self):
        """Step 07's version, kept for comparison: one stack frame per function."""
        f = self.creator
        if f is not None:
            f.input.grad = f.backward(self.grad)
            f.input.backward_recursive()


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
    x = Variable(np.array(0.5))
    y = Square()(Exp()(Square()(x)))
    y.grad = np.array(1.0)
    y.backward()
    print('dy/dx for (exp(x**2))**2 at 0.5:', x.grad)

    # x = 1 stays 1 under squaring, and the gradient of n squares is 2**n: easy to check
    n = 1020
    x = Variable(np.array(1.0))
    y = x
    for _ in range(n):
        y = Square()(y)
    y.grad = np.array(1.0)
    y.backward()
    print(f'chain of {n} squares with the loop: dy/dx = {x.grad:.6e} (2**{n} = {2.0 ** n:.6e})')

    y.grad = np.array(1.0)
    try:
        y.backward_recursive()
        print('the recursive version also finished (the recursion limit must have been raised)')
    except RecursionError as exc:
        print('the recursive version of step 07 fails:', type(exc).__name__, '-', exc)


if __name__ == '__main__':
    main()
