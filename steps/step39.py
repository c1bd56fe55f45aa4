"""Step 39: the sum function.

What it teaches: sum adds elements together, so each input element contributes with weight one:
its gradient copies the incoming gradient back to the input's shape (a broadcast). With `axis`
and `keepdims` the output keeps some axes, and the incoming gradient must first be reshaped so
that it broadcasts along the summed axes.

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

import dezero.functions as F
from dezero import Variable


def main():
    x = Variable(np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0]))
    y = F.sum(x)
    y.backward()
    print('sum of a vector:', y, ' grad:', x.grad)

    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    y = F.sum(x)
    y.backward()
    print('sum of a matrix:', y, ' grad:')
    print(x.grad)

    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    y = F.sum(x, axis=0)
    y.backward()
    print('sum over axis 0:', y, ' x.grad shape', x.grad.shape)

    x = Variable(np.random.randn(2, 3, 4, 5))
    y = x.sum(keepdims=True)
    print('keepdims=True keeps every axis with length 1:', y.shape)

    # a weighted sum over axis 1: the weights flow back along the summed axis
    x = Variable(np.random.randn(2, 3, 4))
    gy = np.random.randn(2, 1, 4)
    y = F.sum(x.sum(axis=1, keepdims=True) * gy)
    y.backward()
    print('axis=1, keepdims=True: every x.grad[:, j, :] equals the upstream weights:',
          np.allclose(x.grad.data, np.broadcast_to(gy, x.shape)))


if __name__ == '__main__':
    main()
