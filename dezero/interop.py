"""PyTorch twins of dezero models, and the way back: `to_torch(model)`, `from_torch(module)`.

    import dezero.interop as interop
    module = interop.to_torch(model)        # a torch.nn.Module with the same outputs
    ...                                     # train it in PyTorch (any device, DDP, ...)
    interop.from_torch(module)              # the trained weights back into `model`

Layers with a PyTorch counterpart become that module with the weights converted:

| dezero | PyTorch | layout |
|---|---|---|
| `Linear` | `nn.Linear` | W (in, out) is `weight.T` |
| `Conv2d`, `Deconv2d` | `nn.Conv2d`, `nn.ConvTranspose2d` | same weight layout |
| `BatchNorm` | `interop.BatchNorm` (an `nn.BatchNorm1d` that also takes 4-D input) | eps 2e-5, momentum 0.1 (= 1 - decay) |
| `EmbedID` | `nn.Embedding` | same |
| `RNN`, `LSTM`, `GRU` | `interop.RNN`/`LSTM`/`GRU`: one step per call around `nn.RNNCell`/`LSTMCell`/`GRUCell`, with `reset_state()` | gates stacked [i, f, g, o] (LSTM) and [r, z, n] (GRU); x2h.b = bias_ih + bias_hh where dezero has one bias |
| `Sequential`, `MLP` | `nn.Sequential` | activations F.relu, F.sigmoid, ... become nn.ReLU, nn.Sigmoid, ... |

Any other `Model` (a user's, whose forward calls its layers and dezero functions) needs an
example input: `to_torch(model, x)` runs the forward once on x in test mode, records the
functions it called, and returns an `interop.Traced` module that replays them with torch
operations, its layers twinned as above. The replay has the shapes of the example (reshapes
and broadcasts are to the recorded shapes, so feed batches of the example's size), loops are
unrolled as they ran, and functions that are the identity in test mode (dropout) are not in
it; the replay's batch norm follows `module.train()` / `module.eval()` as PyTorch's does.
`GRU(formulation='cho')` has no PyTorch cell: alone it is refused, inside a recorded model it
is replayed from its parts (as are subclasses of the layers above).

`from_torch(module)` copies the module's weights (and batch-norm running statistics) back into
the dezero model it was made from and returns that model; `from_torch(module, model)` copies
them into `model` instead; a plain PyTorch module (nn.Linear, nn.Conv2d, nn.Sequential of
supported modules, ...) becomes a new dezero layer. Needs PyTorch (`pip install torch`).
"""
import numpy as np

from dezero import layers as L
from dezero import models
from dezero._trace import model_param_names, trace
import dezero.functions as F


def _torch(who):
    try:
        import torch
    except ImportError:
        raise ImportError(f'{who}: PyTorch is not installed; install it with `pip install '
                          f'torch`') from None
    return torch


def _tensor(torch, a):
    return torch.from_numpy(np.array(a, copy=True))


def _need(layer, name, p):
    if p is None or p.data is None:
        raise ValueError(f'to_torch: {type(layer).__name__}.{name} is not created yet (dezero '
                         f'creates weights on the first call); call the model on an input '
                         f'first, or pass in_size')
    return p.data


# =============================================================================================
# Twins of the recurrent layers and of BatchNorm
# =============================================================================================
def _twin_classes():
    """The torch.nn.Module classes of this module, defined once torch is imported."""
    global _CLASSES
    if _CLASSES is not None:
        return _CLASSES
    torch = _torch('dezero.interop')
    nn = torch.nn

    class BatchNorm(nn.BatchNorm1d):
        """nn.BatchNorm1d that also takes 4-D (N, C, H, W) input, as dezero's BatchNorm does."""

        def _check_input_dim(self, x):
            if x.dim() not in (2, 4):
                raise ValueError(f'BatchNorm: input must be 2-D (N, C) or 4-D (N, C, H, W), '
                                 f'got shape {tuple(x.shape)}')

    class _Recurrent(nn.Module):
        """One time step per call around a torch cell; the state persists until reset_state()."""

        def __init__(self, cell):
            super().__init__()
            self.cell = cell
            self.state = None

        def reset_state(self):
            """Forget the hidden state (start a new sequence)."""
            self.state = None

        def forward(self, x):
            one = x.dim() == 1  # one sample, as dezero's recurrent layers allow
            if one:
                x = x.unsqueeze(0)
            self.state = self.cell(x, self.state)
            h = self.state[0] if isinstance(self.state, tuple) else self.state
            return h.squeeze(0) if one else h

        @property
        def h(self):
            return self.state[0] if isinstance(self.state, tuple) else self.state

    class RNN(_Recurrent):
        """Twin of dezero's RNN around nn.RNNCell (tanh)."""

    class LSTM(_Recurrent):
        """Twin of dezero's LSTM around nn.LSTMCell; state (h, c)."""

    class GRU(_Recurrent):
        """Twin of dezero's GRU (PyTorch's formulation) around nn.GRUCell."""

    class Function(nn.Module):
        """A dezero function without parameters inside an nn.Sequential (F.exp, ...)."""

        def __init__(self, fn, name):
            super().__init__()
            self.fn, self.name = fn, name

        def forward(self, x):
            return self.fn(x)

        def extra_repr(self):
            return self.name

    class Traced(nn.Module):
        """A user model's forward, recorded once by `to_torch(model, x)`, replayed with torch.

        Its layers are the twins of the model's layers, under the same attribute paths; the
        recorded steps read their weights in dezero's layout through the twins.
        """

        def forward(self, *xs):
            return _replay(self, xs)

    class MLP(nn.Sequential):
        """Twin of dezero's MLP: Linear, activation, ..., Linear; the Linears are dezero's
        l0, l1, ... in order (the activations between them are not counted)."""

    _CLASSES = dict(BatchNorm=BatchNorm, RNN=RNN, LSTM=LSTM, GRU=GRU, Function=Function,
                    Traced=Traced, Recurrent=_Recurrent, MLP=MLP)
    return _CLASSES


