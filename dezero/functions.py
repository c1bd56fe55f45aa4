"""Differentiable functions: `import dezero.functions as F`.

Each operation is one small Function class with `forward` and `backward` side by side and a
lowercase wrapper below it. Backward rules are written with Variable operations so that any
order of derivative works; `backward_data` repeats the rule on plain arrays for the fast path.
"""
import builtins

import numpy as np

from dezero import cuda
from dezero.core import Function, Variable, as_variable, as_array, Config  # noqa: F401
from dezero.ops import (add, sub, rsub, mul, div, rdiv, neg, pow, abs,  # noqa: F401
                        reshape, transpose, sum, sum_to, broadcast_to, matmul, get_item,
                        max, min, Reshape, Transpose, Sum, SumTo, BroadcastTo, MatMul, GetItem,
                        GetItemGrad, Max, Min, sum_to_array, _AxisError, _axis_error)


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
        return gy * cuda.get_array_module(gy).cos(self.inputs[0].data)


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
        return gy * -cuda.get_array_module(gy).sin(self.inputs[0].data)


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
        return gy / self.inputs[0].data


def log(x):
    """Elementwise natural logarithm."""
    return Log()(x)


# =============================================================================================
# Neural-network functions
# =============================================================================================
# Rules kept by everything below: constants are Python scalars or arrays of the input's dtype
# (NumPy 2 would promote float32 data meeting a float64 0-d array to float64); `backward` uses
# Variable operations (higher derivatives), `backward_data` repeats it on arrays for the fast
# path with the same arithmetic in the same order, so both give identical values.


def _batch_len(x):
    """len(x) as the book divides by it; a 0-d array counts as one sample."""
    return x.shape[0] if x.ndim else 1


def _data(x):
    return x.data if isinstance(x, Variable) else x


def _labels(fname, t, xp):
    """Integer class labels as an array of the right module, or a clear error."""
    t = _data(t)
    if not isinstance(t, cuda.array_types):
        t = np.asarray(t)
    if t.dtype.kind not in 'iu':
        raise TypeError(f'{fname}: labels t must be integers (class indices), got dtype '
                        f'{t.dtype}; convert them with t.astype(int)')
    if xp is not np:
        t = xp.asarray(t)
    return t


def _targets(fname, t, x):
    """Targets for a loss of x, of x's dtype and shape: a Variable stays one (reshaped) so that
    it gets its gradient, as in the book and PyTorch; anything else becomes an array."""
    t_data = _data(t)
    if not isinstance(t_data, cuda.array_types):
        t_data = np.asarray(t_data)
    if t_data.size != x.size:
        raise ValueError(f'{fname}: targets t of shape {t_data.shape} do not match the input of '
                         f'shape {x.shape}')
    if isinstance(t, Variable):
        return t if t.shape == x.shape else reshape(t, x.shape)
    t_data = cuda.get_array_module(x).asarray(t_data).astype(x.dtype, copy=False)
    return t_data if t_data.shape == x.shape else t_data.reshape(x.shape)


# --- linear ----------------------------------------------------------------------------------
class Linear(Function):
    """y = x @ W + b;  dy/dx = gy @ W.T, dy/dW = x.T @ gy, dy/db = gy summed to b's shape.

    x may have any number of leading axes; W is (in_size, out_size). When x was passed as a
    plain array (no Variable of the caller's can ever see its gradient) gx is not computed.
    """

    def __init__(self, skip_gx=False):
        self.skip_gx = skip_gx

    def forward(self, x, W, b=None):
        if W.ndim != 2 or x.ndim == 0 or x.shape[-1] != W.shape[0]:
            raise ValueError(f'linear: x of shape {x.shape} and W of shape {W.shape} do not '
                             f'align: W must be 2-D (in_size, out_size) with in_size equal to '
                             f'the last axis of x')
        if x.ndim > 2:  # one BLAS call on the flattened batch
            y = x.reshape(-1, x.shape[-1]).dot(W).reshape(x.shape[:-1] + (W.shape[1],))
        else:
            y = x.dot(W)
        if b is not None:
            try:
                if b.dtype == y.dtype and y.ndim:
                    y += b  # the book's order: product first, bias added in place
                else:
                    y = y + b
            except ValueError:
                raise ValueError(f'linear: b of shape {b.shape} cannot be added to the output '
                                 f'of shape {y.shape} (x {x.shape} @ W {W.shape})') from None
        return y

    def backward(self, gy):
        ins = self.inputs
        x, W = ins[0], ins[1]
        if x.ndim == 2:
            gW = matmul(x.T, gy)
        else:
            gW = matmul(reshape(x, (-1, W.shape[0])).T, reshape(gy, (-1, W.shape[1])))
        gx = None if self.skip_gx else matmul(gy, W.T)
        if len(ins) == 2:
            return gx, gW
        return gx, gW, sum_to(gy, ins[2].shape)

    def backward_data(self, gy):
        ins = self.inputs
        x, W = ins[0].data, ins[1].data
        if x.ndim == 2:
            gW = x.T.dot(gy)
        else:
            gW = x.reshape(-1, W.shape[0]).T.dot(gy.reshape(-1, W.shape[1]))
        if self.skip_gx:
            gx = None
        elif gy.ndim <= 2:
            gx = gy.dot(W.T)  # dot: same BLAS result as @, with less call overhead
        else:
            gx = gy.reshape(-1, W.shape[1]).dot(W.T).reshape(x.shape)
        if len(ins) == 2:
            return gx, gW
        b = ins[2].data
        if gy.ndim == 2 and b.ndim == 1:
            return gx, gW, gy.sum(axis=0)
        return gx, gW, sum_to_array(gy, b.shape)


