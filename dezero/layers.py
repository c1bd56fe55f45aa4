"""Layers: objects that own Parameters and apply functions to inputs: `import dezero.layers as L`.

A `Layer` notices every attribute that is a `Parameter` or another `Layer` when it is assigned
and remembers the order, so `params()`, the optimizers and the saved files always see the
parameters in the same order from run to run. Weights whose input size is not given are created
on the first call, when the input shows its size.
"""
import math
import os
import weakref

import numpy as np

from dezero import cuda, utils
from dezero._atomic import replacing
from dezero.core import Parameter, Variable
import dezero.functions as F


def _check_size(layer, name, value, allow_none=False, allow_zero=False):
    """Raise a clear error unless `value` is a positive int (or None / 0 when allowed):
    TypeError for something that is not an int at all, ValueError for a bad int."""
    if value is None and allow_none:
        return
    what = (f'{"a non-negative" if allow_zero else "a positive"} int'
            f'{" or None" if allow_none else ""}')
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f'{layer}: {name} must be {what}, got {type(value).__name__} '
                        f'{value!r}')
    if value < 0 or (value == 0 and not allow_zero):
        raise ValueError(f'{layer}: {name} must be {what}, got {value!r}')


def _check_nobias(layer, nobias, signature, fix):
    """nobias must be a bool: a number there is almost always PyTorch's argument order (the
    second positional argument of torch's layers is a size, here it is nobias)."""
    if isinstance(nobias, (bool, np.bool_)):
        return
    raise TypeError(f'{layer}: nobias must be a bool, got {type(nobias).__name__} {nobias!r}. '
                    f'The argument order is the book\'s, {signature}, not PyTorch\'s'
                    f'{"; " + fix if fix else ""}')


def _check_dtype(layer, dtype):
    """dtype must name a floating-point dtype (float32 by default)."""
    try:
        kind = np.dtype(dtype).kind
    except TypeError:
        kind = None
    if kind != 'f':
        raise TypeError(f'{layer}: dtype must be a floating-point dtype such as np.float32, '
                        f'got {dtype!r}')


def _check_pair(layer, name, value, minimum):
    """An int or a pair of ints, each at least `minimum` (kernel size, stride, padding)."""
    items = value if isinstance(value, (tuple, list)) and len(value) == 2 else (value,)
    for v in items:
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise TypeError(f'{layer}: {name} must be an int or a pair of ints, got '
                            f'{type(value).__name__} {value!r}')
        if v < minimum:
            raise ValueError(f'{layer}: {name} must be at least {minimum}, got {value!r}')


def _weakref_or_none(obj):
    """A weak reference to obj, or a callable returning None for objects that refuse one."""
    try:
        return weakref.ref(obj)
    except TypeError:  # Python scalars and tuples cannot be weakly referenced
        return _dead_ref


def _dead_ref():
    return None


def _random_weight(shape, fan_in, dtype, xp):
    """randn(*shape) * sqrt(1 / fan_in) drawn from NumPy's global generator, kept in `dtype`.

    The draw always uses NumPy's global generator (also for CuPy layers), so a seeded script
    gets the same weights on either device. The scale is converted to `dtype` before the
    multiplication: a float64 scalar would silently turn float32 weights into float64.
    """
    dtype = np.dtype(dtype)
    w = np.random.randn(*shape).astype(dtype, copy=False)
    if fan_in:  # zero inputs (an empty W) have nothing to scale
        w *= dtype.type(math.sqrt(1.0 / fan_in))  # in place: VGG16's fc6 alone is 400 MB
    return w if xp is np else xp.asarray(w)


def _uniform_weight(shape, bound, dtype, xp):
    """uniform(-bound, bound) of `shape` from NumPy's global generator, kept in `dtype`
    (PyTorch's default initialisation of Linear and recurrent layers)."""
    w = np.random.uniform(-bound, bound, size=shape).astype(dtype, copy=False)
    return w if xp is np else xp.asarray(w)


# bumped whenever any layer registers or drops a Parameter or a sub-Layer, so that each layer's
# cached parameter list (rebuilt on the next params() call) never outlives a change of structure
_structure_version = [0]


