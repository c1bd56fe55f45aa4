"""dezero.datasets: the toy data, and the MNIST/CIFAR/ImageNet/Shakespeare readers on tiny files.

The readers are fed files in the real formats (gzip IDX, CIFAR python tar.gz with Python-2 style
pickles) that the tests write into a temporary cache directory, so nothing is downloaded.
"""
import io
import math
import os
import pickle
import struct
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from dezero import datasets as D
from dezero.datasets import Dataset
from helpers import idx_bytes, write_gz, write_idx


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv('DEZERO_CACHE_DIR', str(tmp_path))
    return tmp_path


def test_import_pulls_in_no_optional_packages():
    code = ('import sys, dezero.datasets, dezero.dataloaders, dezero.transforms; '
            'print([m for m in ("PIL", "matplotlib", "cupy", "torch") if m in sys.modules])')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '[]'


# ---------------------------------------------------------------------------------------------
# Dataset
# ---------------------------------------------------------------------------------------------
class Squares(Dataset):
    def prepare(self):
        self.data = np.arange(5)
        self.label = np.arange(5) ** 2


def test_dataset_getitem_len_and_transforms():
    ds = Squares()
    assert len(ds) == 5 and ds.train
    assert ds[3] == (3, 9)
    ds = Squares(train=False, transform=lambda x: -x, target_transform=lambda t: t + 0.5)
    assert not ds.train
    assert ds[2] == (-2, 4.5)
    assert ds[np.int64(4)] == (-4, 16.5)
    with pytest.raises(TypeError, match='Squares.*integer index'):
        ds[1:3]


def test_dataset_without_labels_gives_none():
    class Unlabelled(Dataset):
        def prepare(self):
            self.data = np.ones((2, 3))
    x, t = Unlabelled()[1]
    np.testing.assert_array_equal(x, np.ones(3))
    assert t is None
    with pytest.raises(TypeError, match='prepare'):
        len(Dataset())


# ---------------------------------------------------------------------------------------------
# Spiral
# ---------------------------------------------------------------------------------------------
def _replay_spiral(seed):
    """Redo the spiral with one array draw and the stdlib's sin/cos (an independent route)."""
    rs = np.random.RandomState(seed)
    noise = rs.randn(300)  # same stream as 300 scalar draws
    points, labels = [], []
    for k in range(300):
        j, i = divmod(k, 100)
        rate = i / 100
        theta = j * 4.0 + 4.0 * rate + noise[k] * 0.2
        points.append((rate * math.sin(theta), rate * math.cos(theta)))
        labels.append(j)
    order = rs.permutation(300)
    return np.array(points, dtype=np.float32)[order], np.array(labels)[order]


def test_spiral_shape_classes_and_determinism():
    x, t = D.get_spiral()
    assert x.shape == (300, 2) and x.dtype == np.float32
    assert t.shape == (300,) and np.issubdtype(t.dtype, np.integer)
    assert np.bincount(t).tolist() == [100, 100, 100]
    assert np.all(np.hypot(x[:, 0], x[:, 1]) < 1.0)
    x2, t2 = D.get_spiral(train=True)
    np.testing.assert_array_equal(x, x2)
    np.testing.assert_array_equal(t, t2)
    xt, tt = D.get_spiral(train=False)
    assert xt.shape == (300, 2) and not np.array_equal(x, xt)
    assert np.bincount(tt).tolist() == [100, 100, 100]


@pytest.mark.parametrize('train, seed', [(True, 1984), (False, 2020)])
def test_spiral_matches_an_independent_replay(train, seed):
    x, t = D.get_spiral(train)
    rx, rt = _replay_spiral(seed)
    np.testing.assert_array_equal(t, rt)
    # float32 rounding of the same float64 values: equal up to one float32 ulp
    np.testing.assert_allclose(x, rx, rtol=0, atol=1.2e-7)


def test_spiral_golden_values():
    # regression values; test_spiral_matches_an_independent_replay derives them another way
    x, t = D.get_spiral()
    assert x[0].tolist() == [-0.1398138850927353, -0.007216573692858219]  # exact float32 values
    assert t[:10].tolist() == [1, 1, 2, 0, 1, 2, 0, 0, 1, 2]


