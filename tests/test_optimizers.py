"""Tests for dezero.optimizers: each rule and hook against the update computed by hand."""
import math

import numpy as np
import pytest

from dezero import Parameter, Variable, optimizers
from dezero.layers import Layer


class Two(Layer):
    """A layer with two parameters (one nested) whose gradients the tests set by hand."""

    def __init__(self, dtype=np.float64):
        super().__init__()
        self.a = Parameter(np.array([1.0, -2.0, 3.0], dtype=dtype))
        self.inner = Layer()
        self.inner.b = Parameter(np.array([[0.5, -0.5]], dtype=dtype))


GRADS = [
    (np.array([0.1, 0.2, -0.3]), np.array([[1.0, -2.0]])),
    (np.array([-0.4, 0.5, 0.6]), np.array([[0.3, 0.7]])),
]


def _run(opt, model, steps=2):
    """Apply `steps` updates with the gradients of GRADS; return the parameter values seen."""
    opt.setup(model)
    for ga, gb in GRADS[:steps]:
        model.a.grad = Variable(ga.astype(model.a.dtype))
        model.inner.b.grad = Variable(gb.astype(model.inner.b.dtype))
        opt.update()
    return model.a.data.copy(), model.inner.b.data.copy()


def _by_hand(rule, steps=2):
    """Apply rule(param, grad, state, t) to both parameters for `steps` steps."""
    params = [np.array([1.0, -2.0, 3.0]), np.array([[0.5, -0.5]])]
    states = [{}, {}]
    for t in range(1, steps + 1):
        for k in range(2):
            params[k] = rule(params[k], GRADS[t - 1][k], states[k], t)
    return params


def _check(opt, rule):
    got = _run(opt, Two())
    want = _by_hand(rule)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-15)


def test_sgd():
    _check(optimizers.SGD(lr=0.1), lambda p, g, s, t: p - 0.1 * g)


def test_momentum_sgd():
    def rule(p, g, s, t):
        s['v'] = 0.8 * s.get('v', 0.0) - 0.1 * g
        return p + s['v']
    _check(optimizers.MomentumSGD(lr=0.1, momentum=0.8), rule)


def test_adagrad():
    def rule(p, g, s, t):
        s['h'] = s.get('h', 0.0) + g * g
        return p - 0.05 * g / (np.sqrt(s['h']) + 1e-8)
    _check(optimizers.AdaGrad(lr=0.05), rule)


def test_adadelta():
    rho, eps = 0.9, 1e-6

    def rule(p, g, s, t):
        s['msg'] = rho * s.get('msg', 0.0) + (1 - rho) * g * g
        dx = np.sqrt((s.get('msdx', 0.0) + eps) / (s['msg'] + eps)) * g
        s['msdx'] = rho * s.get('msdx', 0.0) + (1 - rho) * dx * dx
        return p - dx
    _check(optimizers.AdaDelta(rho=rho), rule)


def test_adam():
    alpha, b1, b2, eps = 0.01, 0.8, 0.9, 1e-8

    def rule(p, g, s, t):
        s['m'] = b1 * s.get('m', 0.0) + (1 - b1) * g
        s['v'] = b2 * s.get('v', 0.0) + (1 - b2) * g * g
        lr = alpha * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        return p - lr * s['m'] / (np.sqrt(s['v']) + eps)
    opt = optimizers.Adam(alpha=alpha, beta1=b1, beta2=b2)
    _check(opt, rule)
    assert opt.t == 2  # once per update() call, not per parameter
    assert opt.lr == pytest.approx(alpha * math.sqrt(1 - b2 ** 2) / (1 - b1 ** 2))


def test_weight_decay_hook():
    opt = optimizers.SGD(lr=0.1)
    opt.add_hook(optimizers.WeightDecay(0.01))
    _check(opt, lambda p, g, s, t: p - 0.1 * (g + 0.01 * p))


def test_clip_grad_scales_by_global_norm():
    max_norm = 0.5
    opt = optimizers.SGD(lr=1.0)
    opt.add_hook(optimizers.ClipGrad(max_norm))
    want = [np.array([1.0, -2.0, 3.0]), np.array([[0.5, -0.5]])]
    for ga, gb in GRADS:
        norm = math.sqrt(np.sum(ga ** 2) + np.sum(gb ** 2))
        rate = min(1.0, max_norm / (norm + 1e-6))
        want = [want[0] - rate * ga, want[1] - rate * gb]
    got = _run(opt, Two())
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)


def test_clip_grad_leaves_small_gradients():
    opt = optimizers.SGD(lr=1.0)
    opt.add_hook(optimizers.ClipGrad(100.0))
    _check(opt, lambda p, g, s, t: p - g)


def test_freeze_param_keeps_layer_fixed():
    model = Two()
    opt = optimizers.MomentumSGD(lr=0.1)
    opt.add_hook(optimizers.FreezeParam(model.inner))
    a, b = _run(opt, model)
    np.testing.assert_array_equal(b, [[0.5, -0.5]])
    v = 0.0
    p = np.array([1.0, -2.0, 3.0])
    for ga, _ in GRADS:
        v = 0.9 * v - 0.1 * ga
        p = p + v
    np.testing.assert_allclose(a, p, rtol=1e-12)
    assert model.inner.b.grad is None


def test_freeze_then_weight_decay_order_is_safe():
    model = Two()
    opt = optimizers.SGD(lr=0.1)
    opt.add_hook(optimizers.FreezeParam(model.a))
    opt.add_hook(optimizers.WeightDecay(0.1))
    opt.add_hook(optimizers.ClipGrad(1.0))
    a, _ = _run(opt, model)
    np.testing.assert_array_equal(a, [1.0, -2.0, 3.0])


