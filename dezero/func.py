"""Derivatives as functions of Python functions, as in `torch.func` and JAX.

`grad(f)` is a new Python function that returns the gradient of `f`; `jacobian`, `hessian`,
`vjp` and `jvp` do the same for the other derivative objects, and `gradcheck` compares all of
them with finite differences. Everything here is written with dezero's public API and one
idea: `Variable.backward(create_graph=True)` records the backward pass as a graph, so every
derivative is a Variable that can be differentiated again. That is why `grad(grad(f))` works
and why `hessian` is simply the Jacobian of the Jacobian.

How a transform sees its arguments: each argument it differentiates is replaced by a Variable
of its own, linked to the caller's Variable through an `Identity` step. During the backward
pass that link is cut for a moment, so the walk stops at the argument and never reaches the
caller's graph, and every `.grad` the walk touches is put back as it was. After the walk the
link is restored, so the result stays differentiable with respect to the caller's Variables
(that is what lets transforms nest). Under `dezero.no_grad()` the results carry no graph.

Where it differs from JAX and torch.func: there is no tracing and no vectorisation (`vmap`);
a Jacobian costs one backward pass per output element, and forward mode (`jvp`) is built from
two reverse passes rather than from forward rules of its own.
"""
import numbers

import numpy as np

from dezero import cuda
from dezero.core import Config, Function, Variable, using_config

__all__ = ['grad', 'value_and_grad', 'vjp', 'jvp', 'jacobian', 'hessian', 'gradcheck',
           'GradcheckError', 'Identity']


class Identity(Function):
    """y = x;  dy/dx = 1. Marks where a transformed function's argument enters the graph."""

    def forward(self, x):
        return x.view()  # a view: the argument's array is shared, not copied

    def backward(self, gy):
        return gy


# ---------------------------------------------------------------------------------------------
# Arguments and outputs
# ---------------------------------------------------------------------------------------------
def _fname(f):
    return getattr(f, '__name__', type(f).__name__)


def _argnums(who, argnums, nargs):
    """argnums as a tuple of non-negative positions, and whether one int was given."""
    single = isinstance(argnums, numbers.Integral) and not isinstance(argnums, bool)
    nums = (argnums,) if single else argnums
    if not isinstance(nums, (tuple, list)) or not nums:
        raise TypeError(f'{who}: argnums must be an int or a non-empty tuple of ints, '
                        f'got {argnums!r}')
    out = []
    for i in nums:
        if not isinstance(i, numbers.Integral) or isinstance(i, bool):
            raise TypeError(f'{who}: argnums must hold ints, got {i!r} in {argnums!r}')
        if not -nargs <= i < nargs:
            raise ValueError(f'{who}: argnums={argnums!r} names argument {i}, but the function '
                             f'was called with {nargs} positional argument(s)')
        i = int(i) % nargs
        if i in out:
            raise ValueError(f'{who}: argnums={argnums!r} names argument {i} twice')
        out.append(i)
    return tuple(out), single


def _float_array(who, x, what):
    """x (a Variable's data, an array or a Python number) as a floating-point array."""
    if isinstance(x, bool) or isinstance(x, np.bool_):
        raise TypeError(f'{who}: {what} is a bool; derivatives need floating-point values')
    if isinstance(x, numbers.Number):
        return np.array(x, dtype=np.float64)  # Python numbers: float64, as NumPy would
    if isinstance(x, np.generic):
        x = np.asarray(x)
    if not isinstance(x, cuda.array_types):
        raise TypeError(f'{who}: {what} must be a Variable, an array or a number, '
                        f'got {type(x).__name__}')
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f'{who}: {what} has dtype {x.dtype}; derivatives need floating-point '
                        f'values (convert it with .astype(np.float64))')
    return x


def _primal(who, x, what):
    """A Variable of our own standing for argument x: joined to x through `Identity` when x is
    a Variable, so results stay differentiable with respect to it; a fresh leaf otherwise.
    Call with graph recording on."""
    if isinstance(x, Variable):
        if x.data is None:
            raise ValueError(f'{who}: {what} is a Variable holding no data')
        _float_array(who, x.data, what)
        return Identity()(x)
    return Variable(_float_array(who, x, what))


