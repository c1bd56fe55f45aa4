"""Datasets: the spiral and sine toy data, MNIST, CIFAR-10/100 and the char-level Shakespeare text.

A `Dataset` holds its examples in `self.data` and targets in `self.label` (or None), filled by
`prepare()`, and applies `transform` / `target_transform` one example at a time in
`__getitem__`. Downloads go through `dezero.utils.get_file` into the cache directory
(`~/.dezero`, or `$DEZERO_CACHE_DIR`); a file already there is used as is, so placing the
files there by hand works offline.

Every file is parsed with plain NumPy. The CIFAR "python" batches are pickles, and unpickling an
untrusted file can run arbitrary code, so they are read with `_restricted_load`, which builds
only plain containers and numeric arrays (see its docstring).
"""
import gzip
import io
import math
import numbers
import pickle
import struct
import tarfile

import numpy as np

from dezero._atomic import replacing
from dezero.transforms import Compose, Flatten, Normalize, ToFloat


def _get_file(url, file_name):
    # imported here so that `import dezero.datasets` never pulls in the download machinery
    from dezero.utils import get_file
    return get_file(url, file_name)


def _identity(x):
    return x


# =============================================================================================
# Dataset
# =============================================================================================
class Dataset:
    """Base class: indexable examples `(transform(data[i]), target_transform(label[i]))`."""

    def __init__(self, train=True, transform=None, target_transform=None):
        self.train = train
        self.transform = _identity if transform is None else transform
        self.target_transform = _identity if target_transform is None else target_transform
        self.data = None
        self.label = None
        self.prepare()

    def __getitem__(self, index):
        if not isinstance(index, (numbers.Integral, np.integer)):
            raise TypeError(f'{type(self).__name__}.__getitem__: expected an integer index, got '
                            f'{type(index).__name__} (use a DataLoader for batches)')
        x = self.transform(self.data[index])
        if self.label is None:
            return x, None
        return x, self.target_transform(self.label[index])

    def __len__(self):
        if self.data is None:
            raise TypeError(f'{type(self).__name__}: no data; prepare() must set self.data')
        return len(self.data)

    def prepare(self):
        """Fill `self.data` and `self.label`; subclasses override this."""


class ArrayDataset(Dataset):
    """Examples are rows of equal-length arrays: item i is (a[i] for each array a).

    `ArrayDataset(X, T)` gives (x, t) pairs as the book's datasets do, so `DataLoader` batches
    it as any other (and `DataLoader((X, T), batch_size)` builds one); with one array an item
    is (x,), with three (x, t, w), as torch's TensorDataset. `data` and `label` are the first
    two arrays (label None with one array).
    """

    def __init__(self, *arrays, transform=None, target_transform=None):
        if not arrays:
            raise ValueError('ArrayDataset: expected at least one array, got none')
        for i, a in enumerate(arrays):
            if not hasattr(a, 'shape') or not hasattr(a, '__getitem__') or not a.shape:
                raise TypeError(f'ArrayDataset: argument {i} must be an array with a first '
                                f'axis (one row per example), got {type(a).__name__}'
                                f'{" of shape ()" if hasattr(a, "shape") else ""}')
        lengths = [len(a) for a in arrays]
        if any(n != lengths[0] for n in lengths):
            raise ValueError(f'ArrayDataset: the arrays must have the same length (one row per '
                             f'example), got lengths {lengths} (shapes '
                             f'{[tuple(a.shape) for a in arrays]})')
        self.arrays = arrays
        super().__init__(transform=transform, target_transform=target_transform)

    def prepare(self):
        self.data = self.arrays[0]
        self.label = self.arrays[1] if len(self.arrays) > 1 else None

    def __getitem__(self, index):
        if len(self.arrays) == 2:
            return super().__getitem__(index)
        if not isinstance(index, (numbers.Integral, np.integer)):
            raise TypeError(f'ArrayDataset.__getitem__: expected an integer index, got '
                            f'{type(index).__name__} (use a DataLoader for batches)')
        first = self.transform(self.arrays[0][index])
        if len(self.arrays) == 1:
            return (first,)
        return (first, self.target_transform(self.arrays[1][index]),
                *(a[index] for a in self.arrays[2:]))

    def _plain(self):
        """True when items are the arrays' rows unchanged (a batch is then a[index])."""
        return self.transform is _identity and self.target_transform is _identity


