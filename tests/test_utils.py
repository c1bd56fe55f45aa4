"""dezero.utils: array helpers, numerical gradients and gradient_check."""
import numpy as np
import pytest

import dezero.functions as F
from dezero import Function, Variable, utils


def test_sum_to_and_reshape_sum_backward():
    x = np.arange(24.0).reshape(2, 3, 4)
    np.testing.assert_array_equal(utils.sum_to(x, (3, 1)), x.sum(axis=(0, 2))[:, None])
    np.testing.assert_array_equal(utils.sum_to(x, (2, 3, 4)), x)
    gy = np.ones(3)
    assert utils.reshape_sum_backward(gy, (2, 3, 4), axis=(0, 2), keepdims=False).shape == (1, 3, 1)
    assert utils.reshape_sum_backward(np.array(1.0), (2, 3), None, False).shape == (1, 1)


def test_logsumexp_is_stable():
    x = np.array([[1e4, 0.0], [-1e4, -1e4]])
    with np.errstate(over='raise', invalid='raise', divide='raise'):
        y = utils.logsumexp(x, axis=1)
    np.testing.assert_allclose(y[:, 0], [1e4, -1e4 + np.log(2)])


def test_pair_and_conv_sizes():
    assert utils.pair(3) == (3, 3)
    assert utils.pair((2, 5)) == (2, 5)
    with pytest.raises(ValueError, match='pair'):
        utils.pair((1, 2, 3))
    assert utils.get_conv_outsize(28, 3, 1, 1) == 28
    assert utils.get_conv_outsize(7, 3, 2, 0) == 3
    assert utils.get_deconv_outsize(3, 3, 2, 0) == 7
    assert utils.max_backward_shape(np.zeros((2, 3, 4)), 1) == [2, 1, 4]


def test_numerical_grad_matches_analytic():
    x = np.array([0.3, -1.2, 2.0])
    g = utils.numerical_grad(lambda v: F.sin(v) * v, x)
    np.testing.assert_allclose(g, np.cos(x) * x + np.sin(x), rtol=1e-6)


def test_gradient_check_passes_for_correct_backward():
    assert utils.gradient_check(F.tanh, np.random.default_rng(0).standard_normal((2, 3)))
    assert utils.gradient_check(lambda x, y: x * y, np.array([1.0, 2.0]), Variable(np.array(3.0)))


class WrongSquare(Function):
    """x**2 with a deliberately wrong derivative (x instead of 2x)."""

    def forward(self, x):
        return x ** 2

    def backward(self, gy):
        return gy * self.inputs[0]


def wrong_square(x):
    return WrongSquare()(x)


def test_gradient_check_catches_a_wrong_backward():
    with pytest.raises(AssertionError) as info:
        utils.gradient_check(wrong_square, np.array([1.0, 2.0, 3.0]))
    msg = str(info.value)
    assert 'wrong_square' in msg
    assert '(3,)' in msg
    assert 'largest error 3' in msg
    assert 'backprop' in msg and 'numerical' in msg


def test_array_equal_and_allclose_accept_variables():
    a = Variable(np.array([1.0, 2.0]))
    assert utils.array_equal(a, np.array([1.0, 2.0]))
    assert utils.array_allclose(a, np.array([1.0, 2.0 + 1e-7]))
    assert not utils.array_allclose(a, np.array([1.0, 2.1]))
    assert not utils.array_allclose(a, np.array([1.0, 2.0, 3.0]))  # no broadcast pair


def test_array_allclose_broadcasts_as_np_allclose():
    """The book's own TestSumTo.test_forward1: sum_to(x, (1,)) against the scalar np.sum(x)."""
    x = Variable(np.random.default_rng(0).random(10))
    y = F.sum_to(x, (1,))
    assert y.shape == (1,)
    assert utils.array_allclose(y.data, np.sum(x.data))
    assert utils.array_allclose(np.ones((2, 3)), 1.0)
    assert not utils.array_allclose(np.ones((2, 3)), 1.1)
