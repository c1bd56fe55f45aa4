"""The idea of dezero: a Variable remembers the Function that made it; backward walks back.

Read this file from the top. Follow `y = F.sin(x); y.backward()` through it:

1. `F.sin(x)` calls `Sin()(x)`, which is `Function.__call__` below: it runs `Sin.forward` on
   the array `x.data`, wraps the result in a new Variable `y`, and, while graph recording is on,
   links them: `y.creator` is the Sin node, whose `inputs` are `(x,)` and whose `outputs` hold a
   weak reference to `y`.
2. `y.backward()` seeds `dy/dy = 1` and walks the links back from `y` (`_backprop`): each
   Function's `backward` turns the gradients of its outputs into gradients of its inputs, the
   most recent call first, so a Function runs after every Function that used its outputs.
   Gradients that meet at a variable are added. Leaves (variables nobody computed, such as `x`)
   keep theirs in `x.grad`.
3. Because `backward` rules are written with Variable operations, the walk can record the
   backward pass as a graph too (`create_graph=True`): gradients of gradients come for free.

What lives elsewhere: the operations themselves (`dezero/ops.py` for arithmetic, shapes and
reductions; `dezero/functions.py` for the rest), and `dezero/array_backward.py`, a walk on plain
arrays that a first-order `backward()` takes for speed. The walk in this file is the reference:
the tests run both over every function and compare.
"""
import contextlib
import copy
import heapq
import itertools
import numbers
import operator
import threading
import traceback
import weakref

import numpy as np

from dezero import array_backward, cuda
from dezero.arraylike import ArrayLike, ops, _data_of

array_types = cuda.array_types


# ---------------------------------------------------------------------------------------------
# Configuration: switches of the calling thread
# ---------------------------------------------------------------------------------------------
class _ThreadConfig(threading.local):
    """Each thread sees its own values, starting from these defaults (as PyTorch's grad mode).

    enable_backprop: record graphs. train: dropout and batch norm in training behaviour.
    detect_anomaly: check every result for nan/inf (see `detect_anomaly`).
    array_backward: let a first-order backward run on arrays (`dezero/array_backward.py`).
    """
    enable_backprop = True
    train = True
    detect_anomaly = False
    array_backward = True


Config = _ThreadConfig()


class using_config(contextlib.ContextDecorator):
    """Set `Config.<name>` to `value` for the calling thread inside a `with` block (or a
    decorated call), and put the old value back afterwards."""

    def __init__(self, name, value):
        if not hasattr(Config, name):
            raise AttributeError(f'using_config: Config has no setting {name!r}')
        self.name, self.value = name, value

    def _recreate_cm(self):  # each decorated call saves its own old value (recursion-safe)
        return using_config(self.name, self.value)

    def __enter__(self):
        self.old = getattr(Config, self.name)
        setattr(Config, self.name, self.value)
        return self

    def __exit__(self, *exc):
        setattr(Config, self.name, self.old)
        return False


def no_grad():
    """Record no graph in this block (inference, parameter updates)."""
    return using_config('enable_backprop', False)


def test_mode():
    """Set `Config.train` to False in this block (dropout off, batch norm uses averages)."""
    return using_config('train', False)


def detect_anomaly():
    """Context manager and decorator: while on, a forward or backward that produces nan or inf
    raises `AnomalyError` naming the function and the file and line of the user's code that
    called it. Off, it costs nothing: call sites are recorded only in this mode."""
    return using_config('detect_anomaly', True)


class AnomalyError(FloatingPointError):
    """A function produced nan or inf while `detect_anomaly()` was on."""


# ---------------------------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------------------------
_scalar_types = (np.number, np.bool_, numbers.Number)  # the ABC last: it is the slow check


def as_array(x, array_module=np):
    """A Python or NumPy number becomes a 0-d array; anything else passes through."""
    if isinstance(x, _scalar_types):
        return array_module.array(x)
    return x


def as_variable(obj):
    """`obj` itself if it is a Variable, else a Variable wrapping it (arrays and scalars)."""
    if isinstance(obj, Variable):
        return obj
    return Variable(as_array(obj))


def input_variable(x, fname):
    """An argument of the function `fname` (a name, or the Function itself) as a Variable, or
    a TypeError naming that function."""
    if isinstance(x, Variable):
        return x
    if isinstance(x, array_types):
        return Variable(x)
    if isinstance(x, _scalar_types):
        return Variable(np.array(x))
    if isinstance(fname, Function):
        fname = type(fname).__name__.lower()
    raise TypeError(f'{fname}: inputs must be Variables, arrays or scalars, got '
                    f'{type(x).__name__}; convert it with np.array(...) first')