def test_spiral_leaves_the_global_generator_seeded():
    D.get_spiral()
    after = np.random.rand()
    rs = np.random.RandomState(1984)
    rs.randn(300)
    rs.permutation(300)
    assert after == rs.rand()


def test_spiral_dataset():
    ds = D.Spiral()
    x, t = D.get_spiral()
    assert len(ds) == 300
    np.testing.assert_array_equal(ds[7][0], x[7])
    assert ds[7][1] == t[7]
    np.testing.assert_array_equal(D.Spiral(train=False).data, D.get_spiral(False)[0])


# ---------------------------------------------------------------------------------------------
# SinCurve
# ---------------------------------------------------------------------------------------------
def test_sin_curve():
    np.random.seed(0)
    train = D.SinCurve(train=True)
    after_train = np.random.rand()
    np.random.seed(0)
    noise = np.random.uniform(-0.05, 0.05, size=1000)
    assert np.random.rand() == after_train  # draws exactly 1,000 uniforms
    xs = np.linspace(0, 2 * np.pi, 1000)
    y = np.sin(xs) + noise
    assert train.data.shape == (999, 1) and train.label.shape == (999, 1)
    np.testing.assert_array_equal(train.data[:, 0], y[:-1])
    np.testing.assert_array_equal(train.label[:, 0], y[1:])

    np.random.seed(0)
    test = D.SinCurve(train=False)
    assert np.random.rand() == after_train  # the noise is drawn for the test split too
    np.testing.assert_array_equal(test.data[:, 0], np.cos(xs)[:-1])
    np.testing.assert_array_equal(test[5][1], np.cos(xs)[6:7])


# ---------------------------------------------------------------------------------------------
# MNIST
# ---------------------------------------------------------------------------------------------
def _write_mnist(cache, prefix, n, seed):
    rs = np.random.RandomState(seed)
    images = rs.randint(0, 256, size=(n, 28, 28)).astype(np.uint8)
    labels = rs.randint(0, 10, size=n).astype(np.uint8)
    write_idx(cache / f'{prefix}-images-idx3-ubyte.gz', images)
    write_idx(cache / f'{prefix}-labels-idx1-ubyte.gz', labels)
    return images, labels


def test_mnist_reads_idx_files(cache):
    images, labels = _write_mnist(cache, 'train', 5, seed=0)
    test_images, test_labels = _write_mnist(cache, 't10k', 3, seed=1)

    ds = D.MNIST(train=True)
    assert ds.data.shape == (5, 1, 28, 28) and ds.data.dtype == np.uint8
    np.testing.assert_array_equal(ds.data[:, 0], images)
    assert ds.label.dtype == np.int64
    np.testing.assert_array_equal(ds.label, labels)
    assert len(ds) == 5
    x, t = ds[2]  # default transform: flat float32 in [0, 1]
    assert x.shape == (784,) and x.dtype == np.float32
    np.testing.assert_allclose(x, images[2].ravel() / 255.0, rtol=1e-6)
    assert t == labels[2]

    raw = D.MNIST(train=False, transform=None)
    assert raw.data.shape == (3, 1, 28, 28)
    np.testing.assert_array_equal(raw[1][0], test_images[1][None])
    np.testing.assert_array_equal(raw.label, test_labels)
    assert D.MNIST.labels() == {i: str(i) for i in range(10)}


def test_mnist_show_saves_a_picture(cache, tmp_path):
    pytest.importorskip('matplotlib')
    _write_mnist(cache, 'train', 4, seed=2)
    path = D.MNIST().show(row=2, col=3, to_file=str(tmp_path / 'grid.png'))
    with open(path, 'rb') as f:
        assert f.read(8) == b'\x89PNG\r\n\x1a\n'


