"""Step 12: variable-length arguments, the convenient way.

What it teaches: with `*inputs` in `__call__` and `*xs` in `forward`, a two-input function is
called as `add(x0, x1)` and written as `forward(self, x0, x1)`. A function with one output
returns that Variable itself rather than a one-element list, and `forward` may return a bare
array instead of a 1-tuple. These are exactly the calling conventions of the final package.

Where it simplifies: forward only; backward for several inputs comes in step 13.
"""
import numpy as np


def as_array(x):
    """Turn a NumPy or Python scalar into a 0-d array; arrays pass through."""
    if np.isscalar(x):
        return np.array(x)
    return x


class Variable:
    """An array, its gradient, and the Function that produced it (`creator`)."""

    def __init__(self, data):
        if data is not None and not isinstance(data, np.ndarray):
            raise TypeError(f'Variable: data must be a numpy.ndarray or None, '
                            f'got {type(data).__name__}')
        self.data = data
        self.grad = None
        self.creator = None

    def set_creator(self, func):
        """Remember which Function produced this variable."""
        self.creator = func


class Function:
    """Base class: `f(x0, x1, ...)` returns one Variable, or a tuple when there are several."""

    def __call__(self, *inputs):
        ys = self.forward(*[v.data for v in inputs])
        if not isinstance(ys, tuple):  # a single array is the common case
            ys = (ys,)
        outputs = tuple(Variable(as_array(y)) for y in ys)
        for out in outputs:
            out.set_creator(self)
        self.inputs = inputs
        self.outputs = outputs
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *xs):
        """Compute on arrays; return an array or a tuple of arrays."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')


class Add(Function):
    """y = x0 + x1."""

    def forward(self, x0, x1):
        return x0 + x1


def add(x0, x1):
    """Elementwise x0 + x1."""
    return Add()(x0, x1)


class DivMod(Function):
    """Quotient and remainder: an example with two outputs."""

    def forward(self, x0, x1):
        return np.floor_divide(x0, x1), np.mod(x0, x1)


def main():
    y = add(Variable(np.array(2.0)), Variable(np.array(3.0)))
    print('add(2, 3) =', y.data, '(a', type(y).__name__ + ', not a list)')

    q, r = DivMod()(Variable(np.array(17)), Variable(np.array(5)))
    print('divmod(17, 5) ->', q.data, r.data)


if __name__ == '__main__':
    main()