def linear(x, W, b=None):
    """Affine map x @ W + b (b may be None), the layer behind `L.Linear`."""
    skip_gx = not isinstance(x, Variable)
    if b is None or (isinstance(b, Variable) and b.data is None):
        return Linear(skip_gx)(x, W)
    return Linear(skip_gx)(x, W, b)


def linear_simple(x, W, b=None):
    """Teaching version of `linear`: matmul, then add the bias as a second operation.

    The product's array is freed right after the addition (`t.data = None`): no backward rule
    needs its values, so a big intermediate does not stay in memory; `linear` avoids it fully.
    """
    t = matmul(x, W)
    if b is None:
        return t
    y = t + b
    t.data = None
    return y


# --- activations -----------------------------------------------------------------------------
def _sigmoid_array(x, xp):
    # tanh form: no exp that can overflow, and the book's arithmetic order
    y = xp.tanh(x * 0.5)
    y *= 0.5
    y += 0.5
    return y


class Sigmoid(Function):
    """y = 1 / (1 + exp(-x)), computed as tanh(x/2)/2 + 1/2;  dy/dx = y * (1 - y)."""

    def forward(self, x):
        return _sigmoid_array(x, cuda.get_array_module(x))

    def backward(self, gy):
        y = self.outputs[0]()
        return gy * y * (1 - y)

    def backward_data(self, gy):
        y = self.outputs[0]().data
        return gy * y * (1 - y)


def sigmoid(x):
    """Logistic sigmoid, stable for any input (no overflow at large |x|)."""
    return Sigmoid()(x)


def sigmoid_simple(x):
    """Teaching version of `sigmoid`: 1 / (1 + exp(-x)) from elementary functions.

    exp(-x) overflows (with a warning) for x below about -710 (-88 in float32); use `sigmoid`.
    """
    x = as_variable(x)
    return 1 / (1 + exp(-x))


class ReLU(Function):
    """y = max(x, 0);  dy/dx = 1 where x > 0, else 0."""

    def forward(self, x):
        return cuda.get_array_module(x).maximum(x, 0)

    def backward(self, gy):
        return gy * (self.inputs[0].data > 0)

    def backward_data(self, gy):
        return gy * (self.inputs[0].data > 0)


def relu(x):
    """Rectified linear unit max(x, 0)."""
    return ReLU()(x)


class LeakyReLU(Function):
    """y = x where x > 0, else slope * x;  dy/dx = 1 or slope."""

    def __init__(self, slope):
        self.slope = float(slope)  # a Python float adopts the data's dtype

    def forward(self, x):
        return cuda.get_array_module(x).where(x > 0, x, x * self.slope)

    def _coef(self):
        x = self.inputs[0].data
        one, slope = x.dtype.type(1), x.dtype.type(self.slope)
        return cuda.get_array_module(x).where(x > 0, one, slope)

    def backward(self, gy):
        return gy * self._coef()

    def backward_data(self, gy):
        return gy * self._coef()


def leaky_relu(x, slope=0.2):
    """Leaky ReLU: x for x > 0, slope * x otherwise."""
    return LeakyReLU(slope)(x)


class Softmax(Function):
    """y = exp(x) / sum(exp(x), axis);  dx = y * gy - y * sum(y * gy, axis)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        if x.size == 0:  # nothing to normalise (torch gives the empty result too)
            return _empty_like_checked(x, self.axis)
        xp = cuda.get_array_module(x)
        y = x - x.max(axis=self.axis, keepdims=True)  # the largest exponent is 0: no overflow
        xp.exp(y, out=y)
        y /= y.sum(axis=self.axis, keepdims=True)
        return y

    def backward(self, gy):
        y = self.outputs[0]()
        gx = y * gy
        return gx - y * sum(gx, axis=self.axis, keepdims=True)

    def backward_data(self, gy):
        y = self.outputs[0]().data
        gx = y * gy
        return gx - y * gx.sum(axis=self.axis, keepdims=True)


def _empty_like_checked(x, axis):
    """A copy of the empty array x, once `axis` is known to be valid for it (an empty axis
    has no maximum to subtract, but a wrong axis is still an error)."""
    x.sum(axis=axis)  # raises NumPy's AxisError for an axis x does not have
    return x.copy()


def _float_logits(fname, x):
    """Logits as a Variable of a float dtype; integer or boolean logits are a TypeError."""
    x = as_variable(x)
    if x.data is not None and x.dtype.kind not in 'fc':
        raise TypeError(f'{fname}: logits x must be floats, got dtype {x.dtype} (shape '
                        f'{x.shape}); convert them with x.astype(np.float32)')
    return x


def softmax(x, axis=1):
    """Softmax along `axis`, stable for any logits."""
    x = _float_logits('softmax', x)
    try:
        return Softmax(axis)(x)
    except _AxisError:
        raise _axis_error('softmax', x, axis) from None


def softmax_simple(x, axis=1):
    """Teaching version of `softmax`: exp(x) / sum(exp(x)); overflows for logits above ~709."""
    x = as_variable(x)
    y = exp(x)
    return y / sum(y, axis=axis, keepdims=True)


class LogSoftmax(Function):
    """y = x - logsumexp(x, axis);  dx = gy - exp(y) * sum(gy, axis)."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, x):
        if x.size == 0:
            return _empty_like_checked(x, self.axis)
        xp = cuda.get_array_module(x)
        y = x - x.max(axis=self.axis, keepdims=True)
        y -= xp.log(xp.exp(y).sum(axis=self.axis, keepdims=True))
        return y

    def backward(self, gy):
        y = self.outputs[0]()
        return gy - exp(y) * sum(gy, axis=self.axis, keepdims=True)

    def backward_data(self, gy):
        y = self.outputs[0]().data
        xp = cuda.get_array_module(y)
        return gy - xp.exp(y) * gy.sum(axis=self.axis, keepdims=True)