_CLASSES = None


def __getattr__(name):
    # interop.BatchNorm, interop.RNN, ... exist once torch can be imported
    if name in ('BatchNorm', 'RNN', 'LSTM', 'GRU', 'MLP', 'Traced'):
        return _twin_classes()[name]
    raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


# =============================================================================================
# dezero layer -> torch module
# =============================================================================================
def _gate_rows(torch, layer, side, gates):
    """Stack the weights of the Linear layers side+'2'+g (g in gates) as torch's (G*H, in)."""
    return torch.cat([_tensor(torch, _need(layer, f'{side}2{g}.W',
                                           getattr(layer, f'{side}2{g}').W).T)
                      for g in gates])


def _gate_bias(torch, layer, side, gates, H, dtype):
    parts = []
    for g in gates:
        b = getattr(layer, f'{side}2{g}').b
        parts.append(torch.zeros(H, dtype=dtype) if b is None else _tensor(torch, b.data))
    return torch.cat(parts)


# dezero gate letters in PyTorch's stacking order
_LSTM_GATES = 'ifuo'  # torch: input, forget, cell (g), output
_GRU_GATES = 'rzn'


def _twin_of_layer(layer, torch):
    """The torch twin of one dezero layer of a supported kind, or None."""
    nn, C = torch.nn, _twin_classes()
    kind = type(layer)
    if kind is L.Linear:
        W = _need(layer, 'W', layer.W)
        m = nn.Linear(W.shape[0], W.shape[1], bias=layer.b is not None, dtype=_dt(torch, W))
        with torch.no_grad():
            m.weight.copy_(_tensor(torch, W.T))
            if layer.b is not None:
                m.bias.copy_(_tensor(torch, layer.b.data))
        return m
    if kind in (L.Conv2d, L.Deconv2d):
        W = _need(layer, 'W', layer.W)
        stride = _pair(layer.stride)
        pad = _pair(layer.pad)
        if kind is L.Conv2d:
            m = nn.Conv2d(W.shape[1], W.shape[0], tuple(W.shape[2:]), stride=stride,
                          padding=pad, bias=layer.b is not None, dtype=_dt(torch, W))
        else:
            m = nn.ConvTranspose2d(W.shape[0], W.shape[1], tuple(W.shape[2:]), stride=stride,
                                   padding=pad, bias=layer.b is not None, dtype=_dt(torch, W))
        with torch.no_grad():
            m.weight.copy_(_tensor(torch, W))
            if layer.b is not None:
                m.bias.copy_(_tensor(torch, layer.b.data))
        return m
    if kind is L.BatchNorm:
        gamma = _need(layer, 'gamma', layer.gamma)
        m = C['BatchNorm'](gamma.shape[0], eps=2e-5, momentum=0.1, dtype=_dt(torch, gamma))
        with torch.no_grad():
            m.weight.copy_(_tensor(torch, gamma))
            m.bias.copy_(_tensor(torch, layer.beta.data))
            m.running_mean.copy_(_tensor(torch, layer.avg_mean.data))
            m.running_var.copy_(_tensor(torch, layer.avg_var.data))
        return m
    if kind is L.EmbedID:
        W = layer.W.data
        m = nn.Embedding(W.shape[0], W.shape[1], dtype=_dt(torch, W))
        with torch.no_grad():
            m.weight.copy_(_tensor(torch, W))
        return m
    if kind is L.RNN:
        W = _need(layer, 'x2h.W', layer.x2h.W)
        Wh = _need(layer, 'h2h.W', layer.h2h.W)
        cell = nn.RNNCell(W.shape[0], W.shape[1], nonlinearity='tanh', dtype=_dt(torch, W))
        with torch.no_grad():
            cell.weight_ih.copy_(_tensor(torch, W.T))
            cell.weight_hh.copy_(_tensor(torch, Wh.T))
            cell.bias_ih.copy_(_tensor(torch, layer.x2h.b.data))
            cell.bias_hh.zero_()
        return C['RNN'](cell)
    if kind is L.LSTM or kind is L.GRU:
        if kind is L.GRU and layer.formulation != 'torch':
            raise NotImplementedError(
                "to_torch: GRU(formulation='cho') has no PyTorch counterpart (nn.GRU applies "
                "the reset gate after the hidden matmul); build the GRU with the default "
                "formulation='torch'")
        gates = _LSTM_GATES if kind is L.LSTM else _GRU_GATES
        first = getattr(layer, 'x2' + gates[0])
        W = _need(layer, f'x2{gates[0]}.W', first.W)
        H = W.shape[1]
        cls = nn.LSTMCell if kind is L.LSTM else nn.GRUCell
        cell = cls(W.shape[0], H, dtype=_dt(torch, W))
        with torch.no_grad():
            cell.weight_ih.copy_(_gate_rows(torch, layer, 'x', gates))
            cell.weight_hh.copy_(_gate_rows(torch, layer, 'h', gates))
            cell.bias_ih.copy_(_gate_bias(torch, layer, 'x', gates, H, cell.bias_ih.dtype))
            cell.bias_hh.copy_(_gate_bias(torch, layer, 'h', gates, H, cell.bias_hh.dtype))
        return C['LSTM' if kind is L.LSTM else 'GRU'](cell)
    return None


