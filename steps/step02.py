"""Step 02: a Function turns Variables into new Variables.

What it teaches: every operation is a class. The base class `Function` does the unboxing and
boxing (Variable -> array -> Variable) in `__call__`; a subclass only says how to compute on plain
arrays in `forward`. `Square` is the first concrete operation.

Where it simplifies: one input and one output only, no gradients, and no record of which function
produced which variable. The final `dezero.Function` takes any number of inputs and outputs and
links the graph for backpropagation.
"""
import numpy as np


class Variable:
    """A box around one ndarray, reachable as `.data`."""

    def __init__(self, data):
        self.data = data


class Function:
    """Base class: unwraps the input, runs `forward` on the array, wraps the result."""

    def __call__(self, var):
        result = self.forward(var.data)
        return Variable(result)

    def forward(self, x):
        """Compute on a plain array; every subclass must provide this."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')


class Square(Function):
    """y = x ** 2, elementwise."""

    def forward(self, x):
        return x ** 2


def main():
    x = Variable(np.array(10.0))
    f = Square()
    y = f(x)
    print('type(y) =', type(y).__name__)
    print('Square()(10.0) =', y.data)

    v = Square()(Variable(np.array([1.0, 2.0, 3.0])))
    print('works elementwise on arrays:', v.data)


if __name__ == '__main__':
    main()
