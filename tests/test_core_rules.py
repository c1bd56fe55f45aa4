"""Rules of the core that used to give silent wrong answers, grad mode per thread, and
detect_anomaly. PyTorch is the oracle where it has the same idea."""
import threading

import numpy as np
import pytest

import dezero
import dezero.functions as F
import dezero.layers as L
from dezero import Config, Function, Parameter, Variable, no_grad, optimizers, using_config
from dezero.models import MLP

WALKS = [True, False]  # the array walk and the reference walk


# --- grad mode is per thread ------------------------------------------------------------------
def test_no_grad_in_one_thread_leaves_recording_on_in_another():
    """A training thread beside an inference thread that sits inside no_grad() gets a
    gradient in every one of its 200 steps, and recording is on afterwards."""
    np.random.seed(0)
    model = MLP((8, 1))
    x, t = np.random.rand(16, 3), np.random.rand(16, 1)
    infer_model = MLP((8, 1))
    inside, done = threading.Event(), threading.Event()
    got_grads = []

    def inference():
        with no_grad():
            inside.set()
            while not done.is_set():
                infer_model(x)

    def training():
        inside.wait()
        opt = optimizers.SGD(0.1).setup(model)
        for _ in range(200):
            loss = F.mean_squared_error(model(x), t)
            model.cleargrads()
            loss.backward()
            got_grads.append(all(p.grad is not None for p in model.params()))
            opt.update()
        done.set()

    threads = [threading.Thread(target=inference), threading.Thread(target=training)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=60)
    assert len(got_grads) == 200 and all(got_grads)
    assert Config.enable_backprop is True


def test_using_config_in_a_thread_does_not_leak_into_the_caller():
    seen = {}

    def worker():
        with using_config('train', False):
            seen['worker'] = Config.train
    th = threading.Thread(target=worker)
    th.start()
    th.join()
    assert seen['worker'] is False and Config.train is True


def test_backward_leaves_config_as_it_was():
    x = Variable(np.array(2.0))
    with using_config('enable_backprop', True):
        (x * x).backward()
        assert Config.enable_backprop is True


# --- a user Function's backward is checked ----------------------------------------------------
class WrongShape(Function):
    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return gy.sum()  # should have x's shape


class TooMany(Function):
    def forward(self, x):
        return x * 2

    def backward(self, gy):
        return gy, gy


@pytest.mark.parametrize('array_walk', WALKS)
@pytest.mark.parametrize('create_graph', [False, True])
def test_a_gradient_of_the_wrong_shape_is_refused(array_walk, create_graph):
    x = Variable(np.ones((2, 3)))
    y = WrongShape()(x)
    with using_config('array_backward', array_walk):
        with pytest.raises(ValueError, match=r'WrongShape\.backward returned an invalid gradient '
                                             r'at index 0: shape \(\), .*shape \(2, 3\)'):
            y.backward(create_graph=create_graph)
    assert x.grad is None


@pytest.mark.parametrize('array_walk', WALKS)
def test_a_wrong_number_of_gradients_is_refused(array_walk):
    x = Variable(np.ones(3))
    with using_config('array_backward', array_walk):
        with pytest.raises(ValueError, match=r'TooMany\.backward returned 2 gradients for 1 '):
            TooMany()(x).backward()


# --- backward of a value computed without a graph -----------------------------------------------
def test_backward_of_a_value_computed_under_no_grad_says_why():
    model = L.Linear(2)
    x = np.ones((3, 4))
    with no_grad():
        loss = F.sum(model(x))
    with pytest.raises(RuntimeError, match='no graph was recorded.*no_grad'):
        loss.backward()
    assert all(p.grad is None for p in model.params())


def test_a_bare_leaf_backward_stays_legal():
    x = Variable(np.array([1.0, 2.0]))
    x.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])


# --- a parameter updated after the graph used it ------------------------------------------------
def test_backward_after_an_optimizer_update_is_refused():
    np.random.seed(0)
    layer = L.Linear(1, in_size=2)
    layer.W.name = 'W'
    opt = optimizers.SGD(0.1).setup(layer)
    loss = F.sum(layer(np.ones((3, 2))) ** 2)
    loss.backward()
    opt.update()
    loss2 = F.sum(layer(np.ones((3, 2))) ** 2)  # a fresh graph is fine
    opt.update()  # ...until the parameters change again
    with pytest.raises(RuntimeError, match="parameter 'W' of shape \\(2, 1\\) was updated in "
                                           "place"):
        loss2.backward()


