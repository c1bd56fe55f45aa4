"""The basic operations on Variables: arithmetic, shapes, reductions, matmul, indexing.

One small Function class per operation, `forward` and `backward` side by side, the lowercase
function below it. These are the operations behind Variable's operators and methods
(`x + y`, `x ** 2`, `x[i]`, `x.sum()`, `x @ W`, `x.T`): importing this module fills the table
`dezero.arraylike.ops` that Variable's operators call. Backward rules are written with these
same operations, so every order of derivative works; the hot ones repeat their rule on arrays
in `backward_data` for the first-order walk of `dezero/array_backward.py`.
"""
import builtins
import numbers

import numpy as np

from dezero import arraylike, cuda
from dezero.core import Function, Variable, as_variable, input_variable

_AxisError = getattr(np, 'exceptions', np).AxisError  # np.exceptions is NumPy 1.25+


# ---------------------------------------------------------------------------------------------
# Array helpers shared by backward rules
# ---------------------------------------------------------------------------------------------
def sum_to_array(x, shape):
    """Sum array `x` down to `shape` (the inverse of broadcasting)."""
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1)
    y = x.sum(axis=axes, keepdims=True)
    return y.reshape(shape) if lead > 0 else y


def _keepdims_shape(gy_shape, x_shape, axis, keepdims):
    """Shape of a reduced gradient with the reduced axes put back as length-1 axes."""
    ndim = len(x_shape)
    if keepdims or ndim == 0:
        return gy_shape if len(gy_shape) == ndim else (1,) * ndim
    if axis is None:
        return (1,) * ndim
    axes = sorted(a % ndim for a in (axis if isinstance(axis, tuple) else (axis,)))
    shape = list(gy_shape)
    for a in axes:
        shape.insert(a, 1)
    return tuple(shape)


def _axis_error(fname, x, axis):
    """NumPy's AxisError for `axis`, restated with the function and the shape of x."""
    shape = np.shape(x.data if isinstance(x, Variable) else x)
    n = len(shape)
    where = f'axes run from {-n} to {n - 1}' if n else 'a 0-d array has no axes'
    return _AxisError(f'{fname}: axis {axis!r} is out of range for x of shape {shape} ({where})')


def _bcast_error(fname, a, b):
    return ValueError(f'{fname}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast '
                      f'together (NumPy broadcasting rules)')


def _sum_to(gy, shape):
    """sum_to for gradients: a no-op when the shape already fits."""
    return gy if gy.shape == shape else SumTo(shape)(gy)


# ---------------------------------------------------------------------------------------------
# Arithmetic between Variables
# ---------------------------------------------------------------------------------------------
class Add(Function):
    """y = x0 + x1 (broadcasting);  dy/dx0 = dy/dx1 = 1, summed back to each input's shape."""

    def forward(self, x0, x1):
        self.shapes = x0.shape, x1.shape
        try:
            return x0 + x1
        except ValueError:
            raise _bcast_error('add', x0, x1) from None

    def backward(self, gy):
        s0, s1 = self.shapes
        return _sum_to(gy, s0), _sum_to(gy, s1)

    def backward_data(self, gy):
        s0, s1 = self.shapes
        return sum_to_array(gy, s0), sum_to_array(gy, s1)


class Sub(Function):
    """y = x0 - x1;  dy/dx0 = 1, dy/dx1 = -1."""

    def forward(self, x0, x1):
        self.shapes = x0.shape, x1.shape
        try:
            return x0 - x1
        except ValueError:
            raise _bcast_error('sub', x0, x1) from None

    def backward(self, gy):
        s0, s1 = self.shapes
        return _sum_to(gy, s0), _sum_to(-gy, s1)

    def backward_data(self, gy):
        s0, s1 = self.shapes
        return sum_to_array(gy, s0), sum_to_array(-gy, s1)


class Mul(Function):
    """y = x0 * x1;  dy/dx0 = x1, dy/dx1 = x0."""

    def forward(self, x0, x1):
        try:
            return x0 * x1
        except ValueError:
            raise _bcast_error('mul', x0, x1) from None

    def backward(self, gy):
        x0, x1 = self.inputs
        return _sum_to(gy * x1, x0.shape), _sum_to(gy * x0, x1.shape)

    def backward_data(self, gy):
        x0, x1 = self.inputs
        a, b = x0.data, x1.data
        return sum_to_array(gy * b, a.shape), sum_to_array(gy * a, b.shape)