def log_softmax(x, axis=1):
    """log(softmax(x)) along `axis`, computed without overflow or log(0)."""
    x = _float_logits('log_softmax', x)
    try:
        return LogSoftmax(axis)(x)
    except _AxisError:
        raise _axis_error('log_softmax', x, axis) from None


# --- losses ----------------------------------------------------------------------------------
class MeanSquaredError(Function):
    """y = sum((x0 - x1)**2) / len(x0);  dy/dx0 = 2 (x0 - x1) / len, dy/dx1 = -dy/dx0."""

    def __init__(self, skip_gx0=False):
        self.skip_gx0 = skip_gx0

    def forward(self, x0, x1):
        try:
            diff = x0 - x1
        except ValueError:
            raise ValueError(f'mean_squared_error: shapes {x0.shape} and {x1.shape} cannot be '
                             f'broadcast together') from None
        if diff.size > builtins.max(x0.size, x1.size):
            raise _mse_outer_error(x0.shape, x1.shape, diff.shape)
        self.diff = diff
        return (diff ** 2).sum() / _batch_len(diff)

    def backward(self, gy):
        x0, x1 = self.inputs
        diff = x0 - x1
        k = gy * (2.0 / _batch_len(diff))
        gx1 = sum_to(diff * -k, x1.shape)
        if self.skip_gx0:
            return None, gx1
        return sum_to(diff * k, x0.shape), gx1

    def backward_data(self, gy):
        x0, x1 = self.inputs
        diff = self.diff
        k = gy * (2.0 / _batch_len(diff))
        gx1 = sum_to_array(diff * -k, x1.data.shape)
        if self.skip_gx0:
            return None, gx1
        return sum_to_array(diff * k, x0.data.shape), gx1


def mean_squared_error(x0, x1):
    """Sum of squared differences divided by the batch size len(x0 - x1) (the book's MSE)."""
    # a plain-array operand (the targets, usually) has no gradient anyone can read
    return MeanSquaredError(not isinstance(x0, Variable))(x0, x1)


def mean_squared_error_simple(x0, x1):
    """Teaching version of `mean_squared_error` from elementary operations."""
    x0, x1 = as_variable(x0), as_variable(x1)
    diff = x0 - x1
    if diff.size > builtins.max(x0.size, x1.size):
        raise _mse_outer_error(x0.shape, x1.shape, diff.shape)
    return sum(diff ** 2) / _batch_len(diff)


def _mse_outer_error(s0, s1, s):
    """Broadcasting that makes the difference larger than both operands pairs every element
    of one with every element of the other ((N, 1) against (N,) gives N x N): never a loss
    anyone meant, so it is refused rather than averaged."""
    return ValueError(f'mean_squared_error: shapes {s0} and {s1} broadcast to {s}, larger than '
                      f'either, which would compare every element of one with every element of '
                      f'the other; give both the same shape (e.g. t.reshape({s0}))')


def _pick_or_none(x, rows, t):
    try:
        return x[rows, t]
    except IndexError:
        return None


class SoftmaxCrossEntropy(Function):
    """y = -mean_n log softmax(x)[n, t_n];  dx = (softmax(x) - onehot(t)) * gy / N.

    The labels are a constant of the function (`t`, as `softmax_cross_entropy` passes them), or
    its second input when called as the book does, `SoftmaxCrossEntropy()(x, t)`; either way
    they have no gradient.
    """

    def __init__(self, t=None):
        self.t = t

    def forward(self, x, t=None):
        xp = cuda.get_array_module(x)
        if t is not None:
            t = _labels('softmax_cross_entropy', t, xp)
        elif self.t is not None:
            t = self.t
        else:
            raise TypeError('SoftmaxCrossEntropy: no labels; call it as '
                            'SoftmaxCrossEntropy()(x, t) or SoftmaxCrossEntropy(t)(x)')
        if x.ndim != 2:
            raise ValueError(f'softmax_cross_entropy: x must be 2-D (batch, classes), got shape '
                             f'{x.shape}')
        N, C = x.shape
        if t.size != N or N == 0:
            raise ValueError(f'softmax_cross_entropy: x of shape {x.shape} needs {N} labels '
                             f'(a non-empty batch), got t of shape {t.shape}')
        if t.ndim != 1:
            t = t.reshape(N)
        rows = xp.arange(N)
        # NumPy rejects labels >= C while indexing, but negative ones would silently count
        # from the end (and CuPy wraps both), so those are checked explicitly
        if (t.dtype.kind != 'u' and t.min() < 0) or (xp is not np and t.max() >= C):
            x_t = None
        else:
            x_t = _pick_or_none(x, rows, t)
        if x_t is None:
            raise ValueError(f'softmax_cross_entropy: labels must lie in [0, {C}) for x of '
                             f'shape {x.shape}, got values from {t.min()} to {t.max()}')
        m = x.max(axis=1, keepdims=True)
        e = x - m
        xp.exp(e, out=e)
        s = e.sum(axis=1, keepdims=True)
        self.t, self.rows, self.e, self.s = t, rows, e, s
        # log p[n, t_n] = x[n, t_n] - m_n - log s_n (logsumexp: every term finite)
        log_p = x_t - m[:, 0]
        log_p -= xp.log(s[:, 0])
        return -log_p.sum() / N

    def _onehot(self, x):
        onehot = cuda.get_array_module(x).zeros(x.shape, dtype=x.dtype)
        onehot[self.rows, self.t] = 1
        return onehot

    def backward(self, gy):
        inputs = self.inputs
        x = inputs[0]
        p = softmax(x, axis=1)
        gx = (p - self._onehot(x.data)) * (gy / len(x))
        return gx if len(inputs) == 1 else (gx, None)

    def backward_data(self, gy):
        gx = self.e / self.s  # softmax, with the arithmetic of Softmax.forward
        gx[self.rows, self.t] -= 1
        gx *= gy / len(gx)
        return (gx, None) if len(self.inputs) == 2 else gx


