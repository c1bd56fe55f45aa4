"""Step 17: memory, reference cycles and weak references.

What it teaches: a variable points to its creator and the creator points back to its outputs, a
reference cycle. CPython frees most objects the moment their reference count drops to zero, but
objects in a cycle wait for the cyclic garbage collector, so a training loop can hold many dead
graphs (and their big arrays) at once. Holding the outputs through `weakref.ref` breaks the
cycle: dropping `y` frees the whole graph immediately. The demo turns the collector off and
measures the memory left behind by ten dropped graphs, with strong and with weak outputs.

Where it simplifies: the engine is step 16's with one change (`self.outputs` holds weakrefs and
backward calls them); the final package does the same.
"""
import gc
import heapq
import itertools
import tracemalloc
import weakref

import numpy as np


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

    def backward(self):
        """Accumulate gradients upstream, always running the youngest pending function next."""
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
            gxs = f.backward(*[ref().grad for ref in f.outputs])  # outputs are weakrefs now
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx in zip(f.inputs, gxs):
                x.grad = gx if x.grad is None else x.grad + gx
                enqueue(x.creator)


class Function:
    """Base class: holds its inputs strongly and its outputs weakly (no reference cycle)."""

    hold_outputs_weakly = True  # switched off only to demonstrate the problem

    def __call__(self, *inputs):
        ys = self.forward(*[v.data for v in inputs])
        if not isinstance(ys, tuple):
            ys = (ys,)
        self.generation = max(v.generation for v in inputs)
        outputs = tuple(Variable(as_array(y)) for y in ys)
        for out in outputs:
            out.set_creator(self)
        self.inputs = inputs
        if self.hold_outputs_weakly:
            self.outputs = tuple(weakref.ref(out) for out in outputs)
        else:
            self.outputs = tuple(_StrongRef(out) for out in outputs)
        return outputs if len(outputs) > 1 else outputs[0]

    def forward(self, *xs):
        """Compute on arrays; return an array or a tuple of arrays."""
        raise NotImplementedError(f'{type(self).__name__}.forward is not defined')

    def backward(self, *gys):
        """One gradient per output in; one gradient per input out (a tuple if several)."""
        raise NotImplementedError(f'{type(self).__name__}.backward is not defined')


class _StrongRef:
    """Callable like a weakref but keeps its target alive: the cycle of steps 07-16."""

    def __init__(self, obj):
        self.obj = obj

    def __call__(self):
        return self.obj


class Square(Function):
    """y = x**2;  dy/dx = 2x."""

    def forward(self, x):
        return x ** 2

    def backward(self, gy):
        return 2 * self.inputs[0].data * gy


def square(x):
    """Elementwise x**2."""
    return Square()(x)


def leftover_megabytes(weak):
    """Build and drop ten graphs of 0.8 MB arrays with the collector off; report memory kept."""
    Function.hold_outputs_weakly = weak
    gc.collect()
    gc.disable()  # only reference counting may free anything during the loop
    try:
        tracemalloc.start()
        for _ in range(10):
            x = Variable(np.ones(100_000))
            y = square(square(square(x)))
            probe = weakref.ref(y.creator)
            del x, y
        left = tracemalloc.get_traced_memory()[0] / 1e6
        tracemalloc.stop()
        alive = probe() is not None
    finally:
        gc.enable()
        gc.collect()
        Function.hold_outputs_weakly = True
    return left, alive


def main():
    x = Variable(np.array(3.0))
    y = square(square(x))
    y.backward()
    print('backward still works with weak outputs: d(x**4)/dx at 3 =', x.grad)

    for weak in (False, True):
        left, alive = leftover_megabytes(weak)
        kind = 'weak outputs  ' if weak else 'strong outputs'
        print(f'{kind}: {left:6.1f} MB still held after dropping ten graphs; '
              f'last creator alive: {alive}')


if __name__ == '__main__':
    main()