def test_params_without_grad_are_skipped():
    model = Two()
    opt = optimizers.Adam().setup(model)
    model.a.grad = Variable(np.ones(3))
    opt.update()
    np.testing.assert_array_equal(model.inner.b.data, [[0.5, -0.5]])
    assert model.inner.b not in opt.ms


@pytest.mark.parametrize('make', [
    lambda: optimizers.SGD(0.1), lambda: optimizers.MomentumSGD(0.1),
    lambda: optimizers.AdaGrad(0.1), lambda: optimizers.AdaDelta(),
    lambda: optimizers.Adam(0.1)])
@pytest.mark.parametrize('hook', [None, optimizers.WeightDecay(1e-3), optimizers.ClipGrad(0.1)])
def test_float32_stays_float32(make, hook):
    model = Two(np.float32)
    opt = make()
    if hook is not None:
        opt.add_hook(hook)
    a, b = _run(opt, model)
    assert a.dtype == np.float32 and b.dtype == np.float32
    assert model.a.dtype == np.float32 and model.a.grad.dtype == np.float32


def test_update_is_in_place():
    model = Two()
    before = model.a.data
    _run(optimizers.Adam(), model, steps=1)
    assert model.a.data is before


def test_errors():
    with pytest.raises(RuntimeError, match='setup'):
        optimizers.SGD().update()
    with pytest.raises(TypeError, match='setup'):
        optimizers.SGD().setup(3)
    with pytest.raises(ValueError, match='lr'):
        optimizers.SGD(lr=-1)
    with pytest.raises(ValueError, match='momentum'):
        optimizers.MomentumSGD(momentum=1.5)
    with pytest.raises(TypeError, match='callable'):
        optimizers.SGD().add_hook(3)
    with pytest.raises(TypeError, match='FreezeParam'):
        optimizers.FreezeParam(np.zeros(3))
    with pytest.raises(NotImplementedError):
        optimizers.Optimizer().setup(Two()).update_one(Parameter(np.zeros(1)))


# --- against PyTorch: the same least-squares fit, step by step ---------------------------------
def _fit(rng):
    x = rng.standard_normal((8, 3))
    y = rng.standard_normal((8, 2))
    W = rng.standard_normal((3, 2))
    b = rng.standard_normal(2)
    return x, y, W, b


class _Fit(Layer):
    def __init__(self, W, b):
        super().__init__()
        self.W = Parameter(W.copy())
        self.b = Parameter(b.copy())


TORCH_TWINS = [  # (dezero optimizer and hooks, torch optimizer factory, torch hook)
    ('sgd', lambda: optimizers.SGD(0.05), lambda ps, t: t.optim.SGD(ps, lr=0.05), None),
    ('momentum', lambda: optimizers.MomentumSGD(0.05, 0.8),
     lambda ps, t: t.optim.SGD(ps, lr=0.05, momentum=0.8), None),
    ('adagrad', lambda: optimizers.AdaGrad(0.1, eps=1e-8),
     lambda ps, t: t.optim.Adagrad(ps, lr=0.1, eps=1e-8), None),
    ('adadelta', lambda: optimizers.AdaDelta(rho=0.95, eps=1e-6),
     lambda ps, t: t.optim.Adadelta(ps, lr=1.0, rho=0.95, eps=1e-6), None),
    # Adam's eps sits where the book puts it, on sqrt(v); PyTorch puts it on
    # sqrt(v / (1 - beta2^t)). A tiny eps makes the two the same rule
    ('adam', lambda: optimizers.Adam(0.05, eps=1e-12),
     lambda ps, t: t.optim.Adam(ps, lr=0.05, eps=1e-12), None),
    ('weight_decay', lambda: _hooked(optimizers.SGD(0.05), optimizers.WeightDecay(0.1)),
     lambda ps, t: t.optim.SGD(ps, lr=0.05, weight_decay=0.1), None),
    ('clip_grad', lambda: _hooked(optimizers.SGD(0.05), optimizers.ClipGrad(0.5)),
     lambda ps, t: t.optim.SGD(ps, lr=0.05),
     lambda ps, t: t.nn.utils.clip_grad_norm_(ps, 0.5)),
]


def _hooked(opt, hook):
    opt.add_hook(hook)
    return opt


@pytest.mark.parametrize('name,make,make_torch,torch_hook', TORCH_TWINS,
                         ids=[c[0] for c in TORCH_TWINS])
def test_matches_pytorch_over_30_steps(name, make, make_torch, torch_hook):
    """Each rule and hook follows PyTorch's trajectory on the same fit, step by step."""
    torch = pytest.importorskip('torch')
    import dezero.functions as F
    x, y, W, b = _fit(np.random.default_rng(7))
    model = _Fit(W, b)
    opt = make().setup(model)
    tW = torch.tensor(W, requires_grad=True)
    tb = torch.tensor(b, requires_grad=True)
    topt = make_torch([tW, tb], torch)
    tx, ty = torch.tensor(x), torch.tensor(y)
    for _ in range(30):
        loss = F.sum((F.matmul(x, model.W) + model.b - y) ** 2) / len(x)
        model.cleargrads()
        loss.backward()
        opt.update()
        tloss = (((tx @ tW + tb) - ty) ** 2).sum() / len(x)
        topt.zero_grad()
        tloss.backward()
        if torch_hook is not None:
            torch_hook([tW, tb], torch)
        topt.step()
        np.testing.assert_allclose(loss.data, tloss.item(), rtol=1e-7)
    np.testing.assert_allclose(model.W.data, tW.detach().numpy(), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(model.b.data, tb.detach().numpy(), rtol=1e-9, atol=1e-12)
    assert not np.allclose(model.W.data, W)  # it moved