def test_show_that_fails_keeps_the_earlier_picture(cache, tmp_path, monkeypatch):
    """A save that fails halfway (disk full) leaves the picture already there untouched."""
    pytest.importorskip('matplotlib')
    from matplotlib.figure import Figure
    _write_mnist(cache, 'train', 4, seed=2)
    out = tmp_path / 'pictures'
    out.mkdir()
    picture = out / 'grid.png'
    picture.write_bytes(b'an earlier grid')

    def half_a_picture(self, fname, **kwargs):
        with open(fname, 'wb') as f:
            f.write(b'\x89PNG half')
        raise OSError('disk full')
    monkeypatch.setattr(Figure, 'savefig', half_a_picture)
    with pytest.raises(OSError, match='disk full'):
        D.MNIST().show(row=2, col=3, to_file=str(picture))
    assert picture.read_bytes() == b'an earlier grid'
    assert os.listdir(out) == ['grid.png']


def test_mnist_rejects_bad_files(cache):
    _write_mnist(cache, 'train', 3, seed=0)
    images = cache / 'train-images-idx3-ubyte.gz'
    labels = cache / 'train-labels-idx1-ubyte.gz'

    write_idx(images, np.zeros((3, 28), dtype=np.uint8))  # 2-D: wrong magic
    with pytest.raises(ValueError, match='magic number 0x00000802, expected 0x00000803'):
        D.MNIST()

    raw = idx_bytes(np.zeros((3, 28, 28), dtype=np.uint8))
    write_gz(images, raw[:-10])
    with pytest.raises(ValueError, match='declares shape \\(3, 28, 28\\)'):
        D.MNIST()

    images.write_bytes(b'not gzip at all')
    with pytest.raises(ValueError, match='not a readable gzip'):
        D.MNIST()

    write_gz(images, raw)
    write_idx(labels, np.zeros(4, dtype=np.uint8))
    with pytest.raises(ValueError, match='3 images but .* 4 labels'):
        D.MNIST()


# ---------------------------------------------------------------------------------------------
# CIFAR
# ---------------------------------------------------------------------------------------------
class _Py2Pickler(pickle._Pickler):
    """Writes bytes and str the way Python 2 wrote its str (BINSTRING), as in the CIFAR files."""

    dispatch = dict(pickle._Pickler.dispatch)

    def _save_py2_str(self, obj):
        obj = obj.encode('latin1') if isinstance(obj, str) else obj
        if len(obj) < 256:
            self.write(pickle.SHORT_BINSTRING + bytes([len(obj)]) + obj)
        else:
            self.write(pickle.BINSTRING + struct.pack('<i', len(obj)) + obj)
        self.memoize(obj)

    dispatch[bytes] = dispatch[str] = _save_py2_str


def _py2_pickle(obj, numpy_module=b'numpy.core.multiarray'):
    buf = io.BytesIO()
    _Py2Pickler(buf, protocol=2).dump(obj)
    # NumPy 2 names its own module; the real files (NumPy 1.x era) say numpy.core.multiarray
    return buf.getvalue().replace(b'cnumpy._core.multiarray\n', b'c' + numpy_module + b'\n')


def _write_tar(path, members):
    with tarfile.open(path, 'w:gz') as tar:
        for name, blob in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(blob)
            tar.addfile(info, io.BytesIO(blob))


def _cifar_batch(rs, n, **labels):
    batch = {b'batch_label': b'a batch', b'data': rs.randint(0, 256, (n, 3072)).astype(np.uint8),
             b'filenames': [b'img%d.png' % i for i in range(n)]}
    batch.update({k.encode(): v for k, v in labels.items()})
    return batch


def _write_cifar10(cache, numpy_module=b'numpy.core.multiarray'):
    rs = np.random.RandomState(0)
    batches = {f'cifar-10-batches-py/data_batch_{i}': _cifar_batch(
        rs, 2, labels=rs.randint(0, 10, 2).tolist()) for i in range(1, 6)}
    batches['cifar-10-batches-py/test_batch'] = _cifar_batch(rs, 3, labels=[9, 0, 4])
    members = {name: _py2_pickle(b, numpy_module) for name, b in batches.items()}
    members['cifar-10-batches-py/batches.meta'] = _py2_pickle({b'num_cases_per_batch': 10000})
    _write_tar(cache / 'cifar-10-python.tar.gz', members)
    return batches