# =============================================================================================
# Toy datasets
# =============================================================================================
def get_spiral(train=True):
    """Return the book's three-arm spiral: x (300, 2) float32 and labels t (300,) int64.

    The data is reproduced exactly: it seeds NumPy's *global* generator (1984 for train, 2020
    for test), so whatever is drawn after it (weight initialisation in the book's scripts) also
    matches the book.
    """
    np.random.seed(1984 if train else 2020)
    num_data, num_class, input_dim = 100, 3, 2
    x = np.zeros((num_data * num_class, input_dim), dtype=np.float32)
    t = np.zeros(num_data * num_class, dtype=np.int64)
    # one scalar draw and scalar sin/cos per point, in the book's order: a vectorised version
    # could round differently (SIMD sin/cos), and these numbers must match to the bit
    for j in range(num_class):
        for i in range(num_data):
            rate = i / num_data
            radius = 1.0 * rate
            theta = j * 4.0 + 4.0 * rate + np.random.randn() * 0.2
            ix = num_data * j + i
            x[ix] = (radius * np.sin(theta), radius * np.cos(theta))
            t[ix] = j
    indices = np.random.permutation(num_data * num_class)
    return x[indices], t[indices]


class Spiral(Dataset):
    """The spiral data of `get_spiral` as a Dataset."""

    def prepare(self):
        self.data, self.label = get_spiral(self.train)


class SinCurve(Dataset):
    """A sine wave for sequence prediction: predict y[i+1] from y[i] (1,000 points).

    Train is sin(x) plus uniform noise in [-0.05, 0.05); test is cos(x) without noise. The noise
    is drawn from the global generator in both cases, as the book does, so later draws line up.
    """

    def prepare(self):
        num_data = 1000
        x = np.linspace(0, 2 * np.pi, num_data)
        noise = np.random.uniform(-0.05, 0.05, size=x.shape)
        y = np.sin(x) + noise if self.train else np.cos(x)
        self.data = y[:-1][:, np.newaxis]
        self.label = y[1:][:, np.newaxis]


# =============================================================================================
# Pictures of samples
# =============================================================================================
def _save_grid(images, row, col, to_file):
    """Save a row x col grid of randomly chosen CHW images to `to_file`; return the path."""
    from matplotlib.figure import Figure  # no pyplot: works headless, touches no backend

    C, H, W = images.shape[1:]
    grid = np.zeros((H * row, W * col, C), dtype=np.float64)
    for r in range(row):
        for c in range(col):
            img = images[np.random.randint(0, len(images))].transpose(1, 2, 0)
            grid[r * H:(r + 1) * H, c * W:(c + 1) * W] = img
    grid /= max(grid.max(), 1e-12)
    fig = Figure(figsize=(col, row))
    ax = fig.subplots()
    if C == 1:
        ax.imshow(grid[:, :, 0], cmap='gray', interpolation='nearest')
    else:
        ax.imshow(grid, interpolation='nearest')
    ax.axis('off')
    with replacing(to_file) as tmp:
        fig.savefig(tmp)
    print(f'saved {to_file}')
    return to_file


# =============================================================================================
# MNIST
# =============================================================================================
_MNIST_URL = 'https://ossci-datasets.s3.amazonaws.com/mnist/'
_MNIST_FILES = {
    True: ('train-images-idx3-ubyte.gz', 'train-labels-idx1-ubyte.gz'),
    False: ('t10k-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz'),
}


def _read_idx(path, ndim):
    """Read a gzip-compressed IDX file of unsigned bytes with `ndim` dimensions."""
    try:
        with gzip.open(path, 'rb') as f:
            raw = f.read()
    except (OSError, EOFError) as e:
        raise ValueError(f'MNIST: {path} is not a readable gzip file ({e}); delete it so that '
                         f'it is downloaded again') from e
    expected = 0x0800 + ndim  # two zero bytes, type 0x08 (unsigned byte), number of dims
    magic = int.from_bytes(raw[:4], 'big') if len(raw) >= 4 else None
    if magic != expected:
        found = 'nothing' if magic is None else f'0x{magic:08x}'
        raise ValueError(f'MNIST: {path} has magic number {found}, expected 0x{expected:08x} '
                         f'(an IDX file of unsigned bytes with {ndim} dimensions)')
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f'MNIST: {path} is truncated inside its header')
    dims = struct.unpack(f'>{ndim}I', raw[4:header])
    size = math.prod(dims)
    if len(raw) - header != size:
        raise ValueError(f'MNIST: {path} declares shape {dims} ({size} bytes) but holds '
                         f'{len(raw) - header} bytes of data')
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims).copy()


