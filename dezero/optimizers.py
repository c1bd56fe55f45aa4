"""Optimizers: update a model's parameters from their gradients: `from dezero import optimizers`.

`opt = optimizers.SGD(lr=0.1).setup(model)`, then after each `loss.backward()` call
`opt.update()`. Hooks added with `add_hook(f)` see the list of parameters that have gradients
before the update (weight decay, gradient clipping, freezing).

Every update works in place on `param.data` and keeps its dtype: hyperparameters are Python
floats, because a NumPy float64 scalar would silently promote float32 arrays under NumPy 2.
Per-parameter state (momentum, squared-gradient averages, Adam's step count) lives in dicts
keyed by the Parameter object itself (identity), never by `id(param)`: an id is reused once its
object is freed, so a new parameter could inherit a dead one's state. Each update counts one
change of the parameter (`param._version`), so a graph recorded before it can be refused.

Learning-rate schedules (`StepLR`, `ExponentialLR`, `CosineAnnealingLR`) set an optimizer's
rate once per `step()`, as `torch.optim.lr_scheduler` does; the rate is `lr`, or Adam's `alpha`.
"""
import math

from dezero import cuda
from dezero.core import Parameter


def _positive(opt, name, value, allow_zero=False):
    """`value` as a Python float, or a ValueError naming the optimizer and the argument."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f'{opt}: {name} must be a number, got {type(value).__name__}') from None
    if not (v > 0 or (allow_zero and v == 0)) or math.isinf(v):
        raise ValueError(f'{opt}: {name} must be {"non-negative" if allow_zero else "positive"}'
                         f' and finite, got {value!r}')
    return v


def _fraction(opt, name, value):
    """`value` as a Python float in [0, 1), or a ValueError."""
    v = _positive(opt, name, value, allow_zero=True)
    if v >= 1:
        raise ValueError(f'{opt}: {name} must be in [0, 1), got {value!r}')
    return v


def _state(store, param, xp):
    """The state array of `param` in `store`, created as zeros on first use."""
    s = store.get(param)
    if s is None:
        s = store[param] = xp.zeros_like(param.data)
    return s


def _updated(param):
    """Count one in-place change of `param`: backward refuses a graph that saw an older one."""
    param.mark_modified()


class Optimizer:
    """Base class: `setup(target)`, `update()`, `add_hook(f)`; subclasses define update_one."""
    lr_name = 'lr'  # the attribute a learning-rate schedule sets

    def __init__(self):
        self.target = None
        self.hooks = []

    def setup(self, target):
        """Remember the Layer (or Model) whose parameters to update; returns self."""
        if not hasattr(target, 'params'):
            raise TypeError(f'{type(self).__name__}.setup: target must be a Layer or Model '
                            f'(something with params()), got {type(target).__name__}')
        self.target = target
        return self

    def update(self):
        """Run the hooks, then update every parameter that has a gradient."""
        if self.target is None:
            raise RuntimeError(f'{type(self).__name__}.update: no target; call '
                               f'setup(model) first')
        params = [p for p in self.target.params() if p.grad is not None]
        for f in self.hooks:
            f(params)
        for p in params:
            if p.grad is not None:  # a hook (FreezeParam) may have removed it
                self.update_one(p)

    def update_one(self, param):
        """Update one parameter in place from its gradient."""
        raise NotImplementedError(f'{type(self).__name__}.update_one is not defined')

    def add_hook(self, f):
        """Add f(params), run on the parameters with gradients before each update."""
        if not callable(f):
            raise TypeError(f'{type(self).__name__}.add_hook: hook must be callable, got '
                            f'{type(f).__name__}')
        self.hooks.append(f)


class SGD(Optimizer):
    """param -= lr * grad."""

    def __init__(self, lr=0.01):
        super().__init__()
        self.lr = _positive('SGD', 'lr', lr)

    def update_one(self, param):
        """Plain gradient step."""
        param.data -= self.lr * param.grad.data
        _updated(param)


class MomentumSGD(Optimizer):
    """v = momentum * v - lr * grad;  param += v."""

    def __init__(self, lr=0.01, momentum=0.9):
        super().__init__()
        self.lr = _positive('MomentumSGD', 'lr', lr)
        self.momentum = _fraction('MomentumSGD', 'momentum', momentum)
        self.vs = {}

    def update_one(self, param):
        """Momentum step."""
        v = _state(self.vs, param, cuda.get_array_module(param.data))
        v *= self.momentum
        v -= self.lr * param.grad.data
        param.data += v
        _updated(param)


class AdaGrad(Optimizer):
    """h += grad * grad;  param -= lr * grad / (sqrt(h) + eps)."""

    def __init__(self, lr=0.001, eps=1e-8):
        super().__init__()
        self.lr = _positive('AdaGrad', 'lr', lr)
        self.eps = _positive('AdaGrad', 'eps', eps)
        self.hs = {}

    def update_one(self, param):
        """AdaGrad step."""
        xp = cuda.get_array_module(param.data)
        h = _state(self.hs, param, xp)
        grad = param.grad.data
        h += grad * grad
        param.data -= self.lr * grad / (xp.sqrt(h) + self.eps)
        _updated(param)


class AdaDelta(Optimizer):
    """msg = rho*msg + (1-rho)*g^2;  dx = sqrt((msdx+eps)/(msg+eps))*g;
    msdx = rho*msdx + (1-rho)*dx^2;  param -= lr * dx.

    The book's AdaDelta has no learning rate; `lr` (1.0, which leaves the book's rule as it
    is) scales the step as torch.optim.Adadelta's does, so that schedules apply to it too.
    """

    def __init__(self, rho=0.95, eps=1e-6, lr=1.0):
        super().__init__()
        self.rho = _fraction('AdaDelta', 'rho', rho)
        self.eps = _positive('AdaDelta', 'eps', eps)
        self.lr = _positive('AdaDelta', 'lr', lr)
        self.msg = {}
        self.msdx = {}

    def update_one(self, param):
        """AdaDelta step."""
        xp = cuda.get_array_module(param.data)
        msg = _state(self.msg, param, xp)
        msdx = _state(self.msdx, param, xp)
        grad = param.grad.data
        k = 1.0 - self.rho
        msg += k * (grad * grad - msg)
        dx = xp.sqrt((msdx + self.eps) / (msg + self.eps)) * grad
        msdx += k * (dx * dx - msdx)
        if self.lr != 1.0:
            dx *= self.lr
        param.data -= dx
        _updated(param)


class Adam(Optimizer):
    """m += (1-beta1)*(g-m);  v += (1-beta2)*(g*g-v);  param -= lr_t * m / (sqrt(v) + eps),
    with lr_t = alpha * sqrt(1 - beta2^t) / (1 - beta1^t).

    t counts the updates of each parameter, as torch.optim.Adam does: a parameter that had no
    gradient for its first steps starts its bias correction when it first gets one. eps sits
    where the book puts it, on sqrt(v) (PyTorch adds it to the bias-corrected sqrt(v); the two
    agree when eps is small against sqrt(v)). `lr=` is accepted for `alpha=`, PyTorch's name.
    """
    lr_name = 'alpha'

    def __init__(self, alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8, lr=None):
        super().__init__()
        if lr is not None:
            if alpha != 0.001:
                raise TypeError(f'Adam: give the step size as alpha or as lr, not both (got '
                                f'alpha={alpha!r}, lr={lr!r})')
            alpha = lr
        self.t = 0
        self.alpha = _positive('Adam', 'lr' if lr is not None else 'alpha', alpha)
        self.beta1 = _fraction('Adam', 'beta1', beta1)
        self.beta2 = _fraction('Adam', 'beta2', beta2)
        self.eps = _positive('Adam', 'eps', eps)
        self.ms = {}
        self.vs = {}
        self.ts = {}

    def update(self):
        """Advance the optimizer's step count t, then update as every optimizer does."""
        self.t += 1
        super().update()

    def _step_size(self, t):
        return self.alpha * math.sqrt(1.0 - self.beta2 ** t) / (1.0 - self.beta1 ** t)

    @property
    def lr(self):
        """The book's bias-corrected step size at the optimizer's step count t (the step of a
        parameter updated at every step; set the base rate through `alpha`)."""
        return self._step_size(max(self.t, 1))  # before the first update, the first step's

    def update_one(self, param):
        """Adam step, bias-corrected with this parameter's own step count."""
        xp = cuda.get_array_module(param.data)
        m = _state(self.ms, param, xp)
        v = _state(self.vs, param, xp)
        t = self.ts[param] = self.ts.get(param, 0) + 1
        grad = param.grad.data
        m += (1.0 - self.beta1) * (grad - m)
        v += (1.0 - self.beta2) * (grad * grad - v)
        param.data -= self._step_size(t) * m / (xp.sqrt(v) + self.eps)
        _updated(param)