class Layer:
    """Base class of layers: registers Parameters and sub-Layers in assignment order."""

    def __init__(self):
        # a dict used as an ordered set of attribute names; a set would change order per run
        object.__setattr__(self, '_params', {})

    def __setattr__(self, name, value):
        registry = self.__dict__.get('_params')
        if isinstance(value, (Parameter, Layer)):
            if registry is None:
                raise AttributeError(f'{type(self).__name__}: assign {name!r} after calling '
                                     f'super().__init__() in __init__')
            registry[name] = None  # an existing name keeps its position
            _structure_version[0] += 1
        elif registry is not None and name in registry:
            del registry[name]
            _structure_version[0] += 1
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        registry = self.__dict__.get('_params')
        if registry is not None and name in registry:
            del registry[name]
            _structure_version[0] += 1
        object.__delattr__(self, name)

    def __call__(self, *inputs, **options):
        # keyword arguments go to forward as they are (a VAE's forward(x, C=1.0, k=1)); only
        # the positional inputs are remembered
        outputs = self.forward(*inputs, **options)
        # weak references, as for Functions: a layer must not keep a whole graph alive
        # (written to __dict__ directly: lists are never registered, and this runs per call)
        d = self.__dict__
        d['inputs'] = [_weakref_or_none(x) for x in inputs]
        if not isinstance(outputs, tuple):
            d['outputs'] = [_weakref_or_none(outputs)]
            return outputs
        d['outputs'] = [_weakref_or_none(y) for y in outputs]
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *inputs):
        """Compute the outputs from the inputs (subclasses define it)."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')

    def _children(self):
        """(name, object) for every registered Parameter and Layer, in assignment order."""
        d = self.__dict__
        return [(name, d[name]) for name in d['_params']]

    def params(self):
        """Iterate over every Parameter of this layer and its sub-layers, in assignment order,
        each once. The list is cached until some layer's structure changes: training loops
        ask for it several times per step (cleargrads, the optimizer)."""
        d = self.__dict__
        cache = d.get('_params_cache')
        if cache is None or cache[0] != _structure_version[0]:
            cache = d['_params_cache'] = (_structure_version[0], list(self._walk_params()))
        return iter(cache[1])

    def _walk_params(self):
        seen = set()
        stack = [iter(self._children())]
        while stack:
            for _, obj in stack[-1]:
                if isinstance(obj, Layer):
                    stack.append(iter(obj._children()))
                    break
                if id(obj) not in seen:
                    seen.add(id(obj))
                    yield obj
            else:
                stack.pop()

    def cleargrads(self):
        """Forget the gradients of every parameter."""
        for p in self.params():
            p.cleargrad()

    def to_cpu(self):
        """Move every parameter to NumPy."""
        for p in self.params():
            p.to_cpu()
        return self

    def to_gpu(self):
        """Move every parameter to CuPy (RuntimeError without CuPy)."""
        for p in self.params():
            p.to_gpu()
        return self

    def _flatten_params(self, params_dict, parent_key='', sep='/'):
        """Fill `params_dict` with {'sub/name': Parameter} for every parameter, in order
        (names joined by `sep`: '/' in weight files, '.' in state dicts)."""
        for name, obj in self._children():
            key = parent_key + sep + name if parent_key else name
            if isinstance(obj, Layer):
                obj._flatten_params(params_dict, key, sep)
            else:
                params_dict[key] = obj

    def save_weights(self, path):
        """Write every initialised parameter to the .npz file `path`, atomically.

        The file is written under a temporary name in the same directory and renamed over
        `path` only when complete, so a failed or interrupted save leaves the previous file
        intact. The file lands exactly at `path` (no '.npz' is appended). GPU parameters are
        written as NumPy arrays; parameters not created yet (lazy layers) are left out.
        """
        path = os.fspath(path)
        params = {}
        self._flatten_params(params)
        arrays = {k: cuda.as_numpy(p.data) for k, p in params.items() if p.data is not None}
        reserved = [k for k in arrays if k in ('file', 'allow_pickle')]
        if reserved:
            raise ValueError(f'{type(self).__name__}.save_weights: parameter names {reserved} '
                             f'clash with np.savez arguments; rename those attributes')
        directory = os.path.dirname(os.path.abspath(path))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f'{type(self).__name__}.save_weights: directory '
                                    f'{directory!r} does not exist; create it first')
        with replacing(path) as tmp:
            with open(tmp, 'wb') as f:
                np.savez(f, **arrays)

    def load_weights(self, path):
        """Load parameters saved by `save_weights`, checking every name and shape first.

        Pickled data is refused. A missing parameter, an unknown name in the file or a shape
        mismatch raises ValueError before anything is assigned, so a failed load changes
        nothing. Each parameter keeps its dtype and device; parameters not created yet take
        the array from the file as it is. A missing file is a FileNotFoundError, an empty,
        truncated or corrupted one a ValueError; both name load_weights and the file.
        """
        name = f'{type(self).__name__}.load_weights'
        arrays = _read_npz(name, os.fspath(path))
        params = {}
        self._flatten_params(params)
        _assign_checked(name, f'{os.fspath(path)!r}', params, arrays, strict=True)

    def state_dict(self):
        """{dotted name: copy of the array} for every created parameter, in order ('l0.W').

        The copies stay on the parameters' device; parameters not created yet (lazy layers)
        are left out, as in `save_weights`.
        """
        params = {}
        self._flatten_params(params, sep='.')
        return {k: p.data.copy() for k, p in params.items() if p.data is not None}

    def load_state_dict(self, state_dict, strict=True):
        """Copy the arrays of `state_dict` (as `state_dict()` gives) into the parameters.

        Everything is checked before anything is assigned, as in `load_weights`: a shape
        mismatch is a ValueError; with strict=True (the default) so are missing and unknown
        names. Returns (missing_keys, unexpected_keys), as torch's load_state_dict does.
        """
        name = f'{type(self).__name__}.load_state_dict'
        if not hasattr(state_dict, 'items'):
            raise TypeError(f'{name}: expected a dict of name -> array, got '
                            f'{type(state_dict).__name__}')
        arrays = {}
        for k, v in state_dict.items():
            if isinstance(v, Variable):
                v = v.data
            if not isinstance(v, cuda.array_types):
                try:
                    v = np.asarray(v)
                except (TypeError, ValueError):
                    v = None
                if v is None or v.dtype.kind not in 'biufc':
                    raise TypeError(f'{name}: entry {k!r} must be a numeric array, got '
                                    f'{type(state_dict[k]).__name__}')
            arrays[k] = v
        params = {}
        self._flatten_params(params, sep='.')
        return _assign_checked(name, 'the state dict', params, arrays, strict)

    def __repr__(self):
        lines = self._repr_lines()
        params = list(self.params())
        total = sum(p.data.size for p in params if p.data is not None)
        lazy = sum(1 for p in params if p.data is None)
        count = f'{total:,} parameters'
        if lazy:
            count += f' ({lazy} array{"s" if lazy > 1 else ""} not created yet)'
        return '\n'.join(lines) + f'  # {count}'

    def _repr_lines(self):
        """The layer tree: a leaf on one line, a layer with sub-layers over several."""
        name = type(self).__name__
        children = self._children()
        if not any(isinstance(obj, Layer) for _, obj in children):
            return [f'{name}({", ".join(_param_repr(k, p) for k, p in children)})']
        lines = [f'{name}(']
        for k, obj in children:
            if isinstance(obj, Layer):
                sub = obj._repr_lines()
                lines.append(f'  ({k}): {sub[0]}')
                lines.extend('  ' + line for line in sub[1:])
            else:
                lines.append(f'  {_param_repr(k, obj)}')
        lines.append(')')
        return lines


def _param_repr(name, p):
    if p.data is None:
        return f'{name}: not created yet'
    return f'{name}: {tuple(p.data.shape)} {p.data.dtype}'


class LoadResult(tuple):
    """(missing_keys, unexpected_keys) of `load_state_dict`, also readable by those names."""
    __slots__ = ()

    def __new__(cls, missing_keys, unexpected_keys):
        return super().__new__(cls, (missing_keys, unexpected_keys))

    missing_keys = property(lambda self: self[0])
    unexpected_keys = property(lambda self: self[1])


def _assign_checked(name, source, params, arrays, strict):
    """Check `arrays` against `params` (both keyed alike), then assign; nothing on failure."""
    problems = []
    missing = [k for k, p in params.items() if k not in arrays and p.data is not None]
    extra = [k for k in arrays if k not in params]
    if strict and missing:
        problems.append(f'parameters missing from {source}: {missing}')
    if strict and extra:
        problems.append(f'names in {source} that the model does not have: {extra}')
    for k, p in params.items():
        if k in arrays and p.data is not None and arrays[k].shape != p.data.shape:
            problems.append(f'parameter {k!r} has shape {tuple(p.data.shape)} in the '
                            f'model but {tuple(arrays[k].shape)} in {source}')
    if problems:
        raise ValueError(f'{name}: {source} does not match the model; nothing was '
                         f'loaded:\n  ' + '\n  '.join(problems))
    for k, p in params.items():
        if k not in arrays:
            continue
        if p.data is None:
            p.data = arrays[k].copy()
        else:
            xp = cuda.get_array_module(p.data)
            p.data = xp.array(arrays[k], dtype=p.data.dtype)  # a copy, never the caller's
        p.mark_modified()
    return LoadResult(missing, extra)


def _read_npz(name, path):
    """All arrays of the .npz file at `path`, with pickles refused and unreadable files named."""
    if not os.path.exists(path):
        raise FileNotFoundError(f'{name}: no file at {path!r}')
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise ValueError(f'{name}: {path!r} is empty (0 bytes), expected an .npz archive '
                         f'written by save_weights')
    try:
        loaded = np.load(path, allow_pickle=False)
    except ValueError as e:
        if 'pickle' not in str(e):
            raise _unreadable(name, path, e) from e
        raise ValueError(f'{name}: cannot read {path!r} without unpickling ({e}); only '
                         f'files written by save_weights (plain arrays) are accepted') from None
    except Exception as e:  # zipfile, zlib, EOF, header parsing: every way a file can be bad
        raise _unreadable(name, path, e) from e
    if not isinstance(loaded, np.lib.npyio.NpzFile):
        raise ValueError(f'{name}: {path!r} holds a single array, expected an .npz archive '
                         f'written by save_weights')
    with loaded:
        arrays = {}
        for k in loaded.files:
            try:
                arrays[k] = loaded[k]
            except ValueError as e:
                if 'pickle' not in str(e):
                    raise _unreadable(name, path, e) from e
                raise ValueError(f'{name}: entry {k!r} of {path!r} cannot be read without '
                                 f'unpickling ({e}); nothing was loaded') from None
            except Exception as e:
                raise _unreadable(name, path, e) from e
    return arrays


def _unreadable(name, path, e):
    return ValueError(f'{name}: {path!r} is not a readable .npz archive; it may be truncated '
                      f'or corrupted ({type(e).__name__}: {e}); nothing was loaded')


# ---------------------------------------------------------------------------------------------
# Linear and convolution layers
# ---------------------------------------------------------------------------------------------
class Linear(Layer):
    """y = x @ W + b, with W of shape (in_size, out_size) created on the first call if needed.

    `init='book'` (the default) draws W from a normal distribution of std sqrt(1/in_size) and
    starts b at zero, as the book does; `init='torch'` draws W and b uniformly in
    ±1/sqrt(in_size), as `torch.nn.Linear` does (W first, then b, both when W is created).
    """

    def __init__(self, out_size, nobias=False, dtype=np.float32, in_size=None, init='book'):
        super().__init__()
        _check_size('Linear', 'out_size', out_size)
        _check_nobias('Linear', nobias, 'Linear(out_size, nobias=False, dtype=np.float32, '
                      'in_size=None)', f'PyTorch\'s Linear(in, out) is Linear(out, in_size=in), '
                      f'e.g. Linear({nobias!r}, in_size={out_size!r})')
        _check_dtype('Linear', dtype)
        # zero input features is legal (torch.nn.Linear(0, n)): the output is the bias alone
        _check_size('Linear', 'in_size', in_size, allow_none=True, allow_zero=True)
        if init not in ('book', 'torch'):
            raise ValueError(f"Linear: init must be 'book' or 'torch', got {init!r}")
        self.init = init
        self.in_size = in_size
        self.out_size = out_size
        self.dtype = dtype
        self.W = Parameter(None, name='W')
        self.b = None if nobias else Parameter(np.zeros(out_size, dtype=dtype), name='b')
        if in_size is not None:
            self._init_W(np)

    def _init_W(self, xp):
        shape = (self.in_size, self.out_size)
        if self.init == 'torch':
            bound = 1.0 / math.sqrt(self.in_size) if self.in_size else 0.0
            self.W.data = _uniform_weight(shape, bound, self.dtype, xp)
            if self.b is not None:
                self.b.data = _uniform_weight(self.b.shape, bound, self.b.dtype, xp)
            return
        self.W.data = _random_weight(shape, self.in_size, self.dtype, xp)

    def _lazy_init(self, x):
        if self.W.data is None:
            if x.ndim < 1:
                raise ValueError(f'Linear: input must have at least 1 dimension, got shape '
                                 f'{x.shape}')
            self.in_size = x.shape[-1]
            self._init_W(cuda.get_array_module(x))

    def forward(self, x):
        """Apply the affine map; creates W from x's last axis on the first call."""
        self._lazy_init(x)
        return F.linear(x, self.W, self.b)


