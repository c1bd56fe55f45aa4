"""Step 10: testing, with the gradient checked against numerical differentiation.

What it teaches: an autograd engine is tested in two ways. Forward values are compared with what
NumPy computes directly. Backward values are compared with a central difference (step 04), which
needs no knowledge of the derivative, on random inputs. This file runs the tests itself with the
standard library's `unittest` and exits non-zero if any fails.

Where it simplifies: the project's real tests use pytest under tests/, and `tests/helpers.py`
checks every input, first and second derivatives, with a random upstream gradient.
"""
import sys
import unittest

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


def numerical_diff(f, x, eps=1e-4):
    """Central-difference estimate of df/dx at the Variable `x` (elementwise functions)."""
    above = f(Variable(as_array(x.data + eps))).data
    below = f(Variable(as_array(x.data - eps))).data
    return (above - below) / (2 * eps)


class SquareTest(unittest.TestCase):
    """Checks for `square`: value, exact gradient, and gradient against a central difference."""

    def test_forward(self):
        y = square(Variable(np.array(2.0)))
        self.assertEqual(y.data, np.array(4.0))

    def test_backward(self):
        x = Variable(np.array(3.0))
        square(x).backward()
        self.assertEqual(x.grad, np.array(6.0))

    def test_gradient_matches_central_difference(self):
        rng = np.random.default_rng(0)
        for _ in range(5):
            x = Variable(np.array(rng.standard_normal()))
            square(x).backward()
            self.assertTrue(np.allclose(x.grad, numerical_diff(square, x), rtol=1e-6, atol=1e-8))

    def test_array_input(self):
        data = np.array([[1.0, -2.0], [0.5, 4.0]])
        x = Variable(data)
        y = square(x)
        y.backward()
        np.testing.assert_allclose(y.data, data ** 2)
        np.testing.assert_allclose(x.grad, 2 * data)


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(SquareTest)
    result = unittest.TextTestRunner(stream=sys.stdout, verbosity=2).run(suite)
    print('all tests passed' if result.wasSuccessful() else 'SOME TESTS FAILED')
    return 0 if result.wasSuccessful() else 1


if __name__ == '__main__':
    sys.exit(main())
