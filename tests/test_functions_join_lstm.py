"""concat and the fused LSTM step: values against NumPy, derivatives against differences."""
import numpy as np
import pytest

import dezero.functions as F
from dezero import Variable
from helpers import check_function

rng = np.random.default_rng(7)


def sig(x):
    return 1 / (1 + np.exp(-x))


@pytest.mark.parametrize('shapes,axis', [(((2, 3), (2, 2)), 1), (((2, 3), (1, 3), (4, 3)), 0),
                                         (((3,), (2,)), 0), (((2, 1, 2), (2, 3, 2)), -2)])
def test_concat(shapes, axis):
    xs = [rng.standard_normal(s) for s in shapes]
    np.testing.assert_array_equal(F.concat([Variable(x) for x in xs], axis=axis).data,
                                  np.concatenate(xs, axis=axis))
    check_function(lambda *vs: F.concat(vs, axis=axis), *xs)
    # concat is linear, so its second derivative is zero whatever its backward builds
    check_function(lambda *vs: F.concat(vs, axis=axis) ** 2, *xs)


def test_concat_error_names_shapes():
    with pytest.raises(ValueError, match=r'concat.*\(2, 3\).*\(2, 2\)'):
        F.concat([np.ones((2, 3)), np.ones((2, 2))], axis=0)


def test_lstm_values():
    N, H = 3, 4
    c_prev, x = rng.standard_normal((N, H)), rng.standard_normal((N, 4 * H))
    c, h = F.lstm(Variable(c_prev), Variable(x))
    a, i, f, o = np.tanh(x[:, :H]), sig(x[:, H:2 * H]), sig(x[:, 2 * H:3 * H]), sig(x[:, 3 * H:])
    c_ref = a * i + f * c_prev
    np.testing.assert_allclose(c.data, c_ref, rtol=1e-12)
    np.testing.assert_allclose(h.data, o * np.tanh(c_ref), rtol=1e-12)


@pytest.mark.parametrize('which', ['both', 'h_only', 'c_only'])
def test_lstm_derivatives(which):
    c_prev, x = rng.standard_normal((2, 3)), rng.standard_normal((2, 12))
    pick = {'both': lambda r: r, 'h_only': lambda r: r[1], 'c_only': lambda r: r[0]}[which]
    check_function(lambda c, v: pick(F.lstm(c, v)), c_prev, x)


def test_lstm_keeps_float32_and_checks_shapes():
    c, h = F.lstm(np.zeros((2, 3), np.float32), Variable(np.ones((2, 12), np.float32)))
    (F.sum(h) + F.sum(c)).backward()
    assert c.dtype == h.dtype == np.float32
    with pytest.raises(ValueError, match=r'lstm.*\(2, 3\).*\(2, 10\)'):
        F.lstm(np.zeros((2, 3)), np.zeros((2, 10)))


@pytest.mark.parametrize('with_h', [False, True])
def test_gate_linear_values_and_derivatives(with_h):
    x, h = rng.standard_normal((2, 3)), rng.standard_normal((2, 4))
    Wx = [rng.standard_normal((3, 4)) for _ in range(2)]
    b = [rng.standard_normal(4) for _ in range(2)]
    Wh = [rng.standard_normal((4, 4)) for _ in range(2)]
    if with_h:
        def f(x, a, c, b0, b1, h, d, e):
            return F.gate_linear(x, [a, c], [b0, b1], h, [d, e])
        args = (x, *Wx, *b, h, *Wh)
        ref = np.concatenate([h @ Wh[k] + (x @ Wx[k] + b[k]) for k in range(2)], axis=1)
    else:
        def f(x, a, c, b0, b1):
            return F.gate_linear(x, [a, c], [b0, b1])
        args = (x, *Wx, *b)
        ref = np.concatenate([x @ Wx[k] + b[k] for k in range(2)], axis=1)
    np.testing.assert_array_equal(f(*[Variable(a) for a in args]).data, ref)
    check_function(f, *args)


def test_gate_linear_checks_its_argument_counts():
    with pytest.raises(ValueError, match='gate_linear'):
        F.gate_linear(np.ones((1, 2)), [np.ones((2, 3))], [])
