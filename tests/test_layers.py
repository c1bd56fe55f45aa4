"""Tests for dezero.layers: registration, lazy weights, saving and loading, each layer's values."""
import os
import pickle

import numpy as np
import pytest

import dezero
import dezero.functions as F
import dezero.layers as L
from dezero import Parameter, Variable, cuda
from dezero.layers import Layer
from helpers import check_function


def _sig(x):
    return 1 / (1 + np.exp(-x))


class Net(Layer):
    """Two levels of nesting, attributes deliberately not in alphabetical order."""

    def __init__(self):
        super().__init__()
        self.z = Parameter(np.arange(3.0))
        self.inner = Layer()
        self.inner.q = Parameter(np.ones((2, 2)))
        self.inner.deep = Layer()
        self.inner.deep.w = Parameter(np.full(4, 2.0))
        self.a = Parameter(np.zeros((1, 3)))
        self.note = 'not a parameter'


# ---------------------------------------------------------------------------------------------
# Registration and parameters
# ---------------------------------------------------------------------------------------------
def test_params_in_assignment_order_with_nesting():
    net = Net()
    assert [p for p in net.params()] == [net.z, net.inner.q, net.inner.deep.w, net.a]
    d = {}
    net._flatten_params(d)
    assert list(d) == ['z', 'inner/q', 'inner/deep/w', 'a']
    assert d['inner/deep/w'] is net.inner.deep.w


def test_reassignment_keeps_position_and_removal_unregisters():
    net = Net()
    net.z = Parameter(np.zeros(1))  # same name: same place
    assert list(net._params) == ['z', 'inner', 'a']
    net.inner = None
    assert list(net._params) == ['z', 'a']
    del net.a
    assert list(net.params()) == [net.z]
    v = Variable(np.ones(2))  # a plain Variable is not a parameter
    net.v = v
    assert 'v' not in net._params


def test_params_follow_every_change_of_structure_below():
    """params() is cached between calls; a change anywhere in the tree must show at once."""
    net = Net()
    assert list(net.params()) == [net.z, net.inner.q, net.inner.deep.w, net.a]
    new = Parameter(np.ones(5))
    net.inner.deep.extra = new  # two levels down
    assert list(net.params()) == [net.z, net.inner.q, net.inner.deep.w, new, net.a]
    replacement = Parameter(np.ones(1))
    net.inner.q = replacement
    assert list(net.params())[1] is replacement
    del net.inner.deep.w
    assert list(net.params()) == [net.z, replacement, new, net.a]
    net.inner.deep = Layer()
    assert list(net.params()) == [net.z, replacement, net.a]
    it = net.params()
    assert next(it) is net.z and list(it) == [replacement, net.a]


def test_shared_parameter_yielded_once():
    net = Layer()
    p = Parameter(np.ones(2))
    net.a = p
    net.sub = Layer()
    net.sub.b = p
    assert list(net.params()) == [p]


def test_cleargrads():
    net = Net()
    for p in net.params():
        p.grad = Variable(np.ones_like(p.data))
    net.cleargrads()
    assert all(p.grad is None for p in net.params())


def test_missing_super_init_is_explained():
    class Bad(Layer):
        def __init__(self):
            self.W = Parameter(np.zeros(1))
    with pytest.raises(AttributeError, match='super'):
        Bad()


def test_call_returns_one_or_tuple_and_keeps_weak_refs():
    class Two(Layer):
        def forward(self, x):
            return x * 2, x * 3

    class One(Layer):
        def forward(self, x):
            return x + 1

    x = Variable(np.ones(2))
    a, b = Two()(x)
    np.testing.assert_array_equal(b.data, [3, 3])
    one = One()
    y = one(x)
    assert isinstance(y, Variable)
    assert one.inputs[0]() is x and one.outputs[0]() is y
    del y
    assert one.outputs[0]() is None
    with pytest.raises(NotImplementedError):
        Layer()(x)

    class Scale(Layer):
        def forward(self, x, c, shape):
            return x * c, shape

    scale = Scale()
    z, shape = scale(x, 2.0, (2,))  # a float and a tuple accept no weak reference
    assert shape == (2,) and scale.inputs[0]() is x and scale.outputs[0]() is z
    assert scale.inputs[1]() is None and scale.inputs[2]() is None and scale.outputs[1]() is None

    class Weighted(Layer):  # a forward with options, as the book's VAE has forward(x, C=1.0)
        def forward(self, x, c=1.0, k=1):
            return x * (c * k)

    weighted = Weighted()
    np.testing.assert_array_equal(weighted(x).data, [1, 1])
    np.testing.assert_array_equal(weighted(x, c=3.0, k=2).data, [6, 6])
    assert len(weighted.inputs) == 1 and weighted.inputs[0]() is x  # options are not inputs