class Conv2d(Layer):
    """2-D convolution (NCHW) with W of shape (out_channels, in_channels, kh, kw)."""

    def __init__(self, out_channels, kernel_size, stride=1, pad=0, nobias=False,
                 dtype=np.float32, in_channels=None):
        super().__init__()
        name = type(self).__name__
        _check_size(name, 'out_channels', out_channels)
        _check_pair(name, 'kernel_size', kernel_size, 1)
        _check_pair(name, 'stride', stride, 1)
        _check_pair(name, 'pad', pad, 0)
        _check_nobias(name, nobias, f'{name}(out_channels, kernel_size, stride=1, pad=0, '
                      f'nobias=False, dtype=np.float32, in_channels=None)',
                      f'PyTorch\'s {name}(in_channels, out_channels, kernel_size, stride, '
                      f'padding) is {name}(out_channels, kernel_size, stride, pad, '
                      f'in_channels=in_channels), e.g. {name}({kernel_size!r}, {stride!r}, '
                      f'{pad!r}, {nobias!r}, in_channels={out_channels!r})')
        _check_dtype(name, dtype)
        _check_size(name, 'in_channels', in_channels, allow_none=True)
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.pad = pad
        self.dtype = dtype
        self.W = Parameter(None, name='W')
        if in_channels is not None:
            self._init_W(np)
        self.b = None if nobias else Parameter(np.zeros(out_channels, dtype=dtype), name='b')

    def _w_shape(self):
        kh, kw = utils.pair(self.kernel_size)
        return (self.out_channels, self.in_channels, kh, kw)

    def _init_W(self, xp):
        kh, kw = utils.pair(self.kernel_size)
        fan_in = self.in_channels * kh * kw
        self.W.data = _random_weight(self._w_shape(), fan_in, self.dtype, xp)

    def _lazy_init(self, x):
        if self.W.data is None:
            if x.ndim != 4:
                raise ValueError(f'{type(self).__name__}: input must be 4-D (N, C, H, W), got '
                                 f'shape {x.shape}')
            self.in_channels = x.shape[1]
            self._init_W(cuda.get_array_module(x))

    def forward(self, x):
        """Convolve x with W (created from x's channel count on the first call)."""
        self._lazy_init(x)
        return F.conv2d(x, self.W, self.b, self.stride, self.pad)


