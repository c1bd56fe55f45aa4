"""Step 33: Newton's method with the second derivative computed automatically.

What it teaches: step 29 needed f'' typed in by hand. With `create_graph=True` dezero
differentiates the gradient itself, so Newton's update x <- x - f'(x) / f''(x) needs nothing
but the formula for f. On f(x) = x**4 - 2 x**2 from x = 2.0 it reaches the minimum x = 1.0 in
about seven iterations, matching step 29 digit for digit. The loop stops when the step is
below 1e-12.

Where it simplifies: one scalar variable; in n dimensions Newton's method needs the Hessian
(an n x n matrix) and a linear solve, which is why training uses gradient methods instead.
"""
import numpy as np

from dezero import Variable


def f(x):
    """A double well: minima at x = -1 and x = 1."""
    return x ** 4 - 2 * x ** 2


def main():
    x = Variable(np.array(2.0))
    for i in range(20):
        print(f'iteration {i}: x = {float(x.data):.15f}')
        y = f(x)
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        gx2 = x.grad
        step = gx.data / gx2.data
        x.data = x.data - step
        if abs(step) < 1e-12:
            break
    print(f'converged to x = {float(x.data)} after {i} iterations '
          f'(update number {i + 1} moved x by only {abs(float(step)):.1e})')
    assert abs(float(x.data) - 1.0) < 1e-12


if __name__ == '__main__':
    main()
