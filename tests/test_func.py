"""dezero.func: grad, value_and_grad, vjp, jvp, jacobian, hessian against torch.func (to 1e-10),
against central differences, their composition, the caller's .grad left alone, and gradcheck
against deliberately wrong backward passes."""
import subprocess
import sys

import numpy as np
import pytest

import dezero.functions as F
from dezero import Function, Variable, no_grad
from dezero.func import (GradcheckError, Identity, grad, gradcheck, hessian, jacobian, jvp,
                         value_and_grad, vjp)
from helpers import check_function

TOL = dict(rtol=1e-10, atol=1e-10)
rng = np.random.default_rng(0)


def close(got, want):
    """dezero Variables (or tuples of them) equal torch tensors (or tuples) to 1e-10."""
    if isinstance(want, (tuple, list)):
        assert isinstance(got, tuple) and len(got) == len(want)
        for g, w in zip(got, want):
            close(g, w)
        return
    assert isinstance(got, Variable), type(got)
    w = want.detach().numpy()
    assert got.shape == w.shape
    np.testing.assert_allclose(got.data, w, **TOL)


# Each test function is written once against a small table of operations, so the same code
# runs on dezero Variables and on torch tensors.
class DezeroOps:
    tanh, exp, sin = staticmethod(F.tanh), staticmethod(F.exp), staticmethod(F.sin)

    @staticmethod
    def sum(x, axis=None):
        return F.sum(x, axis=axis)


class TorchOps:
    def __init__(self, torch):
        self.tanh, self.exp, self.sin = torch.tanh, torch.exp, torch.sin
        self.torch = torch

    def sum(self, x, axis=None):
        return self.torch.sum(x) if axis is None else self.torch.sum(x, dim=axis)


def mixed(x, W, b, ops):
    """Elementwise, broadcasting (b, h[:, :1]), reductions, matmul and indexing, with x used
    several times (shared subexpressions)."""
    h = ops.tanh(x @ W + b)
    s = ops.sum(h * h[:, :1], axis=1)
    return ops.exp(x[0, 1] * 0.3) * s + ops.sum(x, axis=1) / 3 - ops.sin(x[:, 2]) ** 2


def mixed_scalar(x, W, b, ops):
    y = mixed(x, W, b, ops)
    return ops.sum(y * y) + ops.sum(W[1:] * x[1, 1])


def arrays():
    return rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal(2)


@pytest.fixture
def torch():
    torch = pytest.importorskip('torch')
    pytest.importorskip('torch.func')
    return torch


def on_torch(torch, fn):
    ops = TorchOps(torch)
    return lambda *xs: fn(*xs, ops=ops)


def on_dezero(fn):
    return lambda *xs: fn(*xs, ops=DezeroOps)


def tensors(torch, *xs):
    return tuple(torch.tensor(x) for x in xs)


# ---------------------------------------------------------------------------------------------
# against torch.func
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize('argnums', [0, 1, 2, (0, 2), (0, 1, 2), -1])
def test_grad_against_torch(torch, argnums):
    xs = arrays()
    got = grad(on_dezero(mixed_scalar), argnums)(*xs)
    want = torch.func.grad(on_torch(torch, mixed_scalar), argnums)(*tensors(torch, *xs))
    close(got, want)


def test_value_and_grad_against_torch(torch):
    xs = arrays()
    value, g = value_and_grad(on_dezero(mixed_scalar), (0, 1))(*xs)
    tg, tvalue = torch.func.grad_and_value(on_torch(torch, mixed_scalar), (0, 1))(
        *tensors(torch, *xs))
    close(value, tvalue)
    close(g, tg)


def test_grad_of_grad_against_torch(torch):
    def f(x, ops):
        return ops.sin(x) * x ** 3 + ops.exp(x * 0.5)

    for x0 in (0.3, -1.7, np.array(2.5)):
        got = grad(grad(grad(on_dezero(f))))(x0)
        want = torch.func.grad(torch.func.grad(torch.func.grad(on_torch(torch, f))))(
            torch.tensor(x0, dtype=torch.float64))
        close(got, want)


@pytest.mark.parametrize('argnums', [0, 1, (0, 1, 2)])
def test_jacobian_against_torch(torch, argnums):
    xs = arrays()
    got = jacobian(on_dezero(mixed), argnums)(*xs)
    want = torch.func.jacrev(on_torch(torch, mixed), argnums)(*tensors(torch, *xs))
    close(got, want)


