"""dezero.dataloaders: epochs, batching, shuffling from the global generator, BPTT batches."""
import numpy as np
import pytest

from dezero import cuda
from dezero.dataloaders import DataLoader, SeqDataLoader
from dezero.datasets import Dataset


class Range(Dataset):
    """Example i is (a 2-vector [i, -i], label i)."""

    def __init__(self, n, **kwargs):
        self.n = n
        super().__init__(**kwargs)

    def prepare(self):
        self.data = np.stack([np.arange(self.n), -np.arange(self.n)], axis=1).astype(np.float32)
        self.label = np.arange(self.n)


def _epoch(loader):
    return [(x.copy(), t.copy()) for x, t in loader]


def test_batches_without_shuffle_include_the_last_partial_batch():
    loader = DataLoader(Range(10), batch_size=4, shuffle=False)
    assert loader.max_iter == 3 and len(loader) == 3
    batches = _epoch(loader)
    assert [len(t) for _, t in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([t for _, t in batches]), np.arange(10))
    x, t = batches[0]
    assert x.shape == (4, 2) and x.dtype == np.float32
    np.testing.assert_array_equal(x[:, 1], -t)
    # the loop resets itself, so the next epoch is the same again
    assert [t.tolist() for _, t in _epoch(loader)] == [t.tolist() for _, t in batches]


def test_shuffle_draws_from_the_global_generator_like_the_book():
    np.random.seed(3)
    first = np.random.permutation(11)
    second = np.random.permutation(11)
    np.random.seed(3)
    loader = DataLoader(Range(11), batch_size=5)  # draws the first epoch's order now
    epoch1 = np.concatenate([t for _, t in _epoch(loader)])
    epoch2 = np.concatenate([t for _, t in _epoch(loader)])  # drawn at the end of epoch 1
    np.testing.assert_array_equal(epoch1, first)
    np.testing.assert_array_equal(epoch2, second)
    assert sorted(epoch1) == list(range(11))


def test_next_and_reset():
    loader = DataLoader(Range(6), batch_size=4, shuffle=False)
    x, t = loader.next()
    np.testing.assert_array_equal(t, [0, 1, 2, 3])
    _, t = next(loader)
    np.testing.assert_array_equal(t, [4, 5])
    with pytest.raises(StopIteration):
        loader.next()
    np.testing.assert_array_equal(loader.next()[1], [0, 1, 2, 3])  # a new epoch started
    loader.reset()
    assert loader.iteration == 0


def test_transforms_are_applied_and_missing_labels_stack():
    ds = Range(5, transform=lambda x: x * 2, target_transform=lambda t: t + 100)
    x, t = next(DataLoader(ds, 5, shuffle=False))
    np.testing.assert_array_equal(x[:, 0], 2 * np.arange(5))
    np.testing.assert_array_equal(t, np.arange(100, 105))

    class NoLabel(Dataset):
        def prepare(self):
            self.data = np.arange(3)
    x, t = next(DataLoader(NoLabel(), 3, shuffle=False))
    np.testing.assert_array_equal(x, [0, 1, 2])
    assert t.tolist() == [None, None, None]


def test_bad_batch_size():
    for bad in (0, -1, 2.5, None):
        with pytest.raises(ValueError, match='batch_size'):
            DataLoader(Range(3), bad)


@pytest.mark.skipif(cuda.gpu_enable, reason='CuPy is installed')
def test_gpu_without_cupy_is_a_clear_error():
    with pytest.raises(RuntimeError, match='CuPy'):
        DataLoader(Range(3), 2, gpu=True)
    loader = DataLoader(Range(3), 2)
    with pytest.raises(RuntimeError, match='CuPy'):
        loader.to_gpu()
    loader.to_cpu()
    assert isinstance(next(loader)[0], np.ndarray)


@pytest.mark.skipif(not cuda.gpu_enable, reason='CuPy is not installed')
def test_gpu_batches_are_cupy_arrays():
    loader = DataLoader(Range(5), 2, shuffle=False, gpu=True)
    x, t = next(loader)
    assert isinstance(x, cuda.cupy.ndarray) and isinstance(t, cuda.cupy.ndarray)
    np.testing.assert_array_equal(cuda.as_numpy(t), [0, 1])
    loader.to_cpu()
    assert isinstance(next(loader)[0], np.ndarray)


def test_seq_data_loader_walks_parallel_stretches():
    loader = SeqDataLoader(Range(10), batch_size=3)
    assert loader.max_iter == 3  # 10 // 3: each row walks its own stretch of 3 once
    ts = [t.tolist() for _, t in loader]
    assert ts == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    x, t = next(loader)  # the next epoch starts over, in the same order (no shuffling)
    assert t.tolist() == [0, 3, 6]
    np.testing.assert_array_equal(x[:, 1], [0, -3, -6])


def test_seq_data_loader_exact_division_covers_everything_once():
    ts = np.stack([t for _, t in SeqDataLoader(Range(12), batch_size=4)])
    assert ts.shape == (3, 4)
    assert sorted(ts.ravel().tolist()) == list(range(12))
    np.testing.assert_array_equal(ts[:, 1], [3, 4, 5])


def test_seq_data_loader_rejects_batch_larger_than_data():
    with pytest.raises(ValueError, match='SeqDataLoader'):
        SeqDataLoader(Range(3), batch_size=4)
