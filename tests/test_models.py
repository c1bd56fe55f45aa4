"""Tests for dezero.models: Sequential, MLP (values and training), VGG16, ResNet, plot."""
import numpy as np
import pytest

import dezero
import dezero.functions as F
import dezero.layers as L
from dezero import Variable, models, optimizers, utils
from dezero.models import MLP, VGG16, Model, ResNet, ResNet50, ResNet101, ResNet152, Sequential


def _sig(x):
    return 1 / (1 + np.exp(-x))


def test_sequential_registers_layers_and_accepts_functions():
    seq = Sequential(L.Linear(4, in_size=3), F.relu, L.Linear(2, in_size=4))
    assert list(seq._params) == ['l0', 'l2']
    d = {}
    seq._flatten_params(d)
    assert list(d) == ['l0/W', 'l0/b', 'l2/W', 'l2/b']
    x = np.random.default_rng(0).standard_normal((5, 3))
    h = np.maximum(x @ seq.l0.W.data + seq.l0.b.data, 0)
    np.testing.assert_allclose(seq(x).data, h @ seq.l2.W.data + seq.l2.b.data, rtol=1e-5)
    with pytest.raises(TypeError, match='Sequential: argument 1'):
        Sequential(L.Linear(2), 3)


def test_mlp_structure_and_values():
    mlp = MLP((5, 4, 2))
    x = np.random.default_rng(0).standard_normal((3, 6))
    y = mlp(x)
    d = {}
    mlp._flatten_params(d)
    assert list(d) == ['l0/W', 'l0/b', 'l1/W', 'l1/b', 'l2/W', 'l2/b']
    h = x
    for i in range(3):
        layer = getattr(mlp, f'l{i}')
        h = h @ layer.W.data + layer.b.data
        if i < 2:  # no activation after the last layer
            h = _sig(h)
    np.testing.assert_allclose(y.data, h, rtol=1e-5)
    assert MLP((3,), activation=F.relu).activation is F.relu
    with pytest.raises(ValueError, match='MLP'):
        MLP(())
    with pytest.raises(TypeError, match=r'MLP: fc_output_sizes must be a sequence.*int 10'):
        MLP(10)  # one size, not a tuple of sizes


def test_mlp_trains_on_tiny_regression():
    np.random.seed(0)
    x = np.random.rand(50, 1)
    t = np.sin(2 * np.pi * x)
    model = MLP((10, 1))
    opt = optimizers.SGD(lr=0.2).setup(model)
    losses = []
    for _ in range(10000):
        loss = F.mean_squared_error(model(x), t)
        model.cleargrads()
        loss.backward()
        opt.update()
        losses.append(float(loss.data))
    assert losses[-1] < 0.02 * losses[0]
    assert losses[-1] < 0.01


def test_plot_runs_forward_and_draws(monkeypatch, tmp_path):
    seen = {}

    def fake_plot(y, verbose=True, to_file='graph.png'):
        seen.update(y=y, verbose=verbose, to_file=to_file)

    monkeypatch.setattr(utils, 'plot_dot_graph', fake_plot, raising=False)
    model = MLP((3, 1))
    model.plot(np.ones((2, 2)), to_file=str(tmp_path / 'm.png'))
    assert isinstance(seen['y'], Variable) and seen['y'].shape == (2, 1)
    assert seen['verbose'] is True and seen['to_file'].endswith('m.png')
    assert issubclass(MLP, Model) and issubclass(Model, L.Layer)


# ---------------------------------------------------------------------------------------------
# VGG16
# ---------------------------------------------------------------------------------------------
def test_vgg16_keys_and_forward_shape(monkeypatch):
    # drawing 138M weights with np.random.randn takes seconds; their values do not matter here
    monkeypatch.setattr(np.random, 'randn', lambda *s: np.ones(s, np.float32))
    model = VGG16()
    d = {}
    model._flatten_params(d)
    names = [k.split('/')[0] for k in d][::2]
    assert names == ['conv1_1', 'conv1_2', 'conv2_1', 'conv2_2', 'conv3_1', 'conv3_2', 'conv3_3',
                     'conv4_1', 'conv4_2', 'conv4_3', 'conv5_1', 'conv5_2', 'conv5_3',
                     'fc6', 'fc7', 'fc8']
    x = np.random.default_rng(0).standard_normal((1, 3, 224, 224)).astype(np.float32)
    with dezero.no_grad(), dezero.test_mode():
        y = model(x)
    assert y.shape == (1, 1000) and y.dtype == np.float32
    assert model.fc6.W.shape == (512 * 7 * 7, 4096)
    assert model.conv1_1.W.shape == (64, 3, 3, 3)