def softmax_cross_entropy(x, t):
    """Cross entropy of softmax(x) with integer labels t, averaged over the batch."""
    x = _float_logits('softmax_cross_entropy', x)
    return SoftmaxCrossEntropy(_labels('softmax_cross_entropy', t,
                                       cuda.get_array_module(x.data)))(x)


def softmax_cross_entropy_simple(x, t):
    """Teaching version of `softmax_cross_entropy`: softmax, clip, log, pick, average."""
    x = as_variable(x)
    t = _labels('softmax_cross_entropy_simple', t, cuda.get_array_module(x.data))
    N = x.shape[0]
    p = clip(softmax(x), 1e-15, 1.0)  # avoid log(0)
    log_p = log(p)
    tlog_p = log_p[cuda.get_array_module(t).arange(N), t.ravel()]
    return -1 * sum(tlog_p) / N


class SigmoidCrossEntropy(Function):
    """y = sum(softplus(x) - t x) / len(x);  dx = (sigmoid(x) - t) * gy / len(x),
    dt = -x * gy / len(x).

    softplus(x) = max(x, 0) + log1p(exp(-|x|)) keeps every term finite for any logit. Targets
    are a constant of the function (`t`), or its second input when they are a Variable.
    """

    def __init__(self, t=None):
        self.t = t

    def forward(self, x, t=None):
        if t is None:
            t = self.t
        xp = cuda.get_array_module(x)
        loss = xp.maximum(x, 0) - x * t
        loss += xp.log1p(xp.exp(-xp.abs(x)))
        return loss.sum() / _batch_len(x)

    def backward(self, gy):
        inputs = self.inputs
        x = inputs[0]
        scale = gy / _batch_len(x)
        if len(inputs) == 1:
            return (sigmoid(x) - self.t) * scale
        return (sigmoid(x) - inputs[1]) * scale, -x * scale


def sigmoid_cross_entropy(x, t):
    """Binary cross entropy of sigmoid(x) with targets t (0/1 or probabilities), summed and
    divided by len(x); targets given as a Variable get their gradient too."""
    x = as_variable(x)
    t = _targets('sigmoid_cross_entropy', t, x.data)
    if isinstance(t, Variable):
        return SigmoidCrossEntropy()(x, t)
    return SigmoidCrossEntropy(t)(x)


def binary_cross_entropy(p, t):
    """Binary cross entropy of probabilities p with targets t, summed and divided by len(p).

    p is clipped to [eps, 1 - eps] (eps of p's dtype) so that log(0) never happens. Targets
    given as a Variable get their gradient too, as in the book and in PyTorch.
    """
    p = as_variable(p)
    if p.dtype.kind != 'f':
        raise TypeError(f'binary_cross_entropy: p must hold floating-point probabilities, got '
                        f'dtype {p.dtype}')
    t = _targets('binary_cross_entropy', t, p.data)
    eps = float(np.finfo(p.dtype).eps)
    p = clip(p, eps, 1.0 - eps)
    tlog_p = t * log(p) + (1 - t) * log(1 - p)
    return -sum(tlog_p) / _batch_len(p)


def accuracy(y, t):
    """Fraction of rows whose argmax of y equals the label t (a Variable; not differentiable)."""
    y_data, t_data = _data(y), _data(t)
    if not isinstance(t_data, cuda.array_types):
        t_data = np.asarray(t_data)
    if y_data.ndim < 2 or y_data.shape[0] != t_data.size:
        raise ValueError(f'accuracy: y of shape {y_data.shape} (batch, classes) and labels t of '
                         f'shape {t_data.shape} do not match')
    pred = y_data.argmax(axis=1).reshape(t_data.shape)
    t_data = cuda.get_array_module(pred).asarray(t_data)
    return Variable(as_array((pred == t_data).mean()))


# --- regularisation and normalisation --------------------------------------------------------
class Dropout(Function):
    """y = x * mask / (1 - ratio);  dy/dx = mask / (1 - ratio)."""

    def __init__(self, mask, scale):
        self.mask = mask
        self.scale = scale

    def forward(self, x):
        return x * self.mask / self.scale

    def backward(self, gy):
        return gy * self.mask / self.scale

    def backward_data(self, gy):
        return gy * self.mask / self.scale


def dropout(x, dropout_ratio=0.5):
    """Inverted dropout in training (`Config.train`), the identity in test mode.

    The mask is drawn from the global RNG (`np.random.rand`, or CuPy's) as the book does, so
    seeding NumPy makes runs repeatable.
    """
    x = as_variable(x)
    try:
        in_range = 0.0 <= dropout_ratio < 1.0
    except TypeError:
        raise TypeError(f'dropout: dropout_ratio must be a number in [0, 1), got '
                        f'{type(dropout_ratio).__name__} {dropout_ratio!r}') from None
    if not in_range:
        raise ValueError(f'dropout: dropout_ratio must be in [0, 1), got {dropout_ratio}')
    if not Config.train:
        return x
    xp = cuda.get_array_module(x.data)
    mask = xp.asarray(xp.random.rand(*x.shape) > dropout_ratio)
    scale = x.dtype.type(1.0 - dropout_ratio) if x.dtype.kind == 'f' else 1.0 - dropout_ratio
    return Dropout(mask, scale)(x)


