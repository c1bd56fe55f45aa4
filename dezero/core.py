"""The autograd core: `Variable`, `Function`, the backward engine and the basic operations.

A `Function` call records itself as the `creator` of its outputs; `Variable.backward` walks those
links from the newest function back, running each function's backward exactly once.

State rule for backward: a function's backward may read its inputs (`self.inputs`), its outputs
through `self.outputs[i]()`, and attributes it saved on `self` during forward; nothing else.

Two backward paths exist. With `create_graph=True` every backward is run on Variables, so the
gradients are themselves differentiable. Without it, functions that define `backward_data` are
run on plain arrays and no graph is recorded at all, which is what makes training loops fast.
"""
import contextlib
import copy
import gc
import heapq
import itertools
import numbers
import operator
import sys
import weakref

import numpy as np

from dezero import cuda

array_types = cuda.array_types
_ndarray = np.ndarray
_np_generic = np.generic
_asarray = np.asarray
# creation stamps of recorded functions: a function is always stamped after the creators of its
# inputs, so the reverse of this order is an order in which backward may run them
_next_seq = itertools.count(1).__next__
_heappush, _heappop, _heappushpop = heapq.heappush, heapq.heappop, heapq.heappushpop


# ---------------------------------------------------------------------------------------------
# Configuration
# ---------------------------------------------------------------------------------------------
class Config:
    """Global switches: `enable_backprop` (record graphs) and `train` (dropout, batch norm)."""
    enable_backprop = True
    train = True


class using_config(contextlib.ContextDecorator):
    """Temporarily set `Config.<name>` to `value` inside a `with` block (or a decorated call).

    A small class rather than a generator: training loops enter `no_grad()` every step.
    """
    __slots__ = ('name', 'value', 'old')

    def __init__(self, name, value):
        if not hasattr(Config, name):
            raise AttributeError(f'using_config: Config has no setting {name!r}')
        self.name = name
        self.value = value

    def _recreate_cm(self):  # each decorated call gets its own saved value (recursion-safe)
        return using_config(self.name, self.value)

    def __enter__(self):
        self.old = getattr(Config, self.name)
        setattr(Config, self.name, self.value)
        return self

    def __exit__(self, *exc):
        setattr(Config, self.name, self.old)
        return False


def no_grad():
    """Context manager that turns graph recording off (inference, parameter updates)."""
    return using_config('enable_backprop', False)


def test_mode():
    """Context manager that sets `Config.train` to False (dropout off, batch norm uses averages)."""
    return using_config('train', False)


# ---------------------------------------------------------------------------------------------
# Conversions
# ---------------------------------------------------------------------------------------------
def as_array(x, array_module=np):
    """Turn a Python or NumPy number into a 0-d array; anything else passes through unchanged
    (strings too: they are not numbers, and Variable refuses them)."""
    if isinstance(x, _scalar_types):
        return array_module.array(x)
    return x


def as_variable(obj):
    """Return `obj` if it is a Variable, else wrap it (arrays and scalars) in one."""
    if isinstance(obj, Variable):
        return obj
    return Variable(as_array(obj))


# NumPy's numeric scalars register as Numbers too, but np.number answers them without the ABC
_scalar_types = (np.number, np.bool_, numbers.Number)


def _is_scalar(x):
    cls = x.__class__
    return cls is float or cls is int or isinstance(x, _scalar_types)


def _ensure_array(y):
    """Results of NumPy operations on 0-d arrays are scalars; data is always an array."""
    return y if isinstance(y, array_types) else np.asarray(y)


def _to_input(x, fname):
    """Convert one argument of a Function call to a Variable, or say clearly why it cannot."""
    if isinstance(x, Variable):
        return x
    if x is None or isinstance(x, array_types):
        return Variable(x)
    if _is_scalar(x):
        return Variable(np.array(x))
    raise TypeError(f'{fname}: inputs must be Variables, arrays or scalars, got '
                    f'{type(x).__name__}; convert it with np.array(...) first')


_AxisError = getattr(np, 'exceptions', np).AxisError  # np.exceptions is NumPy 1.25+


def _axis_error(fname, x, axis):
    """NumPy's AxisError for `axis`, restated with the function and the shape of x."""
    shape = np.shape(x.data if isinstance(x, Variable) else x)
    n = len(shape)
    where = f'axes run from {-n} to {n - 1}' if n else 'a 0-d array has no axes'
    return _AxisError(f'{fname}: axis {axis!r} is out of range for x of shape {shape} ({where})')


def _one_value(v, refusal, error):
    """The one element of v's data as a Python number, or `error` saying `refusal` and the
    shape v holds instead."""
    data = v.data
    if data is None or data.size != 1:
        shape = None if data is None else data.shape
        raise error(f'{refusal}; this one holds data of shape {shape}')
    return data.item()


