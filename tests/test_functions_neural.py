"""Neural-network functions: values against NumPy, derivatives against central differences,
dtypes, stability at extreme logits, train/test behaviour and the book's step-43 numbers."""
import warnings

import numpy as np
import pytest

import dezero.core
import dezero.functions as F
import dezero
from dezero import Variable
from helpers import check_function

rng = np.random.default_rng(7)


def rand(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def away_from_zero(*shape):
    """Values with |x| in [0.3, 2]: relu-like kinks stay far from the finite-difference steps."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.3, 2.0, size=shape)


LABELS = np.array([2, 0, 1, 2])
LABELS7 = np.array([4, 0, 1, 2, 3, 4, 0])


# --- NumPy references ------------------------------------------------------------------------
def np_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def np_softmax(x, axis=1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_log_softmax(x, axis=1):
    return np.log(np_softmax(x, axis))


def np_sce(x, t):
    return -np_log_softmax(x)[np.arange(len(x)), t].mean()


def np_bce(p, t):
    return -(t * np.log(p) + (1 - t) * np.log(1 - p)).sum() / len(p)


# (name, function of Variables, NumPy reference of the same arrays, inputs, second order?)
CASES = [
    ('linear', F.linear, lambda x, W, b: x @ W + b, (rand(4, 3), rand(3, 2), rand(2)), True),
    ('linear_nobias', F.linear, lambda x, W: x @ W, (rand(4, 3), rand(3, 2)), True),
    ('linear_bias_row', F.linear, lambda x, W, b: x @ W + b,
     (rand(4, 3), rand(3, 2), rand(1, 2)), True),
    ('linear_bias_full', F.linear, lambda x, W, b: x @ W + b,
     (rand(4, 3), rand(3, 2), rand(4, 2)), True),
    ('linear_3d', F.linear, lambda x, W, b: x @ W + b, (rand(2, 3, 4), rand(4, 2), rand(2)), True),
    ('linear_1d', F.linear, lambda x, W, b: x @ W + b, (rand(3), rand(3, 2), rand(2)), True),
    ('linear_simple', F.linear_simple, lambda x, W, b: x @ W + b,
     (rand(4, 3), rand(3, 2), rand(2)), True),
    ('sigmoid_0d', F.sigmoid, np_sigmoid, (rand(),), True),
    ('sigmoid', F.sigmoid, np_sigmoid, (rand(2, 3),), True),
    ('sigmoid_simple', F.sigmoid_simple, np_sigmoid, (rand(2, 3),), True),
    ('relu', F.relu, lambda x: np.maximum(x, 0), (away_from_zero(3, 4),), True),
    ('relu_0d', F.relu, lambda x: np.maximum(x, 0), (np.array(0.7),), True),
    ('leaky_relu', F.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x),
     (away_from_zero(3, 4),), True),
    ('leaky_relu_slope', lambda x: F.leaky_relu(x, slope=0.05),
     lambda x: np.where(x > 0, x, 0.05 * x), (away_from_zero(5),), True),
    ('softmax', F.softmax, np_softmax, (rand(3, 4),), True),
    ('softmax_axis0', lambda x: F.softmax(x, axis=0), lambda x: np_softmax(x, 0),
     (rand(3, 4),), True),
    ('softmax_3d_last', lambda x: F.softmax(x, axis=-1), lambda x: np_softmax(x, -1),
     (rand(2, 2, 3),), True),
    ('softmax_simple', F.softmax_simple, np_softmax, (rand(3, 4),), True),
    ('log_softmax', F.log_softmax, np_log_softmax, (rand(3, 4),), True),
    ('log_softmax_axis0', lambda x: F.log_softmax(x, axis=0), lambda x: np_log_softmax(x, 0),
     (rand(3, 4),), True),
    ('mse', F.mean_squared_error, lambda a, b: ((a - b) ** 2).sum() / len(a),
     (rand(5, 2), rand(5, 2)), True),
    ('mse_column', F.mean_squared_error, lambda a, b: ((a - b) ** 2).sum() / len(a),
     (rand(6, 1), rand(6, 1)), True),
    ('mse_broadcast', F.mean_squared_error, lambda a, b: ((a - b) ** 2).sum() / len(a),
     (rand(4, 3), rand(3)), True),
    ('mse_simple', F.mean_squared_error_simple, lambda a, b: ((a - b) ** 2).sum() / len(a),
     (rand(5, 2), rand(5, 2)), True),
    ('softmax_cross_entropy', lambda x: F.softmax_cross_entropy(x, LABELS),
     lambda x: np_sce(x, LABELS), (rand(4, 3),), True),
    ('softmax_cross_entropy_simple', lambda x: F.softmax_cross_entropy_simple(x, LABELS),
     lambda x: np_sce(x, LABELS), (rand(4, 3),), True),
    ('sigmoid_cross_entropy', lambda x: F.sigmoid_cross_entropy(x, np.array([1, 0, 1, 1])),
     lambda x: np_bce(np_sigmoid(x), np.array([1, 0, 1, 1])), (rand(4),), True),
    ('sigmoid_cross_entropy_2d',
     lambda x: F.sigmoid_cross_entropy(x, np.array([[1, 0], [0, 0], [1, 1]])),
     lambda x: np_bce(np_sigmoid(x), np.array([[1, 0], [0, 0], [1, 1]])), (rand(3, 2),), True),
    ('binary_cross_entropy', lambda p: F.binary_cross_entropy(p, np.array([1.0, 0.0, 0.3])),
     lambda p: np_bce(p, np.array([1.0, 0.0, 0.3])),
     (rng.uniform(0.1, 0.9, size=3),), True),
    ('clip', lambda x: F.clip(x, -0.5, 1.0), lambda x: np.clip(x, -0.5, 1.0),
     (np.array([[-1.5, -0.2, 0.4], [0.9, 1.3, -0.7]]),), True),
    ('average', F.average, np.mean, (rand(3, 4),), True),
    ('mean_axis', lambda x: F.mean(x, axis=1), lambda x: x.mean(axis=1), (rand(3, 4),), True),
    ('average_keepdims', lambda x: F.average(x, axis=(0, 2), keepdims=True),
     lambda x: x.mean(axis=(0, 2), keepdims=True), (rand(2, 3, 4),), True),
    ('expand_dims', lambda x: F.expand_dims(x, 1), lambda x: np.expand_dims(x, 1),
     (rand(2, 3),), True),
    ('expand_dims_neg', lambda x: F.expand_dims(x, -1), lambda x: np.expand_dims(x, -1),
     (rand(2, 3),), True),
    ('flatten', F.flatten, lambda x: x.reshape(len(x), -1), (rand(2, 3, 2),), True),
    ('embed_id', lambda W: F.embed_id(np.array([[0, 2], [2, 1]]), W),
     lambda W: W[np.array([[0, 2], [2, 1]])], (rand(4, 3),), True),
    ('shared_linear_x_is_W', lambda x: F.linear(x, x, x[0]), lambda x: x @ x + x[0],
     (rand(3, 3),), True),
    ('shared_mse', lambda x: F.mean_squared_error(x, F.sigmoid(x)),
     lambda x: ((x - np_sigmoid(x)) ** 2).sum() / len(x), (rand(4, 2),), True),
    ('shared_sce', lambda x: F.softmax_cross_entropy(x * F.softmax(x), LABELS),
     lambda x: np_sce(x * np_softmax(x), LABELS), (rand(4, 3),), True),
    ('max', lambda x: F.max(x, axis=1), lambda x: x.max(axis=1),
     (rng.permutation(12).reshape(3, 4) / 4.0,), True),
    ('min', F.min, np.min, (rng.permutation(12).reshape(3, 4) / 4.0,), True),
    # piecewise linear: their second derivative is zero whatever the backward builds, so the
    # squared forms make the second-order check see a wrong graph
    ('relu_squared', lambda x: F.relu(x) ** 2, lambda x: np.maximum(x, 0) ** 2,
     (away_from_zero(3, 4),), True),
    ('leaky_relu_squared', lambda x: F.leaky_relu(x) ** 2,
     lambda x: np.where(x > 0, x, 0.2 * x) ** 2, (away_from_zero(3, 4),), True),
    ('clip_no_lower_squared', lambda x: F.clip(x, None, 1.0) ** 2,
     lambda x: np.minimum(x, 1.0) ** 2, (np.array([[-1.5, -0.2, 0.4], [0.9, 1.3, -0.7]]),),
     True),
    ('clip_no_upper_squared', lambda x: F.clip(x, -0.5, None) ** 2,
     lambda x: np.maximum(x, -0.5) ** 2, (np.array([[-1.5, -0.2, 0.4], [0.9, 1.3, -0.7]]),),
     True),
    ('clip_squared', lambda x: F.clip(x, -0.5, 1.0) ** 2, lambda x: np.clip(x, -0.5, 1.0) ** 2,
     (np.array([[-1.5, -0.2, 0.4], [0.9, 1.3, -0.7]]),), True),
    ('embed_id_squared', lambda W: F.embed_id(np.array([[0, 2], [2, 1]]), W) ** 2,
     lambda W: W[np.array([[0, 2], [2, 1]])] ** 2, (rand(4, 3),), True),
    ('flatten_squared', lambda x: F.flatten(x) ** 2, lambda x: x.reshape(len(x), -1) ** 2,
     (rand(2, 3, 2),), True),
    ('average_squared', lambda x: F.average(x, axis=0) ** 2, lambda x: x.mean(axis=0) ** 2,
     (rand(3, 4),), True),
    # 0-d inputs and more shapes
    ('leaky_relu_0d', F.leaky_relu, lambda x: np.where(x > 0, x, 0.2 * x), (np.array(-0.7),),
     True),
    ('clip_0d', lambda x: F.clip(x, -0.5, 1.0), lambda x: np.clip(x, -0.5, 1.0),
     (np.array(0.3),), True),
    ('clip_3d', lambda x: F.clip(x, -0.5, 1.0) ** 2, lambda x: np.clip(x, -0.5, 1.0) ** 2,
     (away_from_zero(2, 2, 3) * 0.9,), True),
    ('mean_0d', F.mean, np.mean, (np.array(1.3),), True),
    ('expand_dims_0d', lambda x: F.expand_dims(x, 0), lambda x: np.expand_dims(x, 0),
     (np.array(1.3),), True),
    ('flatten_4d', F.flatten, lambda x: x.reshape(len(x), -1), (rand(2, 2, 1, 3),), True),
    ('log_softmax_3d_neg_axis', lambda x: F.log_softmax(x, axis=-1),
     lambda x: np_log_softmax(x, -1), (rand(2, 2, 3),), True),
    ('binary_cross_entropy_2d',
     lambda p: F.binary_cross_entropy(p, np.array([[1.0, 0.0], [0.5, 1.0]])),
     lambda p: np_bce(p, np.array([[1.0, 0.0], [0.5, 1.0]])),
     (rng.uniform(0.1, 0.9, size=(2, 2)),), True),
    ('sigmoid_cross_entropy_target_gradient', F.sigmoid_cross_entropy,
     lambda x, t: np_bce(np_sigmoid(x), t), (rand(3, 2), rng.uniform(0.0, 1.0, size=(3, 2))),
     True),
    ('binary_cross_entropy_target_gradient', F.binary_cross_entropy, np_bce,
     (rng.uniform(0.1, 0.9, size=(3, 2)), rng.uniform(0.0, 1.0, size=(3, 2))), True),
    ('binary_cross_entropy_flat_target', lambda p, t: F.binary_cross_entropy(p, t),
     lambda p, t: np_bce(p, t.reshape(p.shape)),
     (rng.uniform(0.1, 0.9, size=(2, 2)), rng.uniform(0.0, 1.0, size=4)), True),
    ('softmax_cross_entropy_big_batch', lambda x: F.softmax_cross_entropy(x, LABELS7),
     lambda x: np_sce(x, LABELS7), (rand(7, 5),), True),
    ('softmax_cross_entropy_simple_big_batch',
     lambda x: F.softmax_cross_entropy_simple(x, LABELS7), lambda x: np_sce(x, LABELS7),
     (rand(7, 5),), True),
    ('sigmoid_simple_0d', F.sigmoid_simple, np_sigmoid, (rand(),), True),
    ('softmax_simple_axis0', lambda x: F.softmax_simple(x, axis=0), lambda x: np_softmax(x, 0),
     (rand(3, 2),), True),
    ('linear_simple_nobias_3d', lambda x, W: F.linear_simple(x, W), lambda x, W: x @ W,
     (rand(2, 3, 4), rand(4, 2)), True),
    ('mse_simple_broadcast', F.mean_squared_error_simple,
     lambda a, b: ((a - b) ** 2).sum() / len(a), (rand(4, 3), rand(3)), True),
]


@pytest.mark.parametrize('name,f,ref,inputs,second', CASES, ids=[c[0] for c in CASES])
def test_values_and_derivatives(name, f, ref, inputs, second):
    y = f(*[Variable(a.copy()) for a in inputs])
    assert isinstance(y, Variable)
    want = ref(*inputs)
    assert y.shape == np.shape(want)
    np.testing.assert_allclose(y.data, want, rtol=1e-10, atol=1e-12)
    check_function(f, *inputs, second_order=second)


def test_label_forms_are_accepted():
    x = rand(4, 3)
    want = np_sce(x, LABELS)
    for t in (LABELS.reshape(4, 1), Variable(LABELS), list(LABELS), LABELS.astype(np.uint8)):
        np.testing.assert_allclose(F.softmax_cross_entropy(x, t).data, want, rtol=1e-12)


def test_max_min_are_the_basic_operations():
    assert F.max is dezero.ops.max and F.min is dezero.ops.min
    assert F.mean is F.average


# --- the fast path and the graph path agree exactly ------------------------------------------
FAST = [
    ('linear', F.linear, (rand(5, 3), rand(3, 4), rand(4))),
    ('linear_nobias', F.linear, (rand(5, 3), rand(3, 4))),
    ('linear_3d', F.linear, (rand(2, 5, 3), rand(3, 4), rand(4))),
    ('sigmoid', F.sigmoid, (rand(4, 3),)),
    ('relu', F.relu, (rand(4, 3),)),
    ('leaky_relu', F.leaky_relu, (rand(4, 3),)),
    ('softmax', F.softmax, (rand(4, 3),)),
    ('log_softmax', F.log_softmax, (rand(4, 3),)),
    ('mse', F.mean_squared_error, (rand(5, 2), rand(5, 2))),
    ('softmax_cross_entropy', lambda x: F.softmax_cross_entropy(x, LABELS), (rand(4, 3),)),
    ('sigmoid_cross_entropy', lambda x: F.sigmoid_cross_entropy(x, np.ones(6)), (rand(6),)),
    ('clip', lambda x: F.clip(x, -0.5, 0.5), (rand(4, 3),)),
    ('clip_one_sided', lambda x: F.clip(x, None, 0.5) + F.clip(x, -0.5, None), (rand(4, 3),)),
    ('batch_norm', lambda x, g, b: F.batch_norm(x, g, b, np.zeros(3), np.ones(3)),
     (rand(4, 3), rand(3), rand(3))),
]


@pytest.mark.parametrize('name,f,inputs', FAST, ids=[c[0] for c in FAST])
def test_backward_data_equals_backward(name, f, inputs):
    u = rng.standard_normal(f(*[Variable(a) for a in inputs]).shape)
    grads = []
    for create_graph in (False, True):
        xs = [Variable(a.copy()) for a in inputs]
        y = f(*xs)
        y.grad = Variable(u.copy())
        y.backward(create_graph=create_graph)
        grads.append([x.grad.data for x in xs])
    for fast, slow in zip(*grads):
        np.testing.assert_array_equal(fast, slow)


def test_linear_with_array_input_skips_only_unreachable_gradient():
    x, W, b = rand(4, 3), rand(3, 2), rand(2)
    Wv, bv = Variable(W), Variable(b)
    F.linear(x, Wv, bv).sum().backward()
    xv, Wv2, bv2 = Variable(x), Variable(W), Variable(b)
    F.linear(xv, Wv2, bv2).sum().backward()
    np.testing.assert_allclose(Wv.grad.data, Wv2.grad.data)
    np.testing.assert_allclose(bv.grad.data, bv2.grad.data)
    np.testing.assert_allclose(xv.grad.data, np.ones((4, 2)) @ W.T)


def test_mse_with_array_target_matches_variable_target():
    a, b = rand(5, 1), rand(5, 1)
    v1 = Variable(b)
    F.mean_squared_error(a, v1).backward()
    v0, v2 = Variable(a), Variable(b)
    F.mean_squared_error(v0, v2).backward()
    np.testing.assert_array_equal(v1.grad.data, v2.grad.data)
    np.testing.assert_allclose(v0.grad.data, 2 * (a - b) / 5)


def test_linear_simple_is_matmul_then_add():
    x, W, b = Variable(rand(4, 3)), Variable(rand(3, 2)), Variable(rand(2))
    y = F.linear_simple(x, W, b)
    assert type(y.creator).__name__ == 'Add'
    assert type(y.creator.inputs[0].creator).__name__ == 'MatMul'
    assert type(F.linear_simple(x, W).creator).__name__ == 'MatMul'


# --- dtypes ----------------------------------------------------------------------------------
F32 = [
    ('linear', lambda x: F.linear(x, W32, b32)),
    ('linear_array_x', lambda W: F.linear(np.ones((2, 4), np.float32), W)),
    ('linear_simple', lambda x: F.linear_simple(x, W32, b32)),
    ('sigmoid', F.sigmoid), ('sigmoid_simple', F.sigmoid_simple), ('relu', F.relu),
    ('leaky_relu', F.leaky_relu), ('softmax', F.softmax), ('softmax_simple', F.softmax_simple),
    ('log_softmax', F.log_softmax),
    ('mse', lambda x: F.mean_squared_error(x, np.zeros((4, 3), np.float32))),
    ('mse_array_first', lambda x: F.mean_squared_error(np.ones((4, 3), np.float32), x)),
    ('mse_simple', lambda x: F.mean_squared_error_simple(x, np.zeros((4, 3), np.float32))),
    ('softmax_cross_entropy', lambda x: F.softmax_cross_entropy(x, np.array([0, 1, 2, 0]))),
    ('softmax_cross_entropy_simple',
     lambda x: F.softmax_cross_entropy_simple(x, np.array([0, 1, 2, 0]))),
    ('sigmoid_cross_entropy', lambda x: F.sigmoid_cross_entropy(x, np.ones((4, 3), int))),
    ('binary_cross_entropy', lambda x: F.binary_cross_entropy(F.sigmoid(x), np.ones((4, 3)))),
    ('dropout', F.dropout), ('clip', lambda x: F.clip(x, np.float64(-0.5), 0.5)),
    ('average', F.average), ('mean_axis', lambda x: F.mean(x, axis=0)),
    ('expand_dims', lambda x: F.expand_dims(x, 0)), ('flatten', F.flatten),
    ('embed_id', lambda x: F.embed_id(np.array([1, 0]), x)),
    ('batch_norm', lambda x: F.batch_norm(x, np.ones(3, np.float32), np.zeros(3, np.float32),
                                          np.zeros(3, np.float32), np.ones(3, np.float32))),
    ('max', F.max), ('min', lambda x: F.min(x, axis=1)),
    ('numpy_scalar_params', lambda x: F.leaky_relu(x, np.float64(0.1)) + F.batch_norm(
        x, np.ones(3, np.float32), np.zeros(3, np.float32), np.zeros(3, np.float32),
        np.ones(3, np.float32), decay=np.float64(0.9), eps=np.float64(1e-5))),
]
W32 = rng.standard_normal((3, 2)).astype(np.float32)
b32 = np.zeros(2, np.float32)


@pytest.mark.parametrize('create_graph', [False, True])
@pytest.mark.parametrize('name,f', F32, ids=[c[0] for c in F32])
def test_float32_stays_float32(name, f, create_graph):
    x = Variable(rand(4, 3).astype(np.float32))
    y = f(x)
    assert y.dtype == np.float32, f'{name}: output became {y.dtype}'
    y.sum().backward(create_graph=create_graph)
    assert x.grad.dtype == np.float32, f'{name}: gradient became {x.grad.dtype}'


def test_float32_mlp_gradients_stay_float32():
    x = rand(5, 3).astype(np.float32)
    params = [Variable(rand(3, 4).astype(np.float32)), Variable(np.zeros(4, np.float32)),
              Variable(rand(4, 3).astype(np.float32)), Variable(np.zeros(3, np.float32))]
    h = F.relu(F.linear(x, params[0], params[1]))
    loss = F.softmax_cross_entropy(F.linear(h, params[2], params[3]), np.array([0, 1, 2, 1, 0]))
    loss.backward()
    assert loss.dtype == np.float32
    assert all(p.grad.dtype == np.float32 for p in params)


# --- stability at extreme inputs -------------------------------------------------------------
@pytest.fixture
def strict_floats():
    """Overflow, invalid results and division by zero raise; so does any warning.

    Underflow is left alone: exp(-2e4) rounding to 0 is the correct answer, not an error.
    """
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        with np.errstate(over='raise', invalid='raise', divide='raise', under='ignore'):
            yield


EXTREME = np.array([[1e4, -1e4, 0.0], [-1e4, 1e4, 3.0], [-1e4, -1e4, -1e4]])
STABLE = [
    ('sigmoid', F.sigmoid),
    ('softmax', F.softmax),
    ('log_softmax', F.log_softmax),
    ('softmax_cross_entropy', lambda x: F.softmax_cross_entropy(x, np.array([1, 0, 2]))),
    ('sigmoid_cross_entropy', lambda x: F.sigmoid_cross_entropy(x, np.ones((3, 3)))),
    ('binary_cross_entropy', lambda x: F.binary_cross_entropy(F.sigmoid(x), np.eye(3))),
]


@pytest.mark.parametrize('dtype', [np.float64, np.float32])
@pytest.mark.parametrize('create_graph', [False, True])
@pytest.mark.parametrize('name,f', STABLE, ids=[c[0] for c in STABLE])
def test_stable_at_extreme_logits(strict_floats, name, f, create_graph, dtype):
    x = Variable(EXTREME.astype(dtype))
    y = f(x)
    assert np.all(np.isfinite(y.data))
    y.sum().backward(create_graph=create_graph)
    assert np.all(np.isfinite(x.grad.data))


def test_extreme_values_are_right(strict_floats):
    x = np.array([[1e4, -1e4]])
    np.testing.assert_array_equal(F.log_softmax(x).data, [[0.0, -2e4]])
    np.testing.assert_array_equal(F.softmax(x).data, [[1.0, 0.0]])
    np.testing.assert_array_equal(F.sigmoid(np.array([1e4, -1e4])).data, [1.0, 0.0])
    assert F.softmax_cross_entropy(x, np.array([0])).data == 0.0
    assert F.softmax_cross_entropy(x, np.array([1])).data == 2e4
    v = Variable(x)
    F.softmax_cross_entropy(v, np.array([1])).backward()
    np.testing.assert_array_equal(v.grad.data, [[1.0, -1.0]])
    np.testing.assert_allclose(F.sigmoid_cross_entropy(np.array([-1e4, 1e4]),
                                                       np.array([1, 1])).data, 5e3)
    bce = F.binary_cross_entropy(np.array([0.0, 1.0]), np.array([1.0, 0.0])).data
    assert np.isfinite(bce) and bce > 30


# --- dropout ---------------------------------------------------------------------------------
def test_dropout_train_mode_inverted_and_uses_global_rng():
    x = rand(50, 40)
    np.random.seed(3)
    y = F.dropout(Variable(x), dropout_ratio=0.3)
    np.random.seed(3)
    mask = np.random.rand(50, 40) > 0.3
    np.testing.assert_allclose(y.data, x * mask / 0.7)
    assert abs(mask.mean() - 0.7) < 0.05
    v = Variable(x)
    np.random.seed(3)
    F.dropout(v, 0.3).backward()
    np.testing.assert_allclose(v.grad.data, mask / 0.7)


def test_dropout_derivatives_with_a_fixed_mask():
    def dropped(x):
        np.random.seed(1)
        return F.dropout(x, 0.4)
    check_function(dropped, rand(3, 4))
    check_function(lambda x: dropped(x) ** 2, rand(2, 3, 2))  # linear: squared for 2nd order


def test_dropout_test_mode_is_identity():
    x = Variable(rand(3, 4))
    with dezero.test_mode():
        y = F.dropout(x)
    assert y is x
    np.testing.assert_array_equal(F.dropout(x.data, 0.0).data, x.data)


# --- batch norm ------------------------------------------------------------------------------
def np_batch_norm_ref(x, gamma, beta, eps=2e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    shape = (1, -1) + (1,) * (x.ndim - 2)
    mu, var = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)


@pytest.mark.parametrize('shape', [(6, 3), (4, 3, 2, 2)], ids=str)
def test_batch_norm_train_values_and_running_averages(shape):
    x = rand(*shape) * 3 + 1
    gamma, beta = rand(3), rand(3)
    mean, var = rand(3), rng.uniform(0.5, 2, 3)
    mean0, var0 = mean.copy(), var.copy()
    y = F.batch_norm(x, gamma, beta, mean, var, decay=0.8)
    np.testing.assert_allclose(y.data, np_batch_norm_ref(x, gamma, beta), rtol=1e-10)
    axes = (0,) + tuple(range(2, x.ndim))
    m = x.size // 3
    np.testing.assert_allclose(mean, 0.8 * mean0 + 0.2 * x.mean(axis=axes))
    np.testing.assert_allclose(var, 0.8 * var0 + 0.2 * x.var(axis=axes) * m / (m - 1))


@pytest.mark.parametrize('shape', [(6, 3), (4, 3, 2, 2)], ids=str)
def test_batch_norm_test_mode_uses_running_averages(shape):
    x = rand(*shape)
    gamma, beta = rand(3), rand(3)
    mean, var = rand(3), rng.uniform(0.5, 2, 3)
    mean0, var0 = mean.copy(), var.copy()
    s = (1, 3) + (1,) * (len(shape) - 2)
    with dezero.test_mode():
        y = F.batch_norm(x, gamma, beta, mean, var)
        want = ((x - mean.reshape(s)) / np.sqrt(var.reshape(s) + 2e-5) * gamma.reshape(s)
                + beta.reshape(s))
        np.testing.assert_allclose(y.data, want, rtol=1e-12)
        np.testing.assert_array_equal(mean, mean0)
        np.testing.assert_array_equal(var, var0)
        check_function(lambda x, g, b: F.batch_norm(x, g, b, mean, var), x, gamma, beta)


@pytest.mark.parametrize('shape', [(5, 3), (3, 2, 2, 2)], ids=str)
def test_batch_norm_train_derivatives(shape):
    C = shape[1]

    def bn(x, g, b):
        return F.batch_norm(x, g, b, np.zeros(C), np.ones(C))
    check_function(bn, rand(*shape), rand(C), rand(C))


def test_batch_norm_layer_like_use_accepts_variables_for_stats():
    mean, var = Variable(np.zeros(2)), Variable(np.ones(2))
    x = rand(4, 2) + 5
    F.batch_norm(x, np.ones(2), np.zeros(2), mean, var)
    np.testing.assert_allclose(mean.data, 0.1 * x.mean(axis=0))


# --- accuracy --------------------------------------------------------------------------------
def test_accuracy():
    y = np.array([[0.1, 0.8, 0.1], [0.3, 0.1, 0.6], [0.2, 0.5, 0.3], [0.8, 0.1, 0.1]])
    acc = F.accuracy(Variable(y), np.array([1, 2, 0, 0]))
    assert isinstance(acc, Variable) and acc.creator is None
    assert acc.data.shape == () and acc.data == 0.75
    assert F.accuracy(y, Variable(np.array([[1], [2], [1], [0]]))).data == 1.0
    assert F.accuracy(y, np.array([0, 0, 2, 1])).data == 0.0


def test_softmax_cross_entropy_called_as_the_book_does_takes_labels_as_an_input():
    # the book's programs may build the function themselves: SoftmaxCrossEntropy()(x, t)
    logits, labels = rand(4, 3), np.array([2, 0, 1, 2])
    want_x, got_x = Variable(logits), Variable(logits.copy())
    want = F.softmax_cross_entropy(want_x, labels)
    t = Variable(labels)
    got = F.SoftmaxCrossEntropy()(got_x, t)
    np.testing.assert_allclose(got.data, want.data, rtol=1e-15)
    want.backward(create_graph=True)
    got.backward(create_graph=True)
    np.testing.assert_allclose(got_x.grad.data, want_x.grad.data, rtol=1e-15)
    assert t.grad is None  # labels are indices: they have no gradient
    # the second derivative flows through the two-input form as through the one-input form
    second = []
    for x in (want_x, got_x):
        gx = x.grad
        x.cleargrad()
        F.sum(gx * gx).backward()
        second.append(x.grad.data)
    np.testing.assert_allclose(second[1], second[0], rtol=1e-12)
    assert np.abs(second[0]).max() > 1e-3
    with pytest.raises(TypeError, match='SoftmaxCrossEntropy: no labels'):
        F.SoftmaxCrossEntropy()(Variable(logits))
    with pytest.raises(TypeError, match='softmax_cross_entropy.*integers'):
        F.SoftmaxCrossEntropy()(Variable(logits), np.array([0.0, 1.0, 2.0, 1.0]))


# --- errors ----------------------------------------------------------------------------------
def test_clear_errors():
    x = rand(4, 3)
    with pytest.raises(ValueError, match=r'softmax_cross_entropy.*\(4, 3\).*\(3,\)'):
        F.softmax_cross_entropy(x, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match='softmax_cross_entropy.*integers.*float64'):
        F.softmax_cross_entropy(x, np.array([0.0, 1.0, 2.0, 1.0]))
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 3\)'):
        F.softmax_cross_entropy(x, np.array([0, 1, 3, 1]))
    with pytest.raises(ValueError, match=r'labels must lie in \[0, 3\)'):
        F.softmax_cross_entropy(x, np.array([0, -1, 2, 1]))
    with pytest.raises(ValueError, match=r'linear.*\(4, 3\).*\(2, 5\)'):
        F.linear(x, rand(2, 5))
    # a column of predictions against a flat vector of targets would compare all pairs
    for mse in (F.mean_squared_error, F.mean_squared_error_simple):
        with pytest.raises(ValueError, match=r'mean_squared_error: shapes \(5, 1\) and \(5,\) '
                                             r'broadcast to \(5, 5\)'):
            mse(Variable(rand(5, 1)), rand(5))
        with pytest.raises(ValueError, match=r'shapes \(1, 4\) and \(3, 1\) broadcast'):
            mse(rand(1, 4), Variable(rand(3, 1)))
    with pytest.raises(ValueError, match=r'linear.*\(3,\).*\(4, 5\)'):
        F.linear(x, rand(3, 5), rand(3))
    with pytest.raises(ValueError, match=r'mean_squared_error.*\(4, 3\).*\(2,\)'):
        F.mean_squared_error(x, rand(2))
    with pytest.raises(ValueError, match='dropout_ratio'):
        F.dropout(x, 1.0)
    with pytest.raises(TypeError, match="dropout: dropout_ratio must be a number.*str '0.5'"):
        F.dropout(x, '0.5')
    with pytest.raises(TypeError, match='embed_id.*integers'):
        F.embed_id(np.array([0.0]), rand(3, 2))
    with pytest.raises(ValueError, match='expand_dims'):
        F.expand_dims(x, 3)
    with pytest.raises(ValueError, match=r'batch_norm: gamma.*\(2,\).*3 channels'):
        F.batch_norm(x, np.ones(2), np.zeros(3), np.zeros(3), np.ones(3))
    with pytest.raises(ValueError, match=r'accuracy'):
        F.accuracy(x, np.array([0, 1]))
    with pytest.raises(ValueError, match=r'sigmoid_cross_entropy.*\(5,\)'):
        F.sigmoid_cross_entropy(x, np.ones(5))


# --- PyTorch as an oracle --------------------------------------------------------------------
def test_against_torch():
    torch = pytest.importorskip('torch')
    x, t = rand(6, 5) * 4, rng.integers(0, 5, 6)
    v = Variable(x.copy())
    loss = F.softmax_cross_entropy(v, t)
    loss.backward()
    tx = torch.tensor(x, requires_grad=True)
    tl = torch.nn.functional.cross_entropy(tx, torch.tensor(t))
    tl.backward()
    np.testing.assert_allclose(loss.data, tl.item(), rtol=1e-12)
    np.testing.assert_allclose(v.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-14)

    v = Variable(x.copy())
    u = rng.standard_normal(x.shape)
    y = F.log_softmax(v)
    (y * u).sum().backward()
    tx = torch.tensor(x, requires_grad=True)
    ty = torch.log_softmax(tx, dim=1)
    (ty * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12)
    np.testing.assert_allclose(v.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-14)


# --- the book's step 43 ----------------------------------------------------------------------
def test_step43_reproduces_the_books_losses():
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
    W1, b1 = Variable(0.01 * np.random.randn(1, 10)), Variable(np.zeros(10))
    W2, b2 = Variable(0.01 * np.random.randn(10, 1)), Variable(np.zeros(1))
    losses = {}
    for i in range(10000):
        y_pred = F.linear(F.sigmoid(F.linear(x, W1, b1)), W2, b2)
        loss = F.mean_squared_error(y, y_pred)
        for p in (W1, b1, W2, b2):
            p.cleargrad()
        loss.backward()
        for p in (W1, b1, W2, b2):
            p.data -= 0.2 * p.grad.data
        if i % 1000 == 0:
            losses[i] = loss
    assert repr(losses[0]) == 'variable(0.8473695850105871)'
    np.testing.assert_allclose(losses[9000].data, 0.07722132399559317, rtol=1e-9)


def test_clip_needs_a_bound():
    with pytest.raises(ValueError, match='clip: x_min and x_max are both None'):
        F.clip(Variable(np.ones(3)), None, None)


def test_gradient_penalty_against_torch():
    """Double backprop through a small conv net: the gradient of |d loss / d x|^2 with
    respect to every weight equals PyTorch's (autograd.grad with create_graph)."""
    torch = pytest.importorskip('torch')
    tF = torch.nn.functional
    x = rng.standard_normal((3, 2, 6, 6))
    t = np.array([0, 2, 1])
    Wc, bc = rng.standard_normal((4, 2, 3, 3)) * 0.5, rng.standard_normal(4)
    W1, b1 = rng.standard_normal((36, 5)) * 0.3, rng.standard_normal(5)

    def net(x, Wc, bc, W1, b1, lib):
        if lib is F:
            h = F.pooling(F.tanh(F.conv2d(x, Wc, bc, stride=1, pad=1)), 2, 2)
            y = F.linear(F.sigmoid(F.reshape(h, (3, -1))), W1, b1)
            return F.softmax_cross_entropy(y, t)
        h = tF.max_pool2d(torch.tanh(tF.conv2d(x, Wc, bc, stride=1, padding=1)), 2, 2)
        y = torch.sigmoid(h.reshape(3, -1)) @ W1 + b1
        return tF.cross_entropy(y, torch.tensor(t))

    vs = [Variable(a.copy()) for a in (x, Wc, bc, W1, b1)]
    loss = net(*vs, F)
    loss.backward(create_graph=True)
    gx = vs[0].grad
    for v in vs:
        v.cleargrad()
    penalty = F.sum(gx ** 2)
    penalty.backward()

    ts = [torch.tensor(a, requires_grad=True) for a in (x, Wc, bc, W1, b1)]
    tloss = net(*ts, torch)
    tgx, = torch.autograd.grad(tloss, ts[0], create_graph=True)
    tpenalty = (tgx ** 2).sum()
    tpenalty.backward()

    np.testing.assert_allclose(loss.data, tloss.item(), rtol=1e-12)
    np.testing.assert_allclose(penalty.data, tpenalty.item(), rtol=1e-10)
    for v, tv in zip(vs, ts):
        np.testing.assert_allclose(v.grad.data, tv.grad.numpy(), rtol=1e-9, atol=1e-13)


def _torch_twins():
    """(name, dezero function, torch function of the torch module, input arrays)."""
    p = rng.uniform(0.05, 0.95, (4, 3))
    t01 = (rng.uniform(size=(4, 3)) > 0.5).astype(np.float64)
    labels = np.array([2, 0, 1, 1])
    ids = np.array([[0, 3], [3, 1]])
    return [
        ('sigmoid', F.sigmoid, lambda T, x: T.sigmoid(x), (rand(4, 3),)),
        ('relu', F.relu, lambda T, x: T.relu(x), (rand(4, 3),)),
        ('leaky_relu', lambda x: F.leaky_relu(x, 0.1),
         lambda T, x: T.nn.functional.leaky_relu(x, 0.1), (rand(4, 3),)),
        ('softmax_axis0', lambda x: F.softmax(x, axis=0), lambda T, x: T.softmax(x, 0),
         (rand(4, 3),)),
        ('linear', F.linear, lambda T, x, W, b: x @ W + b, (rand(4, 3), rand(3, 2), rand(2))),
        ('mse', F.mean_squared_error,  # the book's: summed over all, divided by the batch
         lambda T, a, b: ((a - b) ** 2).sum() / len(a), (rand(4, 3), rand(4, 3))),
        # the book's binary losses sum over all elements and divide by the batch, as its MSE
        ('sigmoid_cross_entropy', lambda x: F.sigmoid_cross_entropy(x, t01),
         lambda T, x: T.nn.functional.binary_cross_entropy_with_logits(
             x, T.tensor(t01), reduction='sum') / len(x), (rand(4, 3),)),
        ('binary_cross_entropy', lambda q: F.binary_cross_entropy(q, t01),
         lambda T, q: T.nn.functional.binary_cross_entropy(
             q, T.tensor(t01), reduction='sum') / len(q), (p,)),
        ('softmax_cross_entropy', lambda x: F.softmax_cross_entropy(x, labels),
         lambda T, x: T.nn.functional.cross_entropy(x, T.tensor(labels)), (rand(4, 3),)),
        ('embed_id', lambda W: F.embed_id(ids, W),
         lambda T, W: T.nn.functional.embedding(T.tensor(ids), W), (rand(5, 2),)),
        ('max_axis', lambda x: F.max(x, axis=1), lambda T, x: x.max(1).values,
         (rng.permutation(12).reshape(4, 3) / 3.0,)),
        ('clip', lambda x: F.clip(x, -0.5, 0.7), lambda T, x: T.clamp(x, -0.5, 0.7),
         (rand(4, 3),)),
        ('broadcast_mul_sum', lambda a, b: F.sum(a * b, axis=0),
         lambda T, a, b: (a * b).sum(0), (rand(4, 1, 3), rand(2, 1))),
        ('get_item', lambda x: x[np.array([0, 2, 0]), 1:], lambda T, x: x[[0, 2, 0], 1:],
         (rand(4, 3),)),
    ]


TORCH_TWINS = _torch_twins()


@pytest.mark.parametrize('name,f,tf,inputs', TORCH_TWINS, ids=[c[0] for c in TORCH_TWINS])
def test_functions_against_torch(name, f, tf, inputs):
    """Values and input gradients (for a random upstream gradient) equal PyTorch's."""
    torch = pytest.importorskip('torch')
    vs = [Variable(a.copy()) for a in inputs]
    y = f(*vs)
    ts = [torch.tensor(a, requires_grad=True) for a in inputs]
    ty = tf(torch, *ts)
    u = rng.standard_normal(y.shape)
    F.sum(y * u).backward()
    (ty * torch.tensor(u)).sum().backward()
    np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-12, atol=1e-14)
    for v, tv in zip(vs, ts):
        np.testing.assert_allclose(v.grad.data, tv.grad.numpy(), rtol=1e-10, atol=1e-13)