class Clip(Function):
    """y = min(max(x, x_min), x_max);  dy/dx = 1 inside [x_min, x_max], else 0."""

    def __init__(self, x_min, x_max):
        self.x_min = x_min
        self.x_max = x_max

    def forward(self, x):
        return cuda.get_array_module(x).clip(x, self.x_min, self.x_max)

    def _mask(self):
        x = self.inputs[0].data
        if self.x_min is None:
            return x <= self.x_max
        if self.x_max is None:
            return x >= self.x_min
        return (x >= self.x_min) & (x <= self.x_max)

    def backward(self, gy):
        return gy * self._mask()

    def backward_data(self, gy):
        return gy * self._mask()


def clip(x, x_min, x_max):
    """Clamp x to [x_min, x_max] elementwise; one bound may be None (no limit on that side)."""
    if x_min is None and x_max is None:
        raise ValueError('clip: x_min and x_max are both None; give at least one bound')
    # NumPy scalars would promote by their own dtype (float64 bounds turn float32 data into
    # float64); as Python numbers they adopt the data's dtype
    if isinstance(x_min, np.generic):
        x_min = x_min.item()
    if isinstance(x_max, np.generic):
        x_max = x_max.item()
    return Clip(x_min, x_max)(x)


def _bn_layout(x, C):
    """Reduction axes (all but the channel axis 1) and the broadcast shape of per-channel data."""
    return (0,) + tuple(range(2, x.ndim)), (1, C) + (1,) * (x.ndim - 2)


class BatchNorm(Function):
    """y = gamma * xhat + beta, xhat = (x - mean) / sqrt(var + eps) per channel (axis 1).

    Train mode normalises with the batch statistics and updates the running averages in
    place; test mode normalises with the running averages. Backward in train mode:
    dx = gamma / sqrt(var + eps) * (gy - mean(gy) - xhat * mean(gy * xhat)).
    """

    def __init__(self, avg_mean, avg_var, decay, eps):
        self.avg_mean = avg_mean
        self.avg_var = avg_var
        self.decay = decay
        self.eps = eps

    def forward(self, x, gamma, beta):
        if x.ndim < 2:
            raise ValueError(f'batch_norm: x must be (N, C) or (N, C, H, W), got shape '
                             f'{x.shape}')
        C = x.shape[1]
        for name, a in (('gamma', gamma), ('beta', beta), ('mean', self.avg_mean),
                        ('var', self.avg_var)):
            if a.size != C:
                raise ValueError(f'batch_norm: {name} of shape {a.shape} does not match the '
                                 f'{C} channels of x of shape {x.shape}')
        self.axes, self.pshape = axes, pshape = _bn_layout(x, C)
        self.train = Config.train
        if self.train:
            m = x.size // C
            mu = x.sum(axis=axes, keepdims=True) / m
            xc = x - mu
            var = (xc * xc).sum(axis=axes, keepdims=True) / m
            inv_std = (var + self.eps) ** -0.5
            self._update_averages(mu, var, m)
        else:
            # copies: a later training call updates the running arrays in place
            self.shift = self.avg_mean.reshape(pshape).astype(x.dtype)
            inv_std = (self.avg_var.reshape(pshape).astype(x.dtype) + self.eps) ** -0.5
            xc = x - self.shift
        xhat = xc * inv_std
        self.xhat, self.inv_std = xhat, inv_std
        return xhat * gamma.reshape(pshape) + beta.reshape(pshape)

    def _update_averages(self, mu, var, m):
        decay = self.decay
        adjust = m / (m - 1) if m > 1 else 1.0  # unbiased variance for the running average
        self.avg_mean *= decay
        self.avg_mean += (1 - decay) * mu.reshape(self.avg_mean.shape)
        self.avg_var *= decay
        self.avg_var += (1 - decay) * adjust * var.reshape(self.avg_var.shape)

    def backward(self, gy):
        x, gamma, beta = self.inputs
        axes, pshape = self.axes, self.pshape
        g = reshape(gamma, pshape)
        gbeta = sum(gy, axis=axes)
        if self.train:  # the statistics depend on x: recompute them as Variables
            m = x.size // x.shape[1]
            xc = x - sum(x, axis=axes, keepdims=True) / m
            inv_std = (sum(xc * xc, axis=axes, keepdims=True) / m + self.eps) ** -0.5
            xhat = xc * inv_std
            ggamma = sum(gy * xhat, axis=axes)
            gx = (g * inv_std) * (gy - reshape(gbeta, pshape) / m
                                  - xhat * reshape(ggamma, pshape) / m)
        else:
            xhat = (x - self.shift) * self.inv_std
            ggamma = sum(gy * xhat, axis=axes)
            gx = gy * (g * self.inv_std)
        return gx, reshape(ggamma, gamma.shape), reshape(gbeta, beta.shape)

    def backward_data(self, gy):
        gamma = self.inputs[1].data
        axes, pshape, xhat, inv_std = self.axes, self.pshape, self.xhat, self.inv_std
        g = gamma.reshape(pshape)
        gbeta = gy.sum(axis=axes)
        ggamma = (gy * xhat).sum(axis=axes)
        if self.train:
            m = gy.size // gy.shape[1]
            gx = (g * inv_std) * (gy - gbeta.reshape(pshape) / m
                                  - xhat * ggamma.reshape(pshape) / m)
        else:
            gx = gy * (g * inv_std)
        return gx, ggamma.reshape(gamma.shape), gbeta.reshape(self.inputs[2].data.shape)