# ---------------------------------------------------------------------------------------------
# Variable
# ---------------------------------------------------------------------------------------------
class Variable:
    """An array that remembers the Function that created it, so gradients can flow back."""
    # name and grad are class-level defaults: most variables never get either, and every
    # attribute stored when a function creates its output costs time on the hottest path
    __slots__ = ('data', '_creator', '_gen', '__weakref__', '__dict__')
    name = None
    grad = None
    # make `ndarray <op> Variable` defer to Variable's reflected operators
    __array_priority__ = 200
    __array_ufunc__ = None

    def __init__(self, data, name=None):
        if data is not None and not isinstance(data, array_types):
            raise TypeError(f'Variable: data must be a numpy.ndarray or None, got '
                            f'{type(data).__name__}; wrap it with np.array(...)')
        self.data = data
        if name is not None:
            self.name = name
        self._creator = None

    # --- array-like properties -----------------------------------------------------------
    @property
    def shape(self):
        """Shape of the data."""
        return self.data.shape

    @property
    def ndim(self):
        """Number of dimensions of the data."""
        return self.data.ndim

    @property
    def size(self):
        """Number of elements of the data."""
        return self.data.size

    @property
    def dtype(self):
        """Dtype of the data."""
        return self.data.dtype

    def __len__(self):
        return len(self.data)

    # --- one value as a Python number, as PyTorch users write it: loss.item(), float(loss),
    # f'{loss:.4f}' (the book's programs read loss.data; both work)
    def item(self):
        """The value of a Variable that holds exactly one element, as a Python number."""
        return _one_value(self, 'Variable.item: only a Variable holding exactly one value '
                                'converts to a Python number', ValueError)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __format__(self, spec):
        if not spec:
            return str(self)
        return format(_one_value(self, f'Variable.__format__: the format {spec!r} applies to '
                                       f'a Variable holding one value', TypeError), spec)

    def __repr__(self):
        if self.data is None:
            return 'variable(None)'
        body = str(self.data).replace('\n', '\n' + ' ' * 9)
        return 'variable(' + body + ')'

    @property
    def creator(self):
        """The Function that produced this variable (None for leaves)."""
        f = self._creator
        if f is not None and f.outputs is None:
            # the operators record constant steps without the weak reference back to their
            # output; whoever reaches the function gets it here, through its only output
            f.outputs = _OutputRef(self)
        return f

    @creator.setter
    def creator(self, func):
        # a Function that links its outputs itself (the book's __call__) is stamped here
        if func is not None and getattr(func, '_seq', None) is None:
            func._seq = _next_seq()
        self._creator = func

    def set_creator(self, func):
        """Record `func` as this variable's creator (generation one above it)."""
        self.creator = func
        self.generation = func.generation + 1

    @property
    def generation(self):
        """Depth in the graph: 0 for a leaf, one more than the creator's generation.

        Worked out when first read (recording a step only stamps its function), then kept.
        """
        try:
            return self._gen
        except AttributeError:
            return _generation_of(self)

    @generation.setter
    def generation(self, g):
        self._gen = g

    def cleargrad(self):
        """Forget the accumulated gradient."""
        self.grad = None

    def unchain(self):
        """Cut the link to this variable's creator."""
        self._creator = None

    def unchain_backward(self):
        """Cut every creator link upstream of this variable (truncated backprop through time)."""
        f = self._creator
        if f is None:
            return
        self._creator = None
        for ins in _inputs_below(f):
            for x in ins:
                x._creator = None

    def to_cpu(self):
        """Move data (and grad) to NumPy."""
        if self.data is not None:
            self.data = cuda.as_numpy(self.data)
        if self.grad is not None:
            self.grad.to_cpu()

    def to_gpu(self):
        """Move data (and grad) to CuPy; RuntimeError without CuPy."""
        if self.data is not None:
            self.data = cuda.as_cupy(self.data)
        if self.grad is not None:
            self.grad.to_gpu()

    # --- backward ------------------------------------------------------------------------
    def backward(self, retain_grad=False, create_graph=False):
        """Accumulate d(self)/d(x) into `x.grad` for every variable `x` this one depends on.

        The walk is iterative, newest function first (the reverse of the order the functions
        were recorded in), so each function's backward runs once, after every function that
        used its outputs, and deep graphs do not recurse. Gradients of intermediate variables
        are dropped unless `retain_grad`, and a gradient kept by an earlier
        `backward(retain_grad=True)` is dropped too, as the book's walk drops it: it no longer
        belongs to this backward. `create_graph` makes the gradients differentiable themselves.
        The cyclic garbage collector waits until the walk ends: reference counting frees all
        the walk drops, so a collection in its middle would find nothing to free and only push
        the graph out of cache; the collections its allocations call for run once, afterwards.
        """
        if self.data is None:
            raise ValueError('Variable.backward: this variable holds no data')
        if self.grad is None:
            seed = cuda.get_array_module(self.data).empty_like(self.data)
            seed.fill(1)
        else:
            seed = self.grad.data
        if self._creator is None:  # nothing to walk: the seed is the whole answer
            if self.grad is None:
                self.grad = Variable(seed)
            return
        collecting = gc.isenabled()
        if collecting:
            gc.disable()
        try:
            if create_graph:
                _backward_graph(self, Variable(seed) if self.grad is None else self.grad,
                                retain_grad)
            else:
                _backward_data(self, seed, retain_grad)
        except AttributeError as e:
            if e.name != '_seq':
                raise
            raise TypeError(f'Variable.backward: {type(e.obj).__name__} was linked into the '
                            f'graph by hand; a function enters the graph by being called, or '
                            f'through set_creator / the creator attribute') from None
        else:
            if not retain_grad and _retained:
                _drop_retained(self)
        finally:
            if collecting:
                gc.enable()

    # --- shape and tensor methods ----------------------------------------------------------
    def reshape(self, *shape):
        """Reshape; accepts a tuple or separate ints."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return reshape(self, shape)

    def transpose(self, *axes):
        """Permute axes; no argument reverses them."""
        if len(axes) == 0:
            axes = None
        elif len(axes) == 1 and (isinstance(axes[0], (tuple, list)) or axes[0] is None):
            axes = axes[0]
        return transpose(self, axes)

    @property
    def T(self):
        """Transpose with the axes reversed."""
        return transpose(self)

    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (all axes by default)."""
        return sum(self, axis, keepdims)

    def matmul(self, other):
        """Matrix product with `other`."""
        return matmul(self, other)

    dot = matmul

    def max(self, axis=None, keepdims=False):
        """Maximum over `axis`."""
        return max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum over `axis`."""
        return min(self, axis, keepdims)

    # --- operators -----------------------------------------------------------------------
    # + - * / ** (and their reflected forms) are attached below the arithmetic Functions they
    # record, by `_arithmetic`: each is one flat method, since they run once per recorded step
    def __neg__(self):
        return Neg()(self)

    def __matmul__(self, other):
        return matmul(self, other)

    def __rmatmul__(self, other):
        return matmul(other, self)

    def __getitem__(self, slices):
        return get_item(self, slices)


class Parameter(Variable):
    """A Variable that layers collect as a trainable parameter."""
    __slots__ = ()


# ---------------------------------------------------------------------------------------------
# The backward engine
# ---------------------------------------------------------------------------------------------
def _backward_data(y, seed, retain_grad):
    """Backward on plain arrays: nothing is recorded, gradients become Variables at the end.

    Functions run newest first: each is stamped when recorded, after the creators of its
    inputs, so everything that used a function's outputs is newer and has run before it. This
    order also finishes each branch of a wide graph right after the function that used it,
    while its objects are still in cache, instead of leaving thousands of branch gradients
    waiting (as ordering by generation does when a long spine sums many shallow branches).

    Gradients wait in a local dict: keyed by a variable's creator when it has a single output
    (so the walk never needs the creator's reference back to that output), by the variable
    itself for leaves and outputs of multi-output functions. A function joins the heap of
    waiting functions when one of its outputs receives its first gradient (so no visited-set
    is needed for single-output functions). The newest of the creators a function reaches
    goes next without touching the heap when nothing waiting is newer: then every other user
    of its output has run, and that output's gradient is final. On a single-input function
    the gradient is carried straight to the creator (`gy`) instead of through the dict:
    chains and the spine of wide graphs touch neither the heap nor the dict.
    """
    grads = {}
    grads_get, grads_pop = grads.get, grads.pop
    f = y._creator
    if retain_grad and y.grad is None:
        y.grad = Variable(seed)  # the root keeps its seed; it is never added to itself
    if f.outputs is None or f.outputs.__class__ is _OutputRef:
        gy = seed
    else:
        grads[y] = seed
        gy = None
    heap = []  # (-stamp, function): the newest waiting function on top
    seen = set()  # multi-output functions reached so far
    recording = Config.enable_backprop
    Config.enable_backprop = False  # backward_data records nothing; user backwards neither
    try:
        while f is not None:
            fast = f.backward_data
            if gy is not None:  # carried: f has one output and its gradient is final
                gxs = fast(gy) if fast is not None else _run_variable_backward(f, (gy,))
                gy = None
            else:
                outs = f.outputs
                if outs.__class__ is tuple:
                    gys = _output_grads_data(f, grads, retain_grad, y)
                    gxs = fast(*gys) if fast is not None else _run_variable_backward(f, gys)
                else:
                    g = grads_pop(f)
                    if retain_grad:
                        _store_grad(outs(), g)
                    gxs = fast(g) if fast is not None else _run_variable_backward(f, (g,))
            ins = f._in
            nxt = None
            if ins.__class__ is not tuple:  # one input: the common case, no loop
                if gxs.__class__ is tuple:
                    if len(gxs) != 1:
                        raise _arity_error(f, gxs, 1)
                    gxs = gxs[0]
                if gxs is not None:
                    c = ins._creator
                    if c is None or c.outputs.__class__ is tuple:  # a leaf, or one of several
                        prev = grads_get(ins)
                        if prev is None:
                            grads[ins] = gxs
                            if c is not None and _first_visit(c, seen):
                                nxt = c
                        else:
                            grads[ins] = prev + gxs
                    else:
                        prev = grads_get(c)
                        if prev is not None:
                            grads[c] = prev + gxs
                        elif heap and c._seq < -heap[0][0]:
                            grads[c] = gxs
                            if retain_grad and c.outputs is None:
                                c.outputs = _OutputRef(ins)
                            f = _heappushpop(heap, (-c._seq, c))[1]
                            continue
                        else:  # c goes next, and the gradient of its output is final
                            if retain_grad:
                                _store_grad(ins, gxs)
                            f = c
                            gy = gxs
                            continue
            else:
                if gxs.__class__ is not tuple or len(gxs) != len(ins):
                    raise _arity_error(f, gxs, len(ins))
                for x, gx in zip(ins, gxs):
                    if gx is None:
                        continue
                    c = x._creator
                    if c is None or c.outputs.__class__ is tuple:
                        prev = grads_get(x)
                        if prev is not None:
                            grads[x] = prev + gx
                            continue
                        grads[x] = gx
                        if c is None or not _first_visit(c, seen):
                            continue
                    else:
                        prev = grads_get(c)
                        if prev is not None:
                            grads[c] = prev + gx
                            continue
                        grads[c] = gx
                        if retain_grad and c.outputs is None:
                            c.outputs = _OutputRef(x)
                    if nxt is None:
                        nxt = c
                    elif c._seq > nxt._seq:
                        _heappush(heap, (-nxt._seq, nxt))
                        nxt = c
                    else:
                        _heappush(heap, (-c._seq, c))
            if nxt is not None:
                # nxt goes first unless something waiting is newer
                f = _heappushpop(heap, (-nxt._seq, nxt))[1] if heap else nxt
            else:
                f = _heappop(heap)[1] if heap else None
    finally:
        Config.enable_backprop = recording
    _store_leaf_grads(grads, seed if y.grad is not None else None)


def _store_leaf_grads(grads, held):
    """Move the leaves' gradients into `x.grad`, each in memory of its own: backward hands one
    array to several inputs (`x0 + x1`) or views of it (reshape), and optimizer hooks update
    gradients in place, which must never reach another leaf or `held` (the root's gradient).

    An array that owns its memory and that nothing but this loop holds any more (no other
    leaf, no view, not `held`) is kept as it is, without being recorded: most leaf gradients
    are such fresh arrays, and recording thousands of them would cost a large table of ids.
    """
    taken = set() if held is None else {id(_memory_owner(held))}
    while grads:
        x, g = grads.popitem()
        if g.__class__ is not _ndarray:
            g = _ensure_array(g)
        old = x.grad
        if old is not None:  # the sum is a fresh array
            x.grad = _new_output(_ensure_array(old.data + g))
            continue
        owner = g.base
        if owner is None:  # owns its memory, so writable
            if _refcount(g) == _REFS_OF_A_LOCAL:  # held by nothing else: shared with nothing
                x.grad = _new_output(g)
                continue
            owner = g
        elif not getattr(g.flags, 'writeable', True):  # e.g. a broadcast view
            owner = None
        if owner is None or id(owner) in taken:
            g = g.copy()
            owner = g
        taken.add(id(owner))
        x.grad = _new_output(g)


def _refs_of_a_local():
    """What sys.getrefcount reports for an object that one local variable alone holds (the
    interpreter's own count, measured rather than assumed); None where there are no counts to
    read (PyPy), and then every leaf gradient is recorded."""
    a = np.empty(0)
    return _refcount(a) if _refcount is not id else None


_refcount = getattr(sys, 'getrefcount', id)  # id: a number that never equals None
_REFS_OF_A_LOCAL = _refs_of_a_local()


def _memory_owner(a):
    """The array that owns a's memory (NumPy and CuPy point a view's `base` at it)."""
    base = getattr(a, 'base', None)
    return a if base is None else base


def _first_visit(c, seen):
    """True the first time the walk reaches multi-output function c through an output with a
    new gradient: it may be reached through each of its outputs."""
    if c in seen:
        return False
    seen.add(c)
    return True


def _arity_error(f, gxs, n):
    got = len(gxs) if isinstance(gxs, tuple) else 1
    return ValueError(f'{type(f).__name__}.backward returned {got} gradients for {n} inputs')


def _run_variable_backward(f, gys):
    """Run a backward written only with Variables (user Functions) and unwrap its arrays."""
    gxs = _as_tuple(f.backward(*[Variable(_ensure_array(g)) for g in gys]))
    return tuple(None if g is None else _gradient_array(f, g) for g in gxs)


def _gradient_array(f, g):
    if isinstance(g, Variable):
        return g.data
    return _result_array(f, g, 'backward',
                         'a Variable, an array or None for each input (a tuple when several)')


def _store_grad(x, g):
    """Keep an intermediate gradient (retain_grad): a copy, since the array flows on."""
    if x.grad is None:
        x.grad = Variable(_ensure_array(g).copy())
    else:
        x.grad = Variable(_ensure_array(x.grad.data + g))
    _mark_retained(x)


# weak references to the intermediate variables holding a gradient kept by `retain_grad` (each
# leaves the set when its variable dies); empty in ordinary training, so a plain backward only
# looks for them after someone asked to retain. A plain set: its emptiness test is what every
# backward pays, and a WeakSet answers it in Python.
_retained = set()


def _mark_retained(x):
    _retained.add(weakref.ref(x, _retained.discard))


def _drop_retained(y):
    """A plain backward from y: drop the gradients an earlier retain_grad left on the
    intermediate variables y depends on."""
    for ins in _inputs_below(y._creator):
        for x in ins:
            ref = weakref.ref(x)  # equal to the stored one while x lives
            if ref in _retained:
                x.grad = None
                _retained.discard(ref)


def _inputs_below(f):
    """The inputs of every function from f down, as one tuple per function, each function
    once and without recursion. A function's input creators are queued before its inputs are
    handed out, so the caller may cut their links."""
    stack, seen = [f], {f}
    while stack:
        ins = stack.pop()._in
        if ins.__class__ is not tuple:
            ins = (ins,)
        for x in ins:
            c = x._creator
            if c is not None and c not in seen:
                seen.add(c)
                stack.append(c)
        yield ins


def _output_grads_data(f, grads, retain_grad, root):
    gys = []
    for ref in f.outputs:
        o = ref()
        g = None if o is None else grads.pop(o, None)
        if g is None:  # an unused output contributes a zero gradient
            g = _zeros_for(f, ref, o)
        elif retain_grad and o is not root:
            _store_grad(o, g)
        gys.append(g)
    return tuple(gys)


def _zeros_for(f, ref, o):
    if o is not None:
        return cuda.get_array_module(o.data).zeros_like(o.data)
    if not isinstance(ref, _SiblingRef):  # a plain weakref stored by a custom __call__
        raise ValueError(f'{type(f).__name__}: an output was freed before backward and its '
                         f'shape was not recorded; keep a reference to every output')
    xp = cuda.get_array_module(f.inputs[0].data) if f.inputs else np
    return xp.zeros(ref.shape, dtype=ref.dtype)


def _as_tuple(x):
    return x if isinstance(x, tuple) else (x,)


def _generation_of(v):
    """Work out (and keep) the generation of variable v and of every variable below it that
    lacks one, without recursion: graphs may be a million steps deep."""
    stack = [v]
    while stack:
        n = stack[-1]
        if getattr(n, '_gen', None) is not None:
            stack.pop()
            continue
        f = n._creator
        if f is None:
            n._gen = 0
        elif f in _set_generations:
            n._gen = _set_generations[f] + 1
        else:
            inputs = f.inputs
            missing = [x for x in inputs if getattr(x, '_gen', None) is None]
            if missing:
                stack.extend(missing)
                continue
            n._gen = builtin_max([x._gen for x in inputs], default=0) + 1
        stack.pop()
    return v._gen


_set_generations = weakref.WeakKeyDictionary()  # Function -> generation set explicitly


def _backward_graph(y, seed, retain_grad):
    """Backward on Variables: every gradient is recorded so it can be differentiated again."""
    grads = {y: seed}
    if retain_grad and y.grad is None:
        y.grad = seed  # the root keeps its seed; it is never added to itself
    # gradients held outside the walk (the root's, retained ones): leaves must not share them
    taken = set() if y.grad is None else {id(y.grad), id(_memory_owner(y.grad.data))}
    heap = []  # (-stamp, function), as in _backward_data
    seen = set()
    f = y.creator  # (the property: makes f.outputs if the operators deferred it)
    if f is not None:
        seen.add(f)
        heap.append((-f._seq, f))
    with using_config('enable_backprop', True):
        while heap:
            f = _heappop(heap)[1]
            gys = []
            for ref in f.outputs:
                o = ref()
                g = None if o is None else grads.pop(o, None)
                if g is None:
                    g = Variable(_zeros_for(f, ref, o))
                elif retain_grad and o is not y:
                    o.grad = _own_gradient(g, taken) if o.grad is None else o.grad + g
                    _mark_retained(o)
                gys.append(g)
            gxs = _as_tuple(f.backward(*gys))
            if len(gxs) != len(f.inputs):
                raise ValueError(f'{type(f).__name__}.backward returned {len(gxs)} gradients '
                                 f'for {len(f.inputs)} inputs')
            for x, gx in zip(f.inputs, gxs):
                if gx is None:
                    continue
                if not isinstance(gx, Variable):
                    gx = Variable(_gradient_array(f, gx))
                prev = grads.get(x)
                grads[x] = gx if prev is None else prev + gx
                c = x.creator  # (the property, as above)
                if c is not None and c not in seen:
                    seen.add(c)
                    _heappush(heap, (-c._seq, c))
        for x, g in grads.items():
            x.grad = _own_gradient(g, taken) if x.grad is None else x.grad + g


def _own_gradient(g, taken):
    """g, or a differentiable copy of it when g or its memory is already held by another
    variable's `.grad` (ids in `taken`): as on the array path, no two gradients share memory."""
    owner = id(_memory_owner(g.data))
    if id(g) in taken or owner in taken:
        g = Copy()(g)
        owner = id(g.data)
    taken.add(id(g))
    taken.add(owner)
    return g


# ---------------------------------------------------------------------------------------------
# Function
# ---------------------------------------------------------------------------------------------
class _OutputRef(weakref.ref):
    """Weak reference to a function's only output that also reads as the 1-tuple `(ref,)`.

    `f.outputs[0]()` works as for a tuple of references, with one object less per function
    for the garbage collector to walk.
    """
    __slots__ = ()

    def __getitem__(self, i):
        if i == 0 or i == -1:
            return self
        raise IndexError(f'outputs index {i} out of range: this function has one output')

    def __len__(self):
        return 1

    def __iter__(self):
        return iter((self,))

    def index(self, ref):
        if ref is self:
            return 0
        raise ValueError('not an output of this function')


class _SiblingRef(weakref.ref):
    """Weak reference to one output of a multi-output function, with that output's shape and
    dtype: an output dropped before backward still gets a zero gradient of the right kind."""
    __slots__ = ('shape', 'dtype')

    def __init__(self, o):
        super().__init__(o)
        self.shape = o.data.shape
        self.dtype = o.data.dtype


class Function:
    """Base class of every differentiable operation.

    Subclasses define `forward(*arrays)` and `backward(*grad_variables)`; they may also define
    `backward_data(*grad_arrays)`, a graph-free version of `backward` used when no
    higher-order graph is requested. An instance may be called more than once (`F.ReLU()` as a
    layer): each call after the first runs on a copy, so every call is a node of its own.
    """
    # slots keep built-in functions small (no per-instance dict for the garbage collector to
    # walk); subclasses that do not declare __slots__ get a normal __dict__
    __slots__ = ('_in', 'outputs', '_seq', '__weakref__')
    backward_data = None

    @property
    def inputs(self):
        """The input Variables, as a tuple."""
        # a single input is stored bare: one container less per function for the garbage
        # collector, which dominates the cost of long graphs
        i = self._in
        return i if i.__class__ is tuple else (i,)

    @inputs.setter
    def inputs(self, value):
        value = tuple(value)
        self._in = value[0] if len(value) == 1 else value

    @property
    def generation(self):
        """The highest generation among the inputs, unless one was set explicitly."""
        g = _set_generations.get(self)
        if g is None:
            g = builtin_max([x.generation for x in self.inputs], default=0)
        return g

    @generation.setter
    def generation(self, g):
        # kept aside, not in a slot: every recorded function would pay for a slot that only
        # Functions with their own __call__ (the book's) ever write
        _set_generations[self] = g

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # a subclass that redefines backward must not inherit a parent's array fast path
        if 'backward' in cls.__dict__ and 'backward_data' not in cls.__dict__:
            cls.backward_data = None
        # a subclass with its own __call__ may store outputs as the book's does, in a list:
        # backward tells one output from several by the tuple, so lists become tuples
        if '__call__' in cls.__dict__ and 'outputs' not in cls.__dict__:
            cls.outputs = property(_outputs_slot.__get__, _set_outputs_as_tuple)

    def __call__(self, *inputs):
        # an instance built for this call (`Sin()(x)`) has no other holder and was never called;
        # one held elsewhere may have been called before, e.g. a layer of a Sequential
        if _refcount(self) > _fresh_call_refs:
            if getattr(self, '_seq', None) is not None:
                return _record_again(self, inputs)
        n = len(inputs)
        if n == 1:
            x = inputs[0]
            if not isinstance(x, Variable):
                x = _to_input(x, type(self).__name__.lower())
                inputs = (x,)
            ys = self.forward(x.data)
        elif n == 2:
            x0, x1 = inputs
            if not (isinstance(x0, Variable) and isinstance(x1, Variable)):
                name = type(self).__name__.lower()
                inputs = x0, x1 = _to_input(x0, name), _to_input(x1, name)
            ys = self.forward(x0.data, x1.data)
        elif n == 3:  # linear(x, W, b), batch_norm's parameters...
            x0, x1, x2 = inputs
            if not (isinstance(x0, Variable) and isinstance(x1, Variable)
                    and isinstance(x2, Variable)):
                name = type(self).__name__.lower()
                inputs = x0, x1, x2 = tuple([_to_input(v, name) for v in inputs])
            ys = self.forward(x0.data, x1.data, x2.data)
        else:
            for x in inputs:
                if not isinstance(x, Variable):
                    name = type(self).__name__.lower()
                    inputs = tuple([_to_input(v, name) for v in inputs])
                    break
            ys = self.forward(*[x.data for x in inputs])
        if ys.__class__ is tuple:
            return self._link_many(inputs, ys)
        if ys.__class__ is not _ndarray:
            ys = _forward_result(self, ys)
        out = Variable.__new__(Variable)
        out.data = ys
        if Config.enable_backprop:
            self._seq = _next_seq()
            self._in = inputs[0] if n == 1 else inputs
            self.outputs = _OutputRef(out)
            out._creator = self
        else:
            out._creator = None
        return out

    def _link_many(self, inputs, ys):
        outputs = tuple([_new_output(_forward_result(self, y)) for y in ys])
        if Config.enable_backprop:
            self._seq = _next_seq()
            for o in outputs:
                o._creator = self
            self.inputs = inputs
            self.outputs = tuple([_SiblingRef(o) for o in outputs])
        # a forward that returns a 1-tuple still gives one Variable, as the book's __call__ does
        return outputs[0] if len(outputs) == 1 else outputs

    def forward(self, *xs):
        """Compute the outputs from input arrays."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')

    def backward(self, *gys):
        """Compute input gradients (Variables) from output gradients (Variables)."""
        raise NotImplementedError(f'{type(self).__name__}.backward is not defined')


builtin_max = max
_outputs_slot = Function.__dict__['outputs']


def _record_again(f, inputs):
    """Call f again when it already is a node of a graph: a function records one call, so this
    call runs on a copy of f. The earlier node keeps its inputs, outputs and the state its
    forward saved, so the backward of both calls is right (reusing one node would give the
    first call's inputs the gradient of the second, silently)."""
    g = copy.copy(f)
    del g._seq  # unstamped: the copy records this call as a function never called before
    return Function.__call__(g, *inputs)


class _CallProbe:
    def __call__(self, *inputs):
        return _refcount(self)


def _measure_fresh_call_refs():
    """sys.getrefcount(self) inside `__call__` when the instance is a temporary nothing else
    holds (`Sin()(x)`), at its lowest over warm calls; -1 where there are no counts (PyPy:
    `_refcount` is `id`), and then every call checks whether its function was called before."""
    if _refcount is id:
        return -1
    return builtin_min(_CallProbe()(i) for i in range(2000))


builtin_min = min
_fresh_call_refs = _measure_fresh_call_refs()


def _set_outputs_as_tuple(f, outputs):
    _outputs_slot.__set__(f, tuple(outputs) if isinstance(outputs, list) else outputs)


def _forward_result(f, y):
    return _result_array(f, y, 'forward', 'an array, a scalar, or a tuple of arrays (one per '
                                          'output)')


def _result_array(f, y, method, expected):
    """A result of f.forward or f.backward as an array: NumPy scalars and Python numbers
    become 0-d arrays; anything else (a list, a string) is a mistake in f, not data."""
    if isinstance(y, array_types):
        return y
    if isinstance(y, _scalar_types):
        return np.asarray(y)
    raise TypeError(f'{type(f).__name__}.{method} returned {type(y).__name__}; it must return '
                    f'{expected}')


def _new_output(y):
    if y.__class__ is not _ndarray:
        y = _ensure_array(y)
    v = Variable.__new__(Variable)
    v.data = y
    v._creator = None
    return v


# ---------------------------------------------------------------------------------------------
# Array helpers used by several backward rules
# ---------------------------------------------------------------------------------------------
def sum_to_array(x, shape):
    """Sum array `x` down to `shape` (the inverse of broadcasting)."""
    if x.shape == shape:
        return x
    ndim = len(shape)
    lead = x.ndim - ndim
    axes = tuple(range(lead)) + tuple(i + lead for i, s in enumerate(shape) if s == 1)
    y = x.sum(axis=axes, keepdims=True)
    if lead > 0:
        y = y.reshape(y.shape[lead:])
    return y


def _broadcast_shapes(a, b):
    """The input shapes an elementwise op must sum its gradients back to; None when they are
    equal (no broadcasting), so the common same-shape case keeps no tuples alive."""
    s0 = a.shape
    s1 = b.shape
    return None if s0 == s1 else (s0, s1)


def _bcast_error(fname, a, b):
    return ValueError(f'{fname}: shapes {a.shape} and {b.shape} cannot be broadcast together '
                      f'(NumPy broadcasting rules)')


# ---------------------------------------------------------------------------------------------
# Arithmetic
# ---------------------------------------------------------------------------------------------
class Add(Function):
    """y = x0 + x1 (broadcasting);  dy/dx0 = dy/dx1 = 1, summed back to each input's shape."""
    # shapes are kept so that the inputs' arrays may be freed early (`linear_simple`)
    __slots__ = ('shapes',)

    def forward(self, x0, x1):
        self.shapes = _broadcast_shapes(x0, x1)
        try:
            return x0 + x1
        except ValueError:
            raise _bcast_error('add', x0, x1) from None

    def backward(self, gy):
        if self.shapes is None:
            return gy, gy
        s0, s1 = self.shapes
        return _sum_to_var(gy, s0), _sum_to_var(gy, s1)

    def backward_data(self, gy):
        if self.shapes is None:
            return gy, gy
        s0, s1 = self.shapes
        return sum_to_array(gy, s0), sum_to_array(gy, s1)


class Mul(Function):
    """y = x0 * x1;  dy/dx0 = x1, dy/dx1 = x0."""
    __slots__ = ()

    def forward(self, x0, x1):
        try:
            return x0 * x1
        except ValueError:
            raise _bcast_error('mul', x0, x1) from None

    def backward(self, gy):
        x0, x1 = self.inputs
        return _sum_to_var(gy * x1, x0.shape), _sum_to_var(gy * x0, x1.shape)

    def backward_data(self, gy):
        x0, x1 = self._in
        a, b = x0.data, x1.data
        return sum_to_array(gy * b, a.shape), sum_to_array(gy * a, b.shape)


class Neg(Function):
    """y = -x;  dy/dx = -1."""
    __slots__ = ()

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy

    def backward_data(self, gy):
        return -gy


class Sub(Function):
    """y = x0 - x1;  dy/dx0 = 1, dy/dx1 = -1."""
    __slots__ = ('shapes',)

    def forward(self, x0, x1):
        self.shapes = _broadcast_shapes(x0, x1)
        try:
            return x0 - x1
        except ValueError:
            raise _bcast_error('sub', x0, x1) from None

    def backward(self, gy):
        if self.shapes is None:
            return gy, -gy
        s0, s1 = self.shapes
        return _sum_to_var(gy, s0), _sum_to_var(-gy, s1)

    def backward_data(self, gy):
        if self.shapes is None:
            return gy, -gy
        s0, s1 = self.shapes
        return sum_to_array(gy, s0), sum_to_array(-gy, s1)


class Div(Function):
    """y = x0 / x1;  dy/dx0 = 1/x1, dy/dx1 = -x0/x1**2."""
    __slots__ = ()

    def forward(self, x0, x1):
        try:
            return x0 / x1
        except ValueError:
            raise _bcast_error('div', x0, x1) from None

    def backward(self, gy):
        x0, x1 = self.inputs
        gx0 = gy / x1
        gx1 = gy * (-x0 / x1 ** 2)
        return _sum_to_var(gx0, x0.shape), _sum_to_var(gx1, x1.shape)

    def backward_data(self, gy):
        x0, x1 = self.inputs
        a, b = x0.data, x1.data
        gx0 = gy / b
        gx1 = gy * (-a / (b * b))
        return sum_to_array(gx0, a.shape), sum_to_array(gx1, b.shape)


class _WithConstant(Function):
    """Base of operations between a Variable and a constant (a scalar or an array).

    The constant gets no gradient, so it is stored on the function instead of being wrapped in a
    Variable; Python scalars stay weakly typed, which keeps float32 data float32 (NumPy 2 rules).
    """
    # bcast: x's shape when an array constant broadcast x to a larger shape, else None
    __slots__ = ('c', 'bcast')

    def __init__(self, c):
        self.c = c
        self.bcast = None

    def forward(self, x):
        return self.op(x, self.c)

    @property
    def label(self):
        """How graph pictures name this step, e.g. `x * 2` or `1 - x`."""
        c = self.c
        shown = f'{c:g}' if _is_scalar(c) and not isinstance(c, complex) else \
            f'array{tuple(c.shape)}'
        sym = self.symbol
        return f'{shown} {sym[1:]} x' if sym[0] == 'r' else f'x {sym} {shown}'

    def _fit(self, g):
        return g if self.bcast is None else _sum_to_var(g, self.bcast)

    def _fit_data(self, g):
        return g if self.bcast is None else sum_to_array(g, self.bcast)


class AddConstant(_WithConstant):
    """y = x + c;  dy/dx = 1."""
    __slots__ = ()
    symbol = '+'
    op = operator.add

    def backward(self, gy):
        return self._fit(gy)

    def backward_data(self, gy):
        return self._fit_data(gy)


class SubConstant(AddConstant):
    """y = x - c;  dy/dx = 1."""
    __slots__ = ()
    symbol = '-'
    op = operator.sub


class RSubConstant(_WithConstant):
    """y = c - x;  dy/dx = -1."""
    __slots__ = ()
    symbol = 'r-'

    @staticmethod
    def op(x, c):
        return c - x

    def backward(self, gy):
        return self._fit(-gy)

    def backward_data(self, gy):
        return self._fit_data(-gy)


class MulConstant(_WithConstant):
    """y = x * c;  dy/dx = c."""
    __slots__ = ()
    symbol = '*'
    op = operator.mul

    def backward(self, gy):
        return self._fit(gy * self.c)

    def backward_data(self, gy):
        return self._fit_data(gy * self.c)


class DivConstant(_WithConstant):
    """y = x / c;  dy/dx = 1/c."""
    __slots__ = ()
    symbol = '/'
    op = operator.truediv

    def backward(self, gy):
        return self._fit(gy / self.c)

    def backward_data(self, gy):
        return self._fit_data(gy / self.c)


class RDivConstant(_WithConstant):
    """y = c / x;  dy/dx = -c / x**2."""
    __slots__ = ()
    symbol = 'r/'

    @staticmethod
    def op(x, c):
        return c / x

    def backward(self, gy):
        x, = self.inputs
        return self._fit(gy * -self.c / x ** 2)

    def backward_data(self, gy):
        x = self._in.data
        return self._fit_data(gy * -self.c / (x * x))


class Pow(_WithConstant):
    """y = x ** c;  dy/dx = c * x**(c-1)."""
    __slots__ = ()
    symbol = '**'
    op = operator.pow

    def backward(self, gy):
        x, = self.inputs
        c = self.c
        return self._fit(c * x ** (c - 1) * gy)

    def backward_data(self, gy):
        x = self._in.data
        c = self.c
        return self._fit_data(c * x ** (c - 1) * gy)


class RPowConstant(_WithConstant):
    """y = c ** x;  dy/dx = c**x * log(c)."""
    __slots__ = ()
    symbol = 'r**'

    @staticmethod
    def op(x, c):
        return c ** x

    def backward(self, gy):
        x, = self.inputs
        c = self.c
        return self._fit(gy * c ** x * _log_of(c, gy.data))

    def backward_data(self, gy):
        c = self.c
        return self._fit_data(gy * c ** self._in.data * _log_of(c, gy))


def _log_of(c, like):
    """log(c) for a constant base, in the module of `like` (NumPy or CuPy); a Python number
    stays a Python float, so that float32 gradients stay float32."""
    lc = cuda.get_array_module(like).log(c)
    return float(lc) if isinstance(c, (int, float)) else lc


_new = object.__new__


def _arithmetic(binary, const, fname, reflected=False):
    """Build the Variable operator for one arithmetic operation.

    A Variable operand records `binary` (operands swapped when `reflected`); anything else is a
    constant recorded by `const`, which keeps it on the function instead of wrapping it in a
    Variable. The constant path is written out flat: a long scalar chain spends most of its
    time here.
    """
    op = const.op

    def operator_method(self, other):
        k = other.__class__
        if k is _ndarray:
            # 0-d arrays and NumPy scalars follow the same promotion rules (NEP 50), and scalar
            # arithmetic is several times faster, so 0-d constants are computed as scalars
            c = other[()] if other.shape == () else other
        elif k is float or k is int:
            c = other
        elif isinstance(other, Variable):
            if binary is None:
                raise TypeError(f'{fname}: the exponent must be a scalar or an array, '
                                f'not a Variable')
            # recorded here rather than through Function.__call__: like the constant steps,
            # the function never escapes, so its weak reference to y waits for Variable.creator
            x0, x1 = (other, self) if reflected else (self, other)
            f = _new(binary)
            y = f.forward(x0.data, x1.data)
            if y.__class__ is not _ndarray:
                y = _ensure_array(y)
            out = _new(Variable)
            out.data = y
            if Config.enable_backprop:
                f._seq = _next_seq()
                f._in = (x0, x1)
                f.outputs = None
                out._creator = f
            else:
                out._creator = None
            return out
        elif isinstance(other, array_types) or isinstance(other, _scalar_types):
            c = other
        else:
            raise TypeError(f'{fname}: cannot combine a Variable with {type(other).__name__}; '
                            f'use a Variable, a NumPy array or a scalar')
        a = self.data
        try:
            y = op(a[()], c) if a.__class__ is _ndarray and a.shape == () else op(a, c)
        except ValueError:
            raise ValueError(f'{fname}: shapes {a.shape} and {getattr(c, "shape", ())} cannot '
                             f'be broadcast together (NumPy broadcasting rules)') from None
        f = _new(const)
        f.c = c
        if y.__class__ is not _ndarray:
            y = _asarray(y) if isinstance(y, _np_generic) else _ensure_array(y)
            f.bcast = None
        else:
            # an array constant may broadcast x up: the gradient is summed back to x's shape
            f.bcast = None if y.shape == a.shape else a.shape
        out = _new(Variable)
        out.data = y
        if Config.enable_backprop:
            f._in = self
            f._seq = _next_seq()
            f.outputs = None  # made on demand: see Variable.creator
            out._creator = f
        else:
            out._creator = None
        return out

    operator_method.__name__ = fname
    operator_method.__doc__ = f'Record {fname} with another Variable or with a constant.'
    return operator_method


def setup_variable():
    """Put the arithmetic operators on Variable and return the class.

    Done once at import; the book's `dezero/__init__.py` calls it too, and a second call
    restores operators that someone replaced.
    """
    Variable.__add__ = Variable.__radd__ = _arithmetic(Add, AddConstant, 'add')
    Variable.__sub__ = _arithmetic(Sub, SubConstant, 'sub')
    Variable.__rsub__ = _arithmetic(Sub, RSubConstant, 'sub', reflected=True)
    Variable.__mul__ = Variable.__rmul__ = _arithmetic(Mul, MulConstant, 'mul')
    Variable.__truediv__ = _arithmetic(Div, DivConstant, 'div')
    Variable.__rtruediv__ = _arithmetic(Div, RDivConstant, 'div', reflected=True)
    Variable.__pow__ = _arithmetic(None, Pow, 'pow')
    Variable.__rpow__ = _arithmetic(None, RPowConstant, 'pow', reflected=True)
    return Variable


setup_variable()


def add(x0, x1):
    """x0 + x1 with NumPy broadcasting."""
    return as_variable(x0).__add__(x1)


def mul(x0, x1):
    """x0 * x1 with NumPy broadcasting."""
    return as_variable(x0).__mul__(x1)


def neg(x):
    """-x."""
    return Neg()(x)


def sub(x0, x1):
    """x0 - x1 with NumPy broadcasting."""
    return as_variable(x0).__sub__(x1)


def rsub(x0, x1):
    """x1 - x0 (the reflected subtraction behind `other - variable`)."""
    return as_variable(x0).__rsub__(x1)


def div(x0, x1):
    """x0 / x1 with NumPy broadcasting."""
    return as_variable(x0).__truediv__(x1)


def rdiv(x0, x1):
    """x1 / x0 (the reflected division behind `other / variable`)."""
    return as_variable(x0).__rtruediv__(x1)


def pow(x, c):
    """x ** c for a constant exponent c (scalar or array)."""
    return as_variable(x).__pow__(c)


class Copy(Function):
    """y = a copy of x;  dy/dx = 1. Gives a leaf a gradient of its own under create_graph."""
    __slots__ = ()

    def forward(self, x):
        return x.copy()

    def backward(self, gy):
        return gy

    def backward_data(self, gy):
        return gy


# ---------------------------------------------------------------------------------------------
# Shape and tensor operations (the ones Variable exposes as methods)
# ---------------------------------------------------------------------------------------------
class Reshape(Function):
    """y = x reshaped;  the gradient is reshaped back."""
    __slots__ = ('shape', 'x_shape')

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        try:
            return x.reshape(self.shape)
        except ValueError:
            raise ValueError(f'reshape: cannot reshape an array of shape {x.shape} '
                             f'({x.size} elements) into shape {self.shape}') from None

    def backward(self, gy):
        return reshape(gy, self.x_shape)

    def backward_data(self, gy):
        return gy.reshape(self.x_shape)


def reshape(x, shape):
    """Return x with a new shape (no-op when the shape is unchanged)."""
    if isinstance(shape, int):
        shape = (shape,)
    shape = tuple(shape)
    if x.shape == shape:
        return as_variable(x)
    return Reshape(shape)(x)


class Transpose(Function):
    """y = x with permuted axes;  the gradient gets the inverse permutation."""
    __slots__ = ('axes',)

    def __init__(self, axes=None):
        self.axes = axes

    def forward(self, x):
        try:
            return x.transpose(self.axes)
        except ValueError:
            raise ValueError(f'transpose: axes {self.axes} do not match an array of shape '
                             f'{x.shape}') from None

    def backward(self, gy):
        return transpose(gy, self._inverse(gy.ndim))

    def backward_data(self, gy):
        return gy.transpose(self._inverse(gy.ndim))

    def _inverse(self, ndim):
        if self.axes is None:
            return None
        return tuple(np.argsort([a % ndim for a in self.axes]))


def transpose(x, axes=None):
    """Permute the axes of x (reverse them when `axes` is None)."""
    return Transpose(None if axes is None else tuple(axes))(x)


class Sum(Function):
    """y = sum of x over `axis`;  the gradient is broadcast back to x's shape."""
    __slots__ = ('axis', 'keepdims', 'x_shape')

    def __init__(self, axis, keepdims):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        self.x_shape = x.shape
        return x.sum(axis=self.axis, keepdims=self.keepdims)

    def backward(self, gy):
        gy = reshape(gy, _keepdims_shape(gy.shape, self.x_shape, self.axis, self.keepdims))
        return broadcast_to(gy, self.x_shape)

    def backward_data(self, gy):
        gy = gy.reshape(_keepdims_shape(gy.shape, self.x_shape, self.axis, self.keepdims))
        xp = cuda.get_array_module(gy)
        return xp.broadcast_to(gy, self.x_shape)


def _keepdims_shape(gy_shape, x_shape, axis, keepdims):
    """Shape of a reduced gradient with the reduced axes put back as length-1 axes."""
    ndim = len(x_shape)
    if keepdims or ndim == 0:
        return gy_shape if len(gy_shape) == ndim else (1,) * ndim
    if axis is None:
        return (1,) * ndim
    axes = axis if isinstance(axis, tuple) else (axis,)
    axes = sorted(a % ndim for a in axes)
    shape = list(gy_shape)
    for a in axes:
        shape.insert(a, 1)
    return tuple(shape)


def sum(x, axis=None, keepdims=False):
    """Sum of x over `axis` (all axes by default)."""
    if isinstance(axis, list):
        axis = tuple(axis)
    try:
        return Sum(axis, keepdims)(x)
    except _AxisError:
        raise _axis_error('sum', x, axis) from None


class SumTo(Function):
    """y = x summed down to `shape`;  the gradient is broadcast back."""
    __slots__ = ('shape', 'x_shape')

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        _check_broadcastable('sum_to', self.shape, x.shape)
        return sum_to_array(x, self.shape)

    def backward(self, gy):
        return broadcast_to(gy, self.x_shape)

    def backward_data(self, gy):
        return cuda.get_array_module(gy).broadcast_to(gy, self.x_shape)


def sum_to(x, shape):
    """Sum x down to `shape` (no-op when it already has that shape)."""
    shape = tuple(shape)
    if x.shape == shape:
        return as_variable(x)
    return SumTo(shape)(x)


def _sum_to_var(gy, shape):
    if gy.shape == shape:
        return gy
    return SumTo(shape)(gy)


class BroadcastTo(Function):
    """y = x broadcast to `shape`;  the gradient is summed back to x's shape."""
    __slots__ = ('shape', 'x_shape')

    def __init__(self, shape):
        self.shape = shape

    def forward(self, x):
        self.x_shape = x.shape
        _check_broadcastable('broadcast_to', x.shape, self.shape)
        return cuda.get_array_module(x).broadcast_to(x, self.shape)

    def backward(self, gy):
        return sum_to(gy, self.x_shape)

    def backward_data(self, gy):
        return sum_to_array(gy, self.x_shape)


def _check_broadcastable(fname, small, big):
    ok = len(small) <= len(big) and all(
        s == b or s == 1 for s, b in zip(small[::-1], big[::-1]))
    if not ok:
        raise ValueError(f'{fname}: shape {small} cannot be broadcast to shape {big}')


def broadcast_to(x, shape):
    """Broadcast x to `shape` (no-op when it already has that shape)."""
    shape = tuple(shape)
    if x.shape == shape:
        return as_variable(x)
    return BroadcastTo(shape)(x)


class MatMul(Function):
    """y = x @ W;  dy/dx = gy @ W.T, dy/dW = x.T @ gy."""
    __slots__ = ()

    def forward(self, x, W):
        if x.ndim == 0 or W.ndim == 0:
            raise ValueError(f'matmul: inputs must have at least 1 dimension, got shapes '
                             f'{x.shape} and {W.shape}')
        try:
            return x @ W
        except ValueError:
            raise ValueError(f'matmul: shapes {x.shape} and {W.shape} do not align: the last '
                             f'axis of the first must match the '
                             f'{"first" if W.ndim == 1 else "second-to-last"} axis of the '
                             f'second (and batch axes must broadcast)') from None

    def backward(self, gy):
        x, W = self.inputs
        if x.ndim == 2 and W.ndim == 2:
            return matmul(gy, W.T), matmul(x.T, gy)
        return _matmul_grads(x, W, gy, matmul, transpose, _sum_to_var, reshape)

    def backward_data(self, gy):
        x, W = self.inputs
        x, W = x.data, W.data
        if x.ndim == 2 and W.ndim == 2:
            return gy @ W.T, x.T @ gy
        return _matmul_grads(x, W, gy, _np_matmul, _np_transpose, sum_to_array, _np_reshape)


def _np_matmul(a, b):
    return a @ b


def _np_transpose(a, axes):
    return a.transpose(axes)


def _np_reshape(a, shape):
    return a.reshape(shape)


def _swap_last(ndim):
    axes = list(range(ndim))
    axes[-1], axes[-2] = axes[-2], axes[-1]
    return tuple(axes)


def _matmul_grads(x, W, gy, mm, tr, sum_to_, reshape_):
    """Gradients of x @ W for 1-D and batched operands (NumPy matmul semantics).

    1-D operands are promoted to matrices (and gy gets the matching length-1 axis), the
    batched products are formed, and broadcast batch axes are summed away again.
    """
    x_shape, W_shape = x.shape, W.shape
    if W.ndim == 1:
        W = reshape_(W, W_shape + (1,))
        gy = reshape_(gy, gy.shape + (1,))
    if x.ndim == 1:
        x = reshape_(x, (1,) + x_shape)
        gy = reshape_(gy, gy.shape[:-1] + (1, gy.shape[-1]))
    gx = mm(gy, tr(W, _swap_last(W.ndim)))
    gW = mm(tr(x, _swap_last(x.ndim)), gy)
    return (reshape_(sum_to_(gx, x.shape), x_shape),
            reshape_(sum_to_(gW, W.shape), W_shape))


def matmul(x, W):
    """Matrix product x @ W (NumPy matmul semantics, batched and 1-D operands included)."""
    return MatMul()(x, W)


class GetItem(Function):
    """y = x[slices];  the gradient scatters gy back into zeros of x's shape."""
    __slots__ = ('slices', 'x_shape')

    def __init__(self, slices):
        self.slices = slices

    def forward(self, x):
        self.x_shape = x.shape
        try:
            return x[self.slices]
        except IndexError as e:
            raise IndexError(f'get_item: index {self.slices!r} is invalid for shape {x.shape}: '
                             f'{e}') from None

    def backward(self, gy):
        return GetItemGrad(self.slices, self.x_shape)(gy)

    def backward_data(self, gy):
        return _scatter_add(gy, self.slices, self.x_shape)


def _scatter_add(gy, slices, shape):
    xp = cuda.get_array_module(gy)
    gx = xp.zeros(shape, dtype=gy.dtype)
    if xp is np or hasattr(xp.add, 'at'):  # NumPy, and CuPy from 13 on
        xp.add.at(gx, slices, gy)
    else:  # earlier CuPy has no ufunc.at; its scatter_add is the same operation
        import cupyx
        cupyx.scatter_add(gx, slices, gy)
    return gx


class GetItemGrad(Function):
    """Scatter-add gy into zeros of the input shape; its own gradient is get_item again."""
    __slots__ = ('slices', 'in_shape')

    def __init__(self, slices, in_shape):
        self.slices = slices
        self.in_shape = in_shape

    def forward(self, gy):
        return _scatter_add(gy, self.slices, self.in_shape)

    def backward(self, ggx):
        return get_item(ggx, self.slices)

    def backward_data(self, ggx):
        return ggx[self.slices]


def get_item(x, slices):
    """x[slices] for any NumPy index (ints, slices, arrays, boolean masks)."""
    if isinstance(slices, Variable):
        slices = slices.data
    elif isinstance(slices, list):
        slices = np.asarray(slices)
    return GetItem(slices)(x)


class Max(Function):
    """y = max of x over `axis`;  the gradient goes to the positions that hold the maximum."""
    __slots__ = ('axis', 'keepdims')
    _reduce = 'max'

    def __init__(self, axis=None, keepdims=False):
        self.axis = axis
        self.keepdims = keepdims

    def forward(self, x):
        return getattr(x, self._reduce)(axis=self.axis, keepdims=self.keepdims)

    def _mask(self, x, y):
        shape = _keepdims_shape(y.shape, x.shape, self.axis, self.keepdims)
        return x == y.reshape(shape), shape

    def backward(self, gy):
        x = self.inputs[0]
        y = self.outputs[0]()
        y_data = y.data if y is not None else self.forward(x.data)
        mask, shape = self._mask(x.data, y_data)
        gy = broadcast_to(reshape(gy, shape), x.shape)
        return gy * mask

    def backward_data(self, gy):
        x = self.inputs[0].data
        y = self.outputs[0]()
        y_data = y.data if y is not None else self.forward(x)
        mask, shape = self._mask(x, y_data)
        return gy.reshape(shape) * mask


class Min(Max):
    """y = min of x over `axis`;  the gradient goes to the positions that hold the minimum."""
    __slots__ = ()
    _reduce = 'min'


def max(x, axis=None, keepdims=False):
    """Maximum of x over `axis`."""
    try:
        return Max(axis, keepdims)(x)
    except _AxisError:
        raise _axis_error('max', x, axis) from None


def min(x, axis=None, keepdims=False):
    """Minimum of x over `axis`."""
    try:
        return Min(axis, keepdims)(x)
    except _AxisError:
        raise _axis_error('min', x, axis) from None
