"""Step 37: tensors flow through functions unchanged.

What it teaches: every function so far was written on NumPy arrays, so a Variable may hold a
tensor (any shape) instead of a scalar. Elementwise functions (sin, +, *) act on each element;
the gradient of an input has the same shape as the input, element for element. When the output
is not a scalar, `backward()` seeds it with ones of its shape, which is the same as
differentiating the sum of its elements: each x.grad[i, j] is then d(sum y)/dx[i, j].

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

import dezero.functions as F
from dezero import Variable


def main():
    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    c = Variable(np.array([[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]))

    y = F.sin(x)
    print('sin(x) elementwise, shape', y.shape)
    print(y)

    t = x + c
    print('x + c =')
    print(t)

    # a tensor output: backward seeds ones of t's shape, i.e. it differentiates sum(t)
    z = x * c + F.sin(x)
    z.backward()
    print('z = x * c + sin(x); x.grad (= c + cos(x)) has the shape of x,', x.grad.shape)
    print(x.grad)
    assert np.allclose(x.grad.data, c.data + np.cos(x.data))

    # the same gradients come from reducing to a scalar first
    x.cleargrad()
    s = F.sum(x * c + F.sin(x))
    s.backward()
    print('sum(z) =', s, '; its gradient equals the one above:',
          np.allclose(x.grad.data, c.data + np.cos(x.data)))


if __name__ == '__main__':
    main()