def _outputs(who, f, y):
    """f's result as (tuple of Variables, whether f returned a tuple)."""
    several = isinstance(y, (tuple, list))
    ys = tuple(y) if several else (y,)
    out = []
    for k, v in enumerate(ys):
        if not isinstance(v, Variable):
            if isinstance(v, cuda.array_types):
                v = Variable(v)
            elif isinstance(v, (numbers.Number, np.generic)):  # a constant: zero derivatives
                v = Variable(np.asarray(v))
            else:
                where = f' (output {k})' if several else ''
                raise TypeError(f'{who}: {_fname(f)} must return Variables (or a tuple of them), '
                                f'got {type(v).__name__}{where}')
        if v.data is None:
            raise ValueError(f'{who}: {_fname(f)} returned a Variable holding no data')
        _float_array(who, v.data, f'the output of {_fname(f)}')
        out.append(v)
    return tuple(out), several


def _scalar_output(who, f, y):
    """The one Variable f returned, refused unless it holds exactly one value."""
    if isinstance(y, (tuple, list)):
        raise TypeError(f'{who}: {_fname(f)} returned {len(y)} values; {who} needs a function '
                        f'of one scalar output (use jacobian or vjp for several outputs)')
    (y,), _ = _outputs(who, f, y)
    if y.size != 1:
        raise ValueError(f'{who}: {_fname(f)} must return a single value, got a Variable of '
                         f'shape {y.shape}; reduce it (for example with .sum()) or use '
                         f'jacobian or vjp for non-scalar outputs')
    return y


def _zeros_like(x):
    return Variable(cuda.get_array_module(x.data).zeros_like(x.data))


def _detached(v):
    return Variable(v.data)


# ---------------------------------------------------------------------------------------------
# The one backward walk every transform uses
# ---------------------------------------------------------------------------------------------
def _functions_below(roots, stop):
    """The functions the graph of `roots` reaches, each before every function that used its
    outputs, without descending below the variables whose ids are in `stop`."""
    order, visited = [], set()
    stack = [(v.creator, False) for v in roots if id(v) not in stop and v.creator is not None]
    while stack:
        f, expanded = stack.pop()
        if expanded:
            order.append(f)
            continue
        if id(f) in visited:
            continue
        visited.add(id(f))
        stack.append((f, True))
        for x in f.inputs:
            c = x.creator
            if c is not None and id(x) not in stop and id(c) not in visited:
                stack.append((c, False))
    return order


def _backprop(root, wrt, create_graph):
    """d(root)/d(v) for each Variable v in `wrt` (None where root does not depend on v).

    The walk is limited to the part of root's graph that depends on `wrt`: the variables
    below them, and those that do not depend on them, are made leaves for the time of the
    walk (their creator links are cut and then restored). Every `.grad` in the graph is put
    back as it was, so the caller's Variables never see the walk.
    """
    stop = {id(v) for v in wrt}
    functions = _functions_below([root], stop)
    depends = {}  # id(function) -> whether one of its inputs depends on wrt
    for f in functions:  # inputs' creators come first
        depends[id(f)] = any(id(x) in stop or (x.creator is not None
                                               and depends.get(id(x.creator), False))
                             for x in f.inputs)
    if not (id(root) in stop or depends.get(id(root.creator), False)):
        return [None] * len(wrt)

    variables = {id(root): root}
    for f in functions:
        for x in f.inputs:
            variables[id(x)] = x
        for ref in f.outputs:
            y = ref()
            if y is not None:
                variables[id(y)] = y
    cut = []
    for v in variables.values():
        c = v.creator
        if c is not None and (id(v) in stop or not depends.get(id(c), False)):
            cut.append((v, c))
    saved = [(v, v.grad) for v in variables.values()]
    try:
        for v, _ in cut:
            v.unchain()
        for v, _ in saved:
            v.grad = None
        root.backward(create_graph=create_graph)
        return [v.grad for v in wrt]
    finally:
        for v, c in cut:
            v.creator = c
        for v, g in saved:
            v.grad = g


