"""What makes a Variable handy as an array: shape properties, conversions to numbers and
NumPy, tensor methods and operators. `dezero.core.Variable` inherits all of it; none of it is
needed to follow how autograd works (that is `dezero/core.py`).

Every method and operator that computes something records an operation of `dezero.ops`. This
module sits below that one, so it reaches the operations through the table `ops`, which
`dezero.ops` fills in when it is imported (it is imported by `import dezero`).
"""
from dezero import cuda


class _Operations:
    """Where Variable's operators find the operations: `dezero.ops`, the module above this one,
    fills it in when it is imported."""

    def __getattr__(self, name):
        raise RuntimeError(f'the operation {name!r} is missing: import dezero (dezero.ops '
                           f'provides the operations on Variables)')


ops = _Operations()


class ArrayLike:
    """Array behaviour of a Variable: everything here reads `self.data` or records an
    operation of dezero.ops; comparisons give boolean arrays and `==` stays identity, so
    Variables can be dict keys."""
    __slots__ = ()
    __array_priority__ = 200  # `ndarray + Variable` gives a Variable (our reflected operator)
    __array_ufunc__ = None  # NumPy's ufuncs leave Variables to their own operators

    # --- array-like properties -----------------------------------------------------------
    @property
    def shape(self):
        """Shape of the data."""
        return self.data.shape

    @property
    def ndim(self):
        """Number of dimensions of the data."""
        return self.data.ndim

    @property
    def size(self):
        """Number of elements of the data."""
        return self.data.size

    @property
    def dtype(self):
        """Dtype of the data."""
        return self.data.dtype

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        if self.data is None:
            return 'variable(None)'
        return 'variable(' + str(self.data).replace('\n', '\n' + ' ' * 9) + ')'

    def __array__(self, dtype=None, copy=None):
        """`np.asarray(v)` is `v.data` (a copy only when a dtype or copy=True asks for one)."""
        a = cuda.as_numpy(self.data)
        if dtype is not None and a.dtype != dtype:
            return a.astype(dtype)
        return a.copy() if copy else a

    def numpy(self):
        """The data as a NumPy array (copied from the GPU when it lives there)."""
        return cuda.as_numpy(self.data)

    def item(self):
        """The one value of a Variable holding exactly one element, as a Python number."""
        return _one_value(self, 'Variable.item', ValueError)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __format__(self, spec):  # f'{loss:.4f}'
        if not spec:
            return str(self)
        return format(_one_value(self, f'Variable: the format {spec!r}', TypeError), spec)

    def to_cpu(self):
        """Move data (and grad) to NumPy."""
        if self.data is not None:
            self.data = cuda.as_numpy(self.data)
        if self.grad is not None:
            self.grad.to_cpu()

    def to_gpu(self):
        """Move data (and grad) to CuPy; RuntimeError without CuPy."""
        if self.data is not None:
            self.data = cuda.as_cupy(self.data)
        if self.grad is not None:
            self.grad.to_gpu()

    # --- operations: each records a Function of dezero.ops --------------------------------
    def reshape(self, *shape):
        """Reshape; accepts a tuple or separate ints."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = shape[0]
        return ops.reshape(self, shape)

    def transpose(self, *axes):
        """Permute axes; no argument reverses them."""
        if len(axes) == 0:
            axes = None
        elif len(axes) == 1 and (isinstance(axes[0], (tuple, list)) or axes[0] is None):
            axes = axes[0]
        return ops.transpose(self, axes)

    @property
    def T(self):
        """Transpose with the axes reversed."""
        return ops.transpose(self)

    def sum(self, axis=None, keepdims=False):
        """Sum over `axis` (all axes by default)."""
        return ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        """Mean over `axis` (all axes by default)."""
        return ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        """Maximum over `axis`."""
        return ops.max(self, axis, keepdims)

    def min(self, axis=None, keepdims=False):
        """Minimum over `axis`."""
        return ops.min(self, axis, keepdims)

    def argmax(self, axis=None):
        """Index of the maximum (an array: indices have no gradient)."""
        return self.data.argmax(axis=axis)

    def matmul(self, other):
        """Matrix product with `other`."""
        return ops.matmul(self, other)

    dot = matmul

    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(self, other)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.rsub(self, other)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(self, other)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.rdiv(self, other)

    def __pow__(self, other):
        return ops.pow(self, other)

    def __rpow__(self, other):
        return ops.rpow(self, other)

    def __neg__(self):
        return ops.neg(self)

    def __abs__(self):
        return ops.abs(self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __getitem__(self, index):
        return ops.get_item(self, index)

    # comparisons give boolean arrays; `==` stays identity, so Variables can be dict keys
    def __lt__(self, other):
        return self.data < _data_of(other)

    def __le__(self, other):
        return self.data <= _data_of(other)

    def __gt__(self, other):
        return self.data > _data_of(other)

    def __ge__(self, other):
        return self.data >= _data_of(other)


def _data_of(x):
    """The array of a Variable (anything with the ArrayLike behaviour); x itself otherwise."""
    return x.data if isinstance(x, ArrayLike) else x


def _one_value(v, who, error):
    if v.data is None or v.data.size != 1:
        shape = None if v.data is None else v.data.shape
        raise error(f'{who}: only a Variable holding exactly one value converts to a Python '
                    f'number; this one holds data of shape {shape}')
    return v.data.item()
