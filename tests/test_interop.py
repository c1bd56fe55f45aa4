"""dezero.interop: PyTorch twins of every layer kind, checked with torch as the oracle for the
outputs and for every parameter's gradient, and weights brought back with from_torch."""
import copy

import numpy as np
import pytest

import dezero
import dezero.functions as F
import dezero.layers as L
from dezero import Parameter
from dezero.models import MLP, Model, Sequential

torch = pytest.importorskip('torch')
import dezero.interop as interop  # noqa: E402


def rand(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def dezero_grads(model):
    names = interop.model_param_names(model)
    return {name: (None if p.grad is None else p.grad.data) for name, p in names.values()}


def steps(x):
    """The time steps of x (N, T, D): the recurrent models below call their cell per step."""
    return [x[:, t] for t in range(x.shape[1])]


def check_twin(model, x, module=None, run=None, trun=None, rtol=1e-5, atol=1e-6,
               example=None):
    """Outputs and every parameter gradient of model and its twin agree; returns the twin."""
    if module is None:
        module = interop.to_torch(model, example)
    run = run or (lambda m, v: m(v))
    trun = trun or run
    y = run(model, x)
    u = rand(*y.shape, seed=99)
    model.cleargrads()
    F.sum(y * u).backward()
    module.zero_grad()
    xt = torch.from_numpy(x)
    yt = trun(module, xt)
    (yt * torch.from_numpy(u)).sum().backward()
    np.testing.assert_allclose(yt.detach().numpy(), y.data, rtol=rtol, atol=atol)
    want = dezero_grads(model)
    got = interop.dezero_arrays(module, grad=True)
    assert set(want) <= set(got)
    checked = 0
    for name, g in want.items():
        if g is None:  # running statistics have no gradient
            assert name.endswith(('avg_mean', 'avg_var'))
            continue
        assert got[name] is not None, name
        np.testing.assert_allclose(got[name], g, rtol=1e-4, atol=1e-5, err_msg=name)
        checked += 1
    assert checked > 0
    return module


# --- layers with a direct twin -----------------------------------------------------------------
@pytest.mark.parametrize('nobias', [False, True])
def test_linear(nobias):
    np.random.seed(0)
    model = L.Linear(3, nobias=nobias, in_size=4)
    module = check_twin(model, rand(5, 4))
    assert isinstance(module, torch.nn.Linear)
    np.testing.assert_array_equal(module.weight.detach().numpy(), model.W.data.T)


def test_conv2d_and_deconv2d():
    np.random.seed(1)
    check_twin(L.Conv2d(4, (3, 2), stride=(2, 1), pad=(1, 0), in_channels=3), rand(2, 3, 7, 6))
    check_twin(L.Conv2d(2, 3, nobias=True, in_channels=3), rand(2, 3, 5, 5))
    module = check_twin(L.Deconv2d(3, 4, stride=2, pad=1, in_channels=2), rand(2, 2, 4, 5))
    assert isinstance(module, torch.nn.ConvTranspose2d)


@pytest.mark.parametrize('shape', [(6, 3), (4, 3, 3, 2)])
def test_batch_norm_train_eval_and_running_statistics(shape):
    np.random.seed(2)
    model = L.BatchNorm()
    model(rand(*shape, seed=5) * 2 + 1)  # creates gamma, moves the statistics
    model.gamma.data[:] = [0.5, 2.0, -1.0]
    module = interop.to_torch(model)
    x = rand(*shape) * 3 - 1
    check_twin(model, x, module)  # train mode: batch statistics, and one update of the averages
    np.testing.assert_allclose(module.running_mean.numpy(), model.avg_mean.data, rtol=1e-5)
    np.testing.assert_allclose(module.running_var.numpy(), model.avg_var.data, rtol=1e-5)
    module.eval()
    with dezero.test_mode():
        check_twin(model, x, module)


def test_embed_id():
    np.random.seed(3)
    model = L.EmbedID(10, 4)
    module = interop.to_torch(model)
    ids = np.array([[1, 3, 3], [9, 0, 1]])
    y = model(ids)
    F.sum(y * y).backward()
    yt = module(torch.from_numpy(ids))
    (yt * yt).sum().backward()
    np.testing.assert_allclose(yt.detach().numpy(), y.data, rtol=1e-6)
    np.testing.assert_allclose(interop.dezero_arrays(module, grad=True)['W'], model.W.grad.data,
                               rtol=1e-5)


def _unroll(m, x):
    m.reset_state()
    hs = [m(xt) for xt in steps(x)]
    return hs[-1] * 1.0 + hs[0] * 0.5


@pytest.mark.parametrize('make', [lambda: L.RNN(4, in_size=3), lambda: L.LSTM(4, in_size=3),
                                  lambda: L.GRU(4, in_size=3)], ids=['rnn', 'lstm', 'gru'])
def test_recurrent_layers_over_steps(make):
    np.random.seed(4)
    model = make()
    for p in model.params():  # biases too, so that every gate's layout matters
        p.data = rand(*p.shape, seed=p.size) * 0.5
    check_twin(model, rand(2, 4, 3), run=_unroll)


def test_recurrent_twin_takes_one_sample_and_resets():
    np.random.seed(5)
    model = L.GRU(3, in_size=2)
    module = interop.to_torch(model)
    x = rand(2)
    np.testing.assert_allclose(module(torch.from_numpy(x)).detach().numpy(), model(x).data,
                               rtol=1e-5, atol=1e-6)
    module.reset_state()
    assert module.h is None


def test_sequential_with_functions_and_mlp():
    np.random.seed(6)
    seq = Sequential(L.Linear(5, in_size=3), F.relu, L.Linear(4, in_size=5), F.tanh,
                     L.Linear(2, in_size=4), F.log_softmax)
    module = check_twin(seq, rand(4, 3))
    assert isinstance(module, torch.nn.Sequential) and len(module) == 6
    mlp = MLP((6, 6, 3))
    mlp(rand(2, 4))
    module = check_twin(mlp, rand(5, 4))
    assert set(interop.dezero_arrays(module)) == {'l0.W', 'l0.b', 'l1.W', 'l1.b', 'l2.W', 'l2.b'}


# --- user models, recorded on an example input --------------------------------------------------
class CNN(Model):
    def __init__(self):
        super().__init__()
        self.c0 = L.Conv2d(4, 3, pad=1)
        self.bn = L.BatchNorm()
        self.c1 = L.Deconv2d(3, 2, stride=2)
        self.head = Sequential(L.Linear(8), F.sigmoid, L.Linear(3))
        self.scale = Parameter(np.array([1.5, -0.5, 2.0], dtype=np.float32))

    def forward(self, x):
        h = F.pooling(F.relu(self.bn(self.c0(x))), 2, 2)
        h = F.average_pooling(self.c1(h), 2, stride=2, pad=1)
        h = F.leaky_relu(F.reshape(h, (h.shape[0], -1)), 0.1)
        y = self.head(h) * self.scale + F.sum(h, axis=1, keepdims=True) / 10
        return F.softmax(y) - F.exp(F.log_softmax(y)) * 0.5 + F.clip(y, -1.0, 1.0) ** 2


def test_user_model_cnn_recorded_and_replayed():
    np.random.seed(7)
    model = CNN()
    x = rand(2, 3, 8, 8)
    model(x)  # create the lazy weights
    module = interop.to_torch(model, x)
    assert isinstance(module, interop.Traced)
    assert isinstance(module.c0, torch.nn.Conv2d) and isinstance(module.head.l0, torch.nn.Linear)
    check_twin(model, x, module)
    module.eval()
    with dezero.test_mode():
        check_twin(model, rand(2, 3, 8, 8, seed=3), module)


class Tagger(Model):
    """EmbedID, then a recurrent cell over the steps, shapes and slicing in between."""

    def __init__(self, cell):
        super().__init__()
        self.embed = L.EmbedID(12, 5)
        self.cell = cell
        self.out = L.Linear(3)

    def forward(self, ids):
        e = self.embed(ids)  # (N, T, 5)
        e = F.transpose(e, (1, 0, 2))
        self.cell.reset_state()
        hs = [self.cell(e[t]) for t in range(e.shape[0])]
        h = F.concat([hs[-1], hs[0][:, ::-1]], axis=1)
        return self.out(F.matmul(h, h.T) @ h / 4)


@pytest.mark.parametrize('make', [lambda: L.RNN(4), lambda: L.LSTM(4), lambda: L.GRU(4)],
                         ids=['rnn', 'lstm', 'gru'])
def test_user_model_with_embedding_and_recurrent_cell(make):
    np.random.seed(8)
    model = Tagger(make())
    ids = np.array([[1, 5, 11, 2], [0, 0, 7, 3]])
    model(ids)
    module = interop.to_torch(model, ids)
    y = model(ids)
    u = rand(*y.shape, seed=1)
    model.cleargrads()
    F.sum(y * u).backward()
    yt = module(torch.from_numpy(ids))
    (yt * torch.from_numpy(u)).sum().backward()
    np.testing.assert_allclose(yt.detach().numpy(), y.data, rtol=1e-5, atol=1e-6)
    got = interop.dezero_arrays(module, grad=True)
    for name, g in dezero_grads(model).items():
        np.testing.assert_allclose(got[name], g, rtol=1e-4, atol=1e-5, err_msg=name)


def test_user_model_with_a_cho_gru_and_a_layer_subclass_replays_their_parts():
    np.random.seed(10)

    class Scaled(L.Linear):
        def forward(self, x):
            return super().forward(x) * 2

    class M(Model):
        def __init__(self):
            super().__init__()
            self.cell = L.GRU(3, in_size=2, formulation='cho')
            self.out = Scaled(2, in_size=3)

        def forward(self, x):
            self.cell.reset_state()
            for xt in steps(x):
                h = self.cell(xt)
            return self.out(h)
    model = M()
    x = rand(2, 3, 2)
    module = check_twin(model, x, example=x)
    assert isinstance(module.cell.x2z, torch.nn.Linear)
    assert isinstance(module.out, torch.nn.Module) and not isinstance(module.out,
                                                                       torch.nn.Linear)
    model.cell.reset_state()  # the state holds a graph, which deepcopy refuses
    kept = interop.from_torch(module, copy.deepcopy(model))
    np.testing.assert_array_equal(kept.cell.h2r.W.data, model.cell.h2r.W.data)


# --- from_torch -------------------------------------------------------------------------------
def test_trained_weights_come_back():
    np.random.seed(9)
    model = CNN()
    x = rand(4, 3, 8, 8)
    model(x)
    module = interop.to_torch(model, x)
    opt = torch.optim.SGD(module.parameters(), lr=0.1)
    for _ in range(3):
        opt.zero_grad()
        module(torch.from_numpy(x)).pow(2).sum().backward()
        opt.step()
    module.eval()
    with torch.no_grad():
        want = module(torch.from_numpy(x)).numpy()
    kept = copy.deepcopy(model)
    assert interop.from_torch(module, kept) is kept
    assert interop.from_torch(module) is model  # back into the model it was made from
    with dezero.test_mode():
        np.testing.assert_allclose(model(x).data, want, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(kept(x).data, want, rtol=1e-5, atol=1e-6)
    assert model.bn.avg_mean.dtype == np.float32


@pytest.mark.parametrize('make', [
    lambda: torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.ReLU(), torch.nn.Linear(5, 2),
                                torch.nn.LogSoftmax(dim=1)),
    lambda: torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, stride=2, padding=1), torch.nn.Tanh(),
                                torch.nn.ConvTranspose2d(4, 2, 2, stride=2),
                                torch.nn.BatchNorm2d(2, eps=2e-5), torch.nn.Flatten(),
                                torch.nn.LeakyReLU(0.1)),
    lambda: torch.nn.GRUCell(3, 4), lambda: torch.nn.LSTMCell(3, 4),
    lambda: torch.nn.RNNCell(3, 4)], ids=['mlp', 'conv', 'gru', 'lstm', 'rnn'])
