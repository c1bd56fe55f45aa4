"""Helpers shared across dezero: array-level gradient utilities, numerical checks, conv sizes.

Graph pictures live in `dezero.dotgraph` and downloads in `dezero.download`; both are
re-exported here because readers of the book import them from `dezero.utils`.
"""
import numpy as np

from dezero import cuda
from dezero.core import Variable, as_variable
from dezero.ops import sum_to_array, _keepdims_shape
from dezero.dotgraph import _dot_func, _dot_var, get_dot_graph, graph, plot_dot_graph  # noqa: F401
from dezero.download import cache_dir, get_cache_dir, get_file  # noqa: F401  (re-export)


# ---------------------------------------------------------------------------------------------
# Array-level helpers for backward rules
# ---------------------------------------------------------------------------------------------
def sum_to(x, shape):
    """Sum array `x` down to `shape` (undo broadcasting)."""
    return sum_to_array(x, tuple(shape))


def reshape_sum_backward(gy, x_shape, axis, keepdims):
    """Reshape the gradient of a sum/mean over `axis` so it broadcasts back to `x_shape`."""
    if isinstance(axis, list):
        axis = tuple(axis)
    return gy.reshape(_keepdims_shape(gy.shape, tuple(x_shape), axis, keepdims))


def logsumexp(x, axis=1):
    """log(sum(exp(x), axis, keepdims=True)) computed without overflow."""
    xp = cuda.get_array_module(x)
    m = x.max(axis=axis, keepdims=True)
    y = xp.exp(x - m)
    s = y.sum(axis=axis, keepdims=True)
    return m + xp.log(s)


def max_backward_shape(x, axis):
    """Shape of max(x, axis) with the reduced axes kept as length-1 axes."""
    if axis is None:
        axis = range(x.ndim)
    elif isinstance(axis, int):
        axis = (axis,)
    axis = {a % x.ndim for a in axis}
    return [s if i not in axis else 1 for i, s in enumerate(x.shape)]


def pair(x):
    """Return `x` as a pair: an int becomes (x, x), a pair is returned as a tuple."""
    if isinstance(x, (int, np.integer)):
        return (int(x), int(x))
    if isinstance(x, (tuple, list)) and len(x) == 2:
        return tuple(int(v) for v in x)
    raise ValueError(f'pair: expected an int or a pair of ints, got {x!r}')


def get_conv_outsize(input_size, kernel_size, stride, pad):
    """Output length of a convolution along one axis."""
    return (input_size + pad * 2 - kernel_size) // stride + 1


def get_deconv_outsize(size, k, s, p):
    """Output length of a transposed convolution along one axis."""
    return s * (size - 1) + k - 2 * p


# ---------------------------------------------------------------------------------------------
# Numerical checks
# ---------------------------------------------------------------------------------------------
def numerical_grad(f, x, *args, eps=1e-4, **kwargs):
    """Central-difference gradient of sum(f(x, *args)) with respect to array (or Variable) x."""
    x_data = x.data if isinstance(x, Variable) else np.asarray(x)
    x_data = x_data.astype(np.float64) if x_data.dtype != np.float64 else x_data.copy()
    grad = np.zeros_like(x_data)
    flat = x_data.reshape(-1)
    gflat = grad.reshape(-1)
    for i in range(flat.size):
        orig = flat[i]
        flat[i] = orig + eps
        y1 = _total(f(Variable(x_data.copy()), *args, **kwargs))
        flat[i] = orig - eps
        y2 = _total(f(Variable(x_data.copy()), *args, **kwargs))
        flat[i] = orig
        gflat[i] = (y1 - y2) / (2 * eps)
    return grad


def _total(y):
    data = y.data if isinstance(y, Variable) else y
    return float(np.sum(cuda.as_numpy(data), dtype=np.float64))


def gradient_check(f, x, *args, rtol=1e-4, atol=1e-5, **kwargs):
    """Assert that backprop and central differences agree for d sum(f(x, *args)) / dx.

    Raises AssertionError naming the function, the shapes, the largest error and both gradients.
    Returns True when they agree.
    """
    x = as_variable(x)
    x.data = x.data.astype(np.float64)
    x.cleargrad()
    y = f(x, *args, **kwargs)
    y.backward()
    bp = cuda.as_numpy(x.grad.data)
    num = numerical_grad(f, x, *args, **kwargs)
    if bp.shape != num.shape:
        raise AssertionError(f'gradient_check({_name(f)}): backprop gradient has shape '
                             f'{bp.shape} but the input has shape {num.shape}')
    if not np.allclose(bp, num, rtol=rtol, atol=atol):
        err = np.abs(bp - num)
        raise AssertionError(
            f'gradient_check({_name(f)}): gradients differ for input shape {x.shape}, '
            f'output shape {y.shape}; largest error {err.max():.3g} at index '
            f'{np.unravel_index(err.argmax(), err.shape) if err.ndim else ()} '
            f'(rtol={rtol}, atol={atol})\nbackprop:\n{bp}\nnumerical:\n{num}')
    return True


def _name(f):
    return getattr(f, '__name__', None) or type(f).__name__


def array_equal(a, b):
    """True when a and b (arrays or Variables) have equal shape and values."""
    a = cuda.as_numpy(a.data if isinstance(a, Variable) else a)
    b = cuda.as_numpy(b.data if isinstance(b, Variable) else b)
    return np.array_equal(a, b)


def array_allclose(a, b, rtol=1e-4, atol=1e-5):
    """True when a and b (arrays or Variables) agree within tolerances, broadcast together as
    np.allclose does (a (1,) result against a scalar compares); False when their shapes
    cannot be broadcast together."""
    a = cuda.as_numpy(a.data if isinstance(a, Variable) else a)
    b = cuda.as_numpy(b.data if isinstance(b, Variable) else b)
    try:
        np.broadcast_shapes(np.shape(a), np.shape(b))
    except ValueError:
        return False
    return bool(np.allclose(a, b, rtol=rtol, atol=atol))
