"""Programs shaped like the book's own examples (a convolutional VAE, a DCGAN, style transfer,
Grad-CAM) run here as written.

They use the API together the way those programs do: Models holding Conv2d/Deconv2d/BatchNorm
layers, `Sequential` with plain functions among the layers, the reparameterisation trick,
`binary_cross_entropy` and `sigmoid_cross_entropy`, Adam with a `WeightDecay` hook, batches from
`DataLoader` over MNIST (40 small pictures written to a temporary download cache), and
`no_grad` / `test_mode` when drawing samples; a VGG16 subclass that reads features at several
depths, an image as a lone Parameter of a bare Model trained by AdaGrad, and a layer's output
read back through `outputs[0]()` with the gradient `backward(retain_grad=True)` kept on it.
"""
import numpy as np
import pytest

import dezero
import dezero.functions as F
import dezero.layers as L
from dezero import DataLoader
from dezero.models import Model, Sequential
from dezero.optimizers import Adam, WeightDecay

from helpers import write_idx


@pytest.fixture
def mnist(tmp_path, monkeypatch):
    """40 training images of a bright 10x10 square at a random place on a dim, noisy background:
    something a small VAE can learn in a few epochs (pure noise already sits at its optimum)."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 40, (40, 28, 28))
    for image, (r, c) in zip(images, rng.integers(4, 14, (40, 2))):
        image[r:r + 10, c:c + 10] = 255
    write_idx(tmp_path / 'train-images-idx3-ubyte.gz', images)
    write_idx(tmp_path / 'train-labels-idx1-ubyte.gz', rng.integers(0, 10, 40))
    monkeypatch.setenv('DEZERO_CACHE_DIR', str(tmp_path))
    return dezero.datasets.MNIST(train=True, transform=lambda x: (x / 255.0).astype(np.float32))


class Encoder(Model):
    def __init__(self, latent):
        super().__init__()
        self.latent = latent
        self.conv1 = L.Conv2d(4, kernel_size=3, stride=1, pad=1)
        self.conv2 = L.Conv2d(8, kernel_size=3, stride=2, pad=1)
        self.fc = L.Linear(16)
        self.mean = L.Linear(latent)
        self.log_var = L.Linear(latent)

    def forward(self, x):
        h = F.relu(self.conv2(F.relu(self.conv1(x))))
        h = F.relu(self.fc(F.flatten(h)))
        return self.mean(h), self.log_var(h)

    def sample(self, mean, log_var):
        eps = np.random.randn(len(mean), self.latent)
        return mean + F.exp(log_var) * eps


class Decoder(Model):
    def __init__(self):
        super().__init__()
        self.fc = L.Linear(8 * 14 * 14)
        self.deconv = L.Deconv2d(4, kernel_size=4, stride=2, pad=1)
        self.conv = L.Conv2d(1, kernel_size=3, stride=1, pad=1)

    def forward(self, z):
        h = F.reshape(F.relu(self.fc(z)), (-1, 8, 14, 14))
        return F.sigmoid(self.conv(F.relu(self.deconv(h))))


class VAE(Model):
    def __init__(self, latent=2):
        super().__init__()
        self.encoder = Encoder(latent)
        self.decoder = Decoder()

    def forward(self, x):
        mean, log_var = self.encoder(x)
        y = self.decoder(self.encoder.sample(mean, log_var))
        reconstruction = F.binary_cross_entropy(F.flatten(y), F.flatten(x))
        kl = F.sum((mean ** 2 + F.exp(log_var) - log_var - 1) * 0.5) / len(x)
        return reconstruction + kl


def test_convolutional_vae_learns_and_decodes(mnist):
    np.random.seed(0)
    vae = VAE()
    opt = Adam(alpha=0.003).setup(vae)
    loader = DataLoader(mnist, batch_size=10)
    epoch_losses = []
    for _ in range(5):
        total = 0.0
        for x, _t in loader:
            assert x.shape == (10, 1, 28, 28) and x.dtype == np.float32
            loss = vae(x)
            vae.cleargrads()
            loss.backward()
            opt.update()
            total += float(loss.data)
        epoch_losses.append(total / loader.max_iter)

    assert all(np.isfinite(epoch_losses))
    assert epoch_losses[-1] < epoch_losses[0] - 50  # nats per image, over 784 pixels
    assert all(p.grad is not None for p in vae.params())
    with dezero.no_grad():
        image = vae.decoder(np.array([[0.5, -0.5]]))
    assert image.creator is None
    assert image.shape == (1, 1, 28, 28) and 0 < image.data.min() and image.data.max() < 1


def _generator():
    return Sequential(
        L.Linear(8 * 7 * 7), L.BatchNorm(), F.relu,
        lambda h: F.reshape(h, (-1, 8, 7, 7)),
        L.Deconv2d(4, kernel_size=4, stride=2, pad=1), L.BatchNorm(), F.relu,
        L.Deconv2d(1, kernel_size=4, stride=2, pad=1), F.sigmoid)


def _discriminator():
    return Sequential(
        L.Conv2d(4, kernel_size=4, stride=2, pad=1), F.leaky_relu,
        L.Conv2d(8, kernel_size=4, stride=2, pad=1), L.BatchNorm(), F.leaky_relu,
        F.flatten, L.Linear(1))


def test_dcgan_discriminator_learns_and_generator_gets_gradients_through_it(mnist):
    np.random.seed(0)
    gen, dis = _generator(), _discriminator()
    opt_d = Adam(alpha=0.002, beta1=0.5).setup(dis)
    opt_d.add_hook(WeightDecay(1e-4))
    opt_g = Adam(alpha=0.002, beta1=0.5).setup(gen)
    x, _t = next(iter(DataLoader(mnist, batch_size=20, shuffle=False)))
    z = np.random.randn(20, 6).astype(np.float32)
    real, fake = np.ones(20, dtype=int), np.zeros(20, dtype=int)

    def d_loss():
        return F.sigmoid_cross_entropy(dis(x), real) + \
            F.sigmoid_cross_entropy(dis(gen(z).data), fake)

    d_losses = []
    for _ in range(15):
        loss = d_loss()
        dis.cleargrads()
        loss.backward()
        opt_d.update()
        d_losses.append(float(loss.data))
    assert d_losses[-1] < 0.5 * d_losses[0]

    # the generator's step: gradients flow through the discriminator into every weight of G
    dis_before = [p.data.copy() for p in dis.params()]
    gen_before = {id(p): p.data.copy() for p in gen.params()}
    loss_g = F.sigmoid_cross_entropy(dis(gen(z)), real)
    gen.cleargrads()
    dis.cleargrads()
    loss_g.backward()
    opt_g.update()
    trained = [p for p in gen.params() if p.name in ('W', 'b', 'gamma', 'beta')]
    assert trained and all(p.grad is not None for p in trained)
    assert all(not np.array_equal(p.data, gen_before[id(p)]) for p in trained)
    assert all(np.array_equal(p.data, b) for p, b in zip(dis.params(), dis_before)
               if p.name in ('W', 'b', 'gamma', 'beta'))  # (not BatchNorm's running averages)

    # in test mode BatchNorm uses its running averages: a sample does not depend on its batch
    with dezero.test_mode():
        batch = gen(z[:4]).data
        alone = gen(z[:1]).data
    assert batch.shape == (4, 1, 28, 28)
    np.testing.assert_allclose(alone[0], batch[0], rtol=1e-5, atol=1e-6)


class _Features(dezero.models.VGG16):
    """The book's style-transfer example subclasses VGG16 to read features at several depths;
    the first three blocks are enough here (and cheap to draw)."""

    def extract(self, x):
        c1_1 = F.relu(self.conv1_1(x))
        c1_2 = F.relu(self.conv1_2(c1_1))
        c2_1 = F.relu(self.conv2_1(F.average_pooling(c1_2, 2, 2)))
        c2_2 = F.relu(self.conv2_2(c2_1))
        c3_1 = F.relu(self.conv3_1(F.average_pooling(c2_2, 2, 2)))
        return {'conv1_1': c1_1, 'conv2_1': c2_1, 'conv2_2': c2_2, 'conv3_1': c3_1}


def _gram(x):
    _n, c, _h, _w = x.shape
    features = x.reshape(c, -1)
    return F.matmul(features, features.T).reshape(1, c, c)


def _picture(seed, size=(20, 24)):
    from PIL import Image
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, size + (3,)).astype(np.uint8))


def test_style_transfer_shaped_program_moves_its_image_towards_the_targets():
    np.random.seed(0)
    model = _Features()
    content = dezero.Variable(_Features.preprocess(_picture(0), size=(16, 16))[np.newaxis])
    style = dezero.Variable(_Features.preprocess(_picture(1), size=(16, 16))[np.newaxis])
    with dezero.no_grad():
        content_features, style_features = model.extract(content), model.extract(style)
    image = dezero.Parameter(content.data.copy())
    holder = Model()  # a bare Model, only to hand the image to the optimizer
    holder.param = image
    optimizer = dezero.optimizers.AdaGrad(lr=5.0).setup(holder)

    def loss_of(features):
        loss = 1e-4 * F.mean_squared_error(content_features['conv2_2'], features['conv2_2']) / 2
        for name in ('conv1_1', 'conv2_1', 'conv3_1'):
            s, g = _gram(style_features[name]), _gram(features[name])
            _n, ch, h, w = features[name].shape
            loss += F.mean_squared_error(s, g) / (4 * (ch * h * w) ** 2) / 3
        tv = (image[:, :, :-1, :-1] - image[:, :, 1:, :-1]) ** 2
        return loss + 1e-6 * F.sum(tv)

    losses = []
    for _ in range(6):
        model.cleargrads()
        image.cleargrad()
        loss = loss_of(model.extract(image))
        loss.backward()
        optimizer.update()
        losses.append(float(loss.data))
    assert losses[-1] < 0.9 * losses[0]
    assert image.data.dtype == np.float32 and not np.array_equal(image.data, content.data)
    assert all(p.grad is None or np.all(np.isfinite(p.grad.data)) for p in model.params())


def test_gram_matrix_gradient_is_right():
    from helpers import check_function
    x = np.random.default_rng(3).standard_normal((1, 3, 2, 2))
    check_function(_gram, x)


def test_grad_cam_shaped_program_reads_a_layers_output_and_its_gradient():
    # the book's Grad-CAM example: a layer's last output through `outputs[0]()`, its gradient
    # kept by backward(retain_grad=True), averaged per channel with F.average
    np.random.seed(0)
    model = _Features()
    x = _Features.preprocess(_picture(2), size=(16, 16))[np.newaxis]
    features = model.extract(x)  # holds the graph, as the book's `y = model(x)` does
    last = model.conv3_1.outputs[0]()  # the convolution's output, before its ReLU
    assert features['conv3_1'].creator.inputs[0] is last
    weights = np.random.default_rng(4).standard_normal(last.shape).astype(np.float32)
    score = F.sum(F.relu(last) * weights)
    score.backward(retain_grad=True)
    want = weights * (last.data > 0)
    np.testing.assert_allclose(last.grad.data, want, rtol=1e-6)
    pooled = F.average(last.grad, axis=(0, 2, 3))
    assert pooled.shape == (last.shape[1],)
    np.testing.assert_allclose(pooled.data, want.mean(axis=(0, 2, 3)), rtol=1e-5, atol=1e-7)
    heatmap = last.data[0].copy()
    for c in range(heatmap.shape[0]):
        heatmap[c] *= pooled[c].data
    assert heatmap.shape == last.shape[1:]