class Div(Function):
    """y = x0 / x1;  dy/dx0 = 1/x1, dy/dx1 = -x0/x1**2."""

    def forward(self, x0, x1):
        try:
            return x0 / x1
        except ValueError:
            raise _bcast_error('div', x0, x1) from None

    def backward(self, gy):
        x0, x1 = self.inputs
        return _sum_to(gy / x1, x0.shape), _sum_to(gy * (-x0 / x1 ** 2), x1.shape)

    def backward_data(self, gy):
        x0, x1 = self.inputs
        a, b = x0.data, x1.data
        return sum_to_array(gy / b, a.shape), sum_to_array(gy * (-a / (b * b)), b.shape)


class Neg(Function):
    """y = -x;  dy/dx = -1."""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy

    def backward_data(self, gy):
        return -gy


class Abs(Function):
    """y = |x|;  dy/dx = sign(x) (0 at 0, as PyTorch)."""

    def forward(self, x):
        return cuda.get_array_module(x).abs(x)

    def backward(self, gy):
        return gy * cuda.get_array_module(gy.data).sign(self.inputs[0].data)


# ---------------------------------------------------------------------------------------------
# Arithmetic with a constant: the constant is kept on the function, not wrapped in a Variable
# ---------------------------------------------------------------------------------------------
def _constant(c, fname):
    """A constant operand: Python numbers as they are; 0-d NumPy values become Python numbers,
    so they are weak in type promotion as Python scalars are (x float32 * np.float64(2) stays
    float32); arrays stay arrays."""
    if c.__class__ is float or c.__class__ is int:
        return c
    if isinstance(c, (np.generic, np.ndarray)) and c.ndim == 0 and c.dtype.kind in 'biuf':
        return c.item()  # (np.float64 is a subclass of float, yet strong in promotion)
    if isinstance(c, cuda.array_types) or isinstance(c, numbers.Number):
        return c
    raise TypeError(f'{fname}: cannot combine a Variable with {type(c).__name__}; use a '
                    f'Variable, a NumPy array or a scalar')