def _dt(torch, a):
    return _tensor(torch, np.zeros(0, dtype=a.dtype)).dtype


def _pair(v):
    return tuple(int(i) for i in v) if isinstance(v, (tuple, list)) else (int(v), int(v))


def _function_modules(torch):
    nn = torch.nn
    return {F.relu: nn.ReLU, F.sigmoid: nn.Sigmoid, F.tanh: nn.Tanh,
            F.softmax: lambda: nn.Softmax(dim=1), F.log_softmax: lambda: nn.LogSoftmax(dim=1),
            F.leaky_relu: lambda: nn.LeakyReLU(0.2), F.flatten: nn.Flatten,
            F.dropout: lambda: nn.Dropout(0.5), F.exp: lambda: _twin_classes()['Function'](
                torch.exp, 'exp'), F.sin: lambda: _twin_classes()['Function'](torch.sin, 'sin'),
            F.cos: lambda: _twin_classes()['Function'](torch.cos, 'cos')}


def _module_for(item, torch, where):
    """The twin of one element of a Sequential or MLP: a layer or a dezero function."""
    if isinstance(item, L.Layer):
        m = _direct_twin(item, torch)
        if m is None:
            raise TypeError(f'to_torch: {where} holds a {type(item).__name__}, which has no '
                            f'direct twin; convert the whole model with an example input: '
                            f'to_torch(model, x)')
        return m
    make = _function_modules(torch).get(item)
    if make is None:
        name = getattr(item, '__name__', type(item).__name__)
        raise TypeError(f'to_torch: {where} calls {name}, which has no PyTorch module here '
                        f'(known: F.relu, F.sigmoid, F.tanh, F.softmax, F.log_softmax, '
                        f'F.leaky_relu, F.flatten, F.dropout, F.exp, F.sin, F.cos); convert the '
                        f'whole model with an example input: to_torch(model, x)')
    return make()


def _direct_twin(layer, torch):
    m = _twin_of_layer(layer, torch)
    if m is not None:
        return m
    if type(layer) is models.Sequential:
        return torch.nn.Sequential(*[_module_for(item, torch, 'Sequential')
                                     for item in layer.layers])
    if type(layer) is models.MLP:
        mods = []
        for i, lin in enumerate(layer.layers):
            if i:
                mods.append(_module_for(layer.activation, torch, 'MLP (its activation)'))
            mods.append(_module_for(lin, torch, 'MLP'))
        return _twin_classes()['MLP'](*mods)
    return None


def to_torch(model, x=None):
    """A torch.nn.Module giving the same outputs and gradients as the dezero `model`.

    Layers of the kinds in the module docstring (and Sequential / MLP built from them) are
    converted directly. Any other Layer or Model needs an example input `x` (an array, a
    Variable, or a tuple of them): its forward is recorded once on x and replayed in torch.
    The module's dtype is that of the dezero weights; `from_torch(module)` brings weights back.
    """
    torch = _torch('dezero.interop.to_torch')
    if not isinstance(model, L.Layer):
        raise TypeError(f'to_torch: expected a dezero Layer or Model, got '
                        f'{type(model).__name__}')
    module = _direct_twin(model, torch)
    if module is None:
        if x is None:
            raise TypeError(f'to_torch: {type(model).__name__} is not one of the layers with a '
                            f'direct twin (Linear, Conv2d, Deconv2d, BatchNorm, EmbedID, RNN, '
                            f'LSTM, GRU, Sequential, MLP); pass an example input to record its '
                            f'forward: to_torch(model, x)')
        module = _traced_twin(model, x, torch)
    module.dezero_model = model  # where from_torch puts the weights back
    return module