# ---------------------------------------------------------------------------------------------
# Hooks: called as f(params) with the parameters that have gradients, before the update
# ---------------------------------------------------------------------------------------------
def _set_grad(param, new):
    # gradients from backward are writable arrays of their own; write in place when allowed
    g = param.grad.data
    if getattr(g.flags, 'writeable', True) and g.shape == new.shape and g.dtype == new.dtype:
        g[...] = new
    else:
        param.grad.data = new


class WeightDecay:
    """grad += rate * param (L2 regularisation of strength rate / 2)."""

    def __init__(self, rate):
        self.rate = _positive('WeightDecay', 'rate', rate, allow_zero=True)

    def __call__(self, params):
        for p in params:
            if p.grad is not None:
                g = p.grad.data
                _set_grad(p, g + (self.rate * p.data).astype(g.dtype, copy=False))


class ClipGrad:
    """Scale all gradients together so that their global L2 norm is at most max_norm."""

    def __init__(self, max_norm):
        self.max_norm = _positive('ClipGrad', 'max_norm', max_norm)

    def __call__(self, params):
        grads = [p for p in params if p.grad is not None]
        total = 0.0
        for p in grads:
            g = p.grad.data
            total += float((g * g).sum())
        rate = self.max_norm / (math.sqrt(total) + 1e-6)
        if rate < 1.0:
            for p in grads:
                _set_grad(p, p.grad.data * rate)