class _WithConstant(Function):
    """y = op(x, c) for a constant c; its gradient is summed back to x's shape when an array
    constant broadcast x to a larger shape."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        self.x_shape = x.shape
        try:
            if x.ndim == 0 and x.__class__ is np.ndarray:  # scalar arithmetic: same result,
                return np.asarray(self.op(x[()], self.c))   # several times faster
            return self.op(x, self.c)
        except ValueError as e:
            try:
                np.broadcast_shapes(np.shape(x), np.shape(self.c))
            except ValueError:
                raise _bcast_error(self.name, x, self.c) from None
            raise ValueError(f'{self.name}: {e} (x of dtype {x.dtype}, constant {self.c!r})') \
                from None

    def fit(self, g):
        return _sum_to(g, self.x_shape)

    def fit_data(self, g):
        return sum_to_array(g, self.x_shape)


class AddConstant(_WithConstant):
    """y = x + c;  dy/dx = 1."""
    name = 'add'

    @staticmethod
    def op(x, c):
        return x + c

    def backward(self, gy):
        return self.fit(gy)

    def backward_data(self, gy):
        return self.fit_data(gy)


class SubConstant(AddConstant):
    """y = x - c;  dy/dx = 1."""
    name = 'sub'

    @staticmethod
    def op(x, c):
        return x - c


class RSubConstant(_WithConstant):
    """y = c - x;  dy/dx = -1."""
    name = 'sub'

    @staticmethod
    def op(x, c):
        return c - x

    def backward(self, gy):
        return self.fit(-gy)

    def backward_data(self, gy):
        return self.fit_data(-gy)


class MulConstant(_WithConstant):
    """y = x * c;  dy/dx = c."""
    name = 'mul'

    @staticmethod
    def op(x, c):
        return x * c

    def backward(self, gy):
        return self.fit(gy * self.c)

    def backward_data(self, gy):
        return self.fit_data(gy * self.c)


class DivConstant(_WithConstant):
    """y = x / c;  dy/dx = 1/c."""
    name = 'div'

    @staticmethod
    def op(x, c):
        return x / c

    def backward(self, gy):
        return self.fit(gy / self.c)

    def backward_data(self, gy):
        return self.fit_data(gy / self.c)


class RDivConstant(_WithConstant):
    """y = c / x;  dy/dx = -c / x**2."""
    name = 'div'

    @staticmethod
    def op(x, c):
        return c / x

    def backward(self, gy):
        x, = self.inputs
        return self.fit(gy * -self.c / x ** 2)


def _exponent_below(c):
    """c - 1, except 1 where c is 0: d(x**0)/dx is 0 * x**(-1), which is nan at x = 0;
    c * x**1 gives the 0 that PyTorch gives."""
    if isinstance(c, (int, float)):
        return 1 if c == 0 else c - 1
    return cuda.get_array_module(c).where(c == 0, 1, c - 1)


class Pow(_WithConstant):
    """y = x ** c;  dy/dx = c * x**(c-1) (0 where c is 0, even at x = 0)."""
    name = 'pow'

    @staticmethod
    def op(x, c):
        return x ** c

    def backward(self, gy):
        x, = self.inputs
        return self.fit(self.c * x ** _exponent_below(self.c) * gy)

    def backward_data(self, gy):
        c = self.c
        return self.fit_data(c * self.inputs[0].data ** _exponent_below(c) * gy)


class RPowConstant(_WithConstant):
    """y = c ** x;  dy/dx = c**x * log(c) (0 where c is 0 and x >= 0, as PyTorch)."""
    name = 'pow'

    @staticmethod
    def op(x, c):
        return c ** x

    def backward(self, gy):
        x, = self.inputs
        c = self.c
        xp = cuda.get_array_module(gy.data)
        with np.errstate(divide='ignore'):
            log_c = xp.log(c)
        if not xp.any(c == 0):
            return self.fit(gy * c ** x * (float(log_c) if isinstance(c, (int, float)) else log_c))
        # base 0: 0**x is flat where x > 0 and jumps at 0; -inf where x < 0 (as PyTorch)
        slope = xp.where(x.data >= 0, 0.0, -xp.inf).astype(gy.dtype)
        return self.fit(gy * slope)


# the operators' entry points: a Variable operand records the binary op, anything else is a
# constant on the function
def add(x0, x1):
    """x0 + x1 with NumPy broadcasting."""
    if not isinstance(x0, Variable):
        x0, x1 = x1, x0
    if isinstance(x1, Variable):
        return Add()(x0, x1)
    return AddConstant(_constant(x1, 'add'))(x0)


def mul(x0, x1):
    """x0 * x1 with NumPy broadcasting."""
    if not isinstance(x0, Variable):
        x0, x1 = x1, x0
    if isinstance(x1, Variable):
        return Mul()(x0, x1)
    return MulConstant(_constant(x1, 'mul'))(x0)


def sub(x0, x1):
    """x0 - x1 with NumPy broadcasting."""
    if not isinstance(x0, Variable):
        return rsub(x1, x0) if isinstance(x1, Variable) else Sub()(x0, x1)
    if isinstance(x1, Variable):
        return Sub()(x0, x1)
    return SubConstant(_constant(x1, 'sub'))(x0)


def rsub(x0, x1):
    """x1 - x0 (the reflected subtraction behind `other - variable`)."""
    if isinstance(x1, Variable):
        return sub(x1, x0)
    return RSubConstant(_constant(x1, 'sub'))(x0)


def div(x0, x1):
    """x0 / x1 with NumPy broadcasting."""
    if not isinstance(x0, Variable):
        return rdiv(x1, x0) if isinstance(x1, Variable) else Div()(x0, x1)
    if isinstance(x1, Variable):
        return Div()(x0, x1)
    return DivConstant(_constant(x1, 'div'))(x0)


def rdiv(x0, x1):
    """x1 / x0 (the reflected division behind `other / variable`)."""
    if isinstance(x1, Variable):
        return div(x1, x0)
    return RDivConstant(_constant(x1, 'div'))(x0)


def pow(x, c):
    """x ** c for a constant exponent c (a scalar or an array)."""
    if isinstance(c, Variable):
        raise TypeError('pow: the exponent must be a scalar or an array, not a Variable')
    return Pow(_constant(c, 'pow'))(x)


def rpow(x, c):
    """c ** x for a constant base c (behind `number ** variable`)."""
    return RPowConstant(_constant(c, 'pow'))(x)


def neg(x):
    """-x."""
    return Neg()(x)


def abs(x):
    """|x| elementwise; the gradient is sign(x)."""
    return Abs()(x)


class Copy(Function):
    """y = a copy of x;  dy/dx = 1. Gives a gradient memory of its own under create_graph."""

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy


def copy(x):
    """A copy of x that records the graph."""
    return Copy()(x)


class AsType(Function):
    """y = x as another dtype;  the gradient goes back in x's dtype."""

    def __init__(self, dtype):
        self.dtype = dtype

    def forward(self, x):
        self.x_dtype = x.dtype
        return x.astype(self.dtype)

    def backward(self, gy):
        return astype(gy, self.x_dtype)


