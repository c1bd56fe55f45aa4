"""Step 11: functions with several inputs and outputs (lists in, lists out).

What it teaches: addition needs two inputs, and some operations produce several outputs. The
Function protocol is widened so that `__call__` takes a list of Variables and returns a list,
and `forward` takes a list of arrays and returns a tuple of arrays. `Add` is the first
two-input function.

Where it simplifies: this is forward only, and the list-in, list-out calling style is clumsy;
step 12 switches to `f(x0, x1)` with single results unwrapped, as the final package does.
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
    """Base class: a list of input Variables in, a list of output Variables out."""

    def __call__(self, inputs):
        xs = [v.data for v in inputs]
        ys = self.forward(xs)
        outputs = [Variable(as_array(y)) for y in ys]
        for out in outputs:
            out.set_creator(self)
        self.inputs = inputs
        self.outputs = outputs
        return outputs

    def forward(self, xs):
        """Compute on a list of arrays; return a tuple of arrays."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')


class Add(Function):
    """y = x0 + x1."""

    def forward(self, xs):
        x0, x1 = xs
        return (x0 + x1,)


class SplitSign(Function):
    """Two outputs from one input: the positive part and the negative part of x."""

    def forward(self, xs):
        (x,) = xs
        return np.maximum(x, 0), np.minimum(x, 0)


def main():
    xs = [Variable(np.array(2.0)), Variable(np.array(3.0))]
    ys = Add()(xs)
    print('Add()([2, 3]) returns a list of', len(ys), 'Variable holding', ys[0].data)

    pos, neg = SplitSign()([Variable(np.array([-1.5, 0.0, 2.0]))])
    print('one input, two outputs:', pos.data, neg.data)


if __name__ == '__main__':
    main()