class Deconv2d(Conv2d):
    """2-D transposed convolution (NCHW) with W of shape (in_channels, out_channels, kh, kw)."""

    def _w_shape(self):
        kh, kw = utils.pair(self.kernel_size)
        return (self.in_channels, self.out_channels, kh, kw)

    def forward(self, x):
        """Transposed convolution of x with W (created on the first call if needed)."""
        self._lazy_init(x)
        return F.deconv2d(x, self.W, self.b, self.stride, self.pad)


# ---------------------------------------------------------------------------------------------
# Recurrent layers
# ---------------------------------------------------------------------------------------------
class _Recurrent(Layer):
    """Base of RNN, LSTM and GRU: checks each step's input against the weights and the state.

    A recurrent layer keeps its hidden state `h` between calls, so a call with another batch
    size (or another number of features) would otherwise broadcast against the old state or
    fail deep inside a matmul. The input size is read from the first x2* Linear's W.
    """

    def __call__(self, x, *args, **kwargs):
        shape = getattr(x, 'shape', None)
        if shape:  # arrays and Variables; anything else fails in forward with its own error
            self._check_step(tuple(shape))
        return super().__call__(x, *args, **kwargs)

    def _input_weight(self):
        d = self.__dict__
        for name in d['_params']:
            if name.startswith('x2') and isinstance(d[name], Linear):
                return d[name].W.data
        return None

    def _check_step(self, shape):
        name = type(self).__name__
        W = self._input_weight()
        if W is not None and shape[-1] != W.shape[0]:
            H = W.shape[1]
            raise ValueError(
                f'{name}: input of shape {shape} has {shape[-1]} features, but the layer\'s '
                f'weights take {W.shape[0]} (fixed by in_size or by the first call). The '
                f'argument order is the book\'s, {name}(hidden_size, in_size=None): for '
                f'{shape[-1]} input features and a hidden size of {H} write {name}({H}, '
                f'in_size={shape[-1]}) (PyTorch\'s {name}(a, b) is {name}(b, in_size=a))')
        h = self.__dict__.get('h')
        if h is not None:
            batch = shape[0] if len(shape) >= 2 else 1
            h_batch = h.shape[0] if h.ndim >= 2 else 1
            if batch != h_batch:
                raise ValueError(
                    f'{name}: input of shape {shape} is a batch of {batch}, but the hidden '
                    f'state kept from the previous call holds a batch of {h_batch}; call '
                    f'reset_state() before a sequence with another batch size')