def astype(x, dtype):
    """x converted to `dtype` (no-op when it has it)."""
    x = as_variable(x)
    return x if x.dtype == dtype else AsType(dtype)(x)


# ---------------------------------------------------------------------------------------------
# Shapes
# ---------------------------------------------------------------------------------------------
class Reshape(Function):
    """y = x reshaped;  the gradient is reshaped back."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(f'reshape: cannot reshape an array of shape {x.shape} '
                             f'({x.size} elements) into shape {self.shape}') from None

    def backward(self, gy):
        return reshape(gy, self.x_shape)

    def backward_data(self, gy):
        return gy.reshape(self.x_shape)


def reshape(x, shape):
    """x with a new shape (no-op when the shape is unchanged)."""
    if isinstance(shape, numbers.Integral):
        shape = (shape,)
    try:
        shape = tuple(shape)
    except TypeError:
        raise TypeError(f'reshape: shape must be an int or a tuple of ints, got '
                        f'{type(shape).__name__}') from None
    x = input_variable(x, 'reshape')
    if x.shape == shape:
        return x
    return Reshape(shape)(x)


class Transpose(Function):
    """y = x with permuted axes;  the gradient gets the inverse permutation."""

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        try:
            return x.transpose(self.axes)
        except ValueError:
            raise ValueError(f'transpose: axes {self.axes} do not match an array of shape '
                             f'{x.shape}') from None

    def inverse(self, ndim):
        if self.axes is None:
            return None
        return tuple(np.argsort([a % ndim for a in self.axes]))

    def backward(self, gy):
        return transpose(gy, self.inverse(gy.ndim))

    def backward_data(self, gy):
        return gy.transpose(self.inverse(gy.ndim))


def transpose(x, axes=None):
    """Permute the axes of x (reverse them when `axes` is None)."""
    return Transpose(None if axes is None else tuple(axes))(x)


class BroadcastTo(Function):
    """y = x broadcast to `shape`;  the gradient is summed back to x's shape."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        _check_broadcastable('broadcast_to', x.shape, self.shape)
        return cuda.get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.x_shape)

    def backward_data(self, gy):
        return sum_to_array(gy, self.x_shape)


def broadcast_to(x, shape):
    """Broadcast x to `shape` (no-op when it already has that shape)."""
    shape = tuple(shape)
    x = input_variable(x, 'broadcast_to')
    if x.shape == shape:
        return x
    return BroadcastTo(shape)(x)


class SumTo(Function):
    """y = x summed down to `shape`;  the gradient is broadcast back."""

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        _check_broadcastable('sum_to', self.shape, x.shape)
        return sum_to_array(x, self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.x_shape)

    def backward_data(self, gy):
        return cuda.get_array_module(gy).broadcast_to(gy, self.x_shape)