@pytest.mark.parametrize('numpy_module', [b'numpy.core.multiarray', b'numpy._core.multiarray'])
def test_cifar10_reads_python_batches(cache, numpy_module):
    batches = _write_cifar10(cache, numpy_module)
    train = D.CIFAR10(train=True)
    want = np.concatenate([batches[f'cifar-10-batches-py/data_batch_{i}'][b'data']
                           for i in range(1, 6)])
    assert train.data.shape == (10, 3, 32, 32) and train.data.dtype == np.uint8
    np.testing.assert_array_equal(train.data.reshape(10, -1), want)
    # a row is 1024 red, then 1024 green, then 1024 blue values, each 32x32 row-major
    np.testing.assert_array_equal(train.data[0, 1, 2, 5], want[0, 1024 + 2 * 32 + 5])
    want_labels = sum((batches[f'cifar-10-batches-py/data_batch_{i}'][b'labels']
                       for i in range(1, 6)), [])
    assert train.label.dtype == np.int64 and train.label.tolist() == want_labels

    x, t = train[3]  # default transform: float32 in [-1, 1]
    assert x.shape == (3, 32, 32) and x.dtype == np.float32
    np.testing.assert_allclose(x, train.data[3] / 255.0 * 2 - 1, rtol=1e-5, atol=1e-6)
    assert t == want_labels[3]

    test = D.CIFAR10(train=False, transform=None)
    assert test.data.shape == (3, 3, 32, 32) and test.label.tolist() == [9, 0, 4]
    assert D.CIFAR10.labels()[0] == 'airplane' and D.CIFAR10.labels()[9] == 'truck'


def test_cifar100_fine_and_coarse(cache):
    rs = np.random.RandomState(1)
    train = _cifar_batch(rs, 4, fine_labels=[0, 99, 5, 7], coarse_labels=[4, 19, 0, 1])
    test = _cifar_batch(rs, 2, fine_labels=[1, 2], coarse_labels=[3, 3])
    _write_tar(cache / 'cifar-100-python.tar.gz', {
        'cifar-100-python/train': _py2_pickle(train), 'cifar-100-python/test': _py2_pickle(test),
        'cifar-100-python/meta': _py2_pickle({b'fine_label_names': [b'apple']})})
    ds = D.CIFAR100()
    assert ds.data.shape == (4, 3, 32, 32)
    np.testing.assert_array_equal(ds.data.reshape(4, -1), train[b'data'])
    assert ds.label.tolist() == [0, 99, 5, 7]
    assert D.CIFAR100(train=False, label_type='coarse').label.tolist() == [3, 3]
    assert len(D.CIFAR100.labels()) == 100 and D.CIFAR100.labels()[99] == 'worm'
    assert len(D.CIFAR100.labels('coarse')) == 20
    with pytest.raises(ValueError, match='label_type'):
        D.CIFAR100(label_type='medium')


def test_cifar_rejects_missing_members_and_bad_archives(cache):
    path = cache / 'cifar-10-python.tar.gz'
    _write_tar(path, {'cifar-10-batches-py/test_batch': b''})
    with pytest.raises(ValueError, match='lacks'):
        D.CIFAR10()
    path.write_bytes(b'garbage')
    with pytest.raises(ValueError, match='not a readable tar.gz'):
        D.CIFAR10()
    rs = np.random.RandomState(0)
    bad = _cifar_batch(rs, 2, labels=[1, 2, 3])  # more labels than images
    _write_tar(path, {'cifar-10-batches-py/test_batch': _py2_pickle(bad)})
    with pytest.raises(ValueError, match='expected \\(N, 3072\\) uint8 and N labels'):
        D.CIFAR10(train=False)


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return os.system, (f'echo pwned > {self.marker}',)


def test_malicious_pickle_in_cifar_is_refused(cache):
    marker = cache / 'pwned.txt'
    evil = _py2_pickle({b'data': _Evil(marker), b'labels': [0]})
    _write_tar(cache / 'cifar-10-python.tar.gz', {'cifar-10-batches-py/test_batch': evil})
    with pytest.raises(ValueError, match='(posix|os|nt)\\.system is not allowed'):
        D.CIFAR10(train=False)
    assert not marker.exists()


