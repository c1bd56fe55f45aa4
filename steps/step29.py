"""Step 29: Newton's method with a second derivative written by hand.

What it teaches: gradient descent only knows the slope; Newton's method also uses the curvature
and jumps to the minimum of the local parabola: x <- x - f'(x) / f''(x). On
f(x) = x**4 - 2 x**2, starting at 2.0, it reaches the minimum at x = 1 in about seven steps,
where gradient descent with a fixed step size would need hundreds. Here f' comes from backward
and f'' = 12 x**2 - 4 is typed in by hand.

Where it simplifies: deriving f'' by hand does not scale; steps 30-33 let dezero compute it by
differentiating the gradient (`create_graph=True`).
"""
import numpy as np

from dezero import Variable


def f(x):
    """A double well: minima at x = -1 and x = 1."""
    return x ** 4 - 2 * x ** 2


def f_second(x):
    """f''(x) = 12 x**2 - 4, derived by hand."""
    return 12 * x ** 2 - 4


def main():
    x = Variable(np.array(2.0))
    for i in range(10):
        print(f'iteration {i}: x = {float(x.data):.15f}')
        y = f(x)
        x.cleargrad()
        y.backward()
        x.data = x.data - x.grad.data / f_second(x.data)
    print('the minimum is at x = 1.0; error now', abs(float(x.data) - 1.0))


if __name__ == '__main__':
    main()
