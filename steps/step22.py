"""Step 22: operator overloading, part 3: the remaining arithmetic operators.

What it teaches: unary minus, subtraction, division and powers complete the arithmetic, each as a
Function with its derivative next to it:
  -x: -1;   x0 - x1: (1, -1);   x0 / x1: (1/x1, -x0/x1**2);   x**c: c * x**(c-1).
Subtraction and division do not commute, so their reflected forms (`2.0 - x`, `2.0 / x`) swap
the operands before calling the same function. The exponent of `**` is a plain constant stored
on the function, not an input, so it gets no gradient.

Where it simplifies: gradients here are plain arrays, so they cannot be differentiated again;
the final package (from step 23 on, `import dezero`) writes every backward with Variable
operations, which gives higher-order derivatives (steps 30-36). It also broadcasts operands of
different shapes and sums gradients back to each input's shape.
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


def as_variable(obj):
    """Return `obj` if it is a Variable, else wrap it (an array or a scalar) in one."""
    if isinstance(obj, Variable):
        return obj
    return Variable(as_array(obj))


class Variable:
    """An array with a name, a gradient, a creator and a generation."""

    # above ndarray's priority, so `ndarray + Variable` calls Variable.__radd__
    __array_priority__ = 200

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

    def __rmul__(self, other):
        return mul(self, other)  # multiplication commutes, so the order does not matter

    def __add__(self, other):
        return add(self, other)

    def __radd__(self, other):
        return add(self, other)

    def __neg__(self):
        return neg(self)

    def __sub__(self, other):
        return sub(self, other)

    def __rsub__(self, other):
        return sub(other, self)

    def __truediv__(self, other):
        return div(self, other)

    def __rtruediv__(self, other):
        return div(other, self)

    def __pow__(self, c):
        return pow(self, c)

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
        inputs = tuple(as_variable(x) for x in inputs)
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


class Neg(Function):
    """y = -x;  dy/dx = -1."""

    def forward(self, x):
        return -x

    def backward(self, gy):
        return -gy


def neg(x):
    """Elementwise -x."""
    return Neg()(x)


class Sub(Function):
    """y = x0 - x1;  dy/dx0 = 1, dy/dx1 = -1."""

    def forward(self, x0, x1):
        return x0 - x1

    def backward(self, gy):
        return gy, -gy


def sub(x0, x1):
    """Elementwise x0 - x1."""
    return Sub()(x0, x1)


class Div(Function):
    """y = x0 / x1;  dy/dx0 = 1 / x1, dy/dx1 = -x0 / x1**2."""

    def forward(self, x0, x1):
        return x0 / x1

    def backward(self, gy):
        x0, x1 = self.inputs[0].data, self.inputs[1].data
        return gy / x1, -gy * x0 / x1 ** 2


def div(x0, x1):
    """Elementwise x0 / x1."""
    return Div()(x0, x1)


class Pow(Function):
    """y = x ** c for a constant c;  dy/dx = c * x ** (c - 1)."""

    def __init__(self, c):
        self.c = c

    def forward(self, x):
        return x ** self.c

    def backward(self, gy):
        x = self.inputs[0].data
        return self.c * x ** (self.c - 1) * gy


def pow(x, c):
    """Elementwise x ** c with a constant exponent c."""
    return Pow(c)(x)


def main():
    x = Variable(np.array(2.0), name='x')
    cases = [
        ('-x', lambda v: -v, -1.0),
        ('x - 1.0', lambda v: v - 1.0, 1.0),
        ('5.0 - x', lambda v: 5.0 - v, -1.0),
        ('x / 4.0', lambda v: v / 4.0, 0.25),
        ('3.0 / x', lambda v: 3.0 / v, -3.0 / 4.0),
        ('x ** 3', lambda v: v ** 3, 12.0),
        ('(x - 1) / (x + 1) ** 2', lambda v: (v - 1) / (v + 1) ** 2, (3 - 2.0) / (2.0 + 1) ** 3),
    ]
    print(f"{'expression at x = 2':24} {'value':>8} {'dy/dx':>10} {'exact':>10}")
    for text, f, exact in cases:
        x.cleargrad()
        y = f(x)
        y.backward()
        print(f'{text:24} {float(y.data):8.4f} {float(x.grad):10.6f} {exact:10.6f}')
        assert np.isclose(x.grad, exact), text


if __name__ == '__main__':
    main()