def test_jacobian_of_several_outputs_and_shapes_against_torch(torch):
    def f(x, W, ops):
        return (x @ W).T * 2, ops.sum(ops.tanh(x), axis=0), ops.sum(W * W)

    x, W = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    got = jacobian(on_dezero(f), (0, 1))(x, W)
    want = torch.func.jacrev(on_torch(torch, f), (0, 1))(*tensors(torch, x, W))
    close(got, want)
    assert got[0][0].shape == (2, 3, 3, 4) and got[2][1].shape == (4, 2)


@pytest.mark.parametrize('argnums', [0, 1, (0, 1)])
def test_hessian_against_torch(torch, argnums):
    xs = arrays()
    got = hessian(on_dezero(mixed_scalar), argnums)(*xs)
    want = torch.func.hessian(on_torch(torch, mixed_scalar), argnums)(*tensors(torch, *xs))
    close(got, want)


def test_vjp_against_torch(torch):
    xs = arrays()
    out, vjp_fn = vjp(on_dezero(mixed), *xs)
    tout, tvjp_fn = torch.func.vjp(on_torch(torch, mixed), *tensors(torch, *xs))
    close(out, tout)
    for _ in range(2):  # vjp_fn may be called again
        u = rng.standard_normal(out.shape)
        close(vjp_fn(u), tvjp_fn(torch.tensor(u)))


def test_vjp_of_several_outputs_against_torch(torch):
    def f(x, W, ops):
        return ops.tanh(x @ W), ops.sum(x[1:] ** 2)

    x, W = rng.standard_normal((3, 4)), rng.standard_normal((4, 2))
    (y0, y1), vjp_fn = vjp(on_dezero(f), x, W)
    _, tvjp_fn = torch.func.vjp(on_torch(torch, f), *tensors(torch, x, W))
    u0, u1 = rng.standard_normal(y0.shape), rng.standard_normal(())
    want = tvjp_fn((torch.tensor(u0), torch.tensor(u1)))
    close(vjp_fn(u0, u1), want)
    close(vjp_fn((u0, u1)), want)  # a tuple, as torch.func takes it


def test_jvp_against_torch(torch):
    xs = arrays()
    ts = tuple(rng.standard_normal(x.shape) for x in xs)
    got = jvp(on_dezero(mixed), xs, ts)
    want = torch.func.jvp(on_torch(torch, mixed), tensors(torch, *xs), tensors(torch, *ts))
    close(got, want)


def test_jvp_of_several_outputs_against_torch(torch):
    def f(x, ops):
        return ops.sin(x) * x, ops.sum(x[::2] ** 3)

    x, t = rng.standard_normal(5), rng.standard_normal(5)
    got = jvp(on_dezero(f), (x,), (t,))
    want = torch.func.jvp(on_torch(torch, f), (torch.tensor(x),), (torch.tensor(t),))
    close(got, want)


def test_hessian_vector_product_by_jvp_of_grad_against_torch(torch):
    """Forward over reverse: jvp(grad(f)) is H v, and composes like torch.func's."""
    xs = arrays()
    v = rng.standard_normal(xs[0].shape)

    def g0(x):
        return grad(on_dezero(mixed_scalar))(x, *xs[1:])

    def tg0(x):
        return torch.func.grad(on_torch(torch, mixed_scalar))(x, *tensors(torch, *xs[1:]))

    got = jvp(g0, (xs[0],), (v,))
    want = torch.func.jvp(tg0, (torch.tensor(xs[0]),), (torch.tensor(v),))
    close(got, want)


def test_jacobian_of_grad_of_closure_over_outer_variable_against_torch(torch):
    """An inner grad closes over the outer argument: the mixed second derivative."""
    def f(x, y, ops):
        return ops.sum(ops.sin(x * y) * y)

    def df_dy(x, y):
        return grad(lambda y_: on_dezero(f)(x, y_))(y)

    def tdf_dy(x, y):
        return torch.func.grad(lambda y_: on_torch(torch, f)(x, y_))(y)

    x, y = rng.standard_normal(3), rng.standard_normal(3)
    close(jacobian(df_dy)(x, y), torch.func.jacrev(tdf_dy)(*tensors(torch, x, y)))


