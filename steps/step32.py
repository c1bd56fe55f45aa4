"""Step 32: second derivatives, and why `cleargrad` comes between the two backward passes.

What it teaches: for y = x**4 - 2 x**2 at x = 2, `y.backward(create_graph=True)` gives
gx = dy/dx = 4 x**3 - 4 x = 24 as a Variable with its own graph; `gx.backward()` then gives
d2y/dx2 = 12 x**2 - 4 = 44. Both passes write into the same `x.grad`, and gradients accumulate,
so x.grad must be cleared in between; otherwise the second pass adds 44 to the 24 already there
and reports 68. Keeping a reference to gx before clearing is what preserves the first
derivative.

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

from dezero import Variable


def f(x):
    """A double well: minima at x = -1 and x = 1."""
    return x ** 4 - 2 * x ** 2


def second_derivative(x, clear_between):
    """Differentiate f twice at `x`, optionally clearing x.grad between the passes."""
    y = f(x)
    y.backward(create_graph=True)
    gx = x.grad
    if clear_between:
        x.cleargrad()
    gx.backward()
    return gx, x.grad


def main():
    gx, gx2 = second_derivative(Variable(np.array(2.0)), clear_between=True)
    print('with x.cleargrad()   : dy/dx =', gx, '  d2y/dx2 =', gx2, '(exact 24 and 44)')

    gx, gx2 = second_derivative(Variable(np.array(2.0)), clear_between=False)
    print('without x.cleargrad(): dy/dx =', gx, '  "d2y/dx2" =', gx2, '(24 + 44: wrong)')

    # the same code works elementwise on a whole array of points
    xs = Variable(np.array([-1.0, 0.0, 0.5, 1.0]))
    gx, gx2 = second_derivative(xs, clear_between=True)
    print('at x =', xs.data, ': d2y/dx2 =', gx2.data, ' exact:', 12 * xs.data ** 2 - 4)


if __name__ == '__main__':
    main()
