"""Step 30: a gradient can itself be a graph (`create_graph=True`).

What it teaches: in dezero, backward is computed with the same Variable operations as forward.
Normally that work is not recorded: `x.grad` is a plain Variable with no creator, which is all
that training needs. With `backward(create_graph=True)` the operations of the backward pass are
recorded too, so `x.grad` has a creator and a graph leading back to `x`, exactly like any other
result. Differentiating that graph gives the second derivative (steps 31-36). The value of the
gradient is the same either way; only the bookkeeping differs.

Where it simplifies: nothing; this uses the final package, whose backward with
`create_graph=False` runs a faster array-only path for functions that provide one.
"""
import numpy as np

import dezero.functions as F
from dezero import Variable


def graph_functions(v):
    """Names of the Functions in the graph behind `v`, newest first."""
    names, seen, todo = [], set(), [v.creator]
    while todo:
        f = todo.pop()
        if f is None or f in seen:
            continue
        seen.add(f)
        names.append(type(f).__name__)
        todo.extend(x.creator for x in f.inputs)
    return names


def main():
    for create_graph in (False, True):
        x = Variable(np.array(1.0), name='x')
        y = F.sin(x) * x
        y.backward(create_graph=create_graph)
        gx = x.grad
        print(f'create_graph={create_graph!s:5}: dy/dx = {gx}, its creator: '
              f'{type(gx.creator).__name__ if gx.creator else None}')
        if create_graph:
            print('    functions recorded while computing dy/dx:', graph_functions(gx))
            print('    the forward graph of y had:', graph_functions(y))

    exact = np.cos(1.0) * 1.0 + np.sin(1.0)
    print(f'exact d(x sin x)/dx at 1 = cos(1) + sin(1) = {exact}')


if __name__ == '__main__':
    main()