def test_writes_through_data_stay_the_users_business():
    W = Parameter(np.array([1.0, 2.0]))
    y = F.sum(W * W)
    W.data[...] = 0.0  # not counted: as in PyTorch, .data is outside autograd
    y.backward()
    np.testing.assert_array_equal(W.grad.data, [0.0, 0.0])


# --- derivatives at the edges, against torch ----------------------------------------------------
def test_x_to_the_zero_has_a_zero_gradient_at_zero():
    torch = pytest.importorskip('torch')
    for array_walk in WALKS:
        x = Variable(np.array([0.0, 1.0, -2.0]))
        y = sum(x ** k for k in range(4))
        with using_config('array_backward', array_walk):
            F.sum(y).backward()
        t = torch.tensor([0.0, 1.0, -2.0], dtype=torch.float64, requires_grad=True)
        sum(t ** k for k in range(4)).sum().backward()
        np.testing.assert_allclose(x.grad.data, t.grad.numpy())


def test_second_derivative_of_x_to_the_zero_and_one_is_zero_at_zero():
    x = Variable(np.array(0.0))
    y = x ** 0 + x ** 1
    y.backward(create_graph=True)
    gx = x.grad
    assert gx.data == 1.0
    x.cleargrad()
    gx.backward()
    assert x.grad.data == 0.0


def test_zero_to_the_x_matches_torch():
    torch = pytest.importorskip('torch')
    xs = np.array([0.0, 0.5, 2.0])
    x = Variable(xs.copy())
    F.sum(0.0 ** x).backward()
    t = torch.tensor(xs, requires_grad=True)
    (0.0 ** t).sum().backward()
    np.testing.assert_allclose(x.grad.data, t.grad.numpy())


@pytest.mark.parametrize('reduce', ['max', 'min'])
@pytest.mark.parametrize('axis', [None, 0, 1, (0, 1)])
@pytest.mark.parametrize('array_walk', WALKS)
def test_ties_share_the_gradient_as_torch_amax(reduce, axis, array_walk):
    torch = pytest.importorskip('torch')
    a = np.array([[1.0, 3.0, 3.0], [3.0, 0.0, 3.0], [0.0, 0.0, 2.0]])
    x = Variable(a.copy())
    y = getattr(F, reduce)(x, axis=axis)
    u = rng_u = np.random.default_rng(1).standard_normal(y.shape)
    y.grad = Variable(rng_u)
    with using_config('array_backward', array_walk):
        y.backward()
    t = torch.tensor(a, requires_grad=True)
    ty = getattr(torch, 'a' + reduce)(t, dim=(0, 1) if axis is None else axis)
    ty.backward(torch.tensor(u))
    np.testing.assert_allclose(x.grad.data, t.grad.numpy(), rtol=1e-12)


# --- a gradient has its variable's shape and dtype ------------------------------------------------
@pytest.mark.parametrize('array_walk', WALKS)
@pytest.mark.parametrize('make', [
    lambda x: x * np.float64(2.0),
    lambda x: x + np.array(1.0),
    lambda x: np.float64(3.0) - x,
    lambda x: F.mean_squared_error(x, np.ones(x.shape, dtype=np.float64)),
    lambda x: x * Variable(np.ones(x.shape, dtype=np.float64)),
], ids=['mul_np_scalar', 'add_0d_array', 'rsub_np_scalar', 'mse_float64_target',
        'mul_float64_variable'])
def test_a_float32_variable_gets_a_float32_gradient(make, array_walk):
    x = Variable(np.ones((2, 3), dtype=np.float32))
    y = make(x)
    with using_config('array_backward', array_walk):
        F.sum(y).backward()
    assert x.grad.dtype == np.float32 and x.grad.shape == (2, 3)


def test_0d_numpy_constants_are_weak_like_python_scalars():
    x = Variable(np.ones(3, dtype=np.float32))
    assert (x * np.float64(2.0)).dtype == np.float32
    assert (x + np.array(1.0)).dtype == np.float32
    assert (x * np.ones(3)).dtype == np.float64  # an array is not weak: NumPy's promotion


