"""Step 04: numerical differentiation with a central difference.

What it teaches: a derivative can be estimated by nudging the input a little each way,
f'(x) ~ (f(x + eps) - f(x - eps)) / (2 eps). It needs no knowledge of f, which makes it the
reference every later gradient is checked against. The table at the end shows its weakness:
too large an eps gives truncation error, too small an eps loses digits to rounding.

Where it simplifies: one scalar input. `dezero.utils.numerical_grad` does the same for every
element of an array input; backpropagation (next steps) gets exact gradients at a fraction of
the cost.
"""
import numpy as np


class Variable:
    """A box around one ndarray, reachable as `.data`."""

    def __init__(self, data):
        self.data = data


class Function:
    """Base class: unwraps the input, runs `forward` on the array, wraps the result."""

    def __call__(self, var):
        return Variable(self.forward(var.data))

    def forward(self, x):
        """Compute on a plain array; every subclass must provide this."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')


class Square(Function):
    """y = x ** 2."""

    def forward(self, x):
        return x ** 2


class Exp(Function):
    """y = e ** x."""

    def forward(self, x):
        return np.exp(x)


def numerical_diff(f, x, eps=1e-4):
    """Central-difference estimate of df/dx at the Variable `x`."""
    above = f(Variable(x.data + eps)).data
    below = f(Variable(x.data - eps)).data
    return (above - below) / (2 * eps)


def composite(x):
    """y = (exp(x**2))**2, built from three Functions."""
    return Square()(Exp()(Square()(x)))


def main():
    x = Variable(np.array(2.0))
    print('d(x**2)/dx at 2.0, numerically:', numerical_diff(Square(), x), '(exact: 4)')

    x = Variable(np.array(0.5))
    exact = 4 * 0.5 * np.exp(2 * 0.5 ** 2)  # d/dx exp(2 x**2) = 4x exp(2 x**2)
    approx = numerical_diff(composite, x)
    print('d/dx (exp(x**2))**2 at 0.5:', approx, ' exact:', exact)

    print('eps        error of the estimate')
    for eps in (1e-1, 1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 1e-12):
        err = abs(numerical_diff(composite, x, eps) - exact)
        print(f'{eps:<10.0e} {err:.2e}')


if __name__ == '__main__':
    main()
