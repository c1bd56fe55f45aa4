"""Step 20: operator overloading, part 1: `*` and `+`.

What it teaches: with `__mul__` and `__add__` defined on Variable, formulas are written as
formulas: `y = a * b + c` records a Mul and an Add in the graph, and backward works as before.
`Mul` is the first function whose backward needs both inputs (dy/da = b, dy/db = a). The
operators are methods in the class body, so reading `Variable` shows everything it can do.

Where it simplifies: both operands must be Variables; step 21 accepts arrays and Python numbers
on either side, step 22 adds the remaining operators.
"""
import contextlib
import heapq
import itertools
import weakref

import numpy as np


class Config:
    """Global switches; `enable_backprop` decides whether calls record the graph."""
    enable_backprop = True


@contextlib.contextmanager
def using_config(name, value):
    """Set `Config.<name>` to `value` inside a `with` block, restoring it even on error."""
    old = getattr(Config, name)
    setattr(Config, name, value)
    try:
        yield
    finally:
        setattr(Config, name, old)


def no_grad():
    """A `with` block in which no graph is recorded."""
    return using_config('enable_backprop', False)


def as_array(x):
    """Turn a NumPy or Python scalar into a 0-d array; arrays pass through."""
    if np.isscalar(x):
        return np.array(x)
    return x


class Variable:
    """An array with a name, a gradient, a creator and a generation."""

    def __init__(self, data, name=None):
        if data is not None and not isinstance(data, np.ndarray):
            raise TypeError(f'Variable: data must be a numpy.ndarray or None, '
                            f'got {type(data).__name__}')
        self.data = data
        self.name = name
        self.grad = None
        self.creator = None
        self.generation = 0

    @property
    def shape(self):
        """Shape of the data."""
        return self.data.shape

    @property
    def ndim(self):
        """Number of axes of the data."""
        return self.data.ndim

    @property
    def size(self):
        """Number of elements of the data."""
        return self.data.size

    @property
    def dtype(self):
        """Element type of the data."""
        return self.data.dtype

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        if self.data is None:
            return 'variable(None)'
        # 9 = len('variable('): later rows line up under the first one
        return 'variable(' + str(self.data).replace('\n', '\n' + ' ' * 9) + ')'

    def __mul__(self, other):
        return mul(self, other)

    def __add__(self, other):
        return add(self, other)

    def set_creator(self, func):
        """Remember the creator; this variable is one generation younger than it."""
        self.creator = func
        self.generation = func.generation + 1

    def cleargrad(self):
        """Forget the accumulated gradient before differentiating something new."""
        self.grad = None

    def backward(self, retain_grad=False):
        """Accumulate gradients into the leaves; keep intermediate ones only if asked."""
        if self.grad is None:
            self.grad = np.ones_like(self.data)
        tie = itertools.count()
        heap, queued = [], set()

        def enqueue(f):
            if f is not None and f not in queued:
                queued.add(f)
                heapq.heappush(heap, (-f.generation, next(tie), f))

        enqueue(self.creator)
        while heap:
            _, _, f = heapq.heappop(heap)
            gxs = f.backward(*[ref().grad for ref in f.outputs])
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx in zip(f.inputs, gxs):
                x.grad = gx if x.grad is None else x.grad + gx
                enqueue(x.creator)
            if not retain_grad:
                for ref in f.outputs:
                    ref().grad = None


class Function:
    """Base class: records the graph only while `Config.enable_backprop` is on."""

    def __call__(self, *inputs):
        ys = self.forward(*[v.data for v in inputs])
        if not isinstance(ys, tuple):
            ys = (ys,)
        outputs = tuple(Variable(as_array(y)) for y in ys)
        if Config.enable_backprop:
            self.generation = max(v.generation for v in inputs)
            for out in outputs:
                out.set_creator(self)
            self.inputs = inputs
            self.outputs = tuple(weakref.ref(out) for out in outputs)
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *xs):
        """Compute on arrays; return an array or a tuple of arrays."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')

    def backward(self, *gys):
        """One gradient per output in; one gradient per input out (a tuple if several)."""
        raise NotImplementedError(f'{type(self).__name__}.backward is not defined')


class Square(Function):
    """y = x**2;  dy/dx = 2x."""

    def forward(self, x):
        return x ** 2

    def backward(self, gy):
        return 2 * self.inputs[0].data * gy


def square(x):
    """Elementwise x**2."""
    return Square()(x)


class Add(Function):
    """y = x0 + x1;  dy/dx0 = dy/dx1 = 1."""

    def forward(self, x0, x1):
        return x0 + x1

    def backward(self, gy):
        return gy, gy


def add(x0, x1):
    """Elementwise x0 + x1."""
    return Add()(x0, x1)


class Mul(Function):
    """y = x0 * x1;  dy/dx0 = x1, dy/dx1 = x0."""

    def forward(self, x0, x1):
        return x0 * x1

    def backward(self, gy):
        x0, x1 = self.inputs
        return gy * x1.data, gy * x0.data


def mul(x0, x1):
    """Elementwise x0 * x1."""
    return Mul()(x0, x1)


def main():
    a = Variable(np.array(3.0), name='a')
    b = Variable(np.array(2.0), name='b')
    c = Variable(np.array(1.0), name='c')
    y = a * b + c
    y.backward()
    print('y = a * b + c =', y)
    print('dy/da =', a.grad, ' dy/db =', b.grad, ' dy/dc =', c.grad)
    print('the graph records:', type(y.creator).__name__, 'of',
          type(y.creator.inputs[0].creator).__name__, 'and', y.creator.inputs[1].name)

    x = Variable(np.array(3.0))
    y = square(x) * x + x
    y.backward()
    print('y = x**2 * x + x at 3: dy/dx =', x.grad, '(exact 3 x**2 + 1 = 28)')


if __name__ == '__main__':
    main()