class MNIST(Dataset):
    """Handwritten digits: data (N, 1, 28, 28) uint8, labels int64 in 0..9.

    The default transform flattens each image to 784 float32 values in [0, 1].
    """

    def __init__(self, train=True,
                 transform=Compose([Flatten(), ToFloat(), Normalize(0., 255.)]),
                 target_transform=None):
        super().__init__(train, transform, target_transform)

    def prepare(self):
        image_name, label_name = _MNIST_FILES[bool(self.train)]
        image_path = _get_file(_MNIST_URL + image_name, image_name)
        label_path = _get_file(_MNIST_URL + label_name, label_name)
        images = _read_idx(image_path, 3)
        labels = _read_idx(label_path, 1)
        if len(images) != len(labels):
            raise ValueError(f'MNIST: {image_path} holds {len(images)} images but {label_path} '
                             f'holds {len(labels)} labels')
        self.data = images[:, np.newaxis]
        self.label = labels.astype(np.int64)

    def show(self, row=10, col=10, to_file='mnist.png'):
        """Save a grid of random training images to `to_file` and return its path."""
        return _save_grid(self.data, row, col, to_file)

    @staticmethod
    def labels():
        """Class index -> name."""
        return {i: str(i) for i in range(10)}


# =============================================================================================
# CIFAR-10 / CIFAR-100
# =============================================================================================
class _NdarrayMarker:
    """Stands in for numpy.ndarray inside a restricted pickle; it can never be instantiated."""

    def __new__(cls, *args, **kwargs):
        raise pickle.UnpicklingError('restricted pickle: numpy.ndarray may only appear as the '
                                     'first argument of _reconstruct')


def _text(value):
    # pickles written by Python 2 and read with encoding='bytes' give their str as bytes
    return value.decode('latin1') if isinstance(value, bytes) else value


class _DtypeSpec:
    """Records a pickled numpy.dtype; only plain numeric dtypes (bool, int, uint, float) pass."""

    def __init__(self, obj, align=False, copy=False):
        obj = _text(obj)
        if not isinstance(obj, str):
            raise pickle.UnpicklingError(f'restricted pickle: dtype spec must be a string, '
                                         f'got {type(obj).__name__}')
        try:
            dtype = np.dtype(obj)
        except TypeError as e:
            raise pickle.UnpicklingError(f'restricted pickle: bad dtype {obj!r}') from e
        if dtype.kind not in 'biuf' or dtype.fields is not None or dtype.subdtype is not None:
            raise pickle.UnpicklingError(f'restricted pickle: dtype {obj!r} refused; only '
                                         f'numeric dtypes are allowed')
        self.dtype = dtype

    def __setstate__(self, state):
        # state = (version, byteorder, subdtype, names, fields, elsize, alignment, flags);
        # a numeric dtype has no sub-dtypes or fields, so anything else is refused
        if not isinstance(state, tuple) or len(state) < 5 or any(s is not None for s in state[2:5]):
            raise pickle.UnpicklingError(f'restricted pickle: unexpected dtype state {state!r}')
        order = _text(state[1])
        if order in ('<', '>'):
            self.dtype = self.dtype.newbyteorder(order)
        elif order not in ('|', '='):
            raise pickle.UnpicklingError(f'restricted pickle: bad byte order {order!r}')