# =============================================================================================
# The twin's weights in dezero's layout (both ways)
# =============================================================================================
def _views(m, get, fold):
    """{dezero parameter name: tensor in dezero's layout} of one twin module.

    get(p) reads a parameter or buffer (its value, or its gradient); fold(a, b) joins the two
    biases torch has where dezero has one (their sum for values, either one for gradients).
    """
    C = _twin_classes()
    nn = _torch('dezero.interop').nn
    out = {}
    if isinstance(m, nn.Linear):
        out['W'] = _T(get(m.weight))
        if m.bias is not None:
            out['b'] = get(m.bias)
    elif isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        out['W'] = get(m.weight)
        if m.bias is not None:
            out['b'] = get(m.bias)
    elif isinstance(m, nn.modules.batchnorm._BatchNorm):
        out.update(avg_mean=get(m.running_mean), avg_var=get(m.running_var),
                   gamma=get(m.weight), beta=get(m.bias))
    elif isinstance(m, nn.Embedding):
        out['W'] = get(m.weight)
    elif isinstance(m, (C['Recurrent'], nn.RNNCell, nn.LSTMCell, nn.GRUCell)):
        cell = m.cell if isinstance(m, C['Recurrent']) else m
        H = cell.hidden_size
        Wi, Wh, bi, bh = (get(cell.weight_ih), get(cell.weight_hh), get(cell.bias_ih),
                          get(cell.bias_hh))
        if isinstance(cell, nn.RNNCell):
            out.update({'x2h.W': _T(Wi), 'x2h.b': fold(bi, bh), 'h2h.W': _T(Wh)})
        else:
            gates = _LSTM_GATES if isinstance(cell, nn.LSTMCell) else _GRU_GATES
            for k, g in enumerate(gates):
                rows = slice(k * H, (k + 1) * H)
                out[f'x2{g}.W'] = _T(_rows(Wi, rows))
                out[f'h2{g}.W'] = _T(_rows(Wh, rows))
                if isinstance(cell, nn.LSTMCell):  # dezero's h2g have no bias
                    out[f'x2{g}.b'] = fold(_rows(bi, rows), _rows(bh, rows))
                else:
                    out[f'x2{g}.b'] = _rows(bi, rows)
                    out[f'h2{g}.b'] = _rows(bh, rows)
    elif isinstance(m, C['MLP']):  # dezero numbers only the Linear layers
        linears = [child for child in m if isinstance(child, nn.Linear)]
        for k, child in enumerate(linears):
            out.update({f'l{k}.{name}': v for name, v in _views(child, get, fold).items()})
    elif isinstance(m, nn.Sequential):  # dezero's Sequential names item k 'l<k>', as torch
        for k, child in enumerate(m):
            out.update({f'l{k}.{name}': v for name, v in _views(child, get, fold).items()})
    elif isinstance(m, C['Traced']):
        for path, twin in m._dezero_twins.items():
            out.update({f'{path}.{name}': v for name, v in _views(twin, get, fold).items()})
        for path, name in m._dezero_raw.items():
            out[path] = get(getattr(m, name))
    return out


def _T(t):
    return None if t is None else t.T


def _rows(t, rows):
    return None if t is None else t[rows]


def _first(a, b):
    return a


def _numpy(t):
    return None if t is None else t.detach().cpu().numpy().copy()


def dezero_arrays(module, grad=False):
    """{dezero parameter name ('l0.W'): NumPy array in dezero's layout} of a twin module:
    its weights, or with grad=True their gradients (None where torch has none)."""
    _torch('dezero.interop.dezero_arrays')
    if grad:
        views = _views(module, lambda p: getattr(p, 'grad', None), _first)
    else:
        views = _views(module, lambda p: p, lambda a, b: a + b)
    return {k: _numpy(v) for k, v in views.items()}