def _weighted_sum(ys, cotangents):
    """sum_k sum(y_k * ct_k): a scalar whose gradient is the vector-Jacobian product."""
    total = None
    for y, ct in zip(ys, cotangents):
        term = (y * ct).sum()
        total = term if total is None else total + term
    return total


# ---------------------------------------------------------------------------------------------
# grad, value_and_grad
# ---------------------------------------------------------------------------------------------
def _arguments(who, f, argnums, args):
    """The positions to differentiate, whether one int was given, and the arguments with each
    of those replaced by a primal of its own (call under recording)."""
    nums, single = _argnums(who, argnums, len(args))
    args = list(args)
    for i in nums:
        args[i] = _primal(who, args[i], f'argument {i} of {_fname(f)}')
    return nums, single, args


def _value_and_grad(who, f, argnums, args, kwargs):
    create_graph = Config.enable_backprop
    with using_config('enable_backprop', True):
        nums, single, args = _arguments(who, f, argnums, args)
        xs = [args[i] for i in nums]
        y = _scalar_output(who, f, f(*args, **kwargs))
        gs = _backprop(y, xs, create_graph)
    gs = [_zeros_like(x) if g is None else g for x, g in zip(xs, gs)]
    if not create_graph:
        y, gs = _detached(y), [_detached(g) for g in gs]
    return y, (gs[0] if single else tuple(gs))


def _named(transform, f, who):
    transform.__name__ = f'{who}({_fname(f)})'
    transform.__qualname__ = transform.__name__
    transform.__doc__ = f'{who} of {_fname(f)}, made by dezero.func.{who}.'
    return transform


def grad(f, argnums=0):
    """The gradient of `f` (a function returning one scalar) as a function of f's arguments.

    `grad(f)(x, y)` is d f(x, y) / dx as a Variable of x's shape; `argnums=(0, 1)` gives a tuple
    (df/dx, df/dy). Arguments may be Variables, arrays or Python numbers (made float64). The
    result is differentiable again, so `grad(grad(f))` is the second derivative. The caller's
    Variables keep their `.grad` untouched.
    """
    def grad_f(*args, **kwargs):
        return _value_and_grad('grad', f, argnums, args, kwargs)[1]
    return _named(grad_f, f, 'grad')


def value_and_grad(f, argnums=0):
    """Like `grad`, but the new function returns `(f(*args), gradient)` from one forward pass."""
    def value_and_grad_f(*args, **kwargs):
        return _value_and_grad('value_and_grad', f, argnums, args, kwargs)
    return _named(value_and_grad_f, f, 'value_and_grad')


# ---------------------------------------------------------------------------------------------
# vjp, jvp
# ---------------------------------------------------------------------------------------------
def _cotangents(who, ys, several, given, what):
    """The cotangents (or tangents) `given` checked against the Variables ys, one each."""
    if several and len(given) == 1 and isinstance(given[0], (tuple, list)):
        given = tuple(given[0])
    if len(given) != len(ys):
        raise TypeError(f'{who}: expected {len(ys)} {what} (one per '
                        f'{"output" if what == "cotangents" else "primal"}), got {len(given)}')
    out = []
    for k, (y, ct) in enumerate(zip(ys, given)):
        data = ct.data if isinstance(ct, Variable) else _float_array(who, ct, f'{what} {k}')
        if tuple(data.shape) != tuple(y.shape):
            raise ValueError(f'{who}: {what} {k} has shape {tuple(data.shape)}, expected '
                             f'{tuple(y.shape)} (the shape of '
                             f'{"output" if what == "cotangents" else "primal"} {k})')
        out.append(ct if isinstance(ct, Variable) else Variable(data))
    return out