class _ArraySpec:
    """Records a pickled ndarray and rebuilds it from raw bytes with np.frombuffer."""

    def __init__(self, shape, dtype):
        self.array = None

    def __setstate__(self, state):
        if not isinstance(state, tuple) or len(state) not in (4, 5):
            raise pickle.UnpicklingError('restricted pickle: unexpected ndarray state')
        _, shape, dtype, fortran, raw = state if len(state) == 5 else (1,) + state
        if not isinstance(dtype, _DtypeSpec):
            raise pickle.UnpicklingError('restricted pickle: ndarray without a numeric dtype')
        if isinstance(raw, str):  # Python 2 str read with encoding='latin1'
            raw = raw.encode('latin1')
        if not isinstance(raw, (bytes, bytearray)):
            raise pickle.UnpicklingError(f'restricted pickle: ndarray data must be bytes, got '
                                         f'{type(raw).__name__}')
        shape = tuple(int(s) for s in shape)
        if any(s < 0 for s in shape) or math.prod(shape) * dtype.dtype.itemsize != len(raw):
            raise pickle.UnpicklingError(f'restricted pickle: ndarray of shape {shape} and dtype '
                                         f'{dtype.dtype} does not match its {len(raw)} bytes')
        array = np.frombuffer(raw, dtype=dtype.dtype)
        self.array = array.reshape(shape, order='F' if fortran else 'C').copy()


def _reconstruct(subtype, shape, dtype):
    if subtype is not _NdarrayMarker:
        raise pickle.UnpicklingError('restricted pickle: _reconstruct may only build ndarrays')
    return _ArraySpec(shape, dtype)


class _RestrictedUnpickler(pickle.Unpickler):
    """Unpickler that resolves only numpy's array-rebuilding names, to inert stand-ins."""

    _allowed = {
        ('numpy.core.multiarray', '_reconstruct'): _reconstruct,   # pickles from NumPy 1.x
        ('numpy._core.multiarray', '_reconstruct'): _reconstruct,  # pickles from NumPy 2.x
        ('numpy', 'ndarray'): _NdarrayMarker,
        ('numpy', 'dtype'): _DtypeSpec,
    }

    def find_class(self, module, name):
        try:
            return self._allowed[(module, name)]
        except KeyError:
            raise pickle.UnpicklingError(f'restricted pickle: {module}.{name} is not allowed '
                                         f'(only numeric numpy arrays and plain containers '
                                         f'are read)') from None


def _resolve(obj):
    if isinstance(obj, _ArraySpec):
        if obj.array is None:
            raise pickle.UnpicklingError('restricted pickle: ndarray without data')
        return obj.array
    if isinstance(obj, _DtypeSpec):
        return obj.dtype
    if isinstance(obj, dict):
        return {k: _resolve(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_resolve(v) for v in obj]
    if isinstance(obj, tuple):
        return tuple(_resolve(v) for v in obj)
    return obj


def _restricted_load(data):
    """Unpickle `data` (bytes) allowing only plain values, containers and numeric ndarrays.

    Why: `pickle.load` calls whatever callables a file names, so a tampered download could run
    any code. Here `find_class` knows exactly the three names a pickled ndarray needs
    (`_reconstruct`, `ndarray`, `dtype`) and maps them to stand-ins that record shape, dtype
    and raw bytes; the arrays are then built with `np.frombuffer`, so NumPy never receives
    state from the file and object arrays are impossible. Keys and strings written by
    Python 2 come back as bytes (encoding='bytes'), as in the CIFAR files.
    """
    return _resolve(_RestrictedUnpickler(io.BytesIO(data), encoding='bytes').load())


def _key(batch, name, path, member):
    for k in (name.encode(), name):
        if k in batch:
            return batch[k]
    raise ValueError(f'{path}: batch {member} has no {name!r} entry '
                     f'(keys: {sorted(map(str, batch))})')


def _read_cifar(path, members, label_key, who):
    """Read the named batches of a CIFAR python tar.gz: data (N, 3, 32, 32) uint8, labels int64."""
    blobs = {}
    try:
        with tarfile.open(path, 'r:gz') as tar:
            for info in tar:  # one pass: seeking back in a gzip stream means decompressing again
                if info.name in members and info.isfile():
                    blobs[info.name] = tar.extractfile(info).read()
    except (tarfile.TarError, OSError, EOFError) as e:
        raise ValueError(f'{who}: {path} is not a readable tar.gz file ({e}); delete it so that '
                         f'it is downloaded again') from e
    missing = [m for m in members if m not in blobs]
    if missing:
        raise ValueError(f'{who}: {path} lacks {missing}; delete it so that it is downloaded again')
    datas, labels = [], []
    for member in members:
        try:
            batch = _restricted_load(blobs[member])
        except (pickle.UnpicklingError, EOFError, ValueError, TypeError) as e:
            raise ValueError(f'{who}: cannot read {member} in {path}: {e}') from e
        if not isinstance(batch, dict):
            raise ValueError(f'{who}: {member} in {path} is a {type(batch).__name__}, '
                             f'expected a dict')
        data = np.asarray(_key(batch, 'data', path, member))
        label = np.asarray(_key(batch, label_key, path, member), dtype=np.int64)
        if data.dtype != np.uint8 or data.ndim != 2 or data.shape[1] != 3 * 32 * 32 \
                or len(data) != len(label):
            raise ValueError(f'{who}: {member} in {path} has data {data.shape} {data.dtype} and '
                             f'{label.shape} labels; expected (N, 3072) uint8 and N labels')
        datas.append(data)
        labels.append(label)
    data = np.concatenate(datas).reshape(-1, 3, 32, 32)
    return data, np.concatenate(labels)


_CIFAR_TRANSFORM = Compose([ToFloat(), Normalize(0., 255.), Normalize(mean=0.5, std=0.5)])


class CIFAR10(Dataset):
    """Ten classes of 32x32 colour images: data (N, 3, 32, 32) uint8, labels int64.

    The default transform gives float32 in [-1, 1]. (The book's default subtracts 0.5 and
    divides by 0.5 from the 0..255 values directly; scale first to match the book's intent.)
    """

    url = 'https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz'

    def __init__(self, train=True, transform=_CIFAR_TRANSFORM, target_transform=None):
        super().__init__(train, transform, target_transform)

    def prepare(self):
        path = _get_file(self.url, 'cifar-10-python.tar.gz')
        if self.train:
            members = [f'cifar-10-batches-py/data_batch_{i}' for i in range(1, 6)]
        else:
            members = ['cifar-10-batches-py/test_batch']
        self.data, self.label = _read_cifar(path, members, 'labels', 'CIFAR10')

    def show(self, row=10, col=10, to_file='cifar.png'):
        """Save a grid of random images to `to_file` and return its path."""
        return _save_grid(self.data, row, col, to_file)

    @staticmethod
    def labels():
        """Class index -> name."""
        names = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse',
                 'ship', 'truck']
        return dict(enumerate(names))