def sum_to(x, shape):
    """Sum x down to `shape` (no-op when it already has that shape)."""
    shape = tuple(shape)
    x = input_variable(x, 'sum_to')
    if x.shape == shape:
        return x
    return SumTo(shape)(x)


def _check_broadcastable(fname, small, big):
    ok = len(small) <= len(big) and builtins.all(
        s == b or s == 1 for s, b in zip(small[::-1], big[::-1]))
    if not ok:
        raise ValueError(f'{fname}: shape {small} cannot be broadcast to shape {big}')


# ---------------------------------------------------------------------------------------------
# Reductions
# ---------------------------------------------------------------------------------------------
class Sum(Function):
    """y = sum of x over `axis`;  the gradient is broadcast back to x's shape."""

    def __init__(self, axis, keepdims):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        self.x_shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        gy = reshape(gy, _keepdims_shape(gy.shape, self.x_shape, self.axis, self.keepdims))
        return broadcast_to(gy, self.x_shape)

    def backward_data(self, gy):
        gy = gy.reshape(_keepdims_shape(gy.shape, self.x_shape, self.axis, self.keepdims))
        return cuda.get_array_module(gy).broadcast_to(gy, self.x_shape)


def _axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def sum(x, axis=None, keepdims=False):
    """Sum of x over `axis` (all axes by default)."""
    axis = _axis(axis)
    try:
        return Sum(axis, keepdims)(x)
    except _AxisError:
        raise _axis_error('sum', x, axis) from None