def _result_array(y, f, method):
    """A forward or backward result as an array: NumPy scalars and numbers become 0-d arrays
    (NumPy returns scalars from 0-d arithmetic); anything else is a mistake in `f`."""
    if isinstance(y, array_types):
        return y
    if isinstance(y, _scalar_types):
        return np.asarray(y)
    raise TypeError(f'{type(f).__name__}.{method} returned {type(y).__name__}; it must return '
                    f'arrays (a tuple of them when there are several)')


# ---------------------------------------------------------------------------------------------
# Variable
# ---------------------------------------------------------------------------------------------
# Every recorded call and every in-place update of a parameter reads this clock; backward
# compares the two to refuse a graph whose parameters changed after they were used.
_clock = itertools.count(1).__next__


class Variable(ArrayLike):
    """An array that remembers the Function that created it, so gradients can flow back.

    `data`: the array. `grad`: a Variable of the same shape and dtype once backward ran.
    `creator`: the Function that computed it (None for a leaf). `generation`: 0 for a leaf,
    one more than its creator's. Shape properties, operators (+ - * / ** @, [], comparisons)
    and methods such as `reshape` and `sum` come from `ArrayLike` (dezero/arraylike.py).
    """
    __slots__ = ('data', 'name', 'grad', 'creator', 'generation', '_no_graph', '__weakref__',
                 '__dict__')
    _version = 0  # in-place updates so far (optimizers count theirs with mark_modified)
    _modified_at = 0  # clock time of the last one

    def __init__(self, data, name=None):
        if data is not None and not isinstance(data, array_types):
            raise TypeError(f'Variable: data must be a numpy.ndarray or None, got '
                            f'{type(data).__name__}; wrap it with np.array(...)')
        self.data = data
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0
        self._no_graph = None  # why there is no creator, when a function made it unrecorded

    def set_creator(self, func):
        """Record `func` as this variable's creator; its generation is one above func's."""
        self.creator = func
        self.generation = func.generation + 1
        if func._called_at is None:  # a Function with a __call__ of its own (the book's)
            func._called_at = _clock()

    def cleargrad(self):
        """Forget the accumulated gradient."""
        self.grad = None

    def mark_modified(self):
        """Say the data changed in place (optimizers call this after each update): a graph
        recorded before the change then refuses to run backward (PyTorch's version counter).
        Writes through `.data` without it stay the user's business."""
        self._version += 1
        self._modified_at = _clock()

    def unchain(self):
        """Cut the link to this variable's creator."""
        self.creator = None

    def unchain_backward(self):
        """Cut every creator link upstream of this variable (truncated backprop through time)."""
        for f in _functions_below(self):
            for x in f.inputs:
                x.unchain()
        self.unchain()

    def backward(self, retain_grad=False, create_graph=False):
        """Add d(self)/dx to `x.grad` for every leaf x this variable depends on.

        The seed is `self.grad`, or ones of self's shape. Gradients of intermediate variables
        are dropped unless `retain_grad`. With `create_graph` the backward pass is recorded, so
        the gradients can be differentiated again.
        """
        if self.data is None:
            raise ValueError('Variable.backward: this variable holds no data')
        if self.creator is None and self._no_graph:
            raise RuntimeError(f'Variable.backward: no graph was recorded for this value: it '
                               f'{self._no_graph}, so nothing would get a gradient; compute it '
                               f'with recording on')
        seed = self.grad
        if seed is None:
            seed = cuda.get_array_module(self.data).empty_like(self.data)
            seed.fill(1)
            seed = Variable(seed)
            if self.creator is None or retain_grad:  # a bare leaf's gradient is the seed
                self.grad = seed
        if self.creator is None:
            return
        if create_graph or not Config.array_backward or Config.detect_anomaly:
            _backprop(self, seed, retain_grad, create_graph)  # the walk below: read this one
        else:  # the same walk on plain arrays, for speed (dezero/array_backward.py)
            leaves, retained = array_backward.backprop(self, seed.data, retain_grad,
                                                       _WalkRules)
            _store(leaves, _held_by(seed.data), retained=retained)


class Parameter(Variable):
    """A Variable that layers collect as a trainable parameter."""
    __slots__ = ()

    def __repr__(self):  # parameter([[...]], name='W'), aligned like a Variable's repr
        body = 'None' if self.data is None else str(self.data).replace('\n', '\n' + ' ' * 10)
        name = '' if self.name is None else f', name={self.name!r}'
        return f'parameter({body}{name})'


