"""Differentiable functions: `import dezero.functions as F`.

Each operation is one small Function class with `forward` and `backward` side by side and a
lowercase wrapper below it. Backward rules are written with Variable operations so that any
order of derivative works; `backward_data` repeats the rule on plain arrays for the fast path.
"""
import numpy as np

from dezero import cuda, utils
from dezero.core import (Function, Variable, as_variable, as_array, Config,  # noqa: F401
                         add, sub, rsub, mul, div, rdiv, neg, pow,
                         reshape, transpose, sum, sum_to, broadcast_to, matmul, get_item,
                         max, min, Reshape, Transpose, Sum, SumTo, BroadcastTo, MatMul, GetItem,
                         GetItemGrad, Max, Min)


# =============================================================================================
# Elementary math
# =============================================================================================
class Sin(Function):
    """y = sin(x);  dy/dx = cos(x)."""

    def forward(self, x):
        return cuda.get_array_module(x).sin(x)

    def backward(self, gy):
        return gy * cos(self.inputs[0])

    def backward_data(self, gy):
        return gy * cuda.get_array_module(gy).cos(self._in.data)


def sin(x):
    """Elementwise sine."""
    return Sin()(x)


class Cos(Function):
    """y = cos(x);  dy/dx = -sin(x)."""

    def forward(self, x):
        return cuda.get_array_module(x).cos(x)

    def backward(self, gy):
        return gy * -sin(self.inputs[0])

    def backward_data(self, gy):
        return gy * -cuda.get_array_module(gy).sin(self._in.data)


def cos(x):
    """Elementwise cosine."""
    return Cos()(x)


class Tanh(Function):
    """y = tanh(x);  dy/dx = 1 - y**2."""

    def forward(self, x):
        return cuda.get_array_module(x).tanh(x)

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * (1 - y * y)

    def backward_data(self, gy):
        y = self.outputs[0]().data
        return gy * (1 - y * y)


def tanh(x):
    """Elementwise hyperbolic tangent."""
    return Tanh()(x)


class Exp(Function):
    """y = exp(x);  dy/dx = y."""

    def forward(self, x):
        return cuda.get_array_module(x).exp(x)

    def backward(self, gy):
        return gy * self.outputs[0]()

    def backward_data(self, gy):
        return gy * self.outputs[0]().data


def exp(x):
    """Elementwise exponential."""
    return Exp()(x)


class Log(Function):
    """y = log(x);  dy/dx = 1/x."""

    def forward(self, x):
        return cuda.get_array_module(x).log(x)

    def backward(self, gy):
        return gy / self.inputs[0]

    def backward_data(self, gy):
        return gy / self._in.data


def log(x):
    """Elementwise natural logarithm."""
    return Log()(x)