class RNN(_Recurrent):
    """Elman RNN: h = tanh(x2h(x) + h2h(h)); the hidden state persists until `reset_state()`."""

    def __init__(self, hidden_size, in_size=None):
        super().__init__()
        _check_size('RNN', 'hidden_size', hidden_size)
        self.x2h = Linear(hidden_size, in_size=in_size)
        # lazy like x2h when in_size is unknown, so weights are drawn in the book's order
        self.h2h = Linear(hidden_size, in_size=None if in_size is None else hidden_size,
                          nobias=True)
        self.h = None

    def reset_state(self):
        """Forget the hidden state (start a new sequence)."""
        self.h = None

    def forward(self, x):
        """One time step; returns the new hidden state."""
        y = self.x2h(x)
        if self.h is not None:
            self.h2h._lazy_init(self.h)
            y = F.linear(self.h, self.h2h.W, y)  # x2h(x) as the bias: one node less than +
        h_new = F.tanh(y)
        self.h = h_new
        return h_new


def _add_gates(layer, gates, hidden_size, in_size):
    """Give `layer` x2<g> (Linear) then h2<g> (Linear, no bias) for each gate letter g.

    The h2<g> weights are created at once (their input size is the hidden size) and the x2<g>
    weights lazily when in_size is None: the order in which the book draws them.
    """
    for g in gates:
        setattr(layer, 'x2' + g, Linear(hidden_size, in_size=in_size))
    for g in gates:
        setattr(layer, 'h2' + g, Linear(hidden_size, in_size=hidden_size, nobias=True))


