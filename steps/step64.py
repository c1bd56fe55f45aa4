"""Step 64: checking a hand-written Function with `gradcheck`, to second order.

What it teaches: a new Function's backward is a formula typed by hand, and a wrong one trains
anyway, just worse. `dezero.func.gradcheck(f, *inputs)` compares the derivatives backward
computes with central differences (f(x + eps) - f(x - eps)) / 2 eps in float64, for every
element of every input, with the outputs weighted by a random upstream gradient so that every
element of backward counts. It returns True, or raises `GradcheckError` naming the input, the
element, both values and the order.

`order=2` also differentiates the first derivatives (what Newton's method, Hessians and
gradient penalties need). That catches a mistake the first order cannot see: a backward that
computes with `x.data` and NumPy gives the right numbers, but to the graph they are constants,
so the second derivative comes out as 0.

The script writes softplus(x) = log(1 + exp(x)), whose derivative is sigmoid(x), three times:
with a wrong formula (caught at order 1), with a right formula on arrays (passes order 1,
caught at order 2), and with the formula written with Variable operations (passes both). The
last one's second derivative, sigmoid(x) (1 - sigmoid(x)), then feeds `hessian`.

Where it simplifies: central differences need float64 and smooth functions; at a kink (relu
at 0) or with float32 data they disagree with a correct backward, so check away from kinks.
"""
import numpy as np

import dezero.functions as F
from dezero import Function
from dezero.func import GradcheckError, gradcheck, hessian


def _softplus(x):
    return np.logaddexp(0.0, x)  # log(1 + exp(x)) without overflow


class SoftplusWrong(Function):
    """softplus with a slip in its derivative: exp(x) / (1 + exp(x))**2 is sigmoid's own slope."""

    def forward(self, x):
        return _softplus(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * F.exp(x) / (1 + F.exp(x)) ** 2


class SoftplusOnArrays(Function):
    """Right derivative, computed on arrays: a constant to the graph."""

    def forward(self, x):
        return _softplus(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * (1 / (1 + np.exp(-x.data)))


class Softplus(Function):
    """y = log(1 + exp(x));  dy/dx = sigmoid(x), written with Variable operations."""

    def forward(self, x):
        return _softplus(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * F.sigmoid(x)


def check(name, function, x):
    print(f'{name}:')
    for order in (1, 2):
        try:
            gradcheck(function(), x, order=order)  # an instance: the message names its class
        except GradcheckError as e:
            print(f'  order {order}: FAILED\n    {e}')
            return e
        print(f'  order {order}: passed')
    return None


def main():
    x = np.random.default_rng(0).standard_normal((2, 3))
    e = check('SoftplusWrong', SoftplusWrong, x)
    assert e is not None and e.order == 1
    e = check('SoftplusOnArrays', SoftplusOnArrays, x)
    assert e is not None and e.order == 2 and e.analytic == 0.0
    assert check('Softplus', Softplus, x) is None

    v = x[0]
    H = hessian(lambda v: F.sum(Softplus()(v)))(v).data
    s = 1 / (1 + np.exp(-v))
    print(f'hessian of sum(softplus(x)) at x = {v}:\n{H}')
    print(f'its diagonal is sigmoid(x) (1 - sigmoid(x)) = {s * (1 - s)}')
    assert np.allclose(H, np.diag(s * (1 - s)), atol=1e-15)


if __name__ == '__main__':
    main()
