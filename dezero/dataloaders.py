"""Mini-batch iterators over a Dataset: `DataLoader` (shuffled epochs) and `SeqDataLoader` (BPTT).

`for x, t in loader:` runs one epoch; the loader then resets itself, so the same loop can be
written inside an epoch loop, as in the book. Shuffling draws from NumPy's global generator (at
construction and at the end of every epoch, as the book does), so `np.random.seed` reproduces
a whole training run.
"""
import math
import numbers

import numpy as np

from dezero import cuda
from dezero.datasets import ArrayDataset


def _as_dataset(dataset):
    """A tuple of arrays (X, T) becomes ArrayDataset(X, T); anything else is kept as it is."""
    if (isinstance(dataset, tuple) and dataset
            and all(isinstance(a, cuda.array_types) for a in dataset)):
        return ArrayDataset(*dataset)
    return dataset


class DataLoader:
    """Iterate over `dataset` in batches of `batch_size` (the last batch may be smaller).

    `dataset` is a Dataset (anything with len() and integer indexing that gives examples), or
    a tuple of equal-length arrays such as (X, T), which is read as `ArrayDataset(X, T)`. Each
    batch is a tuple with one array per part of an example: (x, t) for the book's datasets.
    """

    def __init__(self, dataset, batch_size, shuffle=True, gpu=False):
        if not isinstance(batch_size, (numbers.Integral, np.integer)) or batch_size < 1:
            raise ValueError(f'{type(self).__name__}: batch_size must be a positive int, '
                             f'got {batch_size!r}')
        dataset = _as_dataset(dataset)
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.data_size = len(dataset)
        self.max_iter = math.ceil(self.data_size / self.batch_size)
        self.gpu = False
        if gpu:
            self.to_gpu()
        self.reset()

    def reset(self):
        """Start a new epoch (with a fresh permutation when shuffling)."""
        self.iteration = 0
        if self.shuffle:
            self.index = np.random.permutation(self.data_size)
        else:
            self.index = np.arange(self.data_size)

    def __iter__(self):
        return self

    def _batch_index(self):
        i = self.iteration
        return self.index[i * self.batch_size:(i + 1) * self.batch_size]

    def __next__(self):
        if self.iteration >= self.max_iter:
            self.reset()
            raise StopIteration
        index = self._batch_index()
        dataset = self.dataset
        if isinstance(dataset, ArrayDataset) and dataset._plain():
            # the rows, taken at once: what stacking the examples one by one would give
            index = np.asarray(index)
            parts = tuple(a[index] for a in dataset.arrays)
        else:
            batch = [dataset[i] for i in index]
            n_parts = len(batch[0]) if isinstance(batch[0], tuple) else 2  # the book's (x, t)
            parts = tuple(np.array([example[j] for example in batch]) for j in range(n_parts))
        if self.gpu:
            parts = tuple(cuda.as_cupy(p) for p in parts)
        self.iteration += 1
        return parts

    def next(self):
        """The next batch, (x, t) for the book's datasets; same as `next(loader)`."""
        return self.__next__()

    def __len__(self):
        return self.max_iter

    def to_cpu(self):
        """Return batches as NumPy arrays from now on."""
        self.gpu = False

    def to_gpu(self):
        """Return batches as CuPy arrays from now on; raises RuntimeError without CuPy."""
        if not cuda.gpu_enable:
            raise RuntimeError(f'{type(self).__name__}: gpu=True needs CuPy, which is not '
                               f'installed; use gpu=False or install a CuPy build matching '
                               f'your CUDA version')
        self.gpu = True


class SeqDataLoader(DataLoader):
    """Batches for truncated BPTT: row k of batch n is example (k * jump + n), jump = len // batch.

    Each of the `batch_size` rows walks its own contiguous stretch of the sequence, in order,
    so a recurrent model's state carries over from one batch to the next.
    """

    def __init__(self, dataset, batch_size, gpu=False):
        super().__init__(dataset, batch_size, shuffle=False, gpu=gpu)
        if self.batch_size > self.data_size:
            raise ValueError(f'SeqDataLoader: batch_size {self.batch_size} is larger than the '
                             f'dataset ({self.data_size} examples)')
        self.jump = self.data_size // self.batch_size
        # one pass over each row's stretch; more would repeat examples
        self.max_iter = self.jump

    def _batch_index(self):
        return [(k * self.jump + self.iteration) % self.data_size for k in range(self.batch_size)]
