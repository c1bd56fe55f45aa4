"""The array walk (dezero/array_backward.py) against the reference walk (dezero/core.py).

A first-order `backward()` runs on arrays for speed; `Config.array_backward = False` makes it
take the reference walk on Variables. Every function table of the test suite goes through both,
with a random upstream gradient, and every input gets the same gradient.
"""
import numpy as np
import pytest

import dezero.functions as F
from dezero import Function, Variable, using_config

from test_core import BINARY, BINARY_SHAPES, SHAPE_OPS, UNARY
from test_functions_conv import CASES_BOTH_PATHS
from test_functions_neural import CASES

rng = np.random.default_rng(7)


def grads_by_both_walks(f, arrays, retain_grad=False):
    """The input gradients (and the output's, when retained) from each walk."""
    u = None
    results = []
    for array_walk in (True, False):
        xs = [Variable(a.copy()) for a in arrays]
        y = f(*xs)
        if u is None:
            u = rng.standard_normal(y.shape)
        y.grad = Variable(u.astype(y.dtype))
        with using_config('array_backward', array_walk):
            y.backward(retain_grad=retain_grad)
        results.append([None if x.grad is None else x.grad.data for x in xs])
    return results


def assert_same(fast, reference):
    assert len(fast) == len(reference)
    for a, b in zip(fast, reference):
        assert (a is None) == (b is None)
        if a is not None:
            assert a.shape == b.shape and a.dtype == b.dtype
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-14)


TABLE = (
    [(f'unary-{name}-{shape}', f, [rng.uniform(0.5, 2.0, shape)])
     for name, f, _ in UNARY for shape in [(), (3,), (2, 3)]]
    + [(f'binary-{name}-{s0}-{s1}', f, [rng.uniform(0.5, 2.0, s0), rng.uniform(0.5, 2.0, s1)])
       for name, f, _ in BINARY for s0, s1 in BINARY_SHAPES]
    + [(f'shape-{name}', f, [rng.standard_normal(shape)]) for name, f, shape in SHAPE_OPS]
    + [(f'neural-{name}', f, [np.array(a, dtype=np.float64) for a in inputs])
       for name, f, _, inputs, _ in CASES]
    + [(f'conv-{name}', f, [rng.standard_normal(s) for s in shapes])
       for name, f, shapes in CASES_BOTH_PATHS]
)


@pytest.mark.parametrize('name,f,arrays', TABLE, ids=[t[0] for t in TABLE])
def test_both_walks_give_every_input_the_same_gradient(name, f, arrays):
    fast, reference = grads_by_both_walks(f, arrays)
    assert_same(fast, reference)


def test_both_walks_keep_the_same_intermediate_gradients():
    x = Variable(np.array([0.5, 1.0, 2.0]))
    grads = []
    for array_walk in (True, False):
        x.cleargrad()
        a = F.sin(x)
        b = a * x
        y = F.sum(b + a)
        with using_config('array_backward', array_walk):
            y.backward(retain_grad=True)
        grads.append((x.grad.data, a.grad.data, b.grad.data))
    for fast, reference in zip(*grads):
        np.testing.assert_allclose(fast, reference, rtol=1e-15)


class Square(Function):
    """The README's example of a Function of one's own: forward saves x on self."""

    def forward(self, x):
        self.x = x
        return x ** 2

    def backward(self, gy):
        return 2 * self.inputs[0] * gy


def test_a_user_function_that_saves_state_in_forward_works_in_both_walks():
    x = rng.standard_normal((2, 3))
    fast, reference = grads_by_both_walks(lambda v: Square()(v) * v, [x])
    assert_same(fast, reference)
    f = Square()
    f(Variable(x))
    assert f.x is not None  # forward may keep what it likes on self
