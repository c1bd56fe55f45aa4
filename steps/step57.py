"""Step 57: conv2d and pooling as differentiable functions.

What it teaches: with im2col (step 56) a convolution is im2col, a matrix product and a reshape,
all differentiable, so `F.conv2d_simple(x, W, b, stride, pad)` gets its backward for free: the
gradient of im2col is col2im, which adds each column back onto the pixels it came from. Max
pooling is im2col followed by a max over each window (`F.pooling_simple`); its gradient flows
only to the element that was the maximum. `F.conv2d` and `F.pooling` compute the same values
with fused backward rules and less memory; this script checks that they agree.

Where it simplifies: nothing; the `*_simple` versions are the book's teaching versions.
"""
import numpy as np

import dezero.functions as F
from dezero import Variable


def main():
    np.random.seed(0)
    x1 = np.random.rand(1, 3, 7, 7)
    col1 = F.im2col(x1, kernel_size=5, stride=1, pad=0, to_matrix=True)
    print('im2col (1, 3, 7, 7), kernel 5:', col1.shape)
    x2 = np.random.rand(10, 3, 7, 7)
    col2 = F.im2col(x2, kernel_size=(5, 5), stride=(1, 1), pad=(0, 0), to_matrix=True)
    print('im2col (10, 3, 7, 7), kernel 5:', col2.shape)

    N, C, H, W = 1, 5, 15, 15
    OC, (KH, KW) = 8, (3, 3)
    x = Variable(np.random.randn(N, C, H, W))
    W = np.random.randn(OC, C, KH, KW)
    y = F.conv2d_simple(x, W, b=None, stride=1, pad=1)
    y.backward()
    print('conv2d_simple: y', y.shape, ' x.grad', x.grad.shape)

    x_fast = Variable(x.data.copy())
    y_fast = F.conv2d(x_fast, W, b=None, stride=1, pad=1)
    y_fast.backward()
    print('conv2d agrees with conv2d_simple: values', np.allclose(y.data, y_fast.data),
          ', gradients', np.allclose(x.grad.data, x_fast.grad.data))

    x = Variable(np.random.randn(2, 3, 8, 8))
    y = F.pooling_simple(x, kernel_size=2, stride=2)
    y.backward()
    print('pooling_simple 2x2 stride 2: x', x.shape, '-> y', y.shape,
          '; the gradient reaches', int((x.grad.data != 0).sum()), 'of the', x.size,
          'inputs (one per window)')
    x_fast = Variable(x.data.copy())
    y_fast = F.pooling(x_fast, kernel_size=2, stride=2)
    y_fast.backward()
    print('pooling agrees with pooling_simple: values', np.allclose(y.data, y_fast.data),
          ', gradients', np.allclose(x.grad.data, x_fast.grad.data))


if __name__ == '__main__':
    main()
