"""Step 18: saving memory: dropping intermediate gradients, and switching the graph off.

What it teaches: two savings the final package keeps.
1. After a function's backward has run, the gradients of its outputs are no longer needed, so
   by default backward frees them; only the leaves (variables no function created) keep a
   `.grad`. `backward(retain_grad=True)` keeps every gradient for inspection.
2. During inference or a parameter update there is nothing to differentiate, so recording the
   graph only keeps intermediate arrays alive. `Config.enable_backprop` switches recording off;
   `using_config(name, value)` and `no_grad()` set it inside a `with` block and restore it after.
The demo measures peak memory of ten chained squares of an 8 MB array with and without a graph.

Where it simplifies: the final package also has `Config.train` and `test_mode()`, and its
backward skips building any graph of its own unless `create_graph=True` (step 32 onwards).
"""
import contextlib
import heapq
import itertools
import tracemalloc
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
    """An array, its gradient, its creator, and its generation (depth from the inputs)."""

    def __init__(self, data):
        if data is not None and not isinstance(data, np.ndarray):
            raise TypeError(f'Variable: data must be a numpy.ndarray or None, '
                            f'got {type(data).__name__}')
        self.data = data
        self.grad = None
        self.creator = None
        self.generation = 0

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
                # the generation order guarantees nobody will add to these gradients again
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


def peak_megabytes(record):
    """Peak memory of ten chained squares of a 1,000,000-element array."""
    tracemalloc.start()
    with using_config('enable_backprop', record):
        y = Variable(np.full(1_000_000, 1.0001))
        for _ in range(10):
            y = square(y)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return peak


def main():
    for retain in (False, True):
        x0, x1 = Variable(np.array(1.0)), Variable(np.array(1.0))
        t = add(x0, x1)
        y = add(x0, t)
        y.backward(retain_grad=retain)
        print(f'retain_grad={retain!s:5}: y.grad={y.grad}, t.grad={t.grad}, '
              f'x0.grad={x0.grad}, x1.grad={x1.grad}')

    with no_grad():
        y = square(Variable(np.array(2.0)))
    print('inside no_grad(): y =', y.data, 'and y.creator is', y.creator)
    print('after the block, recording is back on:', Config.enable_backprop)

    print(f'peak memory, graph recorded : {peak_megabytes(True):5.1f} MB')
    print(f'peak memory, under no_grad  : {peak_megabytes(False):5.1f} MB')


if __name__ == '__main__':
    main()
