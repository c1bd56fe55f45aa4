"""dezero.cuda: the same code on NumPy and, where CuPy is installed, on the GPU."""
import numpy as np
import pytest

import dezero.functions as F
from dezero import Variable, cuda

XPS = [np] + ([cuda.cupy] if cuda.gpu_enable else [])
xp_param = pytest.mark.parametrize('xp', XPS, ids=lambda m: m.__name__)


@xp_param
def test_get_array_module_follows_the_data(xp):
    a = xp.ones(3)
    assert cuda.get_array_module(a) is xp
    assert cuda.get_array_module(Variable(a)) is xp


@xp_param
def test_backward_runs_on_the_arrays_module(xp):
    x = Variable(xp.linspace(-1, 1, 5))
    y = F.sum(F.tanh(x) * x + F.exp(x))
    y.backward()
    assert cuda.get_array_module(x.grad.data) is xp
    xs = cuda.as_numpy(x.data)
    np.testing.assert_allclose(cuda.as_numpy(x.grad.data),
                               (1 - np.tanh(xs) ** 2) * xs + np.tanh(xs) + np.exp(xs))


def test_as_numpy_passes_arrays_and_converts_scalars():
    a = np.arange(3)
    assert cuda.as_numpy(a) is a
    assert isinstance(cuda.as_numpy(3.0), np.ndarray)
    assert cuda.as_numpy(Variable(a)) is a


@pytest.mark.skipif(cuda.gpu_enable, reason='CuPy is installed')
def test_without_cupy_gpu_requests_fail_clearly():
    assert cuda.gpu_enable is False
    assert cuda.get_array_module(np.ones(2)) is np
    with pytest.raises(RuntimeError, match='CuPy'):
        cuda.as_cupy(np.ones(2))
    with pytest.raises(RuntimeError, match='CuPy'):
        Variable(np.ones(2)).to_gpu()


@pytest.mark.skipif(not cuda.gpu_enable, reason='CuPy is not installed')
def test_round_trip_to_gpu_and_back():
    x = Variable(np.arange(4.0))
    x.to_gpu()
    assert cuda.get_array_module(x.data) is cuda.cupy
    x.to_cpu()
    assert isinstance(x.data, np.ndarray)
