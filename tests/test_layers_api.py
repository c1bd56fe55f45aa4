"""Layers as a PyTorch user meets them (issue 17): argument-order traps, recurrent state checks,
unreadable weight files, state_dict / load_state_dict and the repr of a layer tree."""
import zipfile

import numpy as np
import pytest

import dezero.functions as F
import dezero.layers as L
from dezero import Parameter, Variable
from dezero.layers import Layer
from dezero.models import MLP, Sequential


# --- item 1: the book's argument order, refused where PyTorch's order would build nonsense ----
def test_linear_in_out_order_is_refused_with_the_fix():
    with pytest.raises(TypeError) as e:
        L.Linear(2, 3)  # torch.nn.Linear(2, 3); here 3 would have been nobias
    msg = str(e.value)
    assert 'Linear: nobias must be a bool, got int 3' in msg
    assert 'Linear(out_size, nobias=False, dtype=np.float32, in_size=None)' in msg
    assert 'Linear(3, in_size=2)' in msg


@pytest.mark.parametrize('nobias', [True, False, np.bool_(True)])
def test_linear_nobias_as_bool_still_works(nobias):
    layer = L.Linear(3, nobias, in_size=2)
    assert (layer.b is None) == bool(nobias)
    assert layer(np.ones((1, 2), np.float32)).shape == (1, 3)


@pytest.mark.parametrize('cls', [L.Conv2d, L.Deconv2d])
def test_conv_pytorch_order_is_refused(cls):
    name = cls.__name__
    with pytest.raises(TypeError) as e:
        cls(3, 16, 3, 1, 1)  # torch: in 3, out 16, kernel 3, stride 1, padding 1
    msg = str(e.value)
    assert f'{name}: nobias must be a bool, got int 1' in msg
    assert f'{name}(out_channels, kernel_size, stride=1, pad=0, nobias=False' in msg
    assert f'{name}(16, 3, 1, 1, in_channels=3)' in msg
    # the book's positional form (ResNet's bottlenecks) is untouched
    assert cls(8, 1, 2, 0, True).b is None


