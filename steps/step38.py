"""Step 38: shape functions, reshape and transpose.

What it teaches: functions that only move elements around still need a backward rule. The
gradient of `reshape` is the incoming gradient reshaped back to the input's shape; the gradient
of `transpose` is the incoming gradient transposed back (by the inverse permutation when axes are
given). `Variable.reshape` accepts a tuple or separate ints, and `x.T` is `transpose(x)`, as in
NumPy.

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

import dezero.functions as F
from dezero import Variable


def main():
    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    y = F.reshape(x, (6,))
    y.backward()
    print('reshape (2, 3) -> (6,):', y)
    print('x.grad has the shape of x again:', x.grad.shape)
    print(x.grad)

    x.cleargrad()
    y = F.transpose(x)
    y.backward()
    print('transpose (2, 3) -> ', y.shape, '; x.grad shape', x.grad.shape)

    x = Variable(np.random.randn(1, 2, 3))
    print('x.reshape((2, 3)) ->', x.reshape((2, 3)).shape, ' x.reshape(2, 3) ->',
          x.reshape(2, 3).shape)
    print('x.transpose() ->', x.transpose().shape, ' x.T ->', x.T.shape,
          ' x.transpose(1, 0, 2) ->', x.transpose(1, 0, 2).shape)

    # the gradient of a permutation with axes flows back through the inverse permutation
    x = Variable(np.arange(24.0).reshape(2, 3, 4))
    w = np.random.randn(4, 2, 3)
    y = F.sum(F.transpose(x, (2, 0, 1)) * w)
    y.backward()
    print('transpose axes (2, 0, 1): x.grad equals w moved back by axes (1, 2, 0):',
          np.allclose(x.grad.data, w.transpose(1, 2, 0)))


if __name__ == '__main__':
    main()
