"""Step 31: why backward must be written with Variable operations.

What it teaches: a Function's `backward` receives Variables and should compute the input's
gradient with Variable operations (`3 * x ** 2 * gy`), not by dropping to NumPy arrays
(`x.data`). Only then can `create_graph=True` record how the gradient depends on x, and only
then can the gradient be differentiated again. The demo defines the same function, x**3, twice:
`Cube` follows the rule and its second derivative is 6x = 12 at x = 2; `CubeOnArrays` computes
the right first derivative but hides x inside an array, so the gradient looks like a constant
and its derivative with respect to x never reaches x (x.grad stays None).

Where it simplifies: nothing; these are user-defined Functions on the final package. The
package's own functions additionally offer `backward_data`, an array-only fast path that is
used only when no graph of the backward pass is wanted.
"""
import numpy as np

from dezero import Function, Variable


class Cube(Function):
    """y = x**3;  dy/dx = 3 x**2, written with Variable operations."""

    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        x = self.inputs[0]
        return 3 * x ** 2 * gy


class CubeOnArrays(Function):
    """y = x**3 with a backward that works on arrays: correct once, opaque afterwards."""

    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        x = self.inputs[0].data  # leaving the graph here is the mistake being shown
        return gy * (3 * x ** 2)


def first_and_second(func):
    """Return (dy/dx, d2y/dx2) of func at x = 2, the second one possibly None."""
    x = Variable(np.array(2.0))
    y = func()(x)
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    gx.backward()
    return gx, x.grad


def main():
    for func in (Cube, CubeOnArrays):
        gx, gx2 = first_and_second(func)
        print(f'{func.__name__:13}: dy/dx = {gx}   d2y/dx2 = {gx2}')
    print('exact at x = 2: dy/dx = 3 x**2 = 12, d2y/dx2 = 6 x = 12')


if __name__ == '__main__':
    main()