def test_plain_torch_modules_become_dezero_layers(make):
    torch.manual_seed(0)
    module = make().eval()
    layer = interop.from_torch(module)
    conv = isinstance(module, torch.nn.Sequential) and isinstance(module[0], torch.nn.Conv2d)
    x = rand(2, 3, 6, 6) if conv else rand(2, 3)
    with torch.no_grad():
        want = module(torch.from_numpy(x))
    want = (want[0] if isinstance(want, tuple) else want).numpy()
    with dezero.test_mode():
        got = layer(x).data
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_plain_embedding():
    module = torch.nn.Embedding(7, 3)
    layer = interop.from_torch(module)
    assert isinstance(layer, L.EmbedID)
    np.testing.assert_array_equal(layer(np.array([6, 1])).data,
                                  module.weight.detach().numpy()[[6, 1]])


# --- errors -------------------------------------------------------------------------------------
def test_errors_are_clear():
    with pytest.raises(NotImplementedError, match=r"GRU\(formulation='cho'\) has no PyTorch"):
        interop.to_torch(L.GRU(3, in_size=2, formulation='cho'))
    with pytest.raises(TypeError, match=r'pass an example input.*to_torch\(model, x\)'):
        interop.to_torch(CNN())
    with pytest.raises(ValueError, match='Linear.W is not created yet'):
        interop.to_torch(L.Linear(3))
    with pytest.raises(TypeError, match='Sequential calls <lambda>, which has no PyTorch'):
        interop.to_torch(Sequential(L.Linear(2, in_size=2), lambda x: x * 2))
    with pytest.raises(TypeError, match='expected a dezero Layer or Model, got Linear'):
        interop.to_torch(torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r'from_torch: Linear does not match.*l0.W|W has shape'):
        interop.from_torch(torch.nn.Linear(2, 3), L.Linear(3, in_size=4))
    with pytest.raises(TypeError, match='no dezero counterpart for Bilinear'):
        interop.from_torch(torch.nn.Bilinear(2, 2, 2))

    class Odd(Model):
        def __init__(self):
            super().__init__()
            self.l0 = L.Linear(2, in_size=4)

        def forward(self, x):
            return F.im2col(F.reshape(self.l0(x), (1, 1, 2, 2)), 1)
    with pytest.raises(NotImplementedError, match='cannot replay the function Im2col'):
        interop.to_torch(Odd(), rand(2, 4))