_CIFAR100_FINE = (
    'apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus '
    'butterfly camel can castle caterpillar cattle chair chimpanzee clock cloud cockroach couch '
    'crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house '
    'kangaroo keyboard lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle '
    'mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree '
    'plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew '
    'skunk skyscraper snail snake spider squirrel streetcar sunflower sweet_pepper table tank '
    'telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree '
    'wolf woman worm').split()
_CIFAR100_COARSE = (
    'aquatic_mammals fish flowers food_containers fruit_and_vegetables '
    'household_electrical_devices household_furniture insects large_carnivores '
    'large_man-made_outdoor_things large_natural_outdoor_scenes '
    'large_omnivores_and_herbivores medium_mammals non-insect_invertebrates people reptiles '
    'small_mammals trees vehicles_1 vehicles_2').split()


class CIFAR100(CIFAR10):
    """100 classes (or 20 with label_type='coarse') of 32x32 colour images, like CIFAR10."""

    url = 'https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz'

    def __init__(self, train=True, transform=_CIFAR_TRANSFORM, target_transform=None,
                 label_type='fine'):
        if label_type not in ('fine', 'coarse'):
            raise ValueError(f"CIFAR100: label_type must be 'fine' or 'coarse', "
                             f"got {label_type!r}")
        self.label_type = label_type
        super().__init__(train, transform, target_transform)

    def prepare(self):
        path = _get_file(self.url, 'cifar-100-python.tar.gz')
        member = 'cifar-100-python/train' if self.train else 'cifar-100-python/test'
        self.data, self.label = _read_cifar(path, [member], f'{self.label_type}_labels',
                                            'CIFAR100')

    @staticmethod
    def labels(label_type='fine'):
        """Class index -> name, for the 'fine' (100) or 'coarse' (20) labels."""
        names = _CIFAR100_FINE if label_type == 'fine' else _CIFAR100_COARSE
        return dict(enumerate(names))