class LSTM(_Recurrent):
    """LSTM: gates f, i, o and candidate u; c = f*c + i*u, h = o*tanh(c); `reset_state()`."""

    def __init__(self, hidden_size, in_size=None):
        super().__init__()
        _check_size('LSTM', 'hidden_size', hidden_size)
        _add_gates(self, 'fiou', hidden_size, in_size)
        self.reset_state()

    def reset_state(self):
        """Forget the hidden and cell states (start a new sequence)."""
        self.h = None
        self.c = None

    def forward(self, x):
        """One time step; returns the new hidden state.

        The gates are the book's (f = sigmoid(x2f(x) + h2f(h)), ...), but their
        pre-activations come out of one `F.gate_linear` node as an (N, 4H) array and `F.lstm`
        applies all the nonlinearities in one fused step: 2 graph nodes per step instead of 24.
        The first step (no h yet) equals a step from h = c = 0. A 1-D x is one sample, as the
        book's layer allows: it runs as a batch of one and its h comes back 1-D.
        """
        if x.ndim == 1:
            return F.reshape(self.forward(F.reshape(x, (1, x.shape[0]))), (-1,))
        for g in 'fiou':  # lazy weights are drawn in the book's order
            getattr(self, 'x2' + g)._lazy_init(x)
        # the [u | i | f | o] layout of F.lstm; F.gate_linear computes the four gates' x2g(x)
        # + h2g(h) in one graph node while each gate keeps its own Linear layers
        xs = (self.x2u, self.x2i, self.x2f, self.x2o)
        if self.h is None:
            gates = F.gate_linear(x, [g.W for g in xs], [g.b for g in xs])
        else:
            hs = (self.h2u, self.h2i, self.h2f, self.h2o)
            gates = F.gate_linear(x, [g.W for g in xs], [g.b for g in xs],
                                  self.h, [g.W for g in hs])
        c_prev = self.c
        if c_prev is None:
            xp = cuda.get_array_module(gates.data)
            c_prev = xp.zeros((gates.shape[0], gates.shape[1] // 4), dtype=gates.dtype)
        self.c, self.h = F.lstm(c_prev, gates)
        return self.h


class GRU(_Recurrent):
    """Gated recurrent unit with update gate z and reset gate r; same interface as LSTM.

    formulation='torch' (the default) is PyTorch's `nn.GRU` / `nn.GRUCell`: every x2g and h2g
    has a bias (PyTorch's b_i* and b_h*), every weight and bias is drawn uniformly in
    ±1/sqrt(hidden_size) as PyTorch draws them, and the reset gate acts after the hidden matmul:
        z = sigmoid(x2z(x) + h2z(h)),  r = sigmoid(x2r(x) + h2r(h)),
        n = tanh(x2n(x) + r * h2n(h)),  h_new = (1 - z) * n + z * h.
    formulation='cho' is Cho et al.'s (2014) form, the one dezero had first: h2g have no bias,
    weights are drawn as `Linear` draws them, and n = tanh(x2n(x) + h2n(r * h)).
    The first step (no h yet) equals a step from h = 0.
    """

    def __init__(self, hidden_size, in_size=None, formulation='torch'):
        super().__init__()
        _check_size('GRU', 'hidden_size', hidden_size)
        if formulation not in ('torch', 'cho'):
            raise ValueError(f"GRU: formulation must be 'torch' or 'cho', got {formulation!r}")
        self.formulation = formulation
        self.hidden_size = hidden_size
        if formulation == 'cho':
            _add_gates(self, 'zrn', hidden_size, in_size)
        else:
            # Linear's own init is replaced by PyTorch's GRU init (bound 1/sqrt(hidden_size)
            # for the input weights too); x2g.W waits for the first call when in_size is None
            for g in 'zrn':
                setattr(self, 'x2' + g, Linear(hidden_size))
            for g in 'zrn':
                setattr(self, 'h2' + g, Linear(hidden_size))
            bound = 1.0 / math.sqrt(hidden_size)
            for g in 'zrn':
                for layer in (getattr(self, 'x2' + g), getattr(self, 'h2' + g)):
                    layer.b.data = _uniform_weight((hidden_size,), bound, layer.dtype, np)
            self._draw_weights('h', hidden_size, np)
            if in_size is not None:
                self._draw_weights('x', in_size, np)
        self.reset_state()

    def _draw_weights(self, side, in_size, xp):
        bound = 1.0 / math.sqrt(self.hidden_size)
        for g in 'zrn':
            layer = getattr(self, side + '2' + g)
            layer.in_size = in_size
            layer.W.data = _uniform_weight((in_size, self.hidden_size), bound, layer.dtype, xp)

    def reset_state(self):
        """Forget the hidden state (start a new sequence)."""
        self.h = None

    def forward(self, x):
        """One time step; returns the new hidden state."""
        if self.formulation == 'cho':
            h_new = self._cho_step(x, self.h)
        else:
            if self.x2z.W.data is None:
                if x.ndim < 1:
                    raise ValueError(f'GRU: input must have at least 1 dimension, got shape '
                                     f'{x.shape}')
                self._draw_weights('x', x.shape[-1], cuda.get_array_module(x))
            h_new = self._torch_step(x, self.h)
        self.h = h_new
        return h_new

    def _torch_step(self, x, h):
        # x2g(x) and h2g(h) of the three gates come out of one F.gate_linear node each, laid
        # out [z | r | n], and F.gru applies the gates in one fused node: 3 graph nodes per
        # step instead of 17, which is what keeps a GRU over 40 steps near PyTorch's speed
        if x.ndim == 1:  # one sample, as the book's recurrent layers allow
            h = None if h is None else F.reshape(h, (1, -1))
            return F.reshape(self._torch_step(F.reshape(x, (1, x.shape[0])), h), (-1,))
        xs, hs = (self.x2z, self.x2r, self.x2n), (self.h2z, self.h2r, self.h2n)
        gx = F.gate_linear(x, [g.W for g in xs], [g.b for g in xs])
        if h is None:  # the first step is a step from h = 0
            xp = cuda.get_array_module(gx.data)
            h = xp.zeros((gx.shape[0], self.hidden_size), dtype=gx.dtype)
        gh = F.gate_linear(h, [g.W for g in hs], [g.b for g in hs])
        return F.gru(h, gx, gh)

    def _cho_step(self, x, h):
        if h is None:  # h = 0: the reset gate has nothing to act on
            z = F.sigmoid(self.x2z(x))
            n = F.tanh(self.x2n(x))
            return (1 - z) * n
        z = F.sigmoid(self.x2z(x) + self.h2z(h))
        r = F.sigmoid(self.x2r(x) + self.h2r(h))
        n = F.tanh(self.x2n(x) + self.h2n(r * h))
        return (1 - z) * n + z * h


# ---------------------------------------------------------------------------------------------
# Embedding and normalisation
# ---------------------------------------------------------------------------------------------
class EmbedID(Layer):
    """Lookup table: row x of W (in_size, out_size) for each integer id x."""

    def __init__(self, in_size, out_size):
        super().__init__()
        _check_size('EmbedID', 'in_size', in_size)
        _check_size('EmbedID', 'out_size', out_size)
        self.W = Parameter(np.random.randn(in_size, out_size).astype(np.float32), name='W')

    def forward(self, x):
        """Embed the integer ids x."""
        try:
            return F.embed_id(x, self.W)
        except IndexError as e:  # often the sizes swapped: EmbedID(dimension, vocabulary)
            raise IndexError(f'EmbedID: {str(e).removeprefix("embed_id: ")}. The arguments '
                             f'are EmbedID(in_size, out_size): in_size is the vocabulary size, '
                             f'out_size the embedding size') from None


class BatchNorm(Layer):
    """Batch normalisation over axis 1 (2-D or 4-D input); running averages in test mode.

    gamma, beta and the running mean and variance are created on the first call with the
    channel count and dtype of the input. The running statistics are Parameters (without
    gradients) so that they are saved and loaded with the weights.
    """

    def __init__(self):
        super().__init__()
        self.avg_mean = Parameter(None, name='avg_mean')
        self.avg_var = Parameter(None, name='avg_var')
        self.gamma = Parameter(None, name='gamma')
        self.beta = Parameter(None, name='beta')

    def _init_params(self, x):
        if x.ndim not in (2, 4):
            raise ValueError(f'BatchNorm: input must be 2-D (N, C) or 4-D (N, C, H, W), got '
                             f'shape {x.shape}')
        xp = cuda.get_array_module(x)
        C, dtype = x.shape[1], x.dtype
        for p, fill in ((self.avg_mean, 0), (self.avg_var, 1), (self.gamma, 1), (self.beta, 0)):
            if p.data is None:
                p.data = xp.full(C, fill, dtype=dtype)

    def forward(self, x):
        """Normalise x with batch statistics (training) or the running averages (test)."""
        if self.gamma.data is None or self.avg_mean.data is None:
            self._init_params(x)
        return F.batch_norm(x, self.gamma, self.beta, self.avg_mean.data, self.avg_var.data)