@pytest.mark.parametrize('make, exc, match', [
    (lambda: L.Conv2d('abc', 3), TypeError, r"Conv2d: out_channels must be a positive int, "
                                            r"got str 'abc'"),
    (lambda: L.Conv2d(4, 'a'), TypeError, 'Conv2d: kernel_size must be an int or a pair'),
    (lambda: L.Conv2d(4, 0), ValueError, 'Conv2d: kernel_size must be at least 1'),
    (lambda: L.Conv2d(4, 3, stride=(1, 0)), ValueError, 'Conv2d: stride must be at least 1'),
    (lambda: L.Deconv2d(4, 3, pad=-1), ValueError, 'Deconv2d: pad must be at least 0'),
    (lambda: L.Conv2d(4, 3, 1, 0, False, 'abc'), TypeError, 'Conv2d: dtype must be a floating'),
    (lambda: L.Linear(3, False, np.int64), TypeError, 'Linear: dtype must be a floating'),
    (lambda: L.Linear(2.5), TypeError, 'Linear: out_size must be a positive int, got float'),
    (lambda: L.Linear(0), ValueError, 'Linear: out_size must be a positive int, got 0'),
    (lambda: L.EmbedID(10.0, 3), TypeError, 'EmbedID: in_size must be a positive int'),
    (lambda: L.RNN('8'), TypeError, 'RNN: hidden_size must be a positive int'),
    (lambda: L.GRU(None), TypeError, 'GRU: hidden_size must be a positive int'),
])
def test_constructor_argument_errors(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_conv_kernel_as_pair_list_is_accepted():
    assert L.Conv2d(2, [3, 1], in_channels=1).W.shape == (2, 1, 3, 1)


@pytest.mark.parametrize('cls', [L.RNN, L.LSTM, L.GRU])
def test_recurrent_pytorch_order_is_named_at_the_first_call(cls):
    name = cls.__name__
    layer = cls(4, 6)  # torch: input 4, hidden 6; here hidden 4, in_size 6
    with pytest.raises(ValueError) as e:
        layer(np.zeros((2, 4), np.float32))
    msg = str(e.value)
    assert f'{name}: input of shape (2, 4) has 4 features' in msg and 'take 6' in msg
    assert f'{name}(hidden_size, in_size=None)' in msg and f'{name}(4, in_size=4)' in msg
    assert cls(6, in_size=4)(np.zeros((2, 4), np.float32)).shape == (2, 6)


@pytest.mark.parametrize('cls', [L.RNN, L.LSTM, L.GRU])
def test_recurrent_other_batch_size_needs_reset_state(cls):
    name = cls.__name__
    layer = cls(3)
    layer(np.ones((4, 2), np.float32))
    with pytest.raises(ValueError, match=f'{name}: input of shape \\(1, 2\\) is a batch of 1, '
                                         f'but the hidden state .* batch of 4; call '
                                         f'reset_state\\(\\)'):
        layer(np.ones((1, 2), np.float32))  # before: broadcast silently against the old h
    with pytest.raises(ValueError, match=f'{name}: input of shape \\(4, 5\\) has 5 features'):
        layer(np.ones((4, 5), np.float32))
    layer.reset_state()
    assert layer(np.ones((1, 2), np.float32)).shape == (1, 3)


def test_unbatched_recurrent_input_keeps_working():
    for cls in (L.RNN, L.LSTM):
        layer = cls(3)
        for _ in range(3):
            assert layer(np.ones(2, np.float32)).shape == (3,)


# --- clear errors: unreadable weight files ------------------------------------------------------
def _saved(tmp_path):
    model = MLP((5, 2))
    model(np.zeros((1, 3), np.float32))
    path = tmp_path / 'w.npz'
    model.save_weights(path)
    return model, path


def _corrupt(raw):
    # flip bytes inside the first member's compressed/stored data, keeping the zip directory
    b = bytearray(raw)
    for i in range(80, 200):
        b[i] ^= 0xFF
    return bytes(b)


@pytest.mark.parametrize('kind', ['empty', 'truncated', 'corrupted', 'text'])
def test_unreadable_weights_file_names_load_weights_and_the_file(tmp_path, kind):
    model, path = _saved(tmp_path)
    before = [p.data.copy() for p in model.params()]
    raw = path.read_bytes()
    bad = tmp_path / f'{kind}.npz'
    bad.write_bytes({'empty': b'', 'truncated': raw[:len(raw) // 2],
                     'corrupted': _corrupt(raw), 'text': b'not weights at all\n'}[kind])
    with pytest.raises(ValueError) as e:
        model.load_weights(bad)
    assert 'MLP.load_weights' in str(e.value) and str(bad) in str(e.value)
    assert not isinstance(e.value, (zipfile.BadZipFile, EOFError))
    for p, b in zip(model.params(), before):
        np.testing.assert_array_equal(p.data, b)


def test_missing_weights_file(tmp_path):
    with pytest.raises(FileNotFoundError, match='MLP.load_weights: no file at .*nothere.npz'):
        MLP((2,)).load_weights(tmp_path / 'nothere.npz')


# --- state_dict / load_state_dict ---------------------------------------------------------------
class Net(Layer):
    def __init__(self):
        super().__init__()
        self.scale = Parameter(np.array([2.0]), name='scale')
        self.body = MLP((4, 2))
        self.bn = L.BatchNorm()

    def forward(self, x):
        return self.bn(self.body(x)) * self.scale


def _net():
    np.random.seed(0)
    net = Net()
    net(np.random.randn(5, 3).astype(np.float32))
    return net


def test_state_dict_has_dotted_names_in_order_and_copies():
    net = _net()
    sd = net.state_dict()
    assert list(sd) == ['scale', 'body.l0.W', 'body.l0.b', 'body.l1.W', 'body.l1.b',
                        'bn.avg_mean', 'bn.avg_var', 'bn.gamma', 'bn.beta']
    assert sd['body.l0.W'].shape == (3, 4)
    sd['body.l0.W'][...] = 0  # a copy: the model is untouched
    assert np.abs(net.body.l0.W.data).sum() > 0


def test_state_dict_leaves_out_parameters_not_created_yet():
    assert list(MLP((3,)).state_dict()) == ['l0.b']


def test_load_state_dict_round_trip():
    src, dst = _net(), _net()
    for p in dst.params():
        p.data = p.data * 0 + 7
    result = dst.load_state_dict(src.state_dict())
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    for a, b in zip(src.params(), dst.params()):
        np.testing.assert_array_equal(a.data, b.data)
        assert a.data is not b.data
    x = np.random.randn(4, 3).astype(np.float32)
    np.testing.assert_array_equal(src(x).data, dst(x).data)


def test_load_state_dict_keeps_dtype_and_takes_variables():
    layer = L.Linear(2, in_size=3)
    result = layer.load_state_dict({'W': Variable(np.ones((3, 2))), 'b': [1, 2]})
    assert result == ([], [])
    assert layer.W.dtype == np.float32 and layer.b.dtype == np.float32
    np.testing.assert_array_equal(layer.b.data, [1, 2])


def test_load_state_dict_is_validated_and_changes_nothing_on_failure():
    net = _net()
    before = net.state_dict()
    sd = net.state_dict()
    sd['body.l1.W'] = np.zeros((5, 5))
    del sd['scale']
    sd['extra.W'] = np.zeros(1)
    with pytest.raises(ValueError) as e:
        net.load_state_dict(sd)
    msg = str(e.value)
    assert msg.startswith('Net.load_state_dict: the state dict does not match the model')
    assert "['scale']" in msg and "['extra.W']" in msg and "'body.l1.W' has shape (4, 2)" in msg
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_load_state_dict_not_strict_reports_missing_and_unexpected():
    net = _net()
    result = net.load_state_dict({'scale': np.array([3.0]), 'other': np.zeros(2)},
                                 strict=False)
    assert result.unexpected_keys == ['other']
    assert 'body.l0.W' in result.missing_keys and 'scale' not in result.missing_keys
    assert net.scale.data[0] == 3.0
    with pytest.raises(ValueError, match="'scale' has shape \\(1,\\)"):
        net.load_state_dict({'scale': np.zeros(2)}, strict=False)  # shapes always count


def test_load_state_dict_type_errors():
    with pytest.raises(TypeError, match='Linear.load_state_dict: expected a dict'):
        L.Linear(2).load_state_dict([1, 2])
    with pytest.raises(TypeError, match="entry 'b' must be a numeric array, got str"):
        L.Linear(2).load_state_dict({'b': 'zero'})


def test_state_dict_names_match_pytorch_style():
    torch = pytest.importorskip('torch')
    tm = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Linear(4, 2))
    dm = Sequential(L.Linear(4, in_size=3), L.Linear(2, in_size=4))
    # the same dotted scheme (torch names its sub-modules 0, 1; dezero l0, l1, and W is
    # (in, out) where torch's weight is (out, in))
    assert [k.split('.')[0] for k in tm.state_dict()] == ['0', '0', '1', '1']
    assert list(dm.state_dict()) == ['l0.W', 'l0.b', 'l1.W', 'l1.b']


# --- repr ------------------------------------------------------------------------------------------
def test_repr_shows_the_tree_shapes_and_total():
    model = MLP((10, 3))
    assert repr(model) == ('MLP(\n'
                           '  (l0): Linear(W: not created yet, b: (10,) float32)\n'
                           '  (l1): Linear(W: not created yet, b: (3,) float32)\n'
                           ')  # 13 parameters (2 arrays not created yet)')
    model(np.zeros((2, 4), np.float32))
    assert repr(model) == ('MLP(\n'
                           '  (l0): Linear(W: (4, 10) float32, b: (10,) float32)\n'
                           '  (l1): Linear(W: (10, 3) float32, b: (3,) float32)\n'
                           ')  # 83 parameters')
    assert repr(L.Linear(3, in_size=2)) == 'Linear(W: (2, 3) float32, b: (3,) float32)  # 9 parameters'


def test_repr_nested_and_sequential_with_functions():
    net = _net()
    text = repr(net)
    total = sum(p.data.size for p in net.params())
    assert text.splitlines()[0] == 'Net('
    assert '  scale: (1,) float64' in text
    assert '  (body): MLP(\n    (l0): Linear(W: (3, 4) float32' in text
    assert '  (bn): BatchNorm(avg_mean: (2,) float32' in text
    assert text.endswith(f')  # {total:,} parameters')
    seq = Sequential(L.Linear(3, in_size=2), F.relu, L.Linear(1, in_size=3))
    assert repr(seq).splitlines()[1:4] == ['  (l0): Linear(W: (2, 3) float32, b: (3,) float32)',
                                           '  (l1): relu',
                                           '  (l2): Linear(W: (3, 1) float32, b: (1,) float32)']


def test_repr_counts_a_shared_parameter_once():
    a = L.Linear(2, in_size=2)
    seq = Sequential(a, a)
    assert repr(seq).endswith('# 6 parameters')


# --- MLP argument errors --------------------------------------------------------------------------
@pytest.mark.parametrize('arg, exc, match', [
    ('abc', TypeError, "MLP: fc_output_sizes must be a sequence of layer sizes .* got str 'abc'"),
    (None, TypeError, 'MLP: fc_output_sizes must be a sequence .* got NoneType None'),
    ((10, 'a'), TypeError, "MLP: fc_output_sizes must hold positive ints .* str 'a' at position 1"),
    ((10, 0), ValueError, 'MLP: fc_output_sizes must hold positive ints .* int 0 at position 1'),
    ((True, 2), TypeError, 'MLP: fc_output_sizes must hold positive ints .* bool True'),
])
def test_mlp_argument_errors(arg, exc, match):
    with pytest.raises(exc, match=match):
        MLP(arg)


def test_mlp_activation_must_be_callable():
    with pytest.raises(TypeError, match='MLP: activation must be a function'):
        MLP((3, 1), 'relu')


# --- item 10: a Linear layer with zero input features (torch.nn.Linear(0, n)) -------------------
def test_linear_layer_with_zero_input_features():
    layer = L.Linear(3)
    x = np.zeros((2, 0), np.float32)
    y = layer(x)  # before: ZeroDivisionError while scaling the empty W
    assert layer.W.shape == (0, 3)
    np.testing.assert_array_equal(y.data, np.zeros((2, 3), np.float32))
    y.sum().backward()
    assert layer.W.grad.shape == (0, 3)
    np.testing.assert_array_equal(layer.b.grad.data, [2, 2, 2])
    assert L.Linear(3, in_size=0, init='torch').W.shape == (0, 3)
