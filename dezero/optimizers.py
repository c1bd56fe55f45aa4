"""Optimizers: update a model's parameters from their gradients: `from dezero import optimizers`.

`opt = optimizers.SGD(lr=0.1).setup(model)`, then after each `loss.backward()` call
`opt.update()`. Hooks added with `add_hook(f)` see the list of parameters that have gradients
before the update (weight decay, gradient clipping, freezing).

Every update works in place on `param.data` and keeps its dtype: hyperparameters are Python
floats, because a NumPy float64 scalar would silently promote float32 arrays under NumPy 2.
Per-parameter state (momentum, squared-gradient averages) lives in dicts keyed by `id(param)`.
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
    key = id(param)
    s = store.get(key)
    if s is None:
        s = store[key] = xp.zeros_like(param.data)
    return s


class Optimizer:
    """Base class: `setup(target)`, `update()`, `add_hook(f)`; subclasses define update_one."""

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


class AdaDelta(Optimizer):
    """msg = rho*msg + (1-rho)*g^2;  dx = sqrt((msdx+eps)/(msg+eps))*g;
    msdx = rho*msdx + (1-rho)*dx^2;  param -= dx."""

    def __init__(self, rho=0.95, eps=1e-6):
        super().__init__()
        self.rho = _fraction('AdaDelta', 'rho', rho)
        self.eps = _positive('AdaDelta', 'eps', eps)
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
        param.data -= dx


class Adam(Optimizer):
    """m += (1-beta1)*(g-m);  v += (1-beta2)*(g*g-v);  param -= lr * m / (sqrt(v) + eps),
    with lr = alpha * sqrt(1 - beta2^t) / (1 - beta1^t) and t counting update() calls."""

    def __init__(self, alpha=0.001, beta1=0.9, beta2=0.999, eps=1e-8):
        super().__init__()
        self.t = 0
        self.alpha = _positive('Adam', 'alpha', alpha)
        self.beta1 = _fraction('Adam', 'beta1', beta1)
        self.beta2 = _fraction('Adam', 'beta2', beta2)
        self.eps = _positive('Adam', 'eps', eps)
        self.ms = {}
        self.vs = {}

    def update(self):
        """Advance the step count t, then update as every optimizer does."""
        self.t += 1
        super().update()

    @property
    def lr(self):
        """The bias-corrected step size for the current t (a Python float)."""
        t = max(self.t, 1)  # before the first update, report the first step's value
        return self.alpha * math.sqrt(1.0 - self.beta2 ** t) / (1.0 - self.beta1 ** t)

    def update_one(self, param):
        """Adam step."""
        xp = cuda.get_array_module(param.data)
        m = _state(self.ms, param, xp)
        v = _state(self.vs, param, xp)
        grad = param.grad.data
        m += (1.0 - self.beta1) * (grad - m)
        v += (1.0 - self.beta2) * (grad * grad - v)
        param.data -= self.lr * m / (xp.sqrt(v) + self.eps)


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
