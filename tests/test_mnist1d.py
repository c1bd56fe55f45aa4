"""MNIST-1D: the dataset built offline by the `mnist1d` package, and examples/mnist1d_models.py
run with a tiny step count (the full table takes minutes; see docs/interop.md)."""
import importlib.util
import pathlib
import random
import sys

import numpy as np
import pytest

import dezero.datasets as D

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / 'examples' / 'mnist1d_models.py'


def load_example():
    spec = importlib.util.spec_from_file_location('example_mnist1d_models', EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mnist1d_needs_the_package_and_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mnist1d', None)  # import mnist1d now fails
    monkeypatch.setitem(sys.modules, 'mnist1d.data', None)
    monkeypatch.setattr(D, '_MNIST1D_CACHE', {})
    with pytest.raises(ImportError, match=r'MNIST1D.*pip install mnist1d'):
        D.MNIST1D()


def test_mnist1d_shapes_labels_and_untouched_generators():
    pytest.importorskip('mnist1d')
    np.random.seed(5)
    random.seed(5)
    want_np, want_py = np.random.rand(), random.random()
    np.random.seed(5)
    random.seed(5)
    train, test = D.MNIST1D(train=True), D.MNIST1D(train=False)
    assert (np.random.rand(), random.random()) == (want_np, want_py)
    assert train.data.shape == (4000, 40) and test.data.shape == (1000, 40)
    assert train.data.dtype == np.float32 and train.label.dtype == np.int64
    assert set(np.unique(train.label)) == set(range(10))
    assert len(train) == 4000
    x, t = train[3]
    assert x.shape == (40,) and 0 <= t < 10
    # the same arrays each time (seed 42 of the package), and train and test differ
    again = D.MNIST1D(train=True)
    np.testing.assert_array_equal(again.data, train.data)
    assert not np.array_equal(train.data[:1000], test.data)
    assert D.MNIST1D.labels()[3] == '3'


def test_mnist1d_other_sizes_and_bad_arguments():
    pytest.importorskip('mnist1d')
    small = D.MNIST1D(train=False, num_samples=100, seed=1)
    assert small.data.shape == (20, 40)
    with pytest.raises(ValueError, match='MNIST1D: num_samples must be an int'):
        D.MNIST1D(num_samples='many')


def test_example_prints_the_table_with_a_few_steps(capsys):
    pytest.importorskip('mnist1d')
    results = load_example().main(['--steps', '30', '--seeds', '0', '--no-torch'])
    out = capsys.readouterr().out
    assert 'MNIST-1D test accuracy' in out
    for name, paper in (('logistic', '32'), ('mlp', '68'), ('cnn', '94'), ('gru', '91')):
        line = next(l for l in out.splitlines() if l.startswith(name))
        assert paper in line
        acc, seconds = results[('dezero', name)][0]
        assert 0 <= acc <= 100 and seconds > 0
    assert 'torch:' not in out


def test_example_runs_torch_the_same_way():
    pytest.importorskip('mnist1d')
    pytest.importorskip('torch')
    results = load_example().main(['--steps', '20', '--seeds', '1', '--models', 'gru', 'cnn'])
    assert set(results) == {('dezero', 'gru'), ('dezero', 'cnn'), ('torch', 'gru'),
                            ('torch', 'cnn')}


def test_example_models_have_the_papers_shapes():
    pytest.importorskip('mnist1d')
    ex = load_example()
    x = np.zeros((3, 40), dtype=np.float32)
    for name, n_params in (('logistic', 410), ('mlp', 4100 + 10100 + 1010),
                           ('cnn', 150 + 1900 + 1900 + 1260), ('gru', 2 * 3 * (6 + 36 + 12)
                                                               + 4810)):
        model = ex.DEZERO_MODELS[name]()
        assert model(x).shape == (3, 10)
        assert sum(p.data.size for p in model.params()) == n_params, name