@pytest.mark.parametrize('payload, why', [
    (pickle.dumps(eval, protocol=4), 'builtins.eval is not allowed'),
    (pickle.dumps(np.random.RandomState(0), protocol=4), 'is not allowed'),
    (pickle.dumps(np.array([1, 'a'], dtype=object), protocol=4), "dtype 'O8' refused"),
    (pickle.dumps(np.zeros(2, dtype=[('a', 'u1'), ('b', 'O')]), protocol=4), "dtype 'V.*' refused"),
    (pickle.dumps(np.ndarray, protocol=4).replace(b'.', b')R.'), 'numpy.ndarray may only'),
    (pickle.dumps(np.zeros(3), protocol=5), '_frombuffer is not allowed'),
    (pickle.dumps({b'x': 1}, protocol=2), '_codecs.encode is not allowed'),
])
def test_restricted_loader_refuses_everything_else(payload, why):
    with pytest.raises(pickle.UnpicklingError, match=f'restricted pickle: .*{why}'):
        D._restricted_load(payload)


def test_restricted_loader_rejects_inconsistent_array_state():
    raw = _py2_pickle(np.zeros(4, dtype=np.uint8))
    short = raw.replace(b'U\x04\x00\x00\x00\x00', b'U\x03\x00\x00\x00')
    assert short != raw
    with pytest.raises(pickle.UnpicklingError, match='does not match'):
        D._restricted_load(short)


@pytest.mark.parametrize('array', [
    np.arange(6, dtype='>f8').reshape(2, 3),
    np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
    np.array([True, False, True]),
    np.array(3.5, dtype=np.float32),
    np.zeros((0, 3), dtype=np.int16),
])
@pytest.mark.parametrize('py2', [True, False])
def test_restricted_loader_reads_numeric_arrays(array, py2):
    payload = {b'x': array, 'y': [1, 2.5, None, (b'z', 'w')]}
    raw = _py2_pickle(payload) if py2 else pickle.dumps(payload, protocol=4)
    out = D._restricted_load(raw)
    y = b'y' if py2 else 'y'  # Python 2 str comes back as bytes (encoding='bytes')
    assert out[y] == [1, 2.5, None, (b'z', b'w' if py2 else 'w')]
    assert out[b'x'].dtype == array.dtype and out[b'x'].shape == array.shape
    np.testing.assert_array_equal(out[b'x'], array)
    assert out[b'x'].flags.writeable


# ---------------------------------------------------------------------------------------------
# ImageNet labels, Shakespeare
# ---------------------------------------------------------------------------------------------
def test_imagenet_labels_are_parsed_as_data(cache):
    path = cache / 'imagenet1000_clsidx_to_labels.txt'
    path.write_text("{0: 'tench, Tinca tinca',\n 1: 'goldfish, Carassius auratus'}\n")
    assert D.ImageNet.labels() == {0: 'tench, Tinca tinca', 1: 'goldfish, Carassius auratus'}
    marker = cache / 'pwned.txt'
    path.write_text(f"__import__('os').system('echo pwned > {marker}')")
    with pytest.raises(ValueError, match='not a dict literal'):
        D.ImageNet.labels()
    assert not marker.exists()
    path.write_text("['a', 'b']")
    with pytest.raises(ValueError, match='int -> str'):
        D.ImageNet.labels()
    with pytest.raises(NotImplementedError, match='ImageNet'):
        D.ImageNet()


def test_shakespear_maps_chars_to_ids(cache):
    text = 'First Citizen:\nBefore we proceed'
    (cache / 'shakespear.txt').write_text(text, encoding='utf-8')
    ds = D.Shakespear()
    assert len(ds) == len(text) - 1
    assert list(ds.char_to_id)[:4] == ['F', 'i', 'r', 's']  # ids in order of first appearance
    assert ds.char_to_id['F'] == 0 and ds.id_to_char[1] == 'i'
    assert ''.join(ds.id_to_char[int(i)] for i in ds.data) == text[:-1]
    assert ''.join(ds.id_to_char[int(i)] for i in ds.label) == text[1:]
    x, t = ds[0]
    assert (x, t) == (ds.char_to_id['F'], ds.char_to_id['i'])
