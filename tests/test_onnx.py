"""dezero.onnx.export: every layer kind and function it maps, checked by onnx.checker and run
by onnxruntime against dezero's own outputs (1e-5 relative in float32). Skips without onnx."""
import sys

import numpy as np
import pytest

import dezero
import dezero.functions as F
import dezero.layers as L
from dezero import Parameter, Variable
from dezero.models import MLP, Model, Sequential


def _onnx():
    onnx = pytest.importorskip('onnx')
    ort = pytest.importorskip('onnxruntime')
    import dezero.onnx as dx
    return onnx, ort, dx


def export_and_run(model, x, tmp_path, name='model.onnx', opset=None, rtol=1e-5, atol=1e-6):
    """Export, check the file with onnx.checker, run it with onnxruntime, compare with dezero."""
    onnx, ort, dx = _onnx()
    path = tmp_path / name
    xs = x if isinstance(x, tuple) else (x,)
    with dezero.test_mode():
        want = model(*xs)
    want = want if isinstance(want, tuple) else (want,)
    want = [w.data.copy() for w in want]
    proto = dx.export(model, x, path, opset=opset)
    loaded = onnx.load(str(path))
    onnx.checker.check_model(loaded, full_check=True)
    assert loaded.SerializeToString() == proto.SerializeToString()
    sess = ort.InferenceSession(str(path), providers=['CPUExecutionProvider'])
    feeds = {i.name: v.data if isinstance(v, Variable) else v
             for i, v in zip(sess.get_inputs(), xs)}
    got = sess.run(None, feeds)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=rtol, atol=atol)
    return loaded


def op_types(proto):
    return {n.op_type for n in proto.graph.node}


def rand(*shape, seed=0, low=None):
    x = np.random.default_rng(seed).standard_normal(shape).astype(np.float32)
    return x if low is None else np.abs(x) + low


class Apply(Model):
    """Linear, then `fn` on its output (so every function sits behind a parameter)."""

    def __init__(self, fn, out=6):
        super().__init__()
        self.l0 = L.Linear(out)
        self.fn = fn

    def forward(self, x):
        return self.fn(self.l0(x))


# --- layers and models ---------------------------------------------------------------------
def test_linear_mlp_and_parameter_names(tmp_path):
    np.random.seed(0)
    model = MLP((8, 8, 3))
    proto = export_and_run(model, rand(5, 4), tmp_path)
    names = {i.name for i in proto.graph.initializer}
    assert {'l0.W', 'l0.b', 'l1.W', 'l2.b'} <= names
    W = next(i for i in proto.graph.initializer if i.name == 'l0.W')
    assert tuple(W.dims) == (4, 8)
    assert [i.name for i in proto.graph.input] == ['input']
    assert [o.name for o in proto.graph.output] == ['output']


def test_linear_without_bias_and_matmul_with_a_parameter(tmp_path):
    class M(Model):
        def __init__(self):
            super().__init__()
            self.l0 = L.Linear(3, nobias=True)
            self.W = Parameter(rand(3, 2, seed=1))

        def forward(self, x):
            return F.matmul(self.l0(x), self.W)
    proto = export_and_run(M(), rand(4, 5), tmp_path)
    assert 'MatMul' in op_types(proto)


@pytest.mark.parametrize('fn', [F.sigmoid, F.relu, F.tanh, F.leaky_relu,
                                lambda x: F.leaky_relu(x, 0.05), F.softmax, F.log_softmax,
                                lambda x: F.softmax(x, axis=0), F.exp, F.sin, F.cos,
                                lambda x: F.log(F.exp(x) + 1.0)],
                         ids=['sigmoid', 'relu', 'tanh', 'leaky_relu', 'leaky_relu_0.05',
                              'softmax', 'log_softmax', 'softmax_axis0', 'exp', 'sin', 'cos',
                              'softplus_via_log'])
def test_activations(fn, tmp_path):
    np.random.seed(1)
    export_and_run(Apply(fn), rand(4, 5) * 3, tmp_path)


@pytest.mark.parametrize('fn', [lambda x: x * 2 + 1, lambda x: 1 - x, lambda x: x - 0.5,
                                lambda x: x / 3, lambda x: 2 / (x * x + 1), lambda x: x ** 2,
                                lambda x: x ** 3, lambda x: 2 ** x, lambda x: -x,
                                lambda x: x * np.arange(6, dtype=np.float32),
                                lambda x: np.ones(6, np.float32) - x,
                                lambda x: x * x + x, lambda x: x / (F.exp(x) + 1),
                                lambda x: F.clip(x, -0.5, 0.5), lambda x: F.clip(x, 0.0, None)],
                         ids=['mul_add', 'rsub', 'sub', 'div', 'rdiv', 'square', 'cube',
                              'rpow', 'neg', 'mul_array', 'rsub_array', 'shared', 'div_vars',
                              'clip', 'clip_low'])
def test_arithmetic_with_constants_and_variables(fn, tmp_path):
    np.random.seed(2)
    export_and_run(Apply(fn), rand(4, 5), tmp_path)


