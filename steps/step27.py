"""Step 27: sin from its Taylor series, differentiated through a Python loop.

What it teaches: sin(x) = x - x**3/3! + x**5/5! - ...  can be computed by adding terms until
they become negligible. The loop and the `if ... break` are ordinary Python; because the graph
is recorded as the code runs ("define-by-run"), backward differentiates exactly the terms that
were added, and the result matches `F.sin` and its derivative cos. A smaller threshold adds
more terms, so the graph grows, and the answers approach the exact ones.

Where it simplifies: this is for teaching; `F.sin` is one function with a one-line derivative,
far cheaper than a graph of dozens of nodes.
"""
import math

import numpy as np

import dezero.functions as F
from dezero import Variable


def taylor_sin(x, threshold=1e-4):
    """sin(x) as a sum of Taylor terms, stopping once a term is smaller than `threshold`."""
    y = 0
    for i in range(100000):
        sign_over_factorial = (-1) ** i / math.factorial(2 * i + 1)
        term = sign_over_factorial * x ** (2 * i + 1)
        y = y + term
        if abs(term.data) < threshold:
            break
    return y


def count_functions(y):
    """Number of distinct Functions in the graph that produced `y`."""
    seen, todo = set(), [y.creator]
    while todo:
        f = todo.pop()
        if f is None or f in seen:
            continue
        seen.add(f)
        todo.extend(x.creator for x in f.inputs)
    return len(seen)


def main():
    x0 = np.pi / 4
    x = Variable(np.array(x0))
    y = F.sin(x)
    y.backward()
    print(f'F.sin          : sin = {float(y.data):.15f}   d/dx = {float(x.grad.data):.15f}')

    for threshold in (1e-2, 1e-4, 1e-8, 1e-15):
        x = Variable(np.array(x0))
        y = taylor_sin(x, threshold)
        y.backward()
        print(f'Taylor, {threshold:.0e}: sin = {float(y.data):.15f}   '
              f'd/dx = {float(x.grad.data):.15f}   ({count_functions(y)} functions in the graph)')
    print(f'exact          : sin = {np.sin(x0):.15f}   cos  = {np.cos(x0):.15f}')


if __name__ == '__main__':
    main()