def mean(x, axis=None, keepdims=False):
    """Mean of x over `axis` (all axes by default); nan for an empty axis, as NumPy and
    PyTorch give."""
    x = as_variable(x)
    axis = _axis(axis)
    y = sum(x, axis, keepdims)
    shape = x.shape
    axes = range(len(shape)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    count = int(np.prod([shape[a] for a in axes]))
    return y * np.nan if count == 0 else y / count


class Max(Function):
    """y = max of x over `axis`;  the gradient is shared equally among the positions that hold
    the maximum (as torch.amax)."""
    reduce = 'max'

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        return getattr(x, self.reduce)(axis=self.axis, keepdims=self.keepdims)

    def share(self):
        """Each input position's share of the gradient: 1/k at the k tied extremes, else 0,
        and the shape that puts the reduced axes back."""
        x = self.inputs[0].data
        y = self.outputs[0]()
        y = self.forward(x) if y is None else y.data
        shape = _keepdims_shape(y.shape, x.shape, self.axis, self.keepdims)
        hit = x == y.reshape(shape)
        return hit / hit.sum(axis=self.axis, keepdims=True), shape

    def backward(self, gy):
        share, shape = self.share()
        return broadcast_to(reshape(gy, shape), share.shape) * share.astype(gy.dtype)

    def backward_data(self, gy):
        share, shape = self.share()
        return gy.reshape(shape) * share.astype(gy.dtype)


class Min(Max):
    """y = min of x over `axis`;  the gradient is shared equally among the minima."""
    reduce = 'min'


def max(x, axis=None, keepdims=False):
    """Maximum of x over `axis` (ties share the gradient equally)."""
    axis = _axis(axis)
    try:
        return Max(axis, keepdims)(x)
    except _AxisError:
        raise _axis_error('max', x, axis) from None


def min(x, axis=None, keepdims=False):
    """Minimum of x over `axis` (ties share the gradient equally)."""
    axis = _axis(axis)
    try:
        return Min(axis, keepdims)(x)
    except _AxisError:
        raise _axis_error('min', x, axis) from None


# ---------------------------------------------------------------------------------------------
# Matrix product
# ---------------------------------------------------------------------------------------------
class MatMul(Function):
    """y = x @ W;  dy/dx = gy @ W.T, dy/dW = x.T @ gy (NumPy matmul semantics)."""

    def forward(self, x, W):
        if x.ndim == 0 or W.ndim == 0:
            raise ValueError(f'matmul: inputs must have at least 1 dimension, got shapes '
                             f'{x.shape} and {W.shape}')
        try:
            return x @ W
        except ValueError:
            raise ValueError(f'matmul: shapes {x.shape} and {W.shape} do not align: the last '
                             f'axis of the first must match the '
                             f'{"first" if W.ndim == 1 else "second-to-last"} axis of the '
                             f'second (and batch axes must broadcast)') from None

    def backward(self, gy):
        x, W = self.inputs
        if x.ndim == 2 and W.ndim == 2:
            return matmul(gy, W.T), matmul(x.T, gy)
        return _matmul_grads(x, W, gy, matmul, transpose, _sum_to, reshape)

    def backward_data(self, gy):
        x, W = self.inputs[0].data, self.inputs[1].data
        if x.ndim == 2 and W.ndim == 2:
            return gy @ W.T, x.T @ gy
        return _matmul_grads(x, W, gy, lambda a, b: a @ b, lambda a, axes: a.transpose(axes),
                             sum_to_array, lambda a, shape: a.reshape(shape))


def _matmul_grads(x, W, gy, mm, tr, sum_to_, reshape_):
    """Gradients of x @ W for 1-D and batched operands, written once for Variables and arrays:
    1-D operands become matrices (gy gets the matching length-1 axis), the batched products
    are formed, and broadcast batch axes are summed away again."""
    x_shape, W_shape = x.shape, W.shape
    if W.ndim == 1:
        W = reshape_(W, W_shape + (1,))
        gy = reshape_(gy, gy.shape + (1,))
    if x.ndim == 1:
        x = reshape_(x, (1,) + x_shape)
        gy = reshape_(gy, gy.shape[:-1] + (1, gy.shape[-1]))
    gx = mm(gy, tr(W, _swap_last(W.ndim)))
    gW = mm(tr(x, _swap_last(x.ndim)), gy)
    return (reshape_(sum_to_(gx, x.shape), x_shape),
            reshape_(sum_to_(gW, W.shape), W_shape))


def _swap_last(ndim):
    axes = list(range(ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return tuple(axes)


def matmul(x, W):
    """Matrix product x @ W (batched and 1-D operands included)."""
    return MatMul()(x, W)


# ---------------------------------------------------------------------------------------------
# Indexing
# ---------------------------------------------------------------------------------------------
class GetItem(Function):
    """y = x[index];  the gradient scatters gy back into zeros of x's shape."""

    def __init__(self, slices):
        self.slices = slices

    def forward(self, x):
        self.x_shape = x.shape
        try:
            return x[self.slices]
        except IndexError as e:
            raise IndexError(f'get_item: index {self.slices!r} is invalid for shape {x.shape}: '
                             f'{e}') from None

    def backward(self, gy):
        return GetItemGrad(self.slices, self.x_shape)(gy)

    def backward_data(self, gy):
        return _scatter_add(gy, self.slices, self.x_shape)


class GetItemGrad(Function):
    """Scatter-add gy into zeros of the input's shape; its own gradient is get_item again."""

    def __init__(self, slices, in_shape):
        self.slices = slices
        self.in_shape = in_shape

    def forward(self, gy):
        return _scatter_add(gy, self.slices, self.in_shape)

    def backward(self, ggx):
        return get_item(ggx, self.slices)


def _scatter_add(gy, slices, shape):
    xp = cuda.get_array_module(gy)
    gx = xp.zeros(shape, dtype=gy.dtype)
    if xp is np or hasattr(xp.add, 'at'):  # NumPy, and CuPy from 13 on
        xp.add.at(gx, slices, gy)
    else:  # earlier CuPy has no ufunc.at; its scatter_add is the same operation
        import cupyx
        cupyx.scatter_add(gx, slices, gy)
    return gx


def get_item(x, slices):
    """x[slices] for any NumPy index (ints, slices, arrays, boolean masks)."""
    if isinstance(slices, Variable):
        slices = slices.data
    elif isinstance(slices, list):
        slices = np.asarray(slices)
    return GetItem(slices)(x)


# Variable's operators and methods find the operations here
for _name in ('add', 'sub', 'rsub', 'mul', 'div', 'rdiv', 'pow', 'rpow', 'neg', 'abs', 'copy',
              'astype', 'reshape', 'transpose', 'sum', 'mean', 'max', 'min', 'matmul',
              'get_item'):
    setattr(arraylike.ops, _name, globals()[_name])