@pytest.mark.parametrize('fn', [lambda x: F.sum(x, axis=1), lambda x: F.sum(x),
                                lambda x: F.sum(x, axis=0, keepdims=True), F.mean,
                                lambda x: F.max(x, axis=1), lambda x: F.min(x, axis=0),
                                lambda x: F.sum_to(x, (1, 6)),
                                lambda x: F.broadcast_to(F.sum(x, axis=0), (3, 4, 6)),
                                lambda x: F.average(x, axis=1, keepdims=True)],
                         ids=['sum1', 'sum_all', 'sum0_keep', 'mean', 'max', 'min', 'sum_to',
                              'broadcast_to', 'average'])
def test_reductions_and_broadcasts(fn, tmp_path):
    np.random.seed(3)
    export_and_run(Apply(fn), rand(4, 5), tmp_path)


@pytest.mark.parametrize('opset', [13, 17, 18])
def test_opsets(opset, tmp_path):
    np.random.seed(3)
    proto = export_and_run(Apply(lambda x: F.softmax(F.max(x, axis=1, keepdims=True) - x)),
                           rand(4, 5), tmp_path, opset=opset)
    assert proto.opset_import[0].version == opset


@pytest.mark.parametrize('fn', [lambda x: F.reshape(x, (2, -1)), lambda x: F.transpose(x),
                                lambda x: F.transpose(F.reshape(x, (4, 2, 3)), (1, 0, 2)),
                                lambda x: x.T, F.flatten,
                                lambda x: F.concat((x, x * 2), axis=1),
                                lambda x: F.concat((x[:, :2], F.tanh(x[:, 3:])), axis=-1),
                                lambda x: x[1], lambda x: x[:, 2], lambda x: x[1:3, ::2],
                                lambda x: x[::-1], lambda x: x[-1, -2:],
                                lambda x: x[np.array([2, 0, 2])],
                                lambda x: x[:, np.array([1, 5])],
                                lambda x: x[..., 1], lambda x: x[None, :, 1],
                                lambda x: x[x.data > 0], lambda x: F.expand_dims(x, 1)],
                         ids=['reshape', 'transpose', 'transpose_axes', 'T', 'flatten',
                              'concat', 'concat_slices', 'int', 'column', 'slices', 'reverse',
                              'negative', 'rows', 'columns', 'ellipsis', 'newaxis', 'mask',
                              'expand_dims'])
def test_shape_functions_and_get_item(fn, tmp_path):
    np.random.seed(4)
    export_and_run(Apply(fn), rand(4, 5), tmp_path)


def test_cnn_with_pooling_and_flatten(tmp_path):
    np.random.seed(5)

    class CNN(Model):
        def __init__(self):
            super().__init__()
            self.c0 = L.Conv2d(4, 3, stride=1, pad=1)
            self.c1 = L.Conv2d(6, (3, 2), stride=(2, 1), pad=(1, 0), nobias=True)
            self.l0 = L.Linear(3)

        def forward(self, x):
            h = F.pooling(F.relu(self.c0(x)), 2, 2)
            h = F.average_pooling(self.c1(h), 2, stride=1, pad=1)
            h = F.pooling(h, 3, stride=2, pad=1)
            return self.l0(F.reshape(h, (h.shape[0], -1)))
    proto = export_and_run(CNN(), rand(2, 3, 9, 8), tmp_path)
    assert {'Conv', 'MaxPool', 'AveragePool'} <= op_types(proto)


@pytest.mark.parametrize('stride, pad, outsize', [(1, 0, None), (2, 1, None), (2, 1, (8, 8)),
                                                  (3, 0, (12, 13))])
def test_deconv2d(stride, pad, outsize, tmp_path):
    np.random.seed(6)

    class Up(Model):
        def __init__(self):
            super().__init__()
            self.d0 = L.Deconv2d(3, 3, stride=stride, pad=pad)

        def forward(self, x):
            return F.deconv2d(x, self.d0.W, self.d0.b, stride, pad, outsize) \
                if outsize else self.d0(x)
    model = Up()
    model.d0(rand(2, 4, 4, 4))  # create W
    proto = export_and_run(model, rand(2, 4, 4, 4), tmp_path)
    assert 'ConvTranspose' in op_types(proto)


@pytest.mark.parametrize('shape', [(8, 3), (4, 3, 5, 5)])
def test_batch_norm_uses_running_statistics(shape, tmp_path):
    np.random.seed(7)
    model = Sequential(L.BatchNorm(), F.relu)
    for s in range(3):  # move the running statistics away from 0 and 1
        model(rand(*shape, seed=s) * 2 + 1)
    model.l0.gamma.data[:] = [0.5, 2.0, -1.0]
    model.l0.beta.data[:] = [0.1, 0.2, 0.3]
    proto = export_and_run(model, rand(*shape, seed=9), tmp_path)
    assert 'BatchNormalization' in op_types(proto)
    names = {i.name for i in proto.graph.initializer}
    assert {'l0.avg_mean', 'l0.avg_var', 'l0.gamma', 'l0.beta'} <= names