def test_float64_data_into_float32_parameters_keeps_numpys_promotion():
    """The book's programs feed float64 data to float32 layers and print the numbers NumPy's
    promotion gives: the forward runs in float64 and the parameters' gradients stay float64.
    A plain float32 Variable in the same computation gets a float32 gradient."""
    np.random.seed(0)
    layer = L.Linear(2, in_size=3)
    s = Variable(np.ones((1, 2), dtype=np.float32))
    y = layer(np.ones((4, 3))) * s  # float64 data
    assert y.dtype == np.float64  # as NumPy (and the book) compute it
    F.sum(y).backward()
    assert layer.W.grad.dtype == np.float64 and layer.b.grad.dtype == np.float64
    assert s.grad.dtype == np.float32
    layer.cleargrads()
    F.sum(layer(np.ones((4, 3), dtype=np.float32))).backward()  # float32 data: all float32
    assert layer.W.grad.dtype == np.float32


def test_create_graph_gradients_have_the_dtype_and_are_writable():
    x = Variable(np.ones(3, dtype=np.float32))
    y = F.sum(x * np.float64(2.0)) + F.sum(F.broadcast_to(F.sum(x), (3,)))
    y.backward(create_graph=True)
    assert x.grad.dtype == np.float32
    assert x.grad.data.flags.writeable
    x.grad.data[0] = 5.0  # an optimizer hook may change it in place


# --- bool and integer variables -----------------------------------------------------------------
@pytest.mark.parametrize('array_walk', WALKS)
@pytest.mark.parametrize('data', [np.array([True, False]), np.array([1, 2])],
                         ids=['bool', 'int'])
def test_backward_into_a_non_float_leaf_is_refused(data, array_walk):
    b = Variable(data)
    with using_config('array_backward', array_walk):
        with pytest.raises(TypeError, match=f'leaf of dtype {data.dtype}.*only float'):
            F.sum(b + b).backward()


# --- habits ----------------------------------------------------------------------------------
def test_np_asarray_of_a_variable_is_its_data():
    v = Variable(np.arange(3.0))
    assert np.asarray(v) is v.data
    np.testing.assert_array_equal(np.array(v), [0.0, 1.0, 2.0])
    assert np.array(v).dtype == np.float64 and v.numpy() is v.data


def test_comparisons_give_boolean_arrays_and_equality_stays_identity():
    a, b = Variable(np.array([1.0, 2.0])), Variable(np.array([2.0, 2.0]))
    np.testing.assert_array_equal(a < b, [True, False])
    np.testing.assert_array_equal(a >= 2.0, [False, True])
    np.testing.assert_array_equal(a <= b, [True, True])
    np.testing.assert_array_equal(b > a, [True, False])
    assert (a == a) is True and (a == b) is False
    assert {a: 1, b: 2}[b] == 2


def test_mean_argmax_and_abs_methods():
    from helpers import check_function
    x = Variable(np.array([[1.0, -4.0], [3.0, 2.0]]))
    assert x.mean().data == 0.5
    np.testing.assert_array_equal(x.mean(axis=0).data, [2.0, -1.0])
    assert x.argmax() == 2
    np.testing.assert_array_equal(x.argmax(axis=1), [0, 0])
    np.testing.assert_array_equal(abs(x).data, [[1.0, 4.0], [3.0, 2.0]])
    check_function(lambda v: abs(v) * v, np.array([[1.0, -4.0], [3.0, 2.0]]))
    check_function(lambda v: v.mean(axis=1) ** 2, np.array([[1.0, -4.0], [3.0, 2.5]]))


# --- a Function instance called twice -----------------------------------------------------------
def test_a_function_called_twice_records_two_nodes_without_reference_counts():
    f = F.Sin()
    x0, x1 = Variable(np.array(0.5)), Variable(np.array(1.0))
    y = f(x0) + f(x1)  # the second call is recorded on a copy, marked by the first
    y.backward()
    assert x0.grad.data == pytest.approx(np.cos(0.5))
    assert x1.grad.data == pytest.approx(np.cos(1.0))


# --- detect_anomaly -----------------------------------------------------------------------------
def test_anomaly_in_forward_names_the_function_and_the_callers_line():
    x = Variable(np.array([-1.0, 1.0]))
    with dezero.detect_anomaly():
        with pytest.raises(dezero.AnomalyError, match=r'Log\.forward produced nan or inf.*'
                                                      r'test_core_rules\.py:\d+'):
            F.log(x)
    F.log(Variable(np.array([1.0])))  # off again


