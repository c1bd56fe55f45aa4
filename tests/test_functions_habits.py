"""Functions a PyTorch user reaches for (issue 17): F.abs, F.where, F.stack (gradients to second
order, values against torch), embed_id's id range, empty shapes as NumPy / PyTorch give them,
and the errors of concat, stack and friends."""
import warnings

import numpy as np
import pytest

import dezero.functions as F
import dezero.layers as L
from dezero import Variable
from helpers import check_function

RNG = np.random.default_rng(17)


def _away_from_zero(shape):
    x = RNG.standard_normal(shape)
    return np.where(np.abs(x) < 0.1, 0.5, x)


# --- F.abs ---------------------------------------------------------------------------------------
def test_abs_gradients_to_second_order():
    check_function(F.abs, _away_from_zero((3, 4)))
    check_function(lambda x: F.abs(x) * x, _away_from_zero((5,)))  # x|x|: second order 2 sign


def test_abs_against_torch_including_zero():
    torch = pytest.importorskip('torch')
    a = np.array([-2.0, -0.5, 0.0, 0.0, 1.5], dtype=np.float32)
    x = Variable(a.copy())
    y = F.abs(x) * F.abs(x)  # a shared subexpression
    y.grad = Variable(np.arange(5, dtype=np.float32))
    y.backward()
    t = torch.tensor(a, requires_grad=True)
    ty = t.abs() * t.abs()
    ty.backward(torch.arange(5, dtype=torch.float32))
    np.testing.assert_array_equal(y.data, ty.detach().numpy())
    np.testing.assert_array_equal(x.grad.data, t.grad.numpy())  # 0 at 0
    assert x.grad.dtype == np.float32


# --- F.where -------------------------------------------------------------------------------------
def test_where_gradients_to_second_order_with_broadcasting():
    cond = RNG.standard_normal((3, 4)) > 0
    check_function(lambda x, y: F.where(cond, x * x, y * y * y),
                   RNG.standard_normal((3, 4)), RNG.standard_normal((1, 4)))
    check_function(lambda x: F.where(cond, x, 2.0) * x, RNG.standard_normal((4,)))


def test_where_against_torch():
    torch = pytest.importorskip('torch')
    xa, ya = RNG.standard_normal((2, 3)), RNG.standard_normal(3)
    x, y = Variable(xa.copy()), Variable(ya.copy())
    z = F.where(x.data > 0, x, y)
    (z * z).sum().backward()
    tx = torch.tensor(xa, requires_grad=True)
    ty = torch.tensor(ya, requires_grad=True)
    tz = torch.where(tx > 0, tx, ty)
    (tz * tz).sum().backward()
    np.testing.assert_allclose(z.data, tz.detach().numpy(), rtol=1e-15)
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-15)
    np.testing.assert_allclose(y.grad.data, ty.grad.numpy(), rtol=1e-15)


def test_where_gradient_is_zero_on_the_side_not_taken_even_for_inf():
    torch = pytest.importorskip('torch')
    x, y = Variable(np.array([1.0, 2.0])), Variable(np.array([3.0, 4.0]))
    z = F.where(np.array([False, True]), x, y)
    z.grad = Variable(np.array([np.inf, 1.0]))
    z.backward()
    tx = torch.tensor([1.0, 2.0], requires_grad=True)
    ty = torch.tensor([3.0, 4.0], requires_grad=True)
    torch.where(torch.tensor([False, True]), tx, ty).backward(torch.tensor([np.inf, 1.0]))
    np.testing.assert_array_equal(x.grad.data, tx.grad.numpy())  # [0, 1], not nan
    np.testing.assert_array_equal(y.grad.data, ty.grad.numpy())  # [inf, 0]
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0])


def test_where_keeps_float32_with_python_numbers_and_checks_its_arguments():
    x = Variable(np.ones(3, np.float32))
    assert F.where(np.array([True, False, True]), x, 0.0).dtype == np.float32
    assert F.where(np.array([True, False, True]), -1, x).dtype == np.float32
    with pytest.raises(TypeError, match='where: cond must be a boolean array .* got dtype int'):
        F.where(np.array([1, 0, 1]), x, x)
    with pytest.raises(ValueError, match=r'where: cond of shape \(2,\), x of shape \(3,\)'):
        F.where(np.array([True, False]), x, 0.0)


# --- F.stack -------------------------------------------------------------------------------------
@pytest.mark.parametrize('axis', [0, 1, 2, -1, -3])
def test_stack_values_and_gradients(axis):
    a, b, c = (RNG.standard_normal((2, 3)) for _ in range(3))
    np.testing.assert_array_equal(F.stack([a, b, c], axis=axis).data, np.stack([a, b, c], axis))
    check_function(lambda x, y: F.stack([x, y * y, x], axis=axis), a, b)


def test_stack_against_torch():
    torch = pytest.importorskip('torch')
    a, b = RNG.standard_normal(3), RNG.standard_normal(3)
    x, y = Variable(a.copy()), Variable(b.copy())
    s = F.stack([x, y, x], axis=1)
    (s ** 3).sum().backward()
    tx, ty = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    ts = torch.stack([tx, ty, tx], dim=1)
    (ts ** 3).sum().backward()
    np.testing.assert_allclose(s.data, ts.detach().numpy())
    np.testing.assert_allclose(x.grad.data, tx.grad.numpy(), rtol=1e-14)
    np.testing.assert_allclose(y.grad.data, ty.grad.numpy(), rtol=1e-14)


