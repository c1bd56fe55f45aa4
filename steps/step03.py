"""Step 03: functions chain, because each one takes and returns a Variable.

What it teaches: with a common interface, operations compose freely. Here
y = (exp(x**2))**2 is evaluated as three Function calls in a row, A -> B -> C; the intermediate
Variables a and b are the "wires" that later steps will carry gradients back along.

Where it simplifies: the chain is not yet remembered anywhere; the final package records each
call so that `y.backward()` can walk it in reverse.
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


def main():
    A, B, C = Square(), Exp(), Square()
    x = Variable(np.array(0.5))
    a = A(x)
    b = B(a)
    y = C(b)
    print('x =', x.data, ' a = x**2 =', a.data, ' b = exp(a) =', b.data)
    print('y = b**2 =', y.data)
    print('check against NumPy in one line:', np.exp(0.5 ** 2) ** 2)


if __name__ == '__main__':
    main()