def _fake_weights(model, path):
    """Write a file with every key of `model` (tiny W arrays: lazy weights take any shape)."""
    d = {}
    model._flatten_params(d)
    arrays = {k: (np.full((1, 1), 7, np.float32) if p.data is None else
                  np.full(p.shape, 7, p.dtype)) for k, p in d.items()}
    np.savez(path, **arrays)


@pytest.mark.parametrize('cls, url', [(VGG16, 'vgg16.npz'), (ResNet50, 'resnet50.npz')])
def test_pretrained_downloads_through_get_file(cls, url, monkeypatch, tmp_path):
    path = tmp_path / 'w.npz'
    _fake_weights(cls(), path)
    asked = []

    def fake_get_file(u, file_name=None):
        asked.append(u)
        return str(path)

    monkeypatch.setattr(utils, 'get_file', fake_get_file, raising=False)
    model = cls(pretrained=True)
    assert asked[0].endswith(url)
    assert all(np.all(p.data == 7) for p in model.params())


@pytest.mark.parametrize('cls', [VGG16, ResNet50])
def test_pretrained_offline_error_propagates(cls, monkeypatch):
    def offline(url, file_name=None):
        raise RuntimeError(f'get_file: cannot download {url}')

    monkeypatch.setattr(utils, 'get_file', offline, raising=False)
    with pytest.raises(RuntimeError, match='cannot download'):
        cls(pretrained=True)


def test_preprocess_for_both_models():
    Image = pytest.importorskip('PIL.Image')
    rgb = np.zeros((6, 8, 3), dtype=np.uint8)
    rgb[..., 0] = 200  # red
    img = Image.fromarray(rgb)
    for cls in (VGG16, ResNet):
        arr = cls.preprocess(img, size=(4, 4))
        assert arr.shape == (3, 4, 4) and arr.dtype == np.float32
        # channel 0 is blue (BGR order) with the blue mean subtracted; channel 2 is red
        np.testing.assert_allclose(arr[0], -103.939, rtol=1e-6)
        np.testing.assert_allclose(arr[2], 200 - 123.68, rtol=1e-6)


# ---------------------------------------------------------------------------------------------
# ResNet
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize('cls, blocks', [(ResNet50, (3, 4, 6, 3)), (ResNet101, (3, 4, 23, 3)),
                                         (ResNet152, (3, 8, 36, 3))])
def test_resnet_structure(cls, blocks):
    model = cls(pretrained=False, dtype=np.float32)  # the same keywords as VGG16
    for stage, n in zip(('res2', 'res3', 'res4', 'res5'), blocks):
        block = getattr(model, stage)
        assert list(block._params) == ['a'] + [f'b{i}' for i in range(1, n)]
    d = {}
    model._flatten_params(d)
    assert 'res2/a/conv4/W' in d and 'res5/b2/bn3/avg_var' in d and 'fc6/W' in d
    assert list(d)[:6] == ['conv1/W', 'conv1/b', 'bn1/avg_mean', 'bn1/avg_var', 'bn1/gamma',
                           'bn1/beta']


def test_resnet_forward_shape_and_swap_with_vgg():
    x = np.random.default_rng(0).standard_normal((1, 3, 64, 64)).astype(np.float32)
    model = ResNet50()
    y = model(x)  # training mode: batch statistics (batch of one, 2x2 maps in res5)
    assert y.shape == (1, 1000) and y.dtype == np.float32
    assert model.res5.a.conv1.W.shape == (512, 1024, 1, 1)
    with dezero.no_grad(), dezero.test_mode():
        y = model(x)
    assert y.shape == (1, 1000)
    with pytest.raises(ValueError, match='n_layers'):
        ResNet(34)


def test_bottlenecks_shapes_and_gradients():
    a = models.BottleneckA(4, 2, 8, stride=2)
    b = models.BottleneckB(8, 2)
    x = Variable(np.random.default_rng(0).standard_normal((2, 4, 6, 6)))
    y = b(a(x))
    assert y.shape == (2, 8, 3, 3)
    F.sum(y).backward()
    assert x.grad.shape == x.shape
    assert all(p.grad is not None for p in list(a.params()) + list(b.params())
               if p.name in ('W', 'gamma', 'beta'))
    fb = models.BottleneckA(4, 2, 8, stride=2, downsample_fb=True)
    fb(x)
    assert fb.conv1.stride == 1 and fb.conv2.stride == 2
