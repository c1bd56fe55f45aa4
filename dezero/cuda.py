"""Optional GPU support through CuPy: pick the array module that matches the data.

CuPy is never required. When it is missing, `gpu_enable` is False, every helper works on NumPy
arrays, and asking for the GPU raises a clear error.
"""
import numpy as np

try:  # CuPy is optional; any failure to import it means "no GPU here"
    import cupy as cp
    cupy = cp
    gpu_enable = True
    array_types = (np.ndarray, cp.ndarray)
except ImportError:
    cp = None
    cupy = None
    gpu_enable = False
    array_types = (np.ndarray,)


def _unwrap(x):
    # a Variable carries its array in `.data`; arrays themselves must not be unwrapped
    # (ndarray.data is a memoryview, cupy.ndarray.data a device pointer)
    return x if isinstance(x, array_types) else getattr(x, 'data', x)


def get_array_module(x):
    """Return `cupy` for CuPy data (or a Variable holding it), else `numpy`."""
    if not gpu_enable:
        return np
    return cp.get_array_module(_unwrap(x))


def as_numpy(x):
    """Return `x` as a NumPy array (scalars become 0-d arrays, CuPy arrays are copied to host)."""
    data = _unwrap(x)
    if np.isscalar(data):
        return np.array(data)
    if isinstance(data, np.ndarray):
        return data
    if gpu_enable and isinstance(data, cp.ndarray):
        return cp.asnumpy(data)
    return np.asarray(data)


def as_cupy(x):
    """Return `x` as a CuPy array; raises RuntimeError when CuPy is not installed."""
    if not gpu_enable:
        raise RuntimeError('dezero.cuda.as_cupy: CuPy is not installed, so data cannot be moved '
                           'to the GPU; install a CuPy build matching your CUDA version')
    data = _unwrap(x)
    return cp.asarray(data)
