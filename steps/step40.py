"""Step 40: broadcasting, with broadcast_to and sum_to as a pair.

What it teaches: `broadcast_to(x, shape)` copies x along new or length-1 axes; its backward is
`sum_to`, which sums the gradient back to x's shape. The two are each other's backward. Because
arithmetic operators broadcast like NumPy (x0 + x1 with shapes (3,) and (1,)), every binary
operator applies `sum_to` in its backward whenever the shapes of its inputs differ, so that each
gradient has its input's shape.

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

import dezero.functions as F
from dezero import Variable


def main():
    x = Variable(np.array([1.0, 2.0, 3.0]))
    y = F.broadcast_to(x, (2, 3))
    y.backward()
    print('broadcast_to (3,) -> (2, 3):')
    print(y)
    print('its gradient is summed back to (3,):', x.grad)

    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    y = F.sum_to(x, (1, 3))
    print('sum_to (2, 3) -> (1, 3):', y)
    y = F.sum_to(x, (2, 1))
    print('sum_to (2, 3) -> (2, 1):')
    print(y)

    x0 = Variable(np.array([1.0, 2.0, 3.0]))
    x1 = Variable(np.array([10.0]))
    y = x0 + x1
    print('x0 (3,) + x1 (1,) =', y)
    y.backward()
    print('x0.grad', x0.grad, ' x1.grad', x1.grad, '(three ones summed to one element)')

    x0 = Variable(np.random.randn(2, 3))
    x1 = Variable(np.random.randn(3))
    y = F.sum(x0 * x1)
    y.backward()
    print('x0 (2, 3) * x1 (3,): x1.grad shape', x1.grad.shape, ', equals x0 summed over axis 0:',
          np.allclose(x1.grad.data, x0.data.sum(axis=0)))


if __name__ == '__main__':
    main()