@pytest.mark.parametrize('call, exc, match', [
    (lambda: F.stack([]), ValueError, 'stack: expected at least one Variable or array, got an '
                                      'empty sequence'),
    (lambda: F.stack([np.ones(2), np.ones(3)]), ValueError,
     r'stack: every input must have the same shape, got \[\(2,\), \(3,\)\]'),
    (lambda: F.stack([np.ones(2)], axis=2), ValueError, 'stack: axis 2 is out of range'),
    (lambda: F.concat([]), ValueError, 'concat: expected at least one Variable or array, got '
                                       'an empty sequence'),
    (lambda: F.concat(Variable(np.ones((2, 2)))), TypeError,
     r'concat: expected a sequence .* got a single Variable; write concat\(\[a, b, ...\]\)'),
    (lambda: F.concat(3), TypeError, 'concat: expected a sequence .* got a single int'),
])
def test_join_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


# --- item 9: embed_id ids out of the vocabulary ---------------------------------------------------
@pytest.mark.parametrize('ids, bad', [([0, -1, 2], -1), ([[1, 4]], 4), ([7], 7)])
def test_embed_id_refuses_ids_outside_the_vocabulary(ids, bad):
    W = Variable(RNG.standard_normal((4, 3)))
    with pytest.raises(IndexError, match=rf'embed_id: id {bad} is out of range for a vocabulary '
                                         rf'of 4 \(W of shape \(4, 3\)\); ids must lie in '
                                         rf'\[0, 4\)'):
        F.embed_id(np.array(ids), W)
    assert F.embed_id(np.array([3, 0]), W).shape == (2, 3)
    assert F.embed_id(np.zeros((0,), int), W).shape == (0, 3)


def test_embed_id_layer_names_the_vocabulary_and_the_argument_order():
    layer = L.EmbedID(3, 10)  # meant: 10 ids of dimension 3
    with pytest.raises(IndexError) as e:
        layer(np.array([5]))
    msg = str(e.value)
    assert 'EmbedID: id 5 is out of range for a vocabulary of 3' in msg
    assert 'EmbedID(in_size, out_size)' in msg
    with pytest.raises(IndexError, match='EmbedID: id -2 is out of range'):
        layer(np.array([-2]))


def test_embed_id_against_torch():
    torch = pytest.importorskip('torch')
    W = RNG.standard_normal((5, 2))
    ids = np.array([[0, 4], [4, 1]])
    w = Variable(W.copy())
    y = F.embed_id(ids, w)
    (y * y).sum().backward()
    tw = torch.tensor(W, requires_grad=True)
    ty = torch.nn.functional.embedding(torch.tensor(ids), tw)
    (ty * ty).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy())
    np.testing.assert_allclose(w.grad.data, tw.grad.numpy())
    with pytest.raises(IndexError):  # torch refuses it too
        torch.nn.functional.embedding(torch.tensor([-1]), tw)


# --- item 10: empty shapes as NumPy and PyTorch give them ----------------------------------------
def test_linear_with_zero_input_features_against_torch():
    torch = pytest.importorskip('torch')
    xa, Wa, ba = np.zeros((4, 0)), np.zeros((0, 3)), RNG.standard_normal(3)
    x, W, b = Variable(xa), Variable(Wa), Variable(ba.copy())
    y = F.linear(x, W, b)
    (y * y).sum().backward()
    tx, tW = torch.tensor(xa, requires_grad=True), torch.tensor(Wa.T, requires_grad=True)
    tb = torch.tensor(ba, requires_grad=True)
    ty = torch.nn.functional.linear(tx, tW, tb)
    (ty * ty).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy())
    assert x.grad.shape == (4, 0) and W.grad.shape == (0, 3)
    np.testing.assert_allclose(b.grad.data, tb.grad.numpy())


@pytest.mark.parametrize('fname', ['softmax', 'log_softmax'])
@pytest.mark.parametrize('shape, axis', [((2, 0), 1), ((0, 3), 0), ((0, 3), 1), ((2, 0, 3), 1),
                                         ((0,), 0)])
def test_softmax_over_empty_shapes_against_torch(fname, shape, axis):
    torch = pytest.importorskip('torch')
    x = Variable(np.zeros(shape, np.float32))
    y = getattr(F, fname)(x, axis=axis)
    ty = getattr(torch, fname)(torch.zeros(shape), dim=axis)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float32
    y.backward()
    assert x.grad.shape == shape


def test_softmax_over_empty_shapes_still_checks_the_axis():
    with pytest.raises(np.exceptions.AxisError, match='softmax'):
        F.softmax(np.zeros((2, 0)), axis=2)


@pytest.mark.parametrize('shape, axis', [((0,), None), ((0, 3), 0), ((0, 3), 1), ((2, 0), None),
                                         ((2, 0), 1), ((2, 0), 0)])
def test_mean_of_empty_arrays_against_torch(shape, axis):
    torch = pytest.importorskip('torch')
    x = Variable(np.zeros(shape, np.float32))
    y = F.mean(x, axis=axis)
    tx = torch.zeros(shape, requires_grad=True)
    ty = tx.mean() if axis is None else tx.mean(dim=axis)
    assert y.shape == tuple(ty.shape) and y.dtype == np.float32
    np.testing.assert_array_equal(y.data, ty.detach().numpy())  # nan where torch has nan
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', RuntimeWarning)  # NumPy: 'Mean of empty slice'
        want = np.mean(np.zeros(shape), axis=axis)
    np.testing.assert_array_equal(y.data, want)
    y.backward()
    assert x.grad.shape == shape


# --- clear errors from the core ---------------------------------------------------------------
def test_sin_of_none_names_the_function():
    with pytest.raises(TypeError, match=r'(?i)^sin\b.*None'):  # not NumPy's ufunc message
        F.sin(None)


def test_reshape_of_a_list_names_the_function():
    with pytest.raises(TypeError, match=r'(?i)^reshape\b.*list'):
        F.reshape([1, 2], (2, 1))
