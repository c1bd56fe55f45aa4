"""Property-based checks of broadcasting gradients: any pair of broadcastable shapes."""
import numpy as np
from hypothesis import given, settings, strategies as st

import dezero.functions as F
from dezero import Function, Variable
from helpers import check_function

dims = st.integers(min_value=1, max_value=3)


@st.composite
def broadcast_pair(draw):
    """Two shapes that broadcast together: drop leading axes and set some axes to 1."""
    full = draw(st.lists(dims, min_size=0, max_size=3))
    def derive():
        keep = draw(st.integers(min_value=0, max_value=len(full)))
        shape = full[len(full) - keep:]
        return tuple(1 if draw(st.booleans()) else d for d in shape)
    return derive(), derive()


@settings(max_examples=60, deadline=None)
@given(broadcast_pair(), st.sampled_from(['add', 'sub', 'mul', 'div']))
def test_binary_gradients_are_summed_back_to_each_shape(shapes, op):
    rng = np.random.default_rng(0)
    a = rng.uniform(0.5, 2.0, shapes[0])
    b = rng.uniform(0.5, 2.0, shapes[1])
    x0, x1 = Variable(a), Variable(b)
    y = {'add': x0 + x1, 'sub': x0 - x1, 'mul': x0 * x1, 'div': x0 / x1}[op]
    out_shape = np.broadcast_shapes(a.shape, b.shape)
    assert y.shape == out_shape
    F.sum(y).backward()
    ones = np.ones(out_shape)
    # d sum(y) / d a = sum over the broadcast axes of dy/da, and likewise for b
    da = {'add': ones, 'sub': ones, 'mul': ones * b, 'div': ones / b}[op]
    db = {'add': ones, 'sub': -ones, 'mul': ones * a, 'div': -ones * a / b ** 2}[op]
    np.testing.assert_allclose(x0.grad.data, _sum_to(da, a.shape))
    np.testing.assert_allclose(x1.grad.data, _sum_to(db, b.shape))


def _sum_to(g, shape):
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead)))
    return g.sum(axis=tuple(i for i, s in enumerate(shape) if s == 1), keepdims=True)


@settings(max_examples=40, deadline=None)
@given(st.lists(dims, min_size=1, max_size=3), st.data())
def test_sum_then_broadcast_round_trip(shape, data):
    axis = data.draw(st.none() | st.integers(min_value=-len(shape), max_value=len(shape) - 1))
    keepdims = data.draw(st.booleans())
    x = Variable(np.arange(np.prod(shape), dtype=float).reshape(shape))
    y = F.sum(x, axis=axis, keepdims=keepdims)
    np.testing.assert_array_equal(y.data, x.data.sum(axis=axis, keepdims=keepdims))
    y.backward()
    np.testing.assert_array_equal(x.grad.data, np.ones(shape))


class _SinCos(Function):
    """Two outputs from one input: (sin x, cos x)."""

    def forward(self, x):
        return np.sin(x), np.cos(x)

    def backward(self, g_sin, g_cos):
        x, = self.inputs
        return g_sin * F.cos(x) - g_cos * F.sin(x)


_UNARY = {
    'sin': F.sin,
    'tanh': F.tanh,
    'scale': lambda v: v * 0.7,
    'shift': lambda v: 1.5 - v,
    'square': lambda v: v ** 2,
    'sincos0': lambda v: _SinCos()(v)[0],
    'sincos_both': lambda v: _SinCos()(v)[0] * _SinCos()(v)[1],
}
_BINARY = {'add': lambda a, b: a + b, 'sub': lambda a, b: a - b, 'mul': lambda a, b: a * b}


@st.composite
def random_graph(draw):
    """A recipe for a random graph: each step applies an operation to earlier nodes (any of
    them, so values are reused and consumed at very different depths), and the output sums a
    random subset of the nodes."""
    n_leaves = draw(st.integers(min_value=1, max_value=3))
    steps = []
    for i in range(draw(st.integers(min_value=1, max_value=12))):
        n_nodes = n_leaves + i
        if draw(st.booleans()):
            op = draw(st.sampled_from(sorted(_UNARY)))
            steps.append((op, draw(st.integers(0, n_nodes - 1))))
        else:
            op = draw(st.sampled_from(sorted(_BINARY)))
            steps.append((op, draw(st.integers(0, n_nodes - 1)),
                          draw(st.integers(0, n_nodes - 1))))
    n_nodes = n_leaves + len(steps)
    outs = draw(st.lists(st.integers(0, n_nodes - 1), min_size=1, max_size=4))
    return n_leaves, steps, outs


class _Tap(Function):
    """The identity, counting how often its backward runs."""

    def __init__(self, calls):
        self.calls = calls

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        self.calls.append(self)
        return gy


def _build(steps, outs, calls=None):
    """The function of the recipe; with a `calls` list, every node passes through a _Tap."""
    def f(*leaves):
        nodes = list(leaves)
        for op, *args in steps:
            fn = _UNARY.get(op) or _BINARY[op]
            v = fn(*[nodes[a] for a in args])
            nodes.append(v if calls is None else _Tap(calls)(v))
        y = nodes[outs[0]] * 1.0
        for k in outs[1:]:
            y = y + nodes[k]
        return y
    return f


@settings(max_examples=60, deadline=None)
@given(random_graph())
def test_any_graph_gets_exact_first_and_second_derivatives(recipe):
    """Whatever the order in which a graph was built, each function's backward runs exactly
    once, after every consumer of its outputs, and the derivatives are exact."""
    n_leaves, steps, outs = recipe
    rng = np.random.default_rng(1)
    leaves = [rng.uniform(-1.0, 1.0, (2, 3)) for _ in range(n_leaves)]
    for create_graph in (False, True):
        calls = []
        y = _build(steps, outs, calls)(*[Variable(a) for a in leaves])
        y.backward(create_graph=create_graph)
        # every tap lies on a path to y (its node is an input of later steps or of the sum)
        # or on none; a tap on a path runs once, and an unused one never
        used = _used_nodes(n_leaves, steps, outs)
        assert len(calls) == len(set(map(id, calls))) == len(used - set(range(n_leaves)))
    check_function(_build(steps, outs), *leaves)


def _used_nodes(n_leaves, steps, outs):
    """The nodes y depends on."""
    used, todo = set(), list(outs)
    while todo:
        k = todo.pop()
        if k in used:
            continue
        used.add(k)
        if k >= n_leaves:
            todo.extend(steps[k - n_leaves][1:])
    return used