# =============================================================================================
# torch module -> dezero
# =============================================================================================
def from_torch(module, model=None):
    """Bring a torch module's weights to dezero; returns the dezero layer that holds them.

    With `model`, the weights are copied into it (its structure must be the one to_torch
    would twin). Without, a module made by `to_torch` gives its weights back to the model it
    was made from, and a plain PyTorch module (nn.Linear, nn.Conv2d, nn.ConvTranspose2d,
    nn.BatchNorm1d/2d, nn.Embedding, nn.RNNCell/LSTMCell/GRUCell, nn.Sequential of these and
    of nn.ReLU, nn.Sigmoid, nn.Tanh, ...) becomes a new dezero layer. Everything is checked
    before anything is assigned.
    """
    torch = _torch('dezero.interop.from_torch')
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f'from_torch: expected a torch.nn.Module, got {type(module).__name__}')
    if model is None:
        model = getattr(module, 'dezero_model', None)
    if model is None:
        model = _new_layer(module, torch)
    arrays = dezero_arrays(module)
    _assign(model, arrays, type(module).__name__)
    return model


def _assign(model, arrays, source):
    names = {name: p for name, p in model_param_names(model).values()}
    problems = []
    missing = [k for k, p in names.items() if k not in arrays and p.data is not None]
    extra = [k for k in arrays if k not in names]
    if missing:
        problems.append(f'dezero parameters the module does not have: {missing}')
    if extra:
        problems.append(f'module weights the dezero model does not have: {extra}')
    for k, a in arrays.items():
        p = names.get(k)
        if p is not None and p.data is not None and p.data.shape != a.shape:
            problems.append(f'{k} has shape {tuple(p.data.shape)} in the dezero model but '
                            f'{a.shape} in the module')
    if problems:
        raise ValueError(f'from_torch: {source} does not match the dezero '
                         f'{type(model).__name__}; nothing was copied:\n  '
                         + '\n  '.join(problems))
    for k, a in arrays.items():
        p = names[k]
        dtype = a.dtype if p.data is None else p.data.dtype
        p.data = a.astype(dtype, copy=False)


def _new_layer(m, torch):
    """A new dezero layer shaped like the plain torch module m (weights assigned later)."""
    nn, C = torch.nn, _twin_classes()
    dt = _np_dtype(m)
    if isinstance(m, nn.Linear):
        return L.Linear(m.out_features, nobias=m.bias is None, in_size=m.in_features, dtype=dt)
    if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d)):
        if m.groups != 1 or tuple(m.dilation) != (1, 1) or m.padding_mode != 'zeros' or \
                isinstance(m.padding, str) or tuple(getattr(m, 'output_padding', (0, 0))) \
                != (0, 0):
            raise ValueError(f'from_torch: {m!r} uses groups, dilation, string padding, a '
                             f'padding mode or output_padding, which dezero\'s layers lack')
        cls = L.Conv2d if isinstance(m, nn.Conv2d) else L.Deconv2d
        return cls(m.out_channels, tuple(m.kernel_size), stride=tuple(m.stride),
                   pad=tuple(m.padding), nobias=m.bias is None, in_channels=m.in_channels,
                   dtype=dt)
    if isinstance(m, nn.modules.batchnorm._BatchNorm):
        if not m.affine or not m.track_running_stats:
            raise ValueError(f'from_torch: {m!r} needs affine=True and track_running_stats=True '
                             f'to become a dezero BatchNorm')
        return L.BatchNorm()
    if isinstance(m, nn.Embedding):
        return L.EmbedID(m.num_embeddings, m.embedding_dim)
    cell = m.cell if isinstance(m, C['Recurrent']) else m
    if isinstance(cell, nn.RNNCell):
        if cell.nonlinearity != 'tanh' or not cell.bias:
            raise ValueError('from_torch: only nn.RNNCell(nonlinearity="tanh", bias=True) has '
                             'a dezero RNN twin')
        return L.RNN(cell.hidden_size, in_size=cell.input_size)
    if isinstance(cell, nn.LSTMCell):
        return L.LSTM(cell.hidden_size, in_size=cell.input_size)
    if isinstance(cell, nn.GRUCell):
        return L.GRU(cell.hidden_size, in_size=cell.input_size)
    if isinstance(m, nn.Sequential):
        items = [_new_item(child, torch) for child in m]
        return models.Sequential(*items)
    raise TypeError(f'from_torch: no dezero counterpart for {type(m).__name__}; pass the dezero '
                    f'model to load into: from_torch(module, model)')


def _new_item(child, torch):
    nn = torch.nn
    simple = {nn.ReLU: F.relu, nn.Sigmoid: F.sigmoid, nn.Tanh: F.tanh, nn.Flatten: F.flatten}
    for cls, fn in simple.items():
        if type(child) is cls:
            if cls is nn.Flatten and (child.start_dim, child.end_dim) != (1, -1):
                break
            return fn
    if type(child) in (nn.Softmax, nn.LogSoftmax):
        fn = F.softmax if type(child) is nn.Softmax else F.log_softmax
        return lambda x, fn=fn, dim=child.dim: fn(x, axis=dim)
    if type(child) is nn.LeakyReLU:
        return lambda x, s=child.negative_slope: F.leaky_relu(x, s)
    if type(child) is nn.Dropout:
        return lambda x, p=child.p: F.dropout(x, p)
    if isinstance(child, _twin_classes()['Function']):
        return getattr(F, child.name)
    return _new_layer(child, torch)