def test_anomaly_in_backward_names_where_the_function_was_called():
    x = Variable(np.array([0.0, 1.0]))

    @dezero.detect_anomaly()
    def run():
        y = F.sum(x ** 0.5)  # fine forward; the derivative at 0 is inf
        y.backward()
    with pytest.raises(dezero.AnomalyError, match=r'Pow\.backward produced nan or inf.*'
                                                  r'test_core_rules\.py:\d+'):
        run()


def test_without_anomaly_mode_a_nan_passes_silently():
    x = Variable(np.array([0.0]))
    with np.errstate(divide='ignore'):
        F.sum(x ** 0.5).backward()
    assert np.isinf(x.grad.data[0])


def test_unchain_backward_cuts_every_link_below():
    """Truncated BPTT: after loss.unchain_backward() no variable below loss keeps a creator,
    so the next backward cannot reach a function recorded before the optimizer update."""
    x = Variable(np.array(0.5))
    made = []
    v = x
    for _ in range(5):
        a = F.sin(v)
        v = a * 2.0
        made += [a, v]
    v.unchain_backward()
    assert all(m.creator is None for m in made)


@pytest.mark.parametrize('name,call', [
    ('softmax', lambda x: F.softmax(x)),
    ('log_softmax', lambda x: F.log_softmax(x)),
    ('softmax_cross_entropy', lambda x: F.softmax_cross_entropy(x, np.array([0, 1]))),
])
def test_integer_logits_are_refused_by_name(name, call):
    with pytest.raises(TypeError, match=f'^{name}: logits x must be floats, got dtype int64'):
        call(Variable(np.array([[1, 2, 3], [4, 5, 6]])))


def test_integer_to_a_negative_power_names_pow_and_the_dtype():
    with pytest.raises(ValueError, match=r'^pow: Integers to negative integer powers are not '
                                         r'allowed.*dtype int64'):
        Variable(np.array([1, 2])) ** -1


def test_parameter_repr_shows_its_data_and_name():
    W = Parameter(np.array([[1.0, 2.0], [3.0, 4.0]]), name='W')
    assert repr(W) == "parameter([[1. 2.]\n           [3. 4.]], name='W')"
    assert repr(Parameter(None, name='b')) == "parameter(None, name='b')"
    assert repr(Parameter(np.array(0.5))) == 'parameter(0.5)'


# --- the operations added with the redesign, against finite differences ----------------------
@pytest.mark.parametrize('shape', [(), (3,), (2, 3)], ids=str)
@pytest.mark.parametrize('name,f', [
    ('copy', lambda x: dezero.ops.copy(x) * x),
    ('abs', lambda x: abs(x - 0.3) * x),
    ('mean', lambda x: x.mean() * x),
    ('mean_axis', lambda x: (x * x).mean(axis=-1, keepdims=True) * x if x.ndim else x * x),
    ('rpow', lambda x: 2.0 ** (x * x)),
    ('pow_zero_and_one', lambda x: x ** 0 + x ** 1 * x),
], ids=lambda v: v if isinstance(v, str) else None)
def test_new_operations_have_exact_first_and_second_derivatives(name, f, shape):
    from helpers import check_function
    x = np.random.default_rng(3).uniform(0.5, 1.5, shape)
    check_function(f, x)


def test_mean_broadcasts_back_over_every_reduced_axis():
    from helpers import check_function
    a = np.random.default_rng(4).standard_normal((2, 3, 4))
    check_function(lambda x: F.sum(x.mean(axis=(0, 2)) * np.arange(3.0)) * x, a)


def test_astype_sends_the_gradient_back_in_the_input_dtype_to_any_order():
    x = Variable(np.array([1.0, 2.0], dtype=np.float32))
    y = dezero.ops.astype(x, np.float64)
    assert y.dtype == np.float64
    F.sum(y * y * y).backward(create_graph=True)  # d/dx x^3 = 3 x^2
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [3.0, 12.0])
    gx = x.grad
    x.cleargrad()
    F.sum(gx).backward()  # d/dx 3 x^2 = 6 x
    np.testing.assert_allclose(x.grad.data, [6.0, 12.0])
