"""Optimizer state and schedules (issues 16 and 17): Adam counts steps per parameter as
torch.optim.Adam does, state is keyed by the parameter object, every update counts a version
of the parameter, and StepLR / ExponentialLR / CosineAnnealingLR follow torch's schedules on
every optimizer."""
import gc
import math

import numpy as np
import pytest

from dezero import Parameter, Variable, optimizers
from dezero.layers import Layer

ALL = {
    'SGD': lambda: optimizers.SGD(lr=0.1),
    'MomentumSGD': lambda: optimizers.MomentumSGD(lr=0.1),
    'AdaGrad': lambda: optimizers.AdaGrad(lr=0.1),
    'AdaDelta': lambda: optimizers.AdaDelta(),
    'Adam': lambda: optimizers.Adam(alpha=0.1),
}


class Pair(Layer):
    def __init__(self, a, b):
        super().__init__()
        self.a = Parameter(np.array(a, dtype=np.float64))
        self.b = Parameter(np.array(b, dtype=np.float64))


def _loss(model, x, y):
    return ((x * model.a + model.b - y) ** 2).sum()


# --- item 5: Adam's step count per parameter, against torch ------------------------------------
@pytest.mark.parametrize('make', [
    lambda: optimizers.Adam(alpha=0.05, eps=1e-12),
    lambda: optimizers.Adam(lr=0.05, eps=1e-12),
], ids=['alpha', 'lr'])
def test_adam_parameter_without_gradient_for_its_first_steps_matches_torch(make):
    """b gets no gradient for its first 4 steps: its bias correction starts at its own t=1."""
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(3)
    x, y = rng.standard_normal(5), rng.standard_normal(5)
    model = Pair(rng.standard_normal(5), rng.standard_normal(5))
    opt = make().setup(model)
    ta = torch.tensor(model.a.data.copy(), requires_grad=True)
    tb = torch.tensor(model.b.data.copy(), requires_grad=True)
    topt = torch.optim.Adam([ta, tb], lr=0.05, eps=1e-12)
    tx, ty = torch.tensor(x), torch.tensor(y)
    for step in range(12):
        model.cleargrads()
        _loss(model, x, y).backward()
        topt.zero_grad()
        ((tx * ta + tb - ty) ** 2).sum().backward()
        if step < 4:  # as if b were not used yet: no gradient, no update, no step counted
            model.b.grad = None
            tb.grad = None
        opt.update()
        topt.step()
        np.testing.assert_allclose(model.a.data, ta.detach().numpy(), rtol=1e-8)
        np.testing.assert_allclose(model.b.data, tb.detach().numpy(), rtol=1e-8)
    assert opt.t == 12 and opt.ts[model.a] == 12 and opt.ts[model.b] == 8


def test_adam_lr_is_alpha_and_eps_keeps_the_books_place():
    opt = optimizers.Adam(lr=0.01)
    assert opt.alpha == 0.01
    # the book's `lr` property: the bias-corrected step at the optimizer's t
    assert opt.lr == pytest.approx(0.01 * math.sqrt(1 - 0.999) / (1 - 0.9))
    model = Pair([1.0], [0.0])
    opt.setup(model)
    model.a.grad = Variable(np.array([0.5]))
    opt.update()
    # book: a -= lr_t * m / (sqrt(v) + eps) with m = 0.05, v = 0.00025
    lr_t = 0.01 * math.sqrt(1 - 0.999) / (1 - 0.9)
    assert model.a.data[0] == pytest.approx(1 - lr_t * 0.05 / (math.sqrt(0.00025) + 1e-8),
                                            rel=1e-14)
    with pytest.raises(TypeError, match='Adam: give the step size as alpha or as lr, not both'):
        optimizers.Adam(alpha=0.1, lr=0.1)
    with pytest.raises(ValueError, match='Adam: lr must be positive'):
        optimizers.Adam(lr=-1)


# --- issue 16 item 3: state keyed by the parameter, never by id() ------------------------------
@pytest.mark.parametrize('name', ['MomentumSGD', 'AdaGrad', 'AdaDelta', 'Adam'])
def test_state_is_keyed_by_the_parameter_object(name):
    model = Pair([1.0, 2.0], [3.0])
    opt = ALL[name]().setup(model)
    model.a.grad = Variable(np.array([0.1, 0.2]))
    model.b.grad = Variable(np.array([0.3]))
    opt.update()
    stores = [v for v in vars(opt).values() if isinstance(v, dict)]
    assert stores
    for store in stores:
        assert list(store) == [model.a, model.b]
        assert all(isinstance(k, Parameter) for k in store)


@pytest.mark.parametrize('name', ['MomentumSGD', 'AdaGrad', 'AdaDelta', 'Adam'])
def test_a_new_parameter_never_inherits_a_freed_ones_state(name):
    """A parameter created where a freed one lived (same id()) starts from fresh state."""
    opt = ALL[name]()
    model = Pair([1.0], [0.0])
    opt.setup(model)
    for _ in range(3):
        model.a.grad = Variable(np.array([1.0]))
        opt.update()
    fresh = ALL[name]().setup(Pair([5.0], [0.0]))
    fresh.target.a.grad = Variable(np.array([1.0]))
    fresh.update()
    want = fresh.target.a.data.copy()
    for _ in range(50):  # free a and build new parameters until one lands on its id
        old_id = id(model.a)
        del model.a
        gc.collect()
        model.a = Parameter(np.array([5.0]))
        model.a.grad = Variable(np.array([1.0]))
        if id(model.a) == old_id:
            break
    opt.update()
    np.testing.assert_allclose(model.a.data, want, rtol=1e-12)