def _np_dtype(m):
    for p in m.parameters():
        return _numpy(p).dtype
    return np.float32


# =============================================================================================
# Recording a user model's forward, and replaying it in torch
# =============================================================================================
_LEAF_LAYERS = (L.Linear, L.Conv2d, L.Deconv2d, L.BatchNorm, L.EmbedID, L.RNN, L.LSTM, L.GRU)


def _traced_twin(model, x, torch):
    C = _twin_classes()
    module = C['Traced']()
    twins, raw = {}, {}
    layer_of = {}  # Parameter -> (twin path, name inside the twin)

    def visit(layer, path, container):
        for name, obj in layer._children():
            full = f'{path}.{name}' if path else name
            twin = None
            # a Cho-form GRU (no torch cell) and subclasses of the layers are replayed from
            # their parts: their Linear layers become nn.Linear, their functions are recorded
            if type(obj) in _LEAF_LAYERS and _created(obj) and not (
                    type(obj) is L.GRU and obj.formulation != 'torch'):
                twin = _twin_of_layer(obj, torch)
            if twin is not None:
                container.add_module(name, twin)
                twins[full] = twin
                for pname, p in model_param_names(obj).values():
                    layer_of[p] = (full, pname)
            elif isinstance(obj, L.Layer):
                sub = torch.nn.Module()
                container.add_module(name, sub)
                visit(obj, full, sub)
            elif obj.data is not None:  # a Parameter of the model itself
                attr = 'p_' + full.replace('.', '_')
                module.register_parameter(attr, torch.nn.Parameter(_tensor(torch, obj.data)))
                raw[full] = attr
                layer_of[obj] = (None, attr)
    visit(model, '', module)
    module._dezero_twins, module._dezero_raw = twins, raw
    tr = trace('to_torch', model, x)
    module._dezero_steps = _record_steps(tr, layer_of, module, torch)
    module._dezero_n_inputs = len(tr.inputs)
    return module


def _created(layer):
    return all(p.data is not None for p in layer.params())


def _record_steps(tr, layer_of, module, torch):
    """The trace as steps (function, [input refs], [output slots]) for _replay."""
    slots = {}  # Variable -> slot number
    for i, v in enumerate(tr.inputs):
        slots[v] = ('input', i)
    held, steps, consts = [], [], 0
    arrays = tr.param_arrays

    def ref(v):
        nonlocal consts
        key = v
        if key in slots:
            return slots[key]
        if key in layer_of:
            return ('param',) + layer_of[key]
        if v.creator is None:  # a constant of the forward (a zero state, an array operand)
            name = f'const_{consts}'
            consts += 1
            module.register_buffer(name, _tensor(torch, v.data), persistent=False)
            slots[key] = ('buffer', name)
            held.append(v)
            return slots[key]
        raise TypeError(f'to_torch: a {type(v.creator).__name__} output is used before it is '
                        f'made')
    for n, f in enumerate(tr.functions):
        op = type(f).__name__
        if op not in _REPLAY:
            raise NotImplementedError(f'to_torch: cannot replay the function {op} in torch; '
                                      f'replayable: {", ".join(sorted(_REPLAY))}')
        ins = [ref(v) for v in f.inputs]
        extra = {}
        if op == 'GetItem':
            extra['ids'] = next((i for i, v in enumerate(tr.inputs)
                                 if isinstance(f.slices, np.ndarray) and f.slices is v.data),
                                None)
            if extra['ids'] is None:
                shape = f.inputs[0].shape
                picks = np.arange(int(np.prod(shape)), dtype=np.int64).reshape(shape)[f.slices]
                name = f'index_{n}'
                module.register_buffer(name, _tensor(torch, picks), persistent=False)
                extra['picks'] = name
        if op == 'BatchNorm':
            extra['stats'] = _bn_twin(f, arrays, layer_of, tr)
        outs = []
        for k, r in enumerate(f.outputs):
            o = r()
            slot = ('value', n, k)
            if o is not None:
                slots[o] = slot
                held.append(o)
            outs.append(o.shape if o is not None else None)
        steps.append((op, _settings(f), ins, outs, extra))
    result = [ref(y) for y in tr.outputs]
    return steps, result


def _bn_twin(f, arrays, layer_of, tr):
    """The twin path whose running statistics a recorded BatchNorm step used, or None."""
    name = arrays.get(id(f.avg_mean))
    if name is None:
        return None
    return name.rsplit('.', 1)[0]