def batch_norm(x, gamma, beta, mean, var, decay=0.9, eps=2e-5):
    """Batch normalisation over axis 1; updates the running `mean`/`var` arrays in train mode."""
    mean, var = _data(mean), _data(var)
    return BatchNorm(mean, var, float(decay), float(eps))(x, gamma, beta)


batch_nrom = batch_norm  # the spelling the book's own tests use


# --- shape helpers ---------------------------------------------------------------------------
def average(x, axis=None, keepdims=False):
    """Mean of x over `axis` (all axes by default)."""
    x = as_variable(x)
    y = sum(x, axis, keepdims)
    # the mean of no values is nan, as in NumPy and PyTorch (over an empty axis; an empty
    # result stays empty)
    return y * (y.data.size / x.data.size if x.data.size else float('nan'))


mean = average


def expand_dims(x, axis):
    """Insert a length-1 axis at position `axis` (negative counts from the end, as NumPy)."""
    x = as_variable(x)
    ndim = x.ndim + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f'expand_dims: axis {axis} is out of range for an array of shape '
                         f'{x.shape}')
    shape = list(x.shape)
    shape.insert(axis % ndim, 1)
    return reshape(x, tuple(shape))


def flatten(x):
    """Flatten every axis but the first: (N, ...) -> (N, -1)."""
    x = as_variable(x)
    if x.ndim == 0:
        raise ValueError('flatten: x must have a batch axis, got a 0-d array')
    return reshape(x, (x.shape[0], -1))


def embed_id(x, W):
    """Rows of W picked by the integer ids x: W[x] (gradient scattered back into W)."""
    ids = _data(x)
    if not isinstance(ids, cuda.array_types):
        ids = np.asarray(ids)
    if ids.dtype.kind not in 'iu':
        raise TypeError(f'embed_id: ids x must be integers, got dtype {ids.dtype}')
    W_data = _data(W)
    V = W_data.shape[0]
    # a negative id would silently index from the end of W (and CuPy wraps large ones)
    if ids.size and (int(ids.min()) < 0 or int(ids.max()) >= V):
        bad = ids[(ids < 0) | (ids >= V)].ravel()[0]
        raise IndexError(f'embed_id: id {int(bad)} is out of range for a vocabulary of {V} '
                         f'(W of shape {tuple(W_data.shape)}); ids must lie in [0, {V})')
    return get_item(W, cuda.get_array_module(W_data).asarray(ids))


# =============================================================================================
# Joining arrays and recurrent cells
# =============================================================================================
class Concat(Function):
    """y = concatenate(xs, axis);  each input's gradient is its slice of gy."""

    def __init__(self, axis):
        self.axis = axis

    def forward(self, *xs):
        try:
            return cuda.get_array_module(xs[0]).concatenate(xs, axis=self.axis)
        except ValueError:
            raise ValueError(f'concat: shapes {[x.shape for x in xs]} cannot be joined along '
                             f'axis {self.axis}') from None

    def _slices(self, gy_ndim):
        axis = self.axis % gy_ndim
        start = 0
        for x in self.inputs:
            stop = start + x.shape[axis]
            yield (slice(None),) * axis + (slice(start, stop),)
            start = stop

    def backward(self, gy):
        return tuple(get_item(gy, s) for s in self._slices(gy.ndim))

    def backward_data(self, gy):
        return tuple(gy[s] for s in self._slices(gy.ndim))


def _sequence_of_arrays(fname, xs):
    """xs as a non-empty list, or a clear error (a single array would be split into rows)."""
    if isinstance(xs, (Variable, *cuda.array_types)) or not hasattr(xs, '__iter__'):
        raise TypeError(f'{fname}: expected a sequence (list or tuple) of Variables or arrays, '
                        f'got a single {type(xs).__name__}; write {fname}([a, b, ...])')
    xs = list(xs)
    if not xs:
        raise ValueError(f'{fname}: expected at least one Variable or array, got an empty '
                         f'sequence')
    return xs


def concat(xs, axis=0):
    """Join a sequence of Variables or arrays along `axis`."""
    return Concat(axis)(*_sequence_of_arrays('concat', xs))


def stack(xs, axis=0):
    """Join Variables or arrays of one shape along a new axis `axis` (as np.stack)."""
    xs = [as_variable(x) for x in _sequence_of_arrays('stack', xs)]
    shapes = [x.shape for x in xs]
    if any(s != shapes[0] for s in shapes):
        raise ValueError(f'stack: every input must have the same shape, got {shapes}')
    ndim = len(shapes[0]) + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f'stack: axis {axis} is out of range for inputs of shape '
                         f'{shapes[0]} (valid: {-ndim} to {ndim - 1})')
    return concat([expand_dims(x, axis) for x in xs], axis=axis)


class Where(Function):
    """y = x where cond, else y (broadcast together);  dx = gy where cond (summed to x's
    shape), dy = gy elsewhere. cond is a constant boolean array; the gradient is exactly zero
    on the side not taken, even where gy is inf or nan."""

    def __init__(self, cond):
        self.cond = cond

    def forward(self, x, y):
        return cuda.get_array_module(self.cond).where(self.cond, x, y)

    def backward(self, gy):
        x, y = self.inputs
        zero = cuda.get_array_module(gy.data).zeros((), dtype=gy.dtype)
        return (sum_to(Where(self.cond)(gy, zero), x.shape),
                sum_to(Where(self.cond)(zero, gy), y.shape))

    def backward_data(self, gy):
        x, y = self.inputs
        xp = cuda.get_array_module(gy)
        return (sum_to_array(xp.where(self.cond, gy, 0), x.shape),
                sum_to_array(xp.where(self.cond, 0, gy), y.shape))