# --- version count for core's check of stale graphs (item 4) -----------------------------------
@pytest.mark.parametrize('name', sorted(ALL))
def test_every_update_counts_a_version_of_the_parameter(name):
    model = Pair([1.0], [2.0])
    opt = ALL[name]().setup(model)
    start_a = getattr(model.a, '_version', 0)
    start_b = getattr(model.b, '_version', 0)
    for k in range(1, 4):
        model.a.grad = Variable(np.array([0.5]))
        model.b.grad = None  # skipped: not changed, not counted
        opt.update()
        assert model.a._version == start_a + k
        assert getattr(model.b, '_version', 0) == start_b


def test_load_state_dict_counts_a_version():
    model = Pair([1.0], [2.0])
    before = getattr(model.a, '_version', 0)
    model.load_state_dict({'a': np.array([3.0]), 'b': np.array([4.0])})
    assert model.a._version == before + 1


# --- AdaDelta's lr (so that schedules apply to it) ----------------------------------------------
def test_adadelta_lr_matches_torch():
    torch = pytest.importorskip('torch')
    model = Pair([1.0, -1.0], [0.5])
    opt = optimizers.AdaDelta(rho=0.9, lr=0.5).setup(model)
    ta = torch.tensor([1.0, -1.0], dtype=torch.float64, requires_grad=True)
    topt = torch.optim.Adadelta([ta], lr=0.5, rho=0.9, eps=1e-6)
    for step in range(5):
        g = np.array([0.3 * step - 0.2, 0.1 + step])
        model.a.grad = Variable(g)
        model.b.grad = None
        ta.grad = torch.tensor(g)
        opt.update()
        topt.step()
    np.testing.assert_allclose(model.a.data, ta.detach().numpy(), rtol=1e-12)


# --- learning-rate schedules against torch.optim.lr_scheduler -----------------------------------
SCHEDULES = {
    'StepLR': (lambda o: optimizers.StepLR(o, step_size=3, gamma=0.5),
               lambda o, s: s.StepLR(o, step_size=3, gamma=0.5)),
    'ExponentialLR': (lambda o: optimizers.ExponentialLR(o, gamma=0.9),
                      lambda o, s: s.ExponentialLR(o, gamma=0.9)),
    'CosineAnnealingLR': (lambda o: optimizers.CosineAnnealingLR(o, T_max=5, eta_min=0.001),
                          lambda o, s: s.CosineAnnealingLR(o, T_max=5, eta_min=0.001)),
}


@pytest.mark.parametrize('sched', sorted(SCHEDULES))
@pytest.mark.parametrize('name', sorted(ALL))
def test_schedule_matches_torch_on_every_optimizer(sched, name):
    torch = pytest.importorskip('torch')
    make, make_torch = SCHEDULES[sched]
    opt = ALL[name]()
    attr = 'alpha' if name == 'Adam' else 'lr'
    base = getattr(opt, attr)
    scheduler = make(opt)
    tparam = torch.nn.Parameter(torch.zeros(1))
    topt = torch.optim.SGD([tparam], lr=base)
    tsched = make_torch(topt, torch.optim.lr_scheduler)
    for epoch in range(13):  # past T_max: the cosine goes on as torch's does
        assert getattr(opt, attr) == pytest.approx(topt.param_groups[0]['lr'], rel=1e-12)
        assert scheduler.get_last_lr() == pytest.approx(tsched.get_last_lr(), rel=1e-12)
        assert scheduler.last_epoch == epoch
        topt.step()
        scheduler.step()
        tsched.step()
    assert isinstance(getattr(opt, attr), float)


def test_scheduled_rate_is_used_by_the_updates():
    model = Pair([1.0], [0.0])
    opt = optimizers.SGD(lr=0.1).setup(model)
    sched = optimizers.StepLR(opt, step_size=1, gamma=0.5)
    for want in (0.1, 0.05, 0.025):
        before = model.a.data.copy()
        model.a.grad = Variable(np.array([1.0]))
        opt.update()
        np.testing.assert_allclose(before - model.a.data, want, rtol=1e-15)
        sched.step()


def test_adam_schedule_sets_alpha_and_keeps_float32():
    model = Pair([1.0], [0.0])
    model.a.data = model.a.data.astype(np.float32)
    opt = optimizers.Adam().setup(model)
    sched = optimizers.ExponentialLR(opt, gamma=0.5)
    sched.step()
    assert opt.alpha == 0.0005
    model.a.grad = Variable(np.array([1.0], np.float32))
    opt.update()
    assert model.a.dtype == np.float32


def test_schedule_errors():
    opt = optimizers.SGD()
    with pytest.raises(TypeError, match='StepLR: expected an optimizer'):
        optimizers.StepLR(object(), 2)
    with pytest.raises(ValueError, match='StepLR: step_size must be an int of at least 1'):
        optimizers.StepLR(opt, 0)
    with pytest.raises(TypeError, match='CosineAnnealingLR: T_max must be an int'):
        optimizers.CosineAnnealingLR(opt, 2.5)
    with pytest.raises(ValueError, match='ExponentialLR: gamma must be positive'):
        optimizers.ExponentialLR(opt, -0.5)

    class NoRate(optimizers.Optimizer):
        def update_one(self, param):
            pass
    with pytest.raises(TypeError, match="StepLR: NoRate has no learning rate 'lr'"):
        optimizers.StepLR(NoRate(), 2)
