"""DataLoader over a tuple of arrays and datasets.ArrayDataset (issue 17's habits)."""
import numpy as np
import pytest

from dezero.dataloaders import DataLoader, SeqDataLoader
from dezero.datasets import ArrayDataset, Dataset


def _arrays(n=10):
    X = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
    T = np.arange(n) % 3
    return X, T


def test_tuple_of_arrays_is_a_dataset():
    X, T = _arrays()
    loader = DataLoader((X, T), batch_size=4, shuffle=False)  # before: inhomogeneous shape
    assert len(loader) == 3 and isinstance(loader.dataset, ArrayDataset)
    batches = [(x.copy(), t.copy()) for x, t in loader]
    assert [len(t) for _, t in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([x for x, _ in batches]), X)
    np.testing.assert_array_equal(np.concatenate([t for _, t in batches]), T)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == T.dtype


def test_shuffled_batches_equal_those_of_a_book_dataset_with_the_same_seed():
    """The fast path (rows taken at once) gives what stacking example by example gives."""
    X, T = _arrays(23)

    class Book(Dataset):
        def prepare(self):
            self.data, self.label = X, T

    np.random.seed(5)
    want = [(x.copy(), t.copy()) for _ in range(2) for x, t in DataLoader(Book(), 5)]
    np.random.seed(5)
    got = [(x.copy(), t.copy()) for _ in range(2) for x, t in DataLoader((X, T), 5)]
    assert len(got) == len(want) == 10
    for (gx, gt), (wx, wt) in zip(got, want):
        np.testing.assert_array_equal(gx, wx)
        np.testing.assert_array_equal(gt, wt)
        assert gx.dtype == wx.dtype and gt.dtype == wt.dtype


def test_array_dataset_items_and_lengths():
    X, T = _arrays(4)
    W = np.linspace(0, 1, 4)
    ds = ArrayDataset(X, T)
    assert len(ds) == 4
    x, t = ds[2]
    np.testing.assert_array_equal(x, X[2]) and t == T[2]
    assert ds.data is X and ds.label is T
    one = ArrayDataset(X)
    assert len(one[0]) == 1 and one.label is None
    three = ArrayDataset(X, T, W)
    assert len(three[1]) == 3 and three[1][2] == W[1]
    x, t, w = next(iter(DataLoader((X, T, W), batch_size=4, shuffle=False)))
    np.testing.assert_array_equal(w, W)
    (xb,) = next(iter(DataLoader(one, batch_size=3, shuffle=False)))
    np.testing.assert_array_equal(xb, X[:3])


def test_array_dataset_transforms_apply_per_example():
    X, T = _arrays(6)
    ds = ArrayDataset(X, T, transform=lambda x: x * 2, target_transform=lambda t: t + 10)
    x, t = next(iter(DataLoader(ds, batch_size=6, shuffle=False)))
    np.testing.assert_array_equal(x, X * 2)
    np.testing.assert_array_equal(t, T + 10)


def test_seq_data_loader_over_arrays():
    X, T = _arrays(8)
    x, t = next(iter(SeqDataLoader((X, T), batch_size=2)))
    np.testing.assert_array_equal(t, T[[0, 4]])


def test_array_dataset_errors():
    X, T = _arrays(5)
    with pytest.raises(ValueError, match=r'ArrayDataset: the arrays must have the same length .* '
                                         r'got lengths \[5, 4\]'):
        DataLoader((X, T[:4]), batch_size=2)
    with pytest.raises(ValueError, match='ArrayDataset: expected at least one array'):
        ArrayDataset()
    with pytest.raises(TypeError, match='ArrayDataset: argument 1 must be an array with a first '
                                        'axis .* of shape \\(\\)'):
        ArrayDataset(X, np.array(3.0))
    with pytest.raises(TypeError, match='ArrayDataset: argument 0 must be an array'):
        ArrayDataset([1, 2, 3])
    with pytest.raises(TypeError, match='expected an integer index'):
        ArrayDataset(X, T, T)[1:3]


def test_a_tuple_of_examples_stays_a_dataset_of_examples():
    examples = ((np.array([1.0, 2.0]), 0), (np.array([3.0, 4.0]), 1))
    x, t = next(iter(DataLoader(examples, batch_size=2, shuffle=False)))
    np.testing.assert_array_equal(x, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(t, [0, 1])
