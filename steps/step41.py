"""Step 41: the matrix product.

What it teaches: for y = x @ W with x of shape (N, D) and W of shape (D, H), the gradients are
gx = gy @ W.T and gW = x.T @ gy. Checking the shapes is enough to remember the rule: each
gradient has its input's shape, and there is only one way to multiply gy (N, H) with the other
operand to get it.

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

import dezero.functions as F
from dezero import Variable
from dezero.utils import numerical_grad


def main():
    np.random.seed(0)
    x = Variable(np.random.randn(2, 3))
    W = Variable(np.random.randn(3, 4))
    y = F.matmul(x, W)
    y.backward()
    print('x', x.shape, '@ W', W.shape, '->', y.shape)
    print('x.grad shape', x.grad.shape, ' W.grad shape', W.grad.shape)

    gx_num = numerical_grad(lambda v: F.matmul(v, W), x)
    gW_num = numerical_grad(lambda v: F.matmul(x, v), W)
    print('backprop agrees with central differences: x', np.allclose(x.grad.data, gx_num),
          ', W', np.allclose(W.grad.data, gW_num))
    print('the same product written as x @ W ->', (x @ W).shape, ' and x.matmul(W) ->',
          x.matmul(W).shape)


if __name__ == '__main__':
    main()
