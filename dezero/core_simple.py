"""The book's first core (its steps 23-32): first-order only, gradients are plain ndarrays.

The book's steps 28 and 29 switch to this module on purpose and update with
`x.data -= lr * x.grad`, which needs `x.grad` to be an array. Everything else (higher-order
derivatives, Variable gradients) lives in `dezero.core`. The two cores share `Config`, so
`no_grad()` works for both.
"""
import copy
import numbers
import weakref

import numpy as np

from dezero import core as _core
from dezero.core import Config, using_config, no_grad, test_mode, as_array  # noqa: F401
from dezero.ops import sum_to_array


class _GenerationQueue:
    """Functions waiting for backward, handed out newest generation first (the book's order;
    `dezero.core` runs the newest function first instead).

    A function's creators always have a lower generation than the function itself, so the
    queue only ever moves down: one bucket per generation and a falling cursor give O(1)
    push and amortised O(1) pop.
    """
    __slots__ = ('buckets', 'top', 'size')

    def __init__(self):
        self.buckets = {}
        self.top = 0  # at least the highest generation queued
        self.size = 0

    def push(self, f):
        g = f.generation
        b = self.buckets.get(g)
        if b is None:
            self.buckets[g] = [f]
        else:
            b.append(f)
        if g > self.top:
            self.top = g
        self.size += 1

    def pop(self):
        buckets = self.buckets
        g = self.top
        while True:
            b = buckets.get(g)
            if b:
                self.size -= 1
                self.top = g
                return b.pop()
            g -= 1


class Variable:
    """An array with a creator; `grad` is an ndarray of the same shape once backward ran."""
    __array_priority__ = 200
    __array_ufunc__ = None

    def __init__(self, data, name=None):
        if data is not None and not isinstance(data, np.ndarray):
            raise TypeError(f'Variable: data must be a numpy.ndarray or None, got '
                            f'{type(data).__name__}; wrap it with np.array(...)')
        self.data = data
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0

    # the array-like views and bookkeeping read only data/creator/generation: the full core's
    shape, ndim, size, dtype = (_core.Variable.shape, _core.Variable.ndim, _core.Variable.size,
                                _core.Variable.dtype)
    __len__ = _core.Variable.__len__
    __repr__ = _core.Variable.__repr__

    def set_creator(self, func):
        """Record `func` as this variable's creator; its generation is one above func's."""
        self.creator = func
        self.generation = func.generation + 1

    cleargrad = _core.Variable.cleargrad

    def backward(self, retain_grad=False):
        """Fill `grad` of every variable this one depends on (newest function first)."""
        if self.grad is None:
            self.grad = np.ones_like(self.data)
        if self.creator is None:
            return
        queue, queued = _GenerationQueue(), {self.creator}
        queue.push(self.creator)
        while queue.size:
            f = queue.pop()
            gys = [ref().grad for ref in f.outputs]
            gxs = f.backward(*gys)
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx in zip(f.inputs, gxs):
                gx = as_array(sum_to_array(as_array(gx), x.data.shape))
                # combined with `+`, never in place: one array handed to two inputs (x + x)
                # is never changed through either of them
                x.grad = gx if x.grad is None else as_array(x.grad + gx)
                if x.creator is not None and x.creator not in queued:
                    queued.add(x.creator)
                    queue.push(x.creator)
            if not retain_grad:
                for ref in f.outputs:
                    ref().grad = None

    # --- operators ----------------------------------------------------------------------
    def __add__(self, other):
        return add(self, other)

    __radd__ = __add__

    def __mul__(self, other):
        return mul(self, other)

    __rmul__ = __mul__

    def __neg__(self):
        return neg(self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return rsub(self, other)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return rdiv(self, other)

    def __pow__(self, c):
        return pow(self, c)


def as_variable(obj):
    """obj itself if it is a Variable, else a Variable wrapping it (scalars become 0-d)."""
    if isinstance(obj, Variable):
        return obj
    if isinstance(obj, (numbers.Number, np.number, np.bool_)):
        return Variable(np.array(obj))
    if obj is None or isinstance(obj, np.ndarray):
        return Variable(obj)
    raise TypeError(f'core_simple: cannot use {type(obj).__name__} as an operand; use a '
                    f'Variable, a NumPy array or a scalar')


class Function:
    """Base of the simple core's operations: forward on arrays, backward on arrays."""

    def __call__(self, *inputs):
        if 'outputs' in self.__dict__:
            # called before: this call gets a node of its own, and the first keeps its inputs
            f = copy.copy(self)
            del f.outputs
            return Function.__call__(f, *inputs)
        inputs = [as_variable(x) for x in inputs]
        ys = self.forward(*[x.data for x in inputs])
        if not isinstance(ys, tuple):
            ys = (ys,)
        outputs = [Variable(as_array(y)) for y in ys]
        if Config.enable_backprop:
            self.generation = max(x.generation for x in inputs)
            for out in outputs:
                out.set_creator(self)
            self.inputs = inputs
            self.outputs = [weakref.ref(out) for out in outputs]
        return outputs[0] if len(outputs) == 1 else outputs

    def forward(self, *xs):
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')

    def backward(self, *gys):
        raise NotImplementedError(f'{type(self).__name__}.backward is not defined')


class Add(Function):
    """y = x0 + x1."""

    def forward(self, x0, x1):
        return x0 + x1

    def backward(self, gy):
        return gy, gy


class Mul(Function):
    """y = x0 * x1."""

    def forward(self, x0, x1):
        return x0 * x1

    def backward(self, gy):
        x0, x1 = self.inputs
        return gy * x1.data, gy * x0.data


class Neg(Function):
    """y = -x."""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


class Sub(Function):
    """y = x0 - x1."""

    def forward(self, x0, x1):
        return x0 - x1

    def backward(self, gy):
        return gy, -gy


class Div(Function):
    """y = x0 / x1."""

    def forward(self, x0, x1):
        return x0 / x1

    def backward(self, gy):
        x0, x1 = self.inputs[0].data, self.inputs[1].data
        return gy / x1, -gy * x0 / (x1 * x1)


class Pow(Function):
    """y = x ** c for a constant c."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** self.c

    def backward(self, gy):
        x = self.inputs[0].data
        return self.c * x ** (self.c - 1) * gy


def add(x0, x1):
    return Add()(x0, x1)


def mul(x0, x1):
    return Mul()(x0, x1)


def neg(x):
    return Neg()(x)


def sub(x0, x1):
    return Sub()(x0, x1)


def rsub(x0, x1):
    return Sub()(x1, x0)


def div(x0, x1):
    return Div()(x0, x1)


def rdiv(x0, x1):
    return Div()(x1, x0)


def pow(x, c):
    return Pow(c)(x)


def setup_variable():
    """Kept for the book's programs: the operators are already defined on Variable."""
    return Variable