class FreezeParam:
    """Drop the gradients of the given layers' (or Parameters') parameters: they stay fixed."""

    def __init__(self, *layers):
        self.freeze_params = []
        for i, layer in enumerate(layers):
            if isinstance(layer, Parameter):
                self.freeze_params.append(layer)
            elif hasattr(layer, 'params'):
                self.freeze_params.extend(layer.params())
            else:
                raise TypeError(f'FreezeParam: argument {i} must be a Layer or a Parameter, '
                                f'got {type(layer).__name__}')

    def __call__(self, params):
        for p in self.freeze_params:
            p.grad = None


# ---------------------------------------------------------------------------------------------
# Learning-rate schedules: call step() once per epoch, after the epoch's updates
# ---------------------------------------------------------------------------------------------
class LRScheduler:
    """Base of the schedules: the rate of epoch e is `rate(e)` of the rate at construction.

    As in torch.optim.lr_scheduler, the optimizer keeps its own rate for epoch 0 and each
    `step()` moves to the next epoch; the rate is written to the optimizer's `lr` (Adam's
    `alpha`) as a Python float. Subclasses define `rate(epoch)`.
    """

    def __init__(self, optimizer):
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f'{name}: expected an optimizer such as optimizers.SGD(...), got '
                            f'{type(optimizer).__name__}')
        self.optimizer = optimizer
        self.lr_name = getattr(optimizer, 'lr_name', 'lr')
        base = getattr(optimizer, self.lr_name, None)
        if not isinstance(base, (int, float)) or isinstance(base, bool):
            raise TypeError(f'{name}: {type(optimizer).__name__} has no learning rate '
                            f'{self.lr_name!r} (a number) to schedule')
        self.base_lr = float(base)
        self.last_epoch = 0

    def rate(self, epoch):
        """The learning rate of `epoch` (subclasses define it)."""
        raise NotImplementedError(f'{type(self).__name__}.rate is not defined')

    def step(self):
        """Move to the next epoch: set the optimizer's rate for it."""
        self.last_epoch += 1
        setattr(self.optimizer, self.lr_name, float(self.rate(self.last_epoch)))

    def get_last_lr(self):
        """[the rate the optimizer uses now], as torch's get_last_lr()."""
        return [getattr(self.optimizer, self.lr_name)]


def _int_at_least(sched, name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise (ValueError if isinstance(value, int) and not isinstance(value, bool)
               else TypeError)(f'{sched}: {name} must be an int of at least {minimum}, got '
                               f'{value!r}')
    return value


class StepLR(LRScheduler):
    """rate(e) = base * gamma ** (e // step_size): decay by gamma every step_size epochs."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        self.step_size = _int_at_least('StepLR', 'step_size', step_size, 1)
        self.gamma = _positive('StepLR', 'gamma', gamma)
        super().__init__(optimizer)

    def rate(self, epoch):
        return self.base_lr * self.gamma ** (epoch // self.step_size)


class ExponentialLR(LRScheduler):
    """rate(e) = base * gamma ** e."""

    def __init__(self, optimizer, gamma):
        self.gamma = _positive('ExponentialLR', 'gamma', gamma)
        super().__init__(optimizer)

    def rate(self, epoch):
        return self.base_lr * self.gamma ** epoch


class CosineAnnealingLR(LRScheduler):
    """rate(e) = eta_min + (base - eta_min) * (1 + cos(pi * e / T_max)) / 2.

    From base at epoch 0 down to eta_min at T_max; past T_max the cosine goes on (back up over
    the next T_max epochs), as torch's schedule does.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0):
        self.T_max = _int_at_least('CosineAnnealingLR', 'T_max', T_max, 1)
        self.eta_min = _positive('CosineAnnealingLR', 'eta_min', eta_min, allow_zero=True)
        super().__init__(optimizer)

    def rate(self, epoch):
        cos = math.cos(math.pi * epoch / self.T_max)
        return self.eta_min + (self.base_lr - self.eta_min) * (1.0 + cos) / 2.0
