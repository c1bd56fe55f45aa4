"""Shared test harness: check a function's derivatives against float64 central differences.

`check_function(f, *inputs)` treats L(x...) = sum(f(x...) * u) for a random upstream gradient u,
so every element of the backward pass matters, and compares dL/dx_i from backprop with central
differences for every input. With `second_order=True` it also differentiates the first
gradients again (create_graph=True) and compares with central differences of the first
gradients themselves: d/dx_j sum_i sum(dL/dx_i * v_i).
"""
import gzip
import struct

import numpy as np

from dezero import Variable


def _as_tuple(y):
    return y if isinstance(y, tuple) else (y,)


def _numeric(scalar_fn, arrays, eps):
    """Central differences of scalar_fn(list of arrays) with respect to every array."""
    grads = []
    for k, a in enumerate(arrays):
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            hi = scalar_fn(arrays)
            flat[i] = orig - eps
            lo = scalar_fn(arrays)
            flat[i] = orig
            gflat[i] = (hi - lo) / (2 * eps)
        grads.append(g)
    return grads


def _assert_close(name, what, shapes, got, want, rtol, atol):
    for k, (g, w) in enumerate(zip(got, want)):
        if g is None:
            g = np.zeros_like(w)
        g = np.asarray(g, dtype=np.float64)
        if g.shape != w.shape:
            raise AssertionError(f'{name}: {what} of input {k} has shape {g.shape}, '
                                 f'expected {w.shape} (input shapes {shapes})')
        if not np.allclose(g, w, rtol=rtol, atol=atol):
            err = np.abs(g - w)
            raise AssertionError(
                f'{name}: {what} of input {k} differs (input shapes {shapes}); largest '
                f'error {err.max():.3g}\nbackprop:\n{g}\nnumerical:\n{w}')


def check_function(f, *inputs, second_order=True, rtol=1e-4, atol=1e-5, eps=1e-6, seed=0):
    """Check first (and second) derivatives of `f` at `inputs` (float64 arrays)."""
    rng = np.random.default_rng(seed)
    arrays = [np.array(a, dtype=np.float64) for a in inputs]
    name = getattr(f, '__name__', type(f).__name__)
    shapes = [a.shape for a in arrays]
    outs = _as_tuple(f(*[Variable(a.copy()) for a in arrays]))
    us = [rng.standard_normal(o.shape) for o in outs]

    def loss_value(arrs):
        ys = _as_tuple(f(*[Variable(a.copy()) for a in arrs]))
        return float(np.sum([np.sum(y.data * u) for y, u in zip(ys, us)]))

    def first_grads(arrs, create_graph=False):
        xs = [Variable(a.copy()) for a in arrs]
        ys = _as_tuple(f(*xs))
        loss = None
        for y, u in zip(ys, us):
            term = (y * u).sum()
            loss = term if loss is None else loss + term
        loss.backward(create_graph=create_graph)
        return xs, [x.grad for x in xs]

    _, grads = first_grads(arrays)
    got = [None if g is None else g.data for g in grads]
    want = _numeric(loss_value, arrays, eps)
    _assert_close(name, 'first derivative', shapes, got, want, rtol, atol)

    if not second_order:
        return
    vs = [rng.standard_normal(a.shape) for a in arrays]

    def grad_dot_v(arrs):
        _, gs = first_grads(arrs)
        return float(np.sum([np.sum(g.data * v) for g, v in zip(gs, vs) if g is not None]))

    xs, gs = first_grads(arrays, create_graph=True)
    total = None
    for g, v in zip(gs, vs):
        if g is None:
            continue
        term = (g * v).sum()
        total = term if total is None else total + term
    for x in xs:
        x.cleargrad()
    if total is None or total.creator is None:
        got2 = [np.zeros_like(a) for a in arrays]
    else:
        total.backward()
        got2 = [None if x.grad is None else x.grad.data for x in xs]
    want2 = _numeric(grad_dot_v, arrays, eps)
    _assert_close(name, 'second derivative', shapes, got2, want2, rtol * 10, atol * 10)


def _differentiable_gradients(xs, ys, weights):
    """d/dx of sum_k sum(y_k * w_k) as Variables that are graphs themselves; x.grad cleared."""
    loss = None
    for y, w in zip(ys, weights):
        term = (y * w).sum()
        loss = term if loss is None else loss + term
    loss.backward(create_graph=True)
    gs = [x.grad for x in xs]
    for x in xs:
        x.cleargrad()
    return gs


def _weights_for(f, inputs, seed):
    rng = np.random.default_rng(seed)
    first = _as_tuple(f(*[Variable(np.array(a, dtype=np.float64)) for a in inputs]))
    return rng, [rng.standard_normal(o.shape) for o in first]


def check_third_order(f, *inputs, seed=1, **kwargs):
    """Check third derivatives of `f`: the Hessian-vector product x -> H(x) v of
    sum(f(x) * u), itself built with create_graph, must have the numerical derivative."""
    rng, us = _weights_for(f, inputs, seed)
    vs = [rng.standard_normal(np.shape(a)) for a in inputs]

    def hessian_times_v(*xs):
        gs = _differentiable_gradients(xs, _as_tuple(f(*xs)), us)
        hvs = tuple(_differentiable_gradients(xs, gs, vs))
        return hvs if len(hvs) > 1 else hvs[0]

    hessian_times_v.__name__ = f'H(x)v of {getattr(f, "__name__", "f")}'
    check_function(hessian_times_v, *inputs, second_order=False, **kwargs)


def check_gradient_penalty(f, *inputs, seed=2, **kwargs):
    """Check double backprop through a loss that is not linear in the gradient: the squared
    first gradients of sum(f(x) * u), built with create_graph, must have the numerical first
    and second derivatives. The backward of a gradient function (or of the copy a shared
    gradient gets) sees an upstream gradient that depends on x only in this way."""
    _, us = _weights_for(f, inputs, seed)

    def squared_gradients(*xs):
        gs = tuple(g ** 2 for g in _differentiable_gradients(xs, _as_tuple(f(*xs)), us))
        return gs if len(gs) > 1 else gs[0]

    squared_gradients.__name__ = f'squared gradients of {getattr(f, "__name__", "f")}'
    # second order too: the gradient of the penalty is differentiated once more, through the
    # graph the gradient functions' backward recorded
    check_function(squared_gradients, *inputs, **kwargs)


def idx_bytes(array):
    """array as an IDX file of unsigned bytes, the format MNIST is published in."""
    header = struct.pack('>HBB', 0, 0x08, array.ndim) + struct.pack(f'>{array.ndim}I', *array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_gz(path, raw):
    """Write bytes gzip-compressed, as the dataset files are published."""
    with gzip.open(path, 'wb') as f:
        f.write(raw)


def write_idx(path, array):
    """Write array as a gzip-compressed IDX file."""
    write_gz(path, idx_bytes(array))


def write_tiny_mnist(cache):
    """A download cache holding a random MNIST in the real gzip IDX format (for offline runs)."""
    rng = np.random.default_rng(0)
    for prefix, n in (('train', 60), ('t10k', 20)):
        write_idx(cache / f'{prefix}-images-idx3-ubyte.gz', rng.integers(0, 256, (n, 28, 28)))
        write_idx(cache / f'{prefix}-labels-idx1-ubyte.gz', rng.integers(0, 10, n))