def where(cond, x, y):
    """Elementwise x if cond else y, with cond, x and y broadcast together (as np.where).

    A Python number on one side takes the dtype of the other side, as in arithmetic.
    """
    c = _data(cond)
    if not isinstance(c, cuda.array_types):
        c = np.asarray(c)
    if c.dtype != bool:
        raise TypeError(f'where: cond must be a boolean array (such as x > 0), got dtype '
                        f'{c.dtype}')
    x, y = _weak_scalar(x, y), _weak_scalar(y, x)
    xp = np
    for a in (_data(x), _data(y)):
        if isinstance(a, cuda.array_types) and cuda.get_array_module(a) is not np:
            xp = cuda.get_array_module(a)  # cond goes where the data is
    try:
        np.broadcast_shapes(c.shape, np.shape(_data(x)), np.shape(_data(y)))
    except ValueError:
        raise ValueError(f'where: cond of shape {c.shape}, x of shape {np.shape(_data(x))} and '
                         f'y of shape {np.shape(_data(y))} cannot be broadcast together') from None
    return Where(xp.asarray(c))(x, y)


def _weak_scalar(a, other):
    """A Python number next to an array becomes an array of that array's dtype."""
    if isinstance(a, (int, float)) and not isinstance(a, bool):
        o = _data(other)
        if isinstance(o, cuda.array_types) and o.dtype.kind in 'fc':
            return cuda.get_array_module(o).asarray(a, dtype=o.dtype)
    return a


def _lstm_gates(x, xp):
    """Activated gates from the (N, 4H) pre-activations laid out as [a | i | f | o]."""
    H = x.shape[1] // 4
    a = xp.tanh(x[:, :H])
    ifo = _sigmoid_array(x[:, H:], xp)
    return a, ifo[:, :H], ifo[:, H:2 * H], ifo[:, 2 * H:]


class LSTM(Function):
    """One LSTM step from the previous cell c_prev (N, H) and gate pre-activations x (N, 4H).

    With x = [a | i | f | o]:  c = tanh(a) * sigmoid(i) + sigmoid(f) * c_prev,
    h = sigmoid(o) * tanh(c).  One fused step replaces a dozen small functions, which is what
    keeps recurrent networks fast; outputs are (c, h).
    """

    def forward(self, c_prev, x):
        if (x.ndim != 2 or c_prev.ndim != 2 or x.shape[0] != c_prev.shape[0]
                or x.shape[1] != 4 * c_prev.shape[1]):
            raise ValueError(f'lstm: expected c_prev of shape (N, H) and x of shape (N, 4H), '
                             f'got {c_prev.shape} and {x.shape}')
        xp = cuda.get_array_module(x)
        a, i, f, o = _lstm_gates(x, xp)
        c = a * i + f * c_prev
        return c, o * xp.tanh(c)

    def backward(self, gc, gh):
        c_prev, x = self.inputs
        H = c_prev.shape[1]
        a = tanh(x[:, :H])
        i = sigmoid(x[:, H:2 * H])
        f = sigmoid(x[:, 2 * H:3 * H])
        o = sigmoid(x[:, 3 * H:])
        co = tanh(a * i + f * c_prev)
        gc = gc + gh * o * (1 - co * co)
        gx = concat((gc * i * (1 - a * a), gc * a * i * (1 - i), gc * c_prev * f * (1 - f),
                     gh * co * o * (1 - o)), axis=1)
        return gc * f, gx

    def backward_data(self, gc, gh):
        c_prev, x = self.inputs
        c_prev, x = c_prev.data, x.data
        xp = cuda.get_array_module(x)
        a, i, f, o = _lstm_gates(x, xp)
        c = self.outputs[0]()
        co = xp.tanh(c.data if c is not None else a * i + f * c_prev)
        gc = gc + gh * o * (1 - co * co)
        H = c_prev.shape[1]
        gx = xp.empty_like(x)
        gx[:, :H] = gc * i * (1 - a * a)
        gx[:, H:2 * H] = gc * a * i * (1 - i)
        gx[:, 2 * H:3 * H] = gc * c_prev * f * (1 - f)
        gx[:, 3 * H:] = gh * co * o * (1 - o)
        return gc * f, gx


def lstm(c_prev, x):
    """One fused LSTM step; returns (c, h). x holds the gate pre-activations [a, i, f, o]."""
    return LSTM()(c_prev, x)


# Convolution and pooling live in their own module (it imports only core and utils, so this
# re-export at the end creates no cycle).
from dezero.functions_conv import (conv2d, deconv2d, conv2d_simple, pooling,  # noqa: E402,F401
                                   pooling_simple, average_pooling, im2col, col2im, im2col_array,
                                   col2im_array, get_conv_outsize, get_deconv_outsize)