# ---------------------------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------------------------
class Function:
    """Base class of every differentiable operation.

    A subclass defines `forward(*arrays)` returning an array (or a tuple of arrays) and
    `backward(*gys)` returning one gradient per input (a tuple when there are several; None for
    an input without one). What backward may read: `self.inputs`, the outputs through
    `self.outputs[i]()`, and whatever forward saved on `self` (`self.x_shape = x.shape`).
    Written with Variable operations, backward can itself be differentiated.

    An instance may be called more than once (`F.ReLU()` as a layer): it records its first
    call, and each later call runs on a copy, so every call is a node of its own.
    Optionally `backward_data(*gy_arrays)` repeats the rule on arrays for the first-order walk
    of `dezero/array_backward.py`; only the hot operations have one.
    """
    inputs = None  # set when a call is recorded: the mark of an instance already in a graph
    outputs = None
    generation = 0
    backward_data = None
    _called_at = None  # clock time of the recorded call: backward runs the newest call first
    _call_site = None  # the user's file and line, recorded under detect_anomaly()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # a subclass that redefines backward must not inherit its parent's array rule
        if 'backward' in cls.__dict__ and 'backward_data' not in cls.__dict__:
            cls.backward_data = None

    def __call__(self, *inputs):
        """Run forward on the inputs' arrays, wrap the results in Variables and, while
        recording, link them: outputs -> creator (self) -> inputs."""
        if self.inputs is not None:  # already a node of a graph: this call gets a node of its own
            return self._fresh_copy()(*inputs)
        for x in inputs:
            if not isinstance(x, Variable):
                inputs = tuple([input_variable(x, self) for x in inputs])
                break
        ys = self.forward(*map(_data_of_variable, inputs))
        if isinstance(ys, tuple):
            outputs = tuple([Variable(_result_array(y, self, 'forward')) for y in ys])
        else:
            outputs = (Variable(ys if ys.__class__ is np.ndarray
                                else _result_array(ys, self, 'forward')),)
        if Config.detect_anomaly:
            self._call_site = _user_call_site()
            _check_finite(self, 'forward', [y.data for y in outputs])
        if Config.enable_backprop:
            self.generation = generation = max(map(_generation_of, inputs))
            self._called_at = _clock()
            refs = []
            for output in outputs:  # output.set_creator(self), written out: the hottest loop
                output.creator = self
                output.generation = generation + 1
                refs.append(weakref.ref(output))
            self.inputs = inputs
            self.outputs = tuple(refs)
            if len(outputs) > 1:  # an output dropped before backward still gets zeros
                self._output_kinds = [(y.shape, y.dtype) for y in ys]
        else:
            for output in outputs:
                output._no_graph = 'was computed while graph recording was off (no_grad())'
        return outputs[0] if len(outputs) == 1 else outputs

    def _fresh_copy(self):
        """A copy of this node for a new call: the saved state of the first call stays with the
        first node (reusing it would give the first call's inputs the second call's gradient)."""
        f = copy.copy(self)
        f.inputs = f.outputs = None
        return f

    def forward(self, *xs):
        """Compute the outputs from input arrays."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')

    def backward(self, *gys):
        """Compute input gradients from output gradients (Variables)."""
        raise NotImplementedError(f'{type(self).__name__}.backward is not defined')


_data_of_variable = operator.attrgetter('data')
_generation_of = operator.attrgetter('generation')


def _user_call_site():
    """'file:line' of the innermost frame outside the dezero package."""
    package = __file__.rsplit('core.py', 1)[0]
    for frame in reversed(traceback.extract_stack()[:-2]):
        if not frame.filename.startswith(package):
            return f'{frame.filename}:{frame.lineno}'
    return '<unknown>'


def _check_finite(f, phase, arrays):
    for a in arrays:
        if a is None or a.dtype.kind not in 'fc':
            continue
        if not cuda.get_array_module(a).isfinite(a).all():
            where = f._call_site or _user_call_site()
            raise AnomalyError(f'{type(f).__name__}.{phase} produced nan or inf; the function '
                               f'was called at {where}')


# ---------------------------------------------------------------------------------------------
# Backward: the reference walk
# ---------------------------------------------------------------------------------------------
def _backprop(y, seed, retain_grad, create_graph):
    """Walk from y to the leaves on Variables; the backward pass is recorded when create_graph.

    Gradients wait in a local dict until their variable's creator runs. A heap hands out the
    most recently called function first: everything that used a function's outputs was called
    after it, so its backward runs once, after theirs (and each branch of a wide graph is
    finished right after the step that used it).
    """
    grads = {y: seed}
    held = _held_by(seed.data)
    heap, queued = [], set()

    def enqueue(f):
        if f not in queued:
            queued.add(f)
            heapq.heappush(heap, (-_call_time(f), f))

    enqueue(y.creator)
    with using_config('enable_backprop', create_graph):
        while heap:
            f = heapq.heappop(heap)[1]
            gys = [_output_grad(grads, ref(), y, retain_grad, held) for ref in f.outputs]
            gys = [_zeros_for(f, i, Variable) if g is None else g for i, g in enumerate(gys)]
            if Config.detect_anomaly:  # check what f.backward gives, not each step inside it
                with using_config('detect_anomaly', False):
                    gxs = f.backward(*gys)
                _check_finite(f, 'backward', [_data_of(g) for g in _as_tuple(gxs)])
            else:
                gxs = f.backward(*gys)
            for i, (x, gx) in enumerate(zip(f.inputs, _checked_grads(f, gxs))):
                if gx is None:
                    continue
                if not isinstance(gx, Variable):
                    gx = Variable(_result_array(gx, f, 'backward'))
                _check_input_grad(f, i, x, gx.data)
                prev = grads.get(x)
                grads[x] = gx if prev is None else prev + gx
                if x.creator is not None:
                    enqueue(x.creator)
    _store({x: g for x, g in grads.items() if x.creator is None}, held, create_graph)


def _call_time(f):
    t = f._called_at
    if t is None:
        raise TypeError(f'Variable.backward: {type(f).__name__} was linked into the graph by '
                        f'hand; a function enters the graph by being called, or through '
                        f'set_creator')
    return t


def _output_grad(grads, o, root, retain_grad, held):
    """The gradient of output o, taken out of the walk; kept on o when retain_grad."""
    if o is None:
        return None
    g = grads.pop(o, None)
    if o is not root:  # the book drops intermediate gradients unless asked to keep them
        o.grad = _own_variable(g, held) if retain_grad and g is not None else None
    return g


def _zeros_for(f, i, wrap):
    """The gradient of an output that nothing used (or that was dropped): zeros."""
    o = f.outputs[i]()
    if o is not None:
        return wrap(cuda.get_array_module(o.data).zeros_like(o.data))
    kinds = getattr(f, '_output_kinds', None)
    if kinds is None:
        raise ValueError(f'{type(f).__name__}: an output was freed before backward (output {i}) '
                         f'and its shape was not recorded; keep a reference to every output')
    xp = cuda.get_array_module(f.inputs[0].data) if f.inputs else np
    return wrap(xp.zeros(*kinds[i]))


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _checked_grads(f, gxs):
    """gxs as a tuple with one gradient per input of f, or a ValueError naming f."""
    gxs = _as_tuple(gxs)
    if len(gxs) != len(f.inputs):
        raise ValueError(f'{type(f).__name__}.backward returned {len(gxs)} gradients for '
                         f'{len(f.inputs)} inputs')
    return gxs


def _check_input_grad(f, i, x, g):
    """A gradient must have its input's shape (PyTorch: 'invalid gradient at index i'); a
    Parameter changed in place since f used it would get a gradient at its new value."""
    if x.data is not None and g.shape != x.data.shape:  # (linear_simple frees its t.data)
        raise ValueError(f'{type(f).__name__}.backward returned an invalid gradient at index '
                         f'{i}: shape {g.shape}, but the input has shape {x.data.shape}')
    if x._modified_at > f._called_at:
        name = f' {x.name!r}' if x.name else ''
        raise RuntimeError(f'Variable.backward: the parameter{name} of shape {x.data.shape} '
                           f'was updated in place (by an optimizer) after {type(f).__name__} '
                           f'used it, so its gradient would be taken at the new value; run '
                           f'backward before updating, or compute the loss again')


def _run_backward(f, gys):
    """For the array walk: run f's Variable backward on arrays (nothing is recorded there),
    with the reference walk's checks of the gradients."""
    gxs = _checked_grads(f, f.backward(*[Variable(_result_array(g, f, 'backward'))
                                         for g in gys]))
    gxs = tuple([None if g is None else _result_array(_data_of(g), f, 'backward') for g in gxs])
    for i, (x, g) in enumerate(zip(f.inputs, gxs)):
        if g is not None:
            _check_input_grad(f, i, x, g)
    return gxs