# =============================================================================================
# ImageNet labels and Shakespeare
# =============================================================================================
class ImageNet(Dataset):
    """Only the 1,000 ImageNet class names (`ImageNet.labels()`); the images are not provided."""

    labels_url = ('https://gist.githubusercontent.com/yrevar/942d3a0ac09ec9e5eb3a/raw/'
                  '238f720ff059c1f82f368259d1ca4ffa5dd8f9f5/imagenet1000_clsidx_to_labels.txt')

    def __init__(self, *args, **kwargs):
        raise NotImplementedError('ImageNet: the image data is not provided; only '
                                  'ImageNet.labels() is available')

    @staticmethod
    def labels():
        """Class index -> name, read from the class-list file (a Python dict literal)."""
        import ast

        path = _get_file(ImageNet.labels_url, 'imagenet1000_clsidx_to_labels.txt')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        try:  # literal_eval: the file is data, never code
            labels = ast.literal_eval(text)
        except (ValueError, SyntaxError) as e:
            raise ValueError(f'ImageNet.labels: {path} is not a dict literal ({e}); delete it so '
                             f'that it is downloaded again') from e
        if not isinstance(labels, dict) or not all(
                isinstance(k, int) and isinstance(v, str) for k, v in labels.items()):
            raise ValueError(f'ImageNet.labels: {path} must hold a dict of int -> str')
        return labels


class Shakespear(Dataset):
    """Tiny Shakespeare as character ids: data[i] is a character, label[i] the next one.

    Ids are given in order of first appearance; `char_to_id` / `id_to_char` map both ways.
    """

    url = ('https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/'
           'input.txt')

    def prepare(self):
        path = _get_file(self.url, 'shakespear.txt')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        self.char_to_id = {c: i for i, c in enumerate(dict.fromkeys(text))}
        self.id_to_char = {i: c for c, i in self.char_to_id.items()}
        indices = np.array([self.char_to_id[c] for c in text], dtype=np.int64)
        self.data = indices[:-1]
        self.label = indices[1:]


# =============================================================================================
# MNIST-1D (Greydanus, 2020): generated offline by the `mnist1d` package
# =============================================================================================
_MNIST1D_CACHE = {}


def _make_mnist1d(num_samples, seed):
    """The arrays of mnist1d's make_dataset, built once per process for each (size, seed)."""
    key = (num_samples, seed)
    if key not in _MNIST1D_CACHE:
        try:
            from mnist1d.data import get_dataset_args, make_dataset
        except ImportError:
            raise ImportError("MNIST1D: the data is generated by the optional 'mnist1d' package; "
                              "install it with `pip install mnist1d` (or `pip install "
                              "'dezero[mnist1d]'`)") from None
        import random
        args = get_dataset_args()
        args.num_samples, args.seed = num_samples, seed
        # make_dataset seeds the global generators; the caller's streams are left as they were
        np_state, py_state = np.random.get_state(), random.getstate()
        try:
            d = make_dataset(args)
        finally:
            np.random.set_state(np_state)
            random.setstate(py_state)
        _MNIST1D_CACHE[key] = {k: d[k] for k in ('x', 'y', 'x_test', 'y_test')}
    return _MNIST1D_CACHE[key]


class MNIST1D(Dataset):
    """MNIST-1D: 1-D signals of 40 points in 10 classes, a small benchmark on which logistic
    regression, MLPs, CNNs and GRUs differ clearly (Greydanus, "Scaling down deep learning").

    Built offline with the `mnist1d` package's defaults (5,000 samples, seed 42, 80% for
    training): `data` is (4000, 40) float32 for train, (1000, 40) for test, `label` int64.
    `num_samples` and `seed` change the generated set. Needs `pip install mnist1d`.
    """

    def __init__(self, train=True, transform=None, target_transform=None, num_samples=5000,
                 seed=42):
        if isinstance(num_samples, bool) or not isinstance(num_samples, (int, np.integer)) \
                or num_samples < 10:
            raise ValueError(f'MNIST1D: num_samples must be an int of at least 10 (one sample '
                             f'per class), got {num_samples!r}')
        self.num_samples, self.seed = int(num_samples), seed
        super().__init__(train, transform, target_transform)

    def prepare(self):
        d = _make_mnist1d(self.num_samples, self.seed)
        x, y = (d['x'], d['y']) if self.train else (d['x_test'], d['y_test'])
        self.data = x.astype(np.float32)
        self.label = y.astype(np.int64)

    @staticmethod
    def labels():
        """{class id: digit name}."""
        return {i: str(i) for i in range(10)}