class GateLinear(Function):
    """y = [x @ Wx_k + b_k (+ h @ Wh_k)  for k = 1..K], joined along axis 1.

    The K gate pre-activations of a recurrent cell in one step, with each gate keeping its own
    weights (so layers keep the book's parameter names): one graph node instead of 2K linears
    and a concat. Inputs: x, Wx_1..Wx_K, b_1..b_K, and optionally h, Wh_1..Wh_K.
    """

    def __init__(self, n_gates, with_h, skip_gx=False):
        self.K = n_gates
        self.with_h = with_h
        self.skip_gx = skip_gx  # x was a plain array: no caller can see its gradient

    def _split(self, xs):
        K = self.K
        x, Wx, b = xs[0], xs[1:1 + K], xs[1 + K:1 + 2 * K]
        h, Wh = (xs[1 + 2 * K], xs[2 + 2 * K:]) if self.with_h else (None, ())
        return x, Wx, b, h, Wh

    def forward(self, *xs):
        x, Wx, b, h, Wh = self._split(xs)
        blocks = []
        for k in range(self.K):
            y = x.dot(Wx[k])
            y += b[k]
            if h is not None:
                y = h.dot(Wh[k]) + y  # the order of linear(h, Wh, linear(x, Wx, b))
            blocks.append(y)
        return cuda.get_array_module(x).concatenate(blocks, axis=1)

    def _grads(self, xs, gy, mm, T, take, total, add):
        x, Wx, b, h, Wh = self._split(xs)
        H = gy.shape[1] // self.K
        gWx, gb, gWh = [], [], []
        gx = gh = None
        for k in range(self.K):
            g = take(gy, (slice(None), slice(k * H, (k + 1) * H)))
            gWx.append(mm(T(x), g))
            gb.append(total(g))
            if not self.skip_gx:
                gx = add(gx, mm(g, T(Wx[k])))
            if h is not None:
                gWh.append(mm(T(h), g))
                gh = add(gh, mm(g, T(Wh[k])))
        return (gx, *gWx, *gb) + ((gh, *gWh) if h is not None else ())

    def backward(self, gy):
        return self._grads(self.inputs, gy, matmul, transpose, get_item,
                           lambda g: sum(g, axis=0), _add_or_first)

    def backward_data(self, gy):
        return self._grads([v.data for v in self.inputs], gy, _dot, _T, _take,
                           lambda g: g.sum(axis=0), _add_or_first)


def _dot(a, b):
    return a.dot(b)


def _T(a):
    return a.T


def _take(a, index):
    return a[index]


def _add_or_first(acc, v):
    return v if acc is None else acc + v


def gate_linear(x, Wxs, bs, h=None, Whs=()):
    """The pre-activations of K gates, [x @ Wx_k + b_k (+ h @ Wh_k)], joined along axis 1."""
    if len(Wxs) != len(bs) or (h is not None and len(Whs) != len(Wxs)):
        raise ValueError(f'gate_linear: expected as many biases and h-weights as x-weights, got '
                         f'{len(Wxs)} x-weights, {len(bs)} biases, {len(Whs)} h-weights')
    args = (x, *Wxs, *bs) + ((h, *Whs) if h is not None else ())
    return GateLinear(len(Wxs), h is not None, not isinstance(x, Variable))(*args)


def _gru_gates(h_prev, gx, gh, xp):
    """z, r, n and the new h of one GRU step from pre-activations laid out as [z | r | n]."""
    H = h_prev.shape[-1]
    zr = _sigmoid_array(gx[:, :2 * H] + gh[:, :2 * H], xp)
    z, r = zr[:, :H], zr[:, H:]
    n = xp.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    return z, r, n


class GRU(Function):
    """One GRU step in PyTorch's formulation from h_prev (N, H) and the pre-activations
    gx = x @ Wx + bx and gh = h_prev @ Wh + bh (N, 3H), both laid out as [z | r | n]:

        z = sigmoid(gx_z + gh_z),  r = sigmoid(gx_r + gh_r),  n = tanh(gx_n + r * gh_n),
        h = (1 - z) * n + z * h_prev.

    Backward, with a = gx_n + r * gh_n:  dh_prev = gy * z,  dz = gy * (h_prev - n),
    da = gy * (1 - z) * (1 - n^2);  d(gx) = [dz z(1-z) | dr r(1-r) | da],  d(gh) = the same
    with da * r in the n block, where dr = da * gh_n. One fused node instead of a dozen.
    """

    def forward(self, h_prev, gx, gh):
        if (h_prev.ndim != 2 or gx.shape != gh.shape or gx.ndim != 2
                or gx.shape != (h_prev.shape[0], 3 * h_prev.shape[1])):
            raise ValueError(f'gru: expected h_prev of shape (N, H) and gx, gh of shape '
                             f'(N, 3H), got {h_prev.shape}, {gx.shape} and {gh.shape}')
        z, _, n = _gru_gates(h_prev, gx, gh, cuda.get_array_module(gx))
        return n + z * (h_prev - n)

    def backward(self, gy):
        h_prev, gx, gh = self.inputs
        H = h_prev.shape[1]
        z = sigmoid(gx[:, :H] + gh[:, :H])
        r = sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
        hn = gh[:, 2 * H:]
        n = tanh(gx[:, 2 * H:] + r * hn)
        da = gy * (1 - z) * (1 - n * n)
        dz = gy * (h_prev - n) * z * (1 - z)
        dr = da * hn * r * (1 - r)
        return (gy * z, concat((dz, dr, da), axis=1), concat((dz, dr, da * r), axis=1))

    def backward_data(self, gy):
        h_prev, gx, gh = [v.data for v in self.inputs]
        xp = cuda.get_array_module(gy)
        z, r, n = _gru_gates(h_prev, gx, gh, xp)
        H = h_prev.shape[1]
        da = gy * (1 - z) * (1 - n * n)
        dgx = xp.empty_like(gx)
        dgx[:, :H] = gy * (h_prev - n) * z * (1 - z)
        dgx[:, H:2 * H] = da * gh[:, 2 * H:] * r * (1 - r)
        dgx[:, 2 * H:] = da
        dgh = dgx.copy()
        dgh[:, 2 * H:] *= r
        return gy * z, dgx, dgh


def gru(h_prev, gx, gh):
    """One fused GRU step (PyTorch's formulation); gx, gh are the [z | r | n] pre-activations."""
    return GRU()(h_prev, gx, gh)