class _WalkRules:
    """What the array walk borrows from this module (it sits below the core)."""
    run_backward = staticmethod(_run_backward)
    check_input_grad = staticmethod(_check_input_grad)
    call_time = staticmethod(_call_time)
    zeros_for = staticmethod(_zeros_for)


def _held_by(seed):
    """The memory held by the gradients one backward hands out, as {id: owner array}, starting
    with the seed's (the root may keep it as its grad). One array may reach several variables
    (`x0 + x1` hands gy to both; reshape hands out a view), and optimizer hooks change
    gradients in place, so a gradient whose memory is held already (or read-only, as a
    broadcast view) is copied. Each owner stays in the dict beside its id, so no id in it can
    belong to an array that was freed."""
    owner = _memory_owner(seed)
    return {id(owner): owner}


def _own(a, held):
    """Array a, or a copy of it, in memory that no other gradient of this walk holds."""
    owner = a.base
    if owner is None:  # a fresh array owns its memory (and may be written)
        owner = a
    elif not a.flags.writeable:
        owner = a = a.copy()
    if id(owner) in held:
        owner = a = a.copy()
    held[id(owner)] = owner
    return a


def _own_variable(g, held):
    """The same for a gradient Variable of a create_graph walk (copied by a recorded op)."""
    if id(_memory_owner(g.data)) in held or not g.data.flags.writeable:
        g = ops.copy(g)
    owner = _memory_owner(g.data)
    held[id(owner)] = owner
    return g


