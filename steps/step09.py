"""Step 09: making functions pleasant to use.

What it teaches: three small conveniences that the final package keeps.
1. Lowercase Python functions `square(x)` and `exp(x)` hide the "create an instance, then call
   it" pattern, so formulas read like math: `square(exp(square(x)))`.
2. `backward()` seeds the output's gradient with ones itself, so there is no `y.grad = 1` line.
3. `Variable` accepts only ndarrays (or None) and says so clearly otherwise; and because NumPy
   returns a scalar, not a 0-d array, for operations on 0-d arrays, results go through
   `as_array` to stay arrays.

Where it simplifies: still one input and one output per function, and a plain list drives the
backward walk (fine for chains only).
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
            self.grad = np.ones_like(self.data)  # d(self)/d(self) is one for every element
        todo = [self.creator]
        while todo:
            f = todo.pop()
            if f is None:
                continue
            f.input.grad = f.backward(f.output.grad)
            todo.append(f.input.creator)


class Function:
    """Base class: records input, output and the creator link during the call."""

    def __call__(self, var):
        out = Variable(as_array(self.forward(var.data)))
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


def square(x):
    """Elementwise x**2."""
    return Square()(x)


class Exp(Function):
    """y = exp(x);  dy/dx = exp(x)."""

    def forward(self, x):
        return np.exp(x)

    def backward(self, gy):
        return np.exp(self.input.data) * gy


def exp(x):
    """Elementwise e**x."""
    return Exp()(x)


def main():
    x = Variable(np.array(0.5))
    y = square(exp(square(x)))
    y.backward()
    print('y =', y.data, ' dy/dx =', x.grad)

    raw = np.array(1.0) ** 2
    print('NumPy turns a 0-d result into', type(raw).__name__, '-> as_array gives',
          type(as_array(raw)).__name__, 'with ndim', as_array(raw).ndim)

    try:
        Variable(1.0)
    except TypeError as exc:
        print('Variable(1.0) is refused:', exc)


if __name__ == '__main__':
    main()