def vjp(f, *primals):
    """Run `f(*primals)` and return `(outputs, vjp_fn)`; `vjp_fn(cotangents)` gives u^T J.

    `vjp_fn` takes one cotangent per output of f (each of that output's shape; a tuple when f
    returns a tuple) and returns a tuple with one gradient per primal: the sum over outputs of
    cotangent * d output / d primal. It may be called many times (one backward pass each).
    """
    who = 'vjp'
    if not primals:
        raise TypeError(f'vjp: give at least one primal to differentiate {_fname(f)} at')
    create_graph = Config.enable_backprop
    with using_config('enable_backprop', True):
        xs = [_primal(who, x, f'primal {i}') for i, x in enumerate(primals)]
        ys, several = _outputs(who, f, f(*xs))

    def vjp_fn(*cotangents):
        cts = _cotangents('vjp_fn', ys, several, cotangents, 'cotangents')
        keep = Config.enable_backprop and create_graph
        with using_config('enable_backprop', True):
            gs = _backprop(_weighted_sum(ys, cts), xs, keep)
        gs = [_zeros_like(x) if g is None else g for x, g in zip(xs, gs)]
        return tuple(gs if keep else [_detached(g) for g in gs])

    vjp_fn.__name__ = vjp_fn.__qualname__ = f'vjp_fn of {_fname(f)}'
    outs = ys if create_graph else tuple(_detached(y) for y in ys)
    return (outs if several else outs[0]), vjp_fn


def jvp(f, primals, tangents):
    """Forward mode: `(f(*primals), J t)`, the outputs and their directional derivatives.

    `primals` and `tangents` are tuples of the same length, each tangent of its primal's shape;
    the second result has the structure of f's output (a tuple when f returns one).

    How: by transposing a vector-Jacobian product (the "double vjp" trick). dezero has reverse
    mode only, and g(u) = u^T J, built with create_graph=True, is linear in the cotangent u;
    so the gradient of g(u) . t with respect to u is J t, the jvp. This costs two backward
    passes instead of a forward pass with tangents, but it needs no forward rule for any
    operation, so every Function with a differentiable backward (user ones included) gets
    forward mode for free. JAX goes the other way (it transposes its jvp to get the vjp).
    """
    who = 'jvp'
    if not isinstance(primals, (tuple, list)) or not isinstance(tangents, (tuple, list)):
        raise TypeError(f'jvp: primals and tangents must be tuples (one entry per argument of '
                        f'{_fname(f)}), got {type(primals).__name__} and '
                        f'{type(tangents).__name__}')
    if not primals:
        raise TypeError(f'jvp: give at least one primal to differentiate {_fname(f)} at')
    create_graph = Config.enable_backprop
    with using_config('enable_backprop', True):
        xs = [_primal(who, x, f'primal {i}') for i, x in enumerate(primals)]
        ts = _cotangents(who, xs, True, tuple(tangents), 'tangents')
        ys, several = _outputs(who, f, f(*xs))
        us = [_zeros_like(y) for y in ys]  # any value: u^T J is linear in u
        gs = _backprop(_weighted_sum(ys, us), xs, True)
        pairs = [(g, t) for g, t in zip(gs, ts) if g is not None]
        if pairs:
            touts = _backprop(_weighted_sum(*zip(*pairs)), us, create_graph)
        else:
            touts = [None] * len(ys)
    touts = [_zeros_like(y) if t is None else t for y, t in zip(ys, touts)]
    if not create_graph:
        ys, touts = [_detached(y) for y in ys], [_detached(t) for t in touts]
    if several:
        return tuple(ys), tuple(touts)
    return ys[0], touts[0]


# ---------------------------------------------------------------------------------------------
# jacobian, hessian
# ---------------------------------------------------------------------------------------------
def _stack_rows(rows, shape, create_graph):
    """Variables `rows` (each of the input's shape) stacked and reshaped to `shape`."""
    if not rows:
        return Variable(np.zeros(shape))
    if not create_graph:
        xp = cuda.get_array_module(rows[0].data)
        return Variable(xp.stack([r.data for r in rows]).reshape(shape))
    from dezero.functions import concat  # differentiable stacking
    return concat([r.reshape((1,) + r.shape) for r in rows], axis=0).reshape(shape)


