"""Step 36: double backpropagation: differentiating an expression that contains a gradient.

What it teaches: with `create_graph=True` a gradient is an ordinary Variable, so it can appear
inside a new expression, and that expression can be differentiated with respect to the original
input. For y = x**2 the gradient is gx = 2x; for z = gx**3 + y = 8 x**3 + x**2 the derivative
is dz/dx = 24 x**2 + 2x = 100 at x = 2. The same mechanism computes gradient penalties (the
norm of a gradient used as a loss term, as in WGAN-GP) and Hessian-vector products.

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

from dezero import Variable


def main():
    x = Variable(np.array(2.0))
    y = x ** 2
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()

    z = gx ** 3 + y
    z.backward()
    print('y = x**2, gx = dy/dx =', gx)
    print('z = gx**3 + y =', z, ' dz/dx =', x.grad, '(exact 24 x**2 + 2x = 100)')
    assert np.isclose(x.grad.data, 100.0)

    # a Hessian-vector product for f(a, b) = a**2 b + b**3 at (1, 2), direction v = (1, 1):
    # d/dx (grad f . v) = H v without ever forming H
    a, b = Variable(np.array(1.0)), Variable(np.array(2.0))
    f = a ** 2 * b + b ** 3
    f.backward(create_graph=True)
    ga, gb = a.grad, b.grad
    a.cleargrad()
    b.cleargrad()
    (ga * 1.0 + gb * 1.0).backward()
    print('Hessian-vector product H v =', (float(a.grad.data), float(b.grad.data)),
          '(exact: H = [[2b, 2a], [2a, 6b]] = [[4, 2], [2, 12]], H v = (6, 14))')


if __name__ == '__main__':
    main()
