"""Step 24: gradients of the classic optimisation test functions.

What it teaches: with operator overloading the test functions used to benchmark optimisers are
written exactly as printed in the literature, and one `backward()` gives both partial
derivatives. At (x, y) = (1, 1):
  sphere          z = x**2 + y**2                      gradient (2, 2)
  Matyas          z = 0.26 (x**2 + y**2) - 0.48 x y    gradient (0.04, 0.04)
  Goldstein-Price (a polynomial of degree 8)           gradient (-5376, 8064)

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

from dezero import Variable


def sphere(x, y):
    """Sphere function: minimum 0 at (0, 0)."""
    return x ** 2 + y ** 2


def matyas(x, y):
    """Matyas function: minimum 0 at (0, 0)."""
    return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y


def goldstein(x, y):
    """Goldstein-Price function: minimum 3 at (0, -1)."""
    first = 1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2)
    second = 30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y
                                          + 27 * y ** 2)
    return first * second


def main():
    expected = {sphere: (2.0, 2.0), matyas: (0.04, 0.04), goldstein: (-5376.0, 8064.0)}
    for f, (ex, ey) in expected.items():
        x = Variable(np.array(1.0))
        y = Variable(np.array(1.0))
        z = f(x, y)
        z.backward()
        print(f'{f.__name__:9} z(1, 1) = {float(z.data):8.2f}   '
              f'gradient = ({float(x.grad.data):.6g}, {float(y.grad.data):.6g})   '
              f'expected ({ex:g}, {ey:g})')
        assert np.allclose([x.grad.data, y.grad.data], [ex, ey]), f.__name__


if __name__ == '__main__':
    main()