def jacobian(f, argnums=0):
    """The Jacobian of `f` as a function of f's arguments, computed by reverse mode.

    For an output of shape S and an argument of shape T the Jacobian has shape S + T (as
    `torch.func.jacrev`): J[i..., j...] = d y[i...] / d x[j...]. With `argnums` a tuple the
    result is a tuple over arguments; when f returns a tuple, a tuple over outputs (each a
    tuple over arguments when `argnums` is a tuple). One backward pass per output element.
    """
    def jacobian_f(*args, **kwargs):
        who = 'jacobian'
        create_graph = Config.enable_backprop
        with using_config('enable_backprop', True):
            nums, single, args = _arguments(who, f, argnums, args)
            xs = [args[i] for i in nums]
            ys, several = _outputs(who, f, f(*args, **kwargs))
            result = []
            for y in ys:
                rows = [[] for _ in xs]
                flat = y.reshape(-1) if y.ndim != 1 else y
                for e in range(y.size):
                    gs = _backprop(flat[e] if y.ndim else y, xs, create_graph)
                    for k, (x, g) in enumerate(zip(xs, gs)):
                        rows[k].append(_zeros_like(x) if g is None else g)
                js = tuple(_stack_rows(r, tuple(y.shape) + tuple(x.shape), create_graph)
                           for r, x in zip(rows, xs))
                result.append(js[0] if single else js)
        return tuple(result) if several else result[0]
    return _named(jacobian_f, f, 'jacobian')


def hessian(f, argnums=0):
    """The Hessian of `f` (the Jacobian of its Jacobian) as a function of f's arguments.

    For a scalar f and an argument of shape T the Hessian has shape T + T. With `argnums` a
    tuple, `hessian(f, (0, 1))(x, y)[i][j]` is d^2 f / d arg_i d arg_j, as in torch.func.
    """
    return _named(jacobian(jacobian(f, argnums), argnums), f, 'hessian')


# ---------------------------------------------------------------------------------------------
# gradcheck
# ---------------------------------------------------------------------------------------------
class GradcheckError(AssertionError):
    """Raised by `gradcheck`: a derivative differs from its finite-difference estimate.

    Attributes: `function` (its name), `order` (1 or 2), `input_index`, `index` (the element,
    a tuple), `analytic`, `numeric`.
    """

    def __init__(self, message, function, order, input_index, index, analytic, numeric):
        super().__init__(message)
        self.function = function
        self.order = order
        self.input_index = input_index
        self.index = index
        self.analytic = analytic
        self.numeric = numeric


def _scalar_of(fn, arrays, us):
    """sum_k sum(fn(*arrays)_k * u_k) as a float, without recording a graph."""
    with using_config('enable_backprop', False):
        ys, _ = _outputs('gradcheck', fn, fn(*[Variable(a) for a in arrays]))
    return float(sum(np.sum(cuda.as_numpy(y.data).astype(np.float64) * u)
                     for y, u in zip(ys, us)))