def _store(leaf_grads, held, differentiable=False, retained=()):
    """Add each leaf's gradient to `x.grad`, with x's shape and in memory of its own (see
    `_held_by`), and with x's dtype (`_grad_dtype`). `retained`: intermediate gradients of the
    array walk (retain_grad)."""
    for o, g in retained:
        o.grad = Variable(_own(_array(g), held))
    for x, g in leaf_grads.items():
        dtype = x.data.dtype
        if g.dtype != dtype or dtype.kind not in 'fc':
            dtype = _grad_dtype(x, g.dtype)
        if differentiable:
            if g.dtype != dtype:
                g = ops.astype(g, dtype)
            x.grad = _own_variable(g, held) if x.grad is None else x.grad + g
            continue
        if g.__class__ is not np.ndarray:
            g = _array(_data_of(g))
        if g.dtype != dtype:
            g = g.astype(dtype)
        if x.grad is None:
            x.grad = Variable(_own(g, held))
        else:
            x.grad = Variable(_array(x.grad.data + g))


def _grad_dtype(x, dtype):
    """The dtype of x's gradient: x's own (as PyTorch), except that a Parameter fed data of a
    wider float type keeps NumPy's promotion, as in the book (float64 data into float32 layers
    computes in float64, and the book's programs print the numbers that gives)."""
    kind = x.data.dtype.kind
    if kind not in 'fc':
        raise TypeError(f'Variable.backward: a gradient reached a leaf of dtype {x.data.dtype} '
                        f'(shape {x.data.shape}); only float variables have gradients: make it '
                        f'float (x.data.astype(np.float32)) or pass it as a constant')
    if isinstance(x, Parameter) and dtype.kind == kind and dtype.itemsize > x.data.dtype.itemsize:
        return dtype
    return x.data.dtype


def _array(a):
    """NumPy's arithmetic on 0-d arrays gives scalars; a gradient is always an array."""
    return a if isinstance(a, array_types) else np.asarray(a)


def _memory_owner(a):
    base = a.base
    return a if base is None else base


def _functions_below(y):
    """Every function y depends on, each once, without recursion. A function's input creators
    are queued before it is handed out, so the caller may cut its input links."""
    stack, seen = [y.creator] if y.creator is not None else [], set()
    while stack:
        f = stack.pop()
        if f in seen:
            continue
        seen.add(f)
        stack.extend(x.creator for x in f.inputs if x.creator is not None)
        yield f


# ---------------------------------------------------------------------------------------------
# The book's arithmetic functions, by the names `dezero.core` has always had
# ---------------------------------------------------------------------------------------------
def add(x0, x1):
    """x0 + x1 (broadcasting)."""
    return ops.add(x0, x1)


def sub(x0, x1):
    """x0 - x1."""
    return ops.sub(x0, x1)


def rsub(x0, x1):
    """x1 - x0 (behind `other - variable`)."""
    return ops.rsub(x0, x1)


def mul(x0, x1):
    """x0 * x1."""
    return ops.mul(x0, x1)


def div(x0, x1):
    """x0 / x1."""
    return ops.div(x0, x1)


def rdiv(x0, x1):
    """x1 / x0 (behind `other / variable`)."""
    return ops.rdiv(x0, x1)


def neg(x):
    """-x."""
    return ops.neg(x)


def pow(x, c):
    """x ** c for a constant exponent c."""
    return ops.pow(x, c)


def setup_variable():
    """The book's hook for putting operators on Variable: here they come with ArrayLike."""
    return Variable