def _settings(f):
    """The settings of a recorded function that the replay needs (plain Python values)."""
    keep = {}
    for attr in ('c', 'axis', 'axes', 'keepdims', 'slope', 'x_min', 'x_max', 'stride', 'pad',
                 'eps', 'decay', 'K', 'with_h', 'args', 'outsize'):
        try:
            keep[attr] = getattr(f, attr)
        except AttributeError:
            pass
    if type(f).__name__ == 'BatchNorm':
        keep['mean'], keep['var'] = np.array(f.avg_mean), np.array(f.avg_var)
    return keep


def _replay(module, xs):
    torch = _torch('dezero.interop')
    steps, result = module._dezero_steps
    if len(xs) != module._dezero_n_inputs:
        raise TypeError(f'Traced: expected {module._dezero_n_inputs} inputs as recorded, got '
                        f'{len(xs)}')
    views = {path: _views(twin, lambda p: p, lambda a, b: a + b)
             for path, twin in module._dezero_twins.items()}
    values = {}

    def get(r):
        kind = r[0]
        if kind == 'input':
            return xs[r[1]]
        if kind == 'value':
            return values[r[1:]]
        if kind == 'buffer':
            return getattr(module, r[1])
        path, name = r[1], r[2]
        return getattr(module, name) if path is None else views[path][name]
    for n, (op, s, ins, outs, extra) in enumerate(steps):
        args = [get(r) for r in ins]
        ys = _REPLAY[op](torch, module, s, args, outs, extra, xs)
        ys = ys if isinstance(ys, tuple) else (ys,)
        for k, y in enumerate(ys):
            values[(n, k)] = y
    ys = [get(r) for r in result]
    return ys[0] if len(ys) == 1 else tuple(ys)


def _r_const(torch, s, like):
    return torch.as_tensor(np.asarray(s['c']), dtype=like.dtype)


def _bin(fn, reflected=False):
    def run(torch, module, s, a, outs, extra, xs):
        if len(a) == 1:
            c = _r_const(torch, s, a[0])
            return fn(c, a[0]) if reflected else fn(a[0], c)
        return fn(a[0], a[1])
    return run


def _unary(name):
    def run(torch, module, s, a, outs, extra, xs):
        return getattr(torch, name)(a[0])
    return run