def test_embed_id_gathers_rows_of_the_integer_input(tmp_path):
    np.random.seed(8)

    class Emb(Model):
        def __init__(self):
            super().__init__()
            self.e = L.EmbedID(10, 4)
            self.l0 = L.Linear(2)

        def forward(self, ids):
            return self.l0(F.tanh(self.e(ids)))
    ids = np.array([[1, 3, 9], [0, 0, 5]], dtype=np.int64)
    proto = export_and_run(Emb(), ids, tmp_path)
    assert 'Gather' in op_types(proto)
    assert proto.graph.input[0].type.tensor_type.elem_type == 7  # int64


class Unrolled(Model):
    """A recurrent layer over the T steps of x (N, T, D), then Linear on the last state."""

    def __init__(self, cell):
        super().__init__()
        self.cell = cell
        self.out = L.Linear(2)

    def forward(self, x):
        self.cell.reset_state()
        for t in range(x.shape[1]):
            h = self.cell(x[:, t])
        return self.out(h)


@pytest.mark.parametrize('make', [lambda: L.RNN(5), lambda: L.LSTM(5), lambda: L.GRU(5),
                                  lambda: L.GRU(5, formulation='cho')],
                         ids=['rnn', 'lstm', 'gru', 'gru_cho'])
def test_recurrent_layers_unrolled(make, tmp_path):
    np.random.seed(9)
    export_and_run(Unrolled(make()), rand(3, 4, 2), tmp_path)


def test_several_inputs_and_outputs(tmp_path):
    np.random.seed(10)

    class Two(Model):
        def __init__(self):
            super().__init__()
            self.a = L.Linear(3)
            self.b = L.Linear(3)

        def forward(self, x, y):
            h = self.a(x) + self.b(y)
            return F.softmax(h), h * 2

    proto = export_and_run(Two(), (rand(2, 4), rand(2, 5, seed=1)), tmp_path)
    assert [i.name for i in proto.graph.input] == ['input0', 'input1']
    assert [o.name for o in proto.graph.output] == ['output0', 'output1']


def test_float64_model_and_mixed_dtypes(tmp_path):
    np.random.seed(11)
    model = Sequential(L.Linear(3, dtype=np.float64), F.tanh)
    export_and_run(model, rand(2, 4).astype(np.float64), tmp_path, rtol=1e-12)

    # a float64 input to float32 weights: dezero computes in float64; the export casts
    export_and_run(MLP((4, 2)), rand(2, 4).astype(np.float64), tmp_path, 'mixed.onnx')


def test_dropout_is_left_out_in_test_mode(tmp_path):
    np.random.seed(12)
    proto = export_and_run(Apply(F.dropout), rand(4, 5), tmp_path)
    assert 'Dropout' not in op_types(proto)


def test_unexportable_function_is_named_and_the_old_file_survives(tmp_path):
    _onnx()
    import dezero.onnx as dx
    path = tmp_path / 'model.onnx'
    path.write_bytes(b'old')

    class Loss(Model):
        def __init__(self):
            super().__init__()
            self.l0 = L.Linear(3)

        def forward(self, x):
            return F.softmax_cross_entropy(self.l0(x), np.array([0, 1]))
    with pytest.raises(NotImplementedError, match='cannot export the function '
                                                  'SoftmaxCrossEntropy'):
        dx.export(Loss(), rand(2, 4), path)
    assert path.read_bytes() == b'old'
    assert [p.name for p in tmp_path.iterdir()] == ['model.onnx']  # no temporary file left

    with pytest.raises(NotImplementedError, match='Im2col'):
        dx.export(Apply(lambda x: F.im2col(F.reshape(x, (1, 1, 4, 6)), 2), out=6),
                  rand(4, 5), path)


def test_bad_arguments(tmp_path):
    _onnx()
    import dezero.onnx as dx
    model = MLP((2,))
    with pytest.raises(ValueError, match='opset must be an int from 13'):
        dx.export(model, rand(1, 3), tmp_path / 'm.onnx', opset=9)
    with pytest.raises(TypeError, match='input 0 must be a NumPy array or a Variable, got list'):
        dx.export(model, [[1.0, 2.0]], tmp_path / 'm.onnx')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        dx.export(model, rand(1, 3), tmp_path / 'missing' / 'm.onnx')


def test_variable_input_and_graph_stops_at_it(tmp_path):
    np.random.seed(13)
    model = MLP((3, 2))
    x = Variable(rand(2, 4)) * 3  # has a creator of its own: the export starts at x
    export_and_run(model, x, tmp_path)


def test_without_onnx_the_error_names_the_extra(monkeypatch, tmp_path):
    import dezero.onnx as dx
    monkeypatch.setitem(sys.modules, 'onnx', None)
    with pytest.raises(ImportError, match=r'pip install onnx onnxruntime'):
        dx.export(MLP((2,)), rand(1, 3), tmp_path / 'm.onnx')