def test_gradient_penalty_through_grad_reaches_closed_over_weights_against_torch(torch):
    """A loss with grad(...) inside: backward through the gradient reaches the weights the
    function closes over (double backprop), as torch.autograd.grad(create_graph=True) does."""
    x0, W0, b0 = arrays()
    W, b = Variable(W0.copy()), Variable(b0.copy())

    def out(x):
        return F.sum(F.tanh(x @ W + b) ** 3)

    penalty = F.sum(grad(out)(x0) ** 2) + out(x0)
    penalty.backward()
    assert W.grad is not None and b.grad is not None

    tx = torch.tensor(x0, requires_grad=True)
    tW, tb = torch.tensor(W0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    tout = torch.sum(torch.tanh(tx @ tW + tb) ** 3)
    (tg,) = torch.autograd.grad(tout, tx, create_graph=True)
    tpen = torch.sum(tg ** 2) + tout
    tpen.backward()
    close(penalty, tpen)
    close((W.grad, b.grad), (tW.grad, tb.grad))


# ---------------------------------------------------------------------------------------------
# without torch: identities, finite differences, the caller's state
# ---------------------------------------------------------------------------------------------
def scalar_fn(x):
    return F.sum(F.tanh(x) * x + x ** 3 / 3)


def test_jvp_is_jacobian_times_tangent_and_vjp_is_its_transpose():
    x, t = rng.standard_normal(4), rng.standard_normal(4)

    def f(x):
        return F.sin(x[:, None] * x[None, :]) @ x

    J = jacobian(f)(x).data
    _, jt = jvp(f, (x,), (t,))
    np.testing.assert_allclose(jt.data, J @ t, rtol=1e-12, atol=1e-12)
    u = rng.standard_normal(4)
    (ju,) = vjp(f, x)[1](u)
    np.testing.assert_allclose(ju.data, u @ J, rtol=1e-12, atol=1e-12)


def test_transforms_are_differentiable_again_against_finite_differences():
    """grad, jvp and vjp outputs are graphs: the core's backward through them matches
    central differences (check_function also checks their second derivatives)."""
    W = rng.standard_normal((3, 3))
    check_function(grad(scalar_fn), rng.standard_normal(3))
    check_function(lambda x: jvp(lambda z: F.tanh(z @ W), (x,), (np.ones((2, 3)),))[1],
                   rng.standard_normal((2, 3)))
    check_function(lambda x, u: vjp(lambda z: F.sin(z) * z, x)[1](u)[0],
                   rng.standard_normal(4), rng.standard_normal(4))
    check_function(lambda x: jacobian(lambda z: z * F.sum(z))(x), rng.standard_normal(3))
    check_function(lambda x: Identity()(x), rng.standard_normal((2, 3)))


def test_grad_of_broadcast_and_shared_subexpressions():
    x = rng.standard_normal((2, 3))
    b = rng.standard_normal(3)
    g_x, g_b = grad(lambda x, b: F.sum((x + b) * (x + b) + x), (0, 1))(x, b)
    np.testing.assert_allclose(g_x.data, 2 * (x + b) + 1)
    np.testing.assert_allclose(g_b.data, (2 * (x + b)).sum(axis=0))


def test_zero_d_and_python_number_inputs():
    assert float(grad(lambda x: x ** 3)(2).data) == 12.0
    assert grad(lambda x: x ** 3)(2).dtype == np.float64
    assert float(grad(lambda x: x ** 3)(np.array(2.0, dtype=np.float32)).data) == 12.0
    assert hessian(lambda x: x ** 3)(np.array(2.0)).shape == ()


def test_newton_with_hessian_matches_step33():
    """Newton's method on f(x) = x**4 - 2x**2 from 2.0: step 33's iterates."""
    def f(x):
        return x ** 4 - 2 * x ** 2

    x, xs = np.array(2.0), []
    for _ in range(8):
        xs.append(float(x))
        x = x - (grad(f)(x).data / hessian(f)(x).data)
    assert xs[:3] == [2.0, 1.4545454545454546, 1.1510467893775467]
    assert abs(float(x) - 1.0) < 1e-15


def test_grad_leaves_callers_grads_alone():
    x = Variable(rng.standard_normal(3), name='x')
    W = Variable(rng.standard_normal((3, 3)), name='W')
    before = Variable(np.full(3, 7.0))
    x.grad = before
    h = F.tanh(x @ W)  # the outer graph the function closes over
    h_mid = h * 2
    h_mid.grad = Variable(np.ones(3))  # as a retain_grad would have left it

    def f(z):
        return F.sum(z * h_mid + z ** 2)

    g = grad(f)(x)
    np.testing.assert_allclose(g.data, h_mid.data + 2 * x.data)
    assert x.grad is before and W.grad is None and h.grad is None
    np.testing.assert_array_equal(h_mid.grad.data, np.ones(3))
    # ... and the outer graph is linked as before
    assert h_mid.creator is not None and h.creator is not None


def test_grad_result_is_differentiable_with_respect_to_callers_variable():
    x = Variable(np.array(1.5))
    g = grad(lambda x: x ** 4)(x)  # 4 x^3
    g.backward()
    assert float(x.grad.data) == pytest.approx(12 * 1.5 ** 2, rel=1e-14)


def test_argument_that_f_ignores_gets_zeros():
    g = grad(lambda x, y: F.sum(x * 2), (0, 1))(np.ones(2), np.ones((2, 3)))
    np.testing.assert_array_equal(g[1].data, np.zeros((2, 3)))
    (j,) = jacobian(lambda x, y: x * 2, (1,))(np.ones(2), np.ones(3))
    assert j.shape == (2, 3) and not j.data.any()
    assert float(grad(lambda x: x)(3.0).data) == 1.0  # the output is the argument itself


def test_under_no_grad_results_carry_no_graph():
    x = Variable(np.array([1.0, 2.0]))
    with no_grad():
        g = grad(lambda x: F.sum(x ** 3))(x)
        H = hessian(lambda x: F.sum(x ** 3))(x)
        y, t = jvp(lambda x: x ** 2, (x,), (np.ones(2),))
    np.testing.assert_array_equal(g.data, [3.0, 12.0])
    np.testing.assert_array_equal(H.data, [[6.0, 0.0], [0.0, 12.0]])
    np.testing.assert_array_equal(t.data, [2.0, 4.0])
    assert g.creator is None and H.creator is None and y.creator is None and t.creator is None


def test_names_of_transformed_functions():
    assert grad(scalar_fn).__name__ == 'grad(scalar_fn)'
    assert hessian(scalar_fn).__name__ == 'hessian(scalar_fn)'


# ---------------------------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------------------------
def test_grad_of_non_scalar_output_names_function_and_shape():
    with pytest.raises(ValueError, match=r'grad: scalar_fn_vec must return a single value, '
                                         r'got a Variable of shape \(3,\).*jacobian'):
        def scalar_fn_vec(x):
            return x * 2
        grad(scalar_fn_vec)(np.ones(3))


def test_grad_of_tuple_output_is_refused():
    with pytest.raises(TypeError, match='grad: .* returned 2 values'):
        grad(lambda x: (x, x))(1.0)


@pytest.mark.parametrize('argnums, err, msg', [
    (2, ValueError, r'argnums=2 names argument 2, but the function was called with 2'),
    ((0, 0), ValueError, 'names argument 0 twice'),
    ('x', TypeError, 'argnums must be an int or a non-empty tuple'),
    ((), TypeError, 'argnums must be an int or a non-empty tuple'),
    (1.0, TypeError, 'argnums must be an int'),
])
def test_bad_argnums(argnums, err, msg):
    with pytest.raises(err, match=msg):
        grad(lambda x, y: F.sum(x * y), argnums)(1.0, 2.0)


def test_integer_and_non_numeric_arguments_are_refused():
    with pytest.raises(TypeError, match=r'grad: argument 0 of .* has dtype int64.*astype'):
        grad(lambda x: F.sum(x))(np.arange(3))
    with pytest.raises(TypeError, match='jacobian: argument 0 .* must be a Variable, an array '
                                        'or a number, got str'):
        jacobian(lambda x: x)('a')
    with pytest.raises(TypeError, match='must return Variables .* got list|returned'):
        grad(lambda x: [1, 'a'])(1.0)


def test_cotangent_and_tangent_shapes_are_checked():
    _, vjp_fn = vjp(lambda x: x * 2, np.ones(3))
    with pytest.raises(ValueError, match=r'vjp_fn: cotangents 0 has shape \(2,\), expected \(3,\)'):
        vjp_fn(np.ones(2))
    with pytest.raises(TypeError, match='vjp_fn: expected 1 cotangents'):
        vjp_fn(np.ones(3), np.ones(3))
    with pytest.raises(ValueError, match=r'jvp: tangents 0 has shape \(\), expected \(3,\)'):
        jvp(lambda x: x, (np.ones(3),), (1.0,))
    with pytest.raises(TypeError, match='jvp: primals and tangents must be tuples'):
        jvp(lambda x: x, np.ones(3), np.ones(3))


# ---------------------------------------------------------------------------------------------
# gradcheck
# ---------------------------------------------------------------------------------------------
class WrongSquare(Function):
    """y = x**2 with a backward that forgets the factor 2 (a classic slip)."""

    def forward(self, x):
        return x ** 2

    def backward(self, gy):
        x, = self.inputs
        return gy * x


class DataSin(Function):
    """y = sin(x) whose backward reads x.data: right first derivatives, but the backward is a
    constant to the graph, so second derivatives come out wrong (zero)."""

    def forward(self, x):
        return np.sin(x)

    def backward(self, gy):
        x, = self.inputs
        return gy * np.cos(x.data)


class GoodSin(DataSin):
    def backward(self, gy):
        x, = self.inputs
        return gy * F.cos(x)


def test_gradcheck_passes_right_functions_at_both_orders():
    x, W, b = arrays()
    assert gradcheck(on_dezero(mixed), x, W, b) is True
    assert gradcheck(on_dezero(mixed), x, W, b, order=2) is True
    assert gradcheck(lambda x: GoodSin()(x), rng.standard_normal((2, 3)), order=2) is True
    assert gradcheck(lambda x: (x * 2, F.sum(x ** 3)), rng.standard_normal(3), order=2)


def test_gradcheck_names_input_element_values_and_order_of_a_wrong_backward():
    def model(w, x):
        return F.sum(F.sin(w) * WrongSquare()(x))

    w, x = rng.standard_normal(2), np.array([[0.5, -1.0], [2.0, 0.25]])
    with pytest.raises(GradcheckError) as info:
        gradcheck(model, w, x)
    e = info.value
    assert isinstance(e, AssertionError)
    message = str(e)
    assert 'gradcheck: the first derivative of model is wrong for input 1' in message
    assert 'shape (2, 2)' in message and 'order 1' in message
    assert e.order == 1 and e.input_index == 1 and e.function == 'model'
    assert f'at element {e.index}' in message
    assert f'analytic {e.analytic!r}' in message and f'numeric {e.numeric!r}' in message
    i, j = e.index
    # the analytic value is half the true one: sin(w[j]) * u * x vs sin(w[j]) * u * 2x
    assert e.analytic == pytest.approx(e.numeric / 2, rel=1e-6)
    assert '4 of 4 element(s)' in message


def test_gradcheck_order_two_catches_a_backward_that_is_not_differentiable():
    x = rng.standard_normal(3)
    assert gradcheck(lambda x: DataSin()(x), x) is True  # first order is right
    with pytest.raises(GradcheckError, match=r'second derivative .* of <lambda> is wrong for '
                                             r'input 0.*analytic 0\.0, numeric .*order 2'):
        gradcheck(lambda x: DataSin()(x), x, order=2)


def test_gradcheck_passes_integer_inputs_through_unchecked():
    x = rng.standard_normal((4, 3))
    t = np.array([0, 2, 1, 2])
    assert gradcheck(F.softmax_cross_entropy, x, t, order=2) is True
    with pytest.raises(ValueError, match='none of the 1 input'):
        gradcheck(lambda t: t * 2, np.arange(3))


def test_gradcheck_tolerances_and_bad_order():
    def off(x):  # y = 0, gradient wrong by 1e-4 u
        return 1e-4 * _Off()(x)

    x = rng.standard_normal(3)
    with pytest.raises(GradcheckError, match='numeric 0.0'):
        gradcheck(off, x)
    assert gradcheck(off, x, atol=1e-3)
    with pytest.raises(ValueError, match='order must be 1 or 2'):
        gradcheck(off, x, order=3)


class _Off(Function):
    """y = 0 with a gradient of 1: a derivative that is off by a constant."""

    def forward(self, x):
        return np.zeros_like(x)

    def backward(self, gy):
        return gy


def test_import_dezero_func_stays_light():
    code = 'import sys, dezero.func; print("graphviz" in sys.modules, "torch" in sys.modules)'
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ['False', 'False']


def _doc_blocks():
    import os
    import re
    path = os.path.join(os.path.dirname(__file__), '..', 'docs', 'func.md')
    with open(path, encoding='utf-8') as f:
        return re.findall(r'```python\n(.*?)```', f.read(), re.S)


@pytest.mark.parametrize('index', range(len(_doc_blocks())))
def test_docs_func_examples_run(index, tmp_path, monkeypatch):
    import shutil
    code = _doc_blocks()[index]
    if 'graph(' in code:
        pytest.importorskip('graphviz')
        if shutil.which('dot') is None:
            pytest.skip("Graphviz's dot is not installed")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f'docs/func.md python block {index}', 'exec'), {'__name__': '__docs__'})
