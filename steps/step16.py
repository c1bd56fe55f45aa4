"""Step 16: generations put backward in the right order on any graph.

What it teaches: every variable and function gets a `generation`, its distance from the inputs:
a function's generation is the largest of its inputs' generations, its outputs sit one above.
Backward always takes the function with the highest generation next, so by the time a function
runs, everything that uses its output has already delivered its gradient. Each function is
queued once. Step 15's graph now gives dy/dx = 64, and the order of the walk is printed.

Where it simplifies: the queue here is a binary heap (O(log n) per step). The final package
keeps one bucket per generation, which costs O(1) per step, and it also frees gradients of
intermediate variables and can record the backward pass as a graph of its own.
"""
import heapq
import itertools

import numpy as np


def as_array(x):
    """Turn a NumPy or Python scalar into a 0-d array; arrays pass through."""
    if np.isscalar(x):
        return np.array(x)
    return x


class Variable:
    """An array, its gradient, its creator, and its generation (depth from the inputs)."""

    def __init__(self, data, name=None):
        if data is not None and not isinstance(data, np.ndarray):
            raise TypeError(f'Variable: data must be a numpy.ndarray or None, '
                            f'got {type(data).__name__}')
        self.data = data
        self.name = name
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

    def backward(self, trace=False):
        """Accumulate gradients upstream, always running the youngest pending function next."""
        if self.grad is None:
            self.grad = np.ones_like(self.data)
        # ties between equal generations are broken by arrival order, never by comparing
        # Function objects (which have no ordering)
        tie = itertools.count()
        heap, queued = [], set()

        def enqueue(f):
            if f is not None and f not in queued:
                queued.add(f)
                heapq.heappush(heap, (-f.generation, next(tie), f))

        enqueue(self.creator)
        while heap:
            _, _, f = heapq.heappop(heap)
            if trace:
                print(f'    generation {f.generation}: {type(f).__name__} '
                      f'-> {[v.name for v in f.inputs]}')
            gxs = f.backward(*[out.grad for out in f.outputs])
            if not isinstance(gxs, tuple):
                gxs = (gxs,)
            for x, gx in zip(f.inputs, gxs):
                x.grad = gx if x.grad is None else x.grad + gx
                enqueue(x.creator)


class Function:
    """Base class: links outputs to itself and takes the generation of its youngest input."""

    def __call__(self, *inputs):
        ys = self.forward(*[v.data for v in inputs])
        if not isinstance(ys, tuple):
            ys = (ys,)
        self.generation = max(v.generation for v in inputs)
        outputs = tuple(Variable(as_array(y)) for y in ys)
        for out in outputs:
            out.set_creator(self)
        self.inputs = inputs
        self.outputs = outputs
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


def main():
    x = Variable(np.array(2.0), name='x')
    a = square(x)
    a.name = 'a'
    b, c = square(a), square(a)
    b.name, c.name = 'b', 'c'
    y = add(b, c)
    print('y = a**2 + a**2 with a = x**2, backward order:')
    y.backward(trace=True)
    print('y =', y.data, ' dy/dx =', x.grad, '(exact 8 x**3 = 64)')

    # a less regular graph: x feeds functions at three different depths
    x = Variable(np.array(1.5), name='x')
    y = add(add(square(square(x)), square(x)), x)
    y.backward()
    print('y = x**4 + x**2 + x at 1.5: dy/dx =', x.grad, ' exact:', 4 * 1.5 ** 3 + 2 * 1.5 + 1)


if __name__ == '__main__':
    main()