def test_to_cpu_and_to_gpu():
    net = Net()
    net.to_cpu()
    assert isinstance(net.z.data, np.ndarray)
    if not cuda.gpu_enable:
        with pytest.raises(RuntimeError, match='CuPy'):
            net.to_gpu()


# ---------------------------------------------------------------------------------------------
# Saving and loading
# ---------------------------------------------------------------------------------------------
def _randomise(net, seed):
    rng = np.random.default_rng(seed)
    for p in net.params():
        p.data = rng.standard_normal(p.shape).astype(p.dtype)


def _values(net):
    return [p.data.copy() for p in net.params()]


@pytest.mark.parametrize('name', ['w.npz', 'w', 'w.bin'])
def test_save_load_round_trip_lands_exactly_at_path(tmp_path, name):
    net = Net()
    _randomise(net, 0)
    want = _values(net)
    path = tmp_path / name
    net.save_weights(path)
    assert sorted(os.listdir(tmp_path)) == [name]
    other = Net()
    other.load_weights(str(path))
    for got, w in zip(_values(other), want):
        np.testing.assert_array_equal(got, w)


def test_load_keeps_dtype(tmp_path):
    net = Layer()
    net.W = Parameter(np.ones((2, 3)))
    net.save_weights(tmp_path / 'f64.npz')
    target = Layer()
    target.W = Parameter(np.zeros((2, 3), dtype=np.float32))
    target.load_weights(tmp_path / 'f64.npz')
    assert target.W.dtype == np.float32
    np.testing.assert_array_equal(target.W.data, 1)


