"""Property-based checks of broadcasting gradients: any pair of broadcastable shapes."""
import numpy as np
from hypothesis import given, settings, strategies as st

import dezero.functions as F
from dezero import Variable

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