def _numeric_grads(fn, arrays, us, eps):
    """Central differences of _scalar_of(fn, ., us) with respect to every element."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)  # views: perturb arrays in place
        for i in range(flat.size):
            orig = flat[i]
            flat[i] = orig + eps
            hi = _scalar_of(fn, arrays, us)
            flat[i] = orig - eps
            lo = _scalar_of(fn, arrays, us)
            flat[i] = orig
            gflat[i] = (hi - lo) / (2 * eps)
        grads.append(g)
    return grads


def _compare(name, order, fn, arrays, positions, seed, rng, eps, atol, rtol):
    """Check the vjp of fn at `arrays` against central differences; return the cotangents."""
    with using_config('enable_backprop', False):
        ys, _ = _outputs('gradcheck', fn, fn(*[Variable(a.copy()) for a in arrays]))
    us = [rng.standard_normal(tuple(y.shape)) for y in ys]
    _, vjp_fn = vjp(fn, *[a.copy() for a in arrays])
    with using_config('enable_backprop', False):
        analytic = [cuda.as_numpy(g.data) for g in vjp_fn(*us)]
    numeric = _numeric_grads(fn, [a.copy() for a in arrays], us, eps)
    what = 'first derivative' if order == 1 else \
        'second derivative (the derivative of the first derivatives)'
    hint = '' if order == 1 else (
        '. The first derivatives are right, so a backward is probably not differentiable: '
        'one that computes with .data or NumPy functions gives the graph a constant; write '
        'backward with Variable operations (dezero.functions)')
    for k, (a, n) in enumerate(zip(analytic, numeric)):
        pos = positions[k]
        if a.shape != n.shape:
            raise GradcheckError(
                f'gradcheck: the {what} of {name} with respect to input {pos} has shape '
                f'{a.shape}, expected {n.shape} (the shape of input {pos}); order {order}',
                name, order, pos, None, a, n)
        excess = np.abs(a - n) - (atol + rtol * np.abs(n))
        bad = excess > 0
        if np.isnan(a).any() or np.isnan(n).any():
            bad |= np.isnan(a) != np.isnan(n)
        if bad.any():
            flat = int(np.argmax(np.where(bad, np.nan_to_num(excess, nan=np.inf), -np.inf)))
            index = tuple(int(i) for i in np.unravel_index(flat, a.shape))
            av, nv = float(a[index]), float(n[index])
            raise GradcheckError(
                f'gradcheck: the {what} of {name} is wrong for input {pos} (shape {a.shape}) '
                f'at element {index}: analytic {av!r}, numeric {nv!r} (difference '
                f'{abs(av - nv):.3g}, allowed atol + rtol * |numeric| = '
                f'{atol + rtol * abs(nv):.3g}); {int(bad.sum())} of {a.size} element(s) of '
                f'this input differ; order {order} (derivatives of sum(output * u) for a random '
                f'upstream gradient u, seed {seed}; eps {eps:g}){hint}',
                name, order, pos, index, av, nv)
    return us


def gradcheck(f, *inputs, order=1, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0):
    """Check the derivatives of `f` at `inputs` against float64 central differences.

    Returns True, or raises `GradcheckError` (an AssertionError) naming the input, the
    element, the analytic and numeric values and the order. Every floating-point input is
    checked, made float64 first; integer inputs (labels, indices) are passed through as they
    are. The outputs are weighted by a random upstream gradient (from `seed`), so every
    element of the backward pass counts. `order=2` checks the first derivatives, then the
    derivatives of the first derivatives (what double backprop and Newton's method use).
    """
    if order not in (1, 2):
        raise ValueError(f'gradcheck: order must be 1 or 2, got {order!r}')
    name = _fname(f)
    values, positions = list(inputs), []
    for i, x in enumerate(inputs):
        data = x.data if isinstance(x, Variable) else x
        if isinstance(data, (numbers.Number, np.generic)) and not isinstance(data, bool):
            data = np.asarray(data)
        if isinstance(data, cuda.array_types) and np.issubdtype(data.dtype, np.floating):
            values[i] = np.array(cuda.as_numpy(data), dtype=np.float64)
            positions.append(i)
    if not positions:
        raise ValueError(f'gradcheck: none of the {len(inputs)} input(s) of {name} holds '
                         f'floating-point values, so there is nothing to check')

    def checked(*xs):  # f with the floating inputs as arguments, the others fixed
        args = list(values)
        for i, x in zip(positions, xs):
            args[i] = x
        return f(*args)
    checked.__name__ = name

    arrays = [values[i] for i in positions]
    rng = np.random.default_rng(seed)
    us = _compare(name, 1, checked, arrays, positions, seed, rng, eps, atol, rtol)
    if order == 2:
        def first_derivatives(*xs):
            return vjp(checked, *xs)[1](*us)
        first_derivatives.__name__ = name
        _compare(name, 2, first_derivatives, arrays, positions, seed, rng, eps, atol, rtol)
    return True