def test_save_with_real_file_keys(tmp_path):
    net = Net()
    net.save_weights(tmp_path / 'n.npz')
    with np.load(tmp_path / 'n.npz') as f:
        assert sorted(f.files) == sorted(['z', 'inner/q', 'inner/deep/w', 'a'])


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = tmp_path / 'model.npz'
    net = Net()
    net.save_weights(path)
    before = path.read_bytes()

    def broken_savez(file, *args, **kwds):
        file.write(b'PK\x03\x04 half an archive')
        raise OSError('disk full')

    _randomise(net, 1)
    monkeypatch.setattr(np, 'savez', broken_savez)
    with pytest.raises(OSError, match='disk full'):
        net.save_weights(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ['model.npz']


def test_save_interrupted_by_ctrl_c_leaves_no_temp_file(tmp_path, monkeypatch):
    def interrupted(*args, **kwds):
        raise KeyboardInterrupt
    monkeypatch.setattr(os, 'replace', interrupted)
    with pytest.raises(KeyboardInterrupt):
        Net().save_weights(tmp_path / 'm.npz')
    assert os.listdir(tmp_path) == []


def test_save_into_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        Net().save_weights(tmp_path / 'no' / 'w.npz')


def _saved(tmp_path, **arrays):
    path = tmp_path / 'file.npz'
    np.savez(path, **arrays)
    return path


def _good_arrays():
    return {'z': np.arange(3.0) + 10, 'inner/q': np.full((2, 2), 7.0),
            'inner/deep/w': np.full(4, 5.0), 'a': np.ones((1, 3))}


def _assert_unchanged(net):
    for got, want in zip(_values(net), _values(Net())):
        np.testing.assert_array_equal(got, want)


def test_load_missing_key(tmp_path):
    arrays = _good_arrays()
    del arrays['inner/deep/w']
    net = Net()
    with pytest.raises(ValueError, match=r"missing.*inner/deep/w"):
        net.load_weights(_saved(tmp_path, **arrays))
    _assert_unchanged(net)


def test_load_extra_key(tmp_path):
    net = Net()
    with pytest.raises(ValueError, match=r"does not have.*'b'"):
        net.load_weights(_saved(tmp_path, b=np.ones(2), **_good_arrays()))
    _assert_unchanged(net)


def test_load_shape_mismatch_names_both_shapes_and_loads_nothing(tmp_path):
    arrays = _good_arrays()
    arrays['a'] = np.ones((3, 1))
    net = Net()
    with pytest.raises(ValueError) as e:
        net.load_weights(_saved(tmp_path, **arrays))
    msg = str(e.value)
    assert "'a'" in msg and '(1, 3)' in msg and '(3, 1)' in msg
    _assert_unchanged(net)  # 'z' comes first in the file and still was not assigned


def test_load_refuses_pickles(tmp_path):
    path = tmp_path / 'obj.npz'
    np.savez(path, z=np.array([{'evil': 1}], dtype=object))
    with pytest.raises(ValueError, match='unpickling'):
        Net().load_weights(path)
    raw = tmp_path / 'raw.pkl'
    raw.write_bytes(pickle.dumps(_good_arrays()))
    with pytest.raises(ValueError, match='unpickling'):
        Net().load_weights(raw)
    single = tmp_path / 'single.npy'
    np.save(single, np.ones(3))
    with pytest.raises(ValueError, match='npz'):
        Net().load_weights(single)


def test_lazy_parameters_are_skipped_on_save_and_filled_on_load(tmp_path):
    lazy = L.Linear(3)
    lazy.save_weights(tmp_path / 'lazy.npz')
    with np.load(tmp_path / 'lazy.npz') as f:
        assert f.files == ['b']
    L.Linear(3).load_weights(tmp_path / 'lazy.npz')  # still lazy: nothing missing

    full = L.Linear(3, in_size=2)
    full.save_weights(tmp_path / 'full.npz')
    fresh = L.Linear(3)
    fresh.load_weights(tmp_path / 'full.npz')
    np.testing.assert_array_equal(fresh.W.data, full.W.data)


@pytest.mark.skipif(not cuda.gpu_enable, reason='CuPy is not installed')
def test_save_from_gpu_writes_numpy(tmp_path):
    net = Net()
    _randomise(net, 3)
    want = _values(net)
    net.to_gpu()
    net.save_weights(tmp_path / 'gpu.npz')
    with np.load(tmp_path / 'gpu.npz') as f:
        np.testing.assert_array_equal(f['z'], want[0])
    other = Net().to_gpu()
    other.load_weights(tmp_path / 'gpu.npz')
    assert cuda.get_array_module(other.z.data) is not np


# ---------------------------------------------------------------------------------------------
# Linear, Conv2d, Deconv2d, EmbedID
# ---------------------------------------------------------------------------------------------
def test_linear_lazy_weights_from_global_rng():
    np.random.seed(0)
    layer = L.Linear(4)
    assert layer.W.data is None and layer.b.data.dtype == np.float32
    x = np.random.default_rng(1).standard_normal((5, 3))
    y = layer(x)
    np.random.seed(0)
    want_W = np.random.randn(3, 4).astype(np.float32) * np.float32(np.sqrt(1 / 3))
    np.testing.assert_array_equal(layer.W.data, want_W)
    assert layer.W.dtype == np.float32
    np.testing.assert_allclose(y.data, x @ want_W, rtol=1e-6)
    assert [p.name for p in layer.params()] == ['W', 'b']


def test_linear_eager_nobias_and_float32_flow():
    layer = L.Linear(2, nobias=True, in_size=3)
    assert layer.W.shape == (3, 2) and layer.b is None
    assert list(layer.params()) == [layer.W]
    y = layer(np.ones((4, 3), dtype=np.float32))
    assert y.dtype == np.float32
    layer64 = L.Linear(2, dtype=np.float64, in_size=3)
    assert layer64.W.dtype == np.float64 and layer64.b.dtype == np.float64


def test_linear_gradients():
    layer = L.Linear(2, in_size=3, dtype=np.float64)
    layer.b.data[:] = [0.1, -0.2]
    check_function(lambda x: layer(x), np.random.default_rng(0).standard_normal((4, 3)))
    layer.cleargrads()  # check_function's backward passes reached the parameters too
    x = Variable(np.ones((4, 3)))
    F.sum(layer(x)).backward()
    np.testing.assert_allclose(layer.b.grad.data, [4, 4])
    np.testing.assert_allclose(layer.W.grad.data, np.full((3, 2), 4.0))


def test_constructor_errors():
    with pytest.raises(ValueError, match='Linear.*out_size'):
        L.Linear(0)
    with pytest.raises(ValueError, match='Conv2d.*in_channels'):
        L.Conv2d(3, 3, in_channels=-1)
    with pytest.raises(TypeError, match='LSTM.*float 2.5'):
        L.LSTM(2.5)


def _conv_ref(x, W, b, stride, pad):
    """Direct loop convolution (NCHW, weights (OC, C, KH, KW))."""
    N, C, H, Wd = x.shape
    OC, _, KH, KW = W.shape
    xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    OH = (H + 2 * pad - KH) // stride + 1
    OW = (Wd + 2 * pad - KW) // stride + 1
    y = np.zeros((N, OC, OH, OW))
    for i in range(OH):
        for j in range(OW):
            patch = xp[:, :, i * stride:i * stride + KH, j * stride:j * stride + KW]
            y[:, :, i, j] = np.tensordot(patch, W, axes=([1, 2, 3], [1, 2, 3]))
    return y + (0 if b is None else b.reshape(1, -1, 1, 1))


def test_conv2d_lazy_shape_and_values():
    layer = L.Conv2d(4, kernel_size=3, stride=2, pad=1)
    assert layer.W.data is None
    x = np.random.default_rng(0).standard_normal((2, 3, 7, 7)).astype(np.float32)
    y = layer(x)
    assert layer.W.shape == (4, 3, 3, 3) and layer.W.dtype == np.float32
    assert y.shape == (2, 4, 4, 4)
    want = _conv_ref(x.astype(np.float64), layer.W.data.astype(np.float64),
                     layer.b.data, 2, 1)
    np.testing.assert_allclose(y.data, want, rtol=1e-4, atol=1e-5)


def test_conv2d_eager_scale():
    np.random.seed(3)
    layer = L.Conv2d(2, (2, 3), in_channels=5, nobias=True)
    np.random.seed(3)
    want = np.random.randn(2, 5, 2, 3).astype(np.float32) * np.float32(np.sqrt(1 / 30))
    np.testing.assert_array_equal(layer.W.data, want)
    assert layer.b is None


def test_deconv2d_weight_layout_and_adjointness():
    # deconv2d is the transpose of conv2d with the same W (in the (C_in, C_out) layout)
    layer = L.Deconv2d(3, kernel_size=3, stride=2, pad=1, nobias=True, dtype=np.float64)
    x = np.random.default_rng(0).standard_normal((1, 2, 4, 4))
    y = layer(x)
    assert layer.W.shape == (2, 3, 3, 3)
    assert y.shape == (1, 3, 7, 7)
    u = np.random.default_rng(1).standard_normal(y.shape)
    conv_u = F.conv2d(u, layer.W.data, None, 2, 1).data
    np.testing.assert_allclose(np.sum(y.data * u), np.sum(x * conv_u), rtol=1e-10)


def test_embed_id():
    layer = L.EmbedID(5, 3)
    assert layer.W.shape == (5, 3) and layer.W.dtype == np.float32
    ids = np.array([[0, 4], [4, 2]])
    y = layer(ids)
    assert y.shape == (2, 2, 3)
    np.testing.assert_array_equal(y.data, layer.W.data[ids])


# ---------------------------------------------------------------------------------------------
# Recurrent layers
# ---------------------------------------------------------------------------------------------
def _W(layer):
    return layer.W.data.astype(np.float64)


def _lin(layer, x):
    y = x @ _W(layer)
    return y if layer.b is None else y + layer.b.data


def _run_two_steps(layer, x):
    layer.reset_state()
    h1 = layer(x)
    return h1, layer(x * 0.5 + 0.1)


def test_rnn_values_state_and_reset():
    rnn = L.RNN(4, in_size=3)
    x = np.random.default_rng(0).standard_normal((2, 3))
    h1, h2 = _run_two_steps(rnn, x)
    want1 = np.tanh(_lin(rnn.x2h, x))
    want2 = np.tanh(_lin(rnn.x2h, x * 0.5 + 0.1) + _lin(rnn.h2h, want1))
    np.testing.assert_allclose(h1.data, want1, rtol=1e-6)
    np.testing.assert_allclose(h2.data, want2, rtol=1e-6)
    assert rnn.h is h2
    rnn.reset_state()
    assert rnn.h is None
    np.testing.assert_allclose(rnn(x).data, want1, rtol=1e-6)


def test_rnn_lazy_input_size():
    rnn = L.RNN(4)
    assert rnn.x2h.W.data is None and rnn.h2h.W.data is None
    rnn(np.ones((2, 3)))
    rnn(np.ones((2, 3)))
    assert rnn.x2h.W.shape == (3, 4) and rnn.h2h.W.shape == (4, 4)


def test_lstm_values_against_numpy():
    lstm = L.LSTM(3, in_size=2)
    x = np.random.default_rng(0).standard_normal((4, 2))
    x2 = x * 0.5 + 0.1
    h1, h2 = _run_two_steps(lstm, x)
    f, i, o, u = (_sig(_lin(lstm.x2f, x)), _sig(_lin(lstm.x2i, x)), _sig(_lin(lstm.x2o, x)),
                  np.tanh(_lin(lstm.x2u, x)))
    c1 = i * u
    want1 = o * np.tanh(c1)
    g = {k: _lin(getattr(lstm, 'x2' + k), x2) + _lin(getattr(lstm, 'h2' + k), want1)
         for k in 'fiou'}
    c2 = _sig(g['f']) * c1 + _sig(g['i']) * np.tanh(g['u'])
    want2 = _sig(g['o']) * np.tanh(c2)
    np.testing.assert_allclose(h1.data, want1, rtol=1e-5)
    np.testing.assert_allclose(h2.data, want2, rtol=1e-5)
    np.testing.assert_allclose(lstm.c.data, c2, rtol=1e-5)
    assert lstm.h2f.b is None and lstm.x2f.b is not None
    lstm.reset_state()
    assert lstm.h is None and lstm.c is None


@pytest.mark.parametrize('cls', [L.RNN, L.LSTM, L.GRU])
def test_recurrent_layer_takes_one_unbatched_sample(cls):
    """A 1-D x is one sample, as the book's layers allow: outputs and weight gradients equal
    those of the same sample as a batch of one."""
    xs = np.random.default_rng(3).standard_normal((3, 2))
    one, batch = cls(3, in_size=2), cls(3, in_size=2)
    for p, q in zip(one.params(), batch.params()):
        q.data = p.data.copy()
    outs = [(one(x), batch(x[None])) for x in xs]
    for h, hb in outs:
        assert h.shape == (3,)
        np.testing.assert_allclose(h.data, hb.data[0], rtol=1e-6)
    F.sum(outs[-1][0] ** 2).backward()
    F.sum(outs[-1][1] ** 2).backward()
    for p, q in zip(one.params(), batch.params()):
        np.testing.assert_allclose(p.grad.data, q.grad.data, rtol=1e-5, atol=1e-7)


def test_gru_values_against_numpy():
    gru = L.GRU(3, in_size=2, formulation='cho')
    x = np.random.default_rng(0).standard_normal((4, 2))
    x2 = x * 0.5 + 0.1
    h1, h2 = _run_two_steps(gru, x)
    want1 = (1 - _sig(_lin(gru.x2z, x))) * np.tanh(_lin(gru.x2n, x))
    z = _sig(_lin(gru.x2z, x2) + _lin(gru.h2z, want1))
    r = _sig(_lin(gru.x2r, x2) + _lin(gru.h2r, want1))
    n = np.tanh(_lin(gru.x2n, x2) + _lin(gru.h2n, r * want1))
    want2 = (1 - z) * n + z * want1
    np.testing.assert_allclose(h1.data, want1, rtol=1e-5)
    np.testing.assert_allclose(h2.data, want2, rtol=1e-5)
    assert [k for k in gru._params] == ['x2z', 'x2r', 'x2n', 'h2z', 'h2r', 'h2n']


def test_gru_torch_formulation_values_against_numpy():
    """The default GRU is PyTorch's: the reset gate scales h2n(h), which has a bias of its own."""
    gru = L.GRU(3, in_size=2)
    assert gru.formulation == 'torch'
    x = np.random.default_rng(0).standard_normal((4, 2))
    x2 = x * 0.5 + 0.1
    h1, h2 = _run_two_steps(gru, x)
    zeros = np.zeros((4, 3))
    hs = [zeros]
    for xt in (x, x2):
        h = hs[-1]
        z = _sig(_lin(gru.x2z, xt) + _lin(gru.h2z, h))
        r = _sig(_lin(gru.x2r, xt) + _lin(gru.h2r, h))
        n = np.tanh(_lin(gru.x2n, xt) + r * _lin(gru.h2n, h))
        hs.append((1 - z) * n + z * h)
    np.testing.assert_allclose(h1.data, hs[1], rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(h2.data, hs[2], rtol=1e-5, atol=1e-7)
    assert [k for k in gru._params] == ['x2z', 'x2r', 'x2n', 'h2z', 'h2r', 'h2n']
    assert all(getattr(gru, 'h2' + g).b is not None for g in 'zrn')


@pytest.mark.parametrize('in_size', [5, None])
def test_gru_torch_init_is_uniform_within_one_over_sqrt_hidden(in_size):
    np.random.seed(0)
    gru = L.GRU(16, in_size=in_size)
    gru(np.zeros((2, 5), dtype=np.float32))
    bound = 1 / np.sqrt(16)
    for p in gru.params():
        assert p.dtype == np.float32
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.8 * bound
    assert gru.x2z.W.shape == (5, 16) and gru.h2n.W.shape == (16, 16)


def test_gru_rejects_unknown_formulation():
    with pytest.raises(ValueError, match="GRU: formulation must be 'torch' or 'cho'"):
        L.GRU(3, formulation='pytorch')


def test_gru_matches_torch_gru_cell_outputs_and_gradients():
    torch = pytest.importorskip('torch')
    gru = L.GRU(4, in_size=3)
    cell = torch.nn.GRUCell(3, 4).double()
    with torch.no_grad():  # torch stacks the gates as [r | z | n], weights as (out, in)
        for side, W, b in (('x', cell.weight_ih, cell.bias_ih), ('h', cell.weight_hh,
                                                                  cell.bias_hh)):
            for k, g in enumerate('rzn'):
                layer = getattr(gru, side + '2' + g)
                W[4 * k:4 * k + 4] = torch.from_numpy(layer.W.data.T.astype(np.float64))
                b[4 * k:4 * k + 4] = torch.from_numpy(layer.b.data.astype(np.float64))
    xs = np.random.default_rng(1).standard_normal((3, 2, 3)).astype(np.float32)
    loss, tloss, h = 0, 0, None
    for x in xs:
        loss = loss + F.sum(gru(x) ** 2)
        h = cell(torch.from_numpy(x.astype(np.float64)), h)
        tloss = tloss + (h ** 2).sum()
    loss.backward()
    tloss.backward()
    np.testing.assert_allclose(gru.h.data, h.detach().numpy(), rtol=1e-5, atol=1e-6)
    for k, g in enumerate('rzn'):
        rows = slice(4 * k, 4 * k + 4)
        for side, W, b in (('x', cell.weight_ih, cell.bias_ih), ('h', cell.weight_hh,
                                                                  cell.bias_hh)):
            layer = getattr(gru, side + '2' + g)
            np.testing.assert_allclose(layer.W.grad.data, W.grad[rows].numpy().T, rtol=1e-4,
                                       atol=1e-5)
            np.testing.assert_allclose(layer.b.grad.data, b.grad[rows].numpy(), rtol=1e-4,
                                       atol=1e-5)


@pytest.mark.parametrize('N, H', [(2, 3), (1, 1)])
def test_fused_gru_step_gradients(N, H):
    """F.gru, the fused step behind L.GRU: first and second derivatives against central
    differences for every input (h_prev, gx, gh)."""
    rng = np.random.default_rng(N + H)
    check_function(F.gru, rng.standard_normal((N, H)), rng.standard_normal((N, 3 * H)),
                   rng.standard_normal((N, 3 * H)))


def test_fused_gru_step_values_and_shape_errors():
    rng = np.random.default_rng(0)
    h, gx, gh = rng.standard_normal((4, 2)), rng.standard_normal((4, 6)), rng.standard_normal(
        (4, 6))
    z = _sig(gx[:, :2] + gh[:, :2])
    r = _sig(gx[:, 2:4] + gh[:, 2:4])
    n = np.tanh(gx[:, 4:] + r * gh[:, 4:])
    np.testing.assert_allclose(F.gru(h, gx, gh).data, (1 - z) * n + z * h, rtol=1e-12)
    with pytest.raises(ValueError, match=r'gru: expected h_prev of shape \(N, H\)'):
        F.gru(h, gx[:, :5], gh)


def test_linear_torch_init():
    np.random.seed(0)
    lin = L.Linear(50, in_size=400, init='torch')
    bound = 1 / np.sqrt(400)
    assert np.abs(lin.W.data).max() <= bound and np.abs(lin.b.data).max() <= bound
    assert np.abs(lin.b.data).max() > 0.5 * bound  # the bias is drawn too, not zero
    assert lin.W.dtype == np.float32 and lin.b.dtype == np.float32
    lazy = L.Linear(50, init='torch')
    lazy(np.zeros((1, 400), dtype=np.float32))
    assert np.abs(lazy.W.data).max() <= bound and np.abs(lazy.b.data).max() > 0.5 * bound
    np.random.seed(0)
    book = L.Linear(50, in_size=400)
    assert np.all(book.b.data == 0) and book.W.data.std() > 1.5 * lin.W.data.std()
    with pytest.raises(ValueError, match="Linear: init must be 'book' or 'torch'"):
        L.Linear(3, init='kaiming')


@pytest.mark.parametrize('make', [lambda: L.RNN(3, in_size=2), lambda: L.LSTM(3, in_size=2),
                                  lambda: L.GRU(3, in_size=2),
                                  lambda: L.GRU(3, in_size=2, formulation='cho')])
@pytest.mark.parametrize('shape', [(2, 2), (2,)], ids=['batch', 'one_sample'])
def test_recurrent_gradients_through_two_steps(make, shape):
    layer = make()

    def two_steps(x):
        return _run_two_steps(layer, x)[1]
    x = np.random.default_rng(0).standard_normal(shape)
    check_function(two_steps, x, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize('cls', [L.RNN, L.LSTM, L.GRU])
def test_recurrent_parameter_gradients_and_truncation(cls):
    layer = cls(4)
    xs = np.random.default_rng(0).standard_normal((3, 2, 5)).astype(np.float32)
    loss = 0
    for x in xs:
        loss = loss + F.sum(layer(x) ** 2)
    layer.cleargrads()
    loss.backward()
    grads = [p.grad for p in layer.params()]
    assert all(g is not None and g.dtype == np.float32 for g in grads)
    assert all(np.abs(g.data).sum() > 0 for g in grads)
    layer.h.unchain_backward()
    assert layer.h.creator is None


# ---------------------------------------------------------------------------------------------
# BatchNorm
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize('shape', [(8, 3), (4, 3, 2, 2)])
def test_batch_norm_train_and_test_mode(shape):
    axes = (0,) if len(shape) == 2 else (0, 2, 3)
    bshape = (1, 3) + (1,) * (len(shape) - 2)
    bn = L.BatchNorm()
    assert [k for k in bn._params] == ['avg_mean', 'avg_var', 'gamma', 'beta']
    x = np.random.default_rng(0).standard_normal(shape) * 3 + 2
    y = bn(x)
    assert bn.gamma.shape == (3,) and bn.avg_mean.dtype == x.dtype
    np.testing.assert_allclose(y.data.mean(axis=axes), 0, atol=1e-7)
    np.testing.assert_allclose(y.data.var(axis=axes), 1, rtol=1e-3)
    mean = x.mean(axis=axes)
    np.testing.assert_allclose(bn.avg_mean.data, 0.1 * mean, rtol=1e-10)
    assert np.all(bn.avg_var.data > 0.9)  # moved from 1 towards the batch variance

    bn.gamma.data[:] = [1.0, 2.0, 0.5]
    bn.beta.data[:] = [0.0, -1.0, 1.0]
    avg_mean, avg_var = bn.avg_mean.data.copy(), bn.avg_var.data.copy()
    with dezero.test_mode():
        y = bn(x)
    np.testing.assert_array_equal(bn.avg_mean.data, avg_mean)  # not updated in test mode
    want = ((x - avg_mean.reshape(bshape)) / np.sqrt(avg_var.reshape(bshape) + 2e-5)
            * bn.gamma.data.reshape(bshape) + bn.beta.data.reshape(bshape))
    np.testing.assert_allclose(y.data, want, rtol=1e-6)


def test_batch_norm_running_stats_are_saved(tmp_path):
    bn = L.BatchNorm()
    bn(np.random.default_rng(0).standard_normal((6, 2)))
    bn.save_weights(tmp_path / 'bn.npz')
    other = L.BatchNorm()
    other.load_weights(tmp_path / 'bn.npz')
    np.testing.assert_array_equal(other.avg_var.data, bn.avg_var.data)
    with dezero.test_mode():
        x = np.ones((2, 2))
        np.testing.assert_array_equal(other(x).data, bn(x).data)


def test_batch_norm_rejects_3d():
    with pytest.raises(ValueError, match='BatchNorm'):
        L.BatchNorm()(np.ones((2, 3, 4)))


def test_public_names():
    for name in ['Layer', 'Linear', 'Conv2d', 'Deconv2d', 'RNN', 'LSTM', 'GRU', 'EmbedID',
                 'BatchNorm']:
        assert getattr(L, name).__doc__
    assert dezero.layers is L


# --- PyTorch as an oracle --------------------------------------------------------------------
def test_lstm_against_torch_lstm_cell():
    """Three steps of LSTM equal torch's LSTMCell given the same weights (its gate order is
    i, f, g, o; the h-weights carry no bias here), in values and in every gradient."""
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(5)
    I, H = 3, 4
    lstm = L.LSTM(H, in_size=I)
    xs = [rng.standard_normal((2, I)) for _ in range(3)]
    u = rng.standard_normal((2, H))
    xvs = [Variable(x) for x in xs]
    for x in xvs:
        h = lstm(x)
    loss = F.sum(h * u) + F.sum(lstm.c ** 2)
    lstm.cleargrads()
    loss.backward()

    order = 'ifuo'  # torch's i, f, g (our candidate u), o
    cell = torch.nn.LSTMCell(I, H, dtype=torch.float64)
    with torch.no_grad():
        cell.weight_ih.copy_(torch.tensor(np.concatenate(
            [getattr(lstm, 'x2' + g).W.data.T for g in order])))
        cell.bias_ih.copy_(torch.tensor(np.concatenate(
            [getattr(lstm, 'x2' + g).b.data for g in order])))
        cell.weight_hh.copy_(torch.tensor(np.concatenate(
            [getattr(lstm, 'h2' + g).W.data.T for g in order])))
        cell.bias_hh.zero_()
    txs = [torch.tensor(x, requires_grad=True) for x in xs]
    state = None
    for tx in txs:
        state = cell(tx, state)
    th, tc = state
    ((th * torch.tensor(u)).sum() + (tc ** 2).sum()).backward()

    np.testing.assert_allclose(h.data, th.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(lstm.c.data, tc.detach().numpy(), rtol=1e-12, atol=1e-14)
    for xv, tx in zip(xvs, txs):
        np.testing.assert_allclose(xv.grad.data, tx.grad.numpy(), rtol=1e-10, atol=1e-13)
    # float64 data into the float32 weights: NumPy's promotion, as in the book, so the
    # weights' gradients are float64 and agree with torch's float64 cell
    for k, g in enumerate(order):
        rows = slice(k * H, (k + 1) * H)
        assert getattr(lstm, 'x2' + g).W.grad.dtype == np.float64
        np.testing.assert_allclose(getattr(lstm, 'x2' + g).W.grad.data,
                                   cell.weight_ih.grad.numpy()[rows].T, rtol=1e-10,
                                   atol=1e-13)
        np.testing.assert_allclose(getattr(lstm, 'x2' + g).b.grad.data,
                                   cell.bias_ih.grad.numpy()[rows], rtol=1e-10, atol=1e-13)
        np.testing.assert_allclose(getattr(lstm, 'h2' + g).W.grad.data,
                                   cell.weight_hh.grad.numpy()[rows].T, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize('shape', [(6, 3), (4, 3, 2, 5)], ids=['2d', '4d'])
def test_batch_norm_against_torch(shape):
    """Training steps normalise with the batch statistics and move the running averages as
    torch's BatchNorm does (momentum 1 - decay, unbiased running variance); test mode then
    uses the running averages. Gradients of x, gamma and beta agree too."""
    torch = pytest.importorskip('torch')
    rng = np.random.default_rng(2)
    C = shape[1]
    bn = L.BatchNorm()
    tbn = (torch.nn.BatchNorm1d if len(shape) == 2 else torch.nn.BatchNorm2d)(
        C, eps=2e-5, momentum=0.1, dtype=torch.float64)
    for step in range(3):
        x = rng.standard_normal(shape) * 2 + 1
        u = rng.standard_normal(shape)
        xv = Variable(x)
        y = bn(xv)
        if step == 0:  # the same gamma and beta on both sides from here on
            bn.gamma.data[...] = rng.standard_normal(C)
            bn.beta.data[...] = rng.standard_normal(C)
            with torch.no_grad():
                tbn.weight.copy_(torch.tensor(bn.gamma.data))
                tbn.bias.copy_(torch.tensor(bn.beta.data))
                tbn.running_mean.copy_(torch.tensor(bn.avg_mean.data))
                tbn.running_var.copy_(torch.tensor(bn.avg_var.data))
            continue
        bn.cleargrads()
        F.sum(y * u).backward()
        tx = torch.tensor(x, requires_grad=True)
        tbn.zero_grad()
        ty = tbn(tx)
        (ty * torch.tensor(u)).sum().backward()
        np.testing.assert_allclose(y.data, ty.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(xv.grad.data, tx.grad.numpy(), rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(bn.gamma.grad.data, tbn.weight.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(bn.beta.grad.data, tbn.bias.grad.numpy(), rtol=1e-10)
        np.testing.assert_allclose(bn.avg_mean.data, tbn.running_mean.numpy(), rtol=1e-12)
        np.testing.assert_allclose(bn.avg_var.data, tbn.running_var.numpy(), rtol=1e-12)
    x = rng.standard_normal(shape)
    tbn.eval()
    with dezero.test_mode():
        np.testing.assert_allclose(bn(x).data, tbn(torch.tensor(x)).detach().numpy(),
                                   rtol=1e-10, atol=1e-12)