def _axes(axis, ndim):
    if axis is None:
        return tuple(range(ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    return tuple(int(i) % ndim for i in axes)


def _sum(torch, module, s, a, outs, extra, xs):
    axes = _axes(s['axis'], a[0].dim())
    return a[0].sum(dim=axes, keepdim=bool(s['keepdims'])) if axes else a[0]


def _reduce(name):
    def run(torch, module, s, a, outs, extra, xs):
        return getattr(torch, name)(a[0], dim=_axes(s['axis'], a[0].dim()),
                                    keepdim=bool(s['keepdims']))
    return run


def _sum_to(torch, module, s, a, outs, extra, xs):
    x, shape = a[0], outs[0]
    lead = x.dim() - len(shape)
    axes = tuple(range(lead)) + tuple(lead + i for i, n in enumerate(shape)
                                      if n == 1 and x.shape[lead + i] != 1)
    y = x.sum(dim=axes, keepdim=True) if axes else x
    return y.reshape(shape)


def _get_item(torch, module, s, a, outs, extra, xs):
    if extra.get('ids') is not None:
        return a[0][xs[extra['ids']].long()]
    return a[0].reshape(-1)[getattr(module, extra['picks'])]


def _linear(torch, module, s, a, outs, extra, xs):
    y = a[0] @ a[1]
    return y if len(a) == 2 else y + a[2]


def _gate_linear(torch, module, s, a, outs, extra, xs):
    K, with_h = s['K'], s['with_h']
    x, Wx, b = a[0], a[1:1 + K], a[1 + K:1 + 2 * K]
    blocks = []
    for k in range(K):
        y = x @ Wx[k] + b[k]
        if with_h:
            y = a[1 + 2 * K] @ a[2 + 2 * K + k] + y
        blocks.append(y)
    return torch.cat(blocks, dim=1)


def _batch_norm(torch, module, s, a, outs, extra, xs):
    x, gamma, beta = a
    path = extra['stats']
    if path is not None:
        twin = module._dezero_twins[path]
        mean, var = twin.running_mean, twin.running_var
        return torch.nn.functional.batch_norm(x, mean, var, gamma, beta,
                                              training=module.training,
                                              momentum=1 - s['decay'], eps=s['eps'])
    mean = torch.as_tensor(s['mean'], dtype=x.dtype)
    var = torch.as_tensor(s['var'], dtype=x.dtype)
    return torch.nn.functional.batch_norm(x, mean, var, gamma, beta, training=module.training,
                                          eps=s['eps'])


def _conv(torch, module, s, a, outs, extra, xs):
    return torch.nn.functional.conv2d(a[0], a[1], a[2] if len(a) == 3 else None,
                                      stride=_pair(s['stride']), padding=_pair(s['pad']))


def _deconv(torch, module, s, a, outs, extra, xs):
    x, W = a[0], a[1]
    stride, pad = _pair(s['stride']), _pair(s['pad'])
    out_hw = outs[0][2:]
    extra_pad = tuple(int(o) - (st * (n - 1) + k - 2 * p) for o, st, n, k, p in
                      zip(out_hw, stride, x.shape[2:], W.shape[2:], pad))
    return torch.nn.functional.conv_transpose2d(x, W, a[2] if len(a) == 3 else None,
                                                stride=stride, padding=pad,
                                                output_padding=extra_pad)


def _pool(name, **more):
    def run(torch, module, s, a, outs, extra, xs):
        kernel, stride, pad = s['args']
        return getattr(torch.nn.functional, name)(a[0], _pair(kernel), _pair(stride),
                                                  _pair(pad), **more)
    return run


def _lstm(torch, module, s, a, outs, extra, xs):
    c_prev, g = a
    H = c_prev.shape[1]
    u, i, f, o = (g[:, k * H:(k + 1) * H] for k in range(4))
    c = torch.tanh(u) * torch.sigmoid(i) + torch.sigmoid(f) * c_prev
    return c, torch.sigmoid(o) * torch.tanh(c)


def _gru(torch, module, s, a, outs, extra, xs):
    h, gx, gh = a
    H = h.shape[1]
    z = torch.sigmoid(gx[:, :H] + gh[:, :H])
    r = torch.sigmoid(gx[:, H:2 * H] + gh[:, H:2 * H])
    n = torch.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    return n + z * (h - n)


def _softmax(name):
    def run(torch, module, s, a, outs, extra, xs):
        axis = s['axis']
        if isinstance(axis, (tuple, list)):
            x = a[0]
            m = torch.amax(x, dim=tuple(axis), keepdim=True)
            lse = torch.log(torch.exp(x - m).sum(dim=tuple(axis), keepdim=True)) + m
            return torch.exp(x - lse) if name == 'softmax' else x - lse
        return getattr(torch, name)(a[0], dim=int(axis))
    return run


def _transpose(torch, module, s, a, outs, extra, xs):
    axes = s['axes']
    x = a[0]
    return x.permute(*range(x.dim() - 1, -1, -1)) if axes is None else x.permute(*axes)


_REPLAY = {
    'Add': _bin(lambda a, b: a + b), 'AddConstant': _bin(lambda a, b: a + b),
    'Sub': _bin(lambda a, b: a - b), 'SubConstant': _bin(lambda a, b: a - b),
    'RSubConstant': _bin(lambda a, b: a - b, reflected=True),
    'Mul': _bin(lambda a, b: a * b), 'MulConstant': _bin(lambda a, b: a * b),
    'Div': _bin(lambda a, b: a / b), 'DivConstant': _bin(lambda a, b: a / b),
    'RDivConstant': _bin(lambda a, b: a / b, reflected=True),
    'Pow': _bin(lambda a, b: a ** b), 'RPowConstant': _bin(lambda a, b: a ** b, reflected=True),
    'MatMul': _bin(lambda a, b: a @ b),
    'Neg': lambda torch, m, s, a, o, e, xs: -a[0],
    'Copy': lambda torch, m, s, a, o, e, xs: a[0].clone(),
    'Sin': _unary('sin'), 'Cos': _unary('cos'), 'Tanh': _unary('tanh'), 'Exp': _unary('exp'),
    'Log': _unary('log'), 'Sigmoid': _unary('sigmoid'), 'ReLU': _unary('relu'),
    'LeakyReLU': lambda torch, m, s, a, o, e, xs: torch.nn.functional.leaky_relu(
        a[0], s['slope']),
    'Softmax': _softmax('softmax'), 'LogSoftmax': _softmax('log_softmax'),
    'Clip': lambda torch, m, s, a, o, e, xs: torch.clamp(a[0], s['x_min'], s['x_max']),
    'Linear': _linear, 'GateLinear': _gate_linear,
    'Reshape': lambda torch, m, s, a, o, e, xs: a[0].reshape(o[0]),
    'Transpose': _transpose,
    'Sum': _sum, 'SumTo': _sum_to, 'Max': _reduce('amax'), 'Min': _reduce('amin'),
    'BroadcastTo': lambda torch, m, s, a, o, e, xs: a[0].expand(o[0]),
    'GetItem': _get_item,
    'Concat': lambda torch, m, s, a, o, e, xs: torch.cat(a, dim=int(s['axis'])),
    'BatchNorm': _batch_norm, 'Conv2d': _conv, 'Deconv2d': _deconv,
    'Pooling': _pool('max_pool2d'), 'AveragePooling': _pool('avg_pool2d', count_include_pad=True),
    'LSTM': _lstm, 'GRU': _gru,
}
