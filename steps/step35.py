"""Step 35: higher-order derivatives of tanh, and what their graphs look like.

What it teaches: tanh's backward is written with its own output, dy/dx = 1 - y**2, so each
differentiation builds on the graph of the previous one and the graph of the n-th derivative
grows quickly (the number of functions is printed for n = 1..6). The values are checked against
exact formulas: if the n-th derivative is a polynomial P(t) in t = tanh(x), the next one is
P'(t) (1 - t**2). A picture of the graph of the 4th derivative is saved.

Where it simplifies: nothing; this uses the final package. Rendering needs Graphviz's `dot`
(`apt install graphviz` or `brew install graphviz`); without it only the DOT source is written
and the error message is printed.
"""
import numpy as np
from numpy.polynomial import Polynomial

import dezero.functions as F
from dezero import Variable
from step25 import save_graph  # the steps folder is on sys.path when a step runs
from step27 import count_functions


def exact_tanh_derivatives(x0, n):
    """[tanh^(1)(x0), ..., tanh^(n)(x0)] from the polynomial recursion in t = tanh(x0)."""
    t = np.tanh(x0)
    p = Polynomial([0.0, 1.0])  # tanh itself, written as the polynomial P(t) = t
    one_minus_t2 = Polynomial([1.0, 0.0, -1.0])
    values = []
    for _ in range(n):
        p = p.deriv() * one_minus_t2
        values.append(p(t))
    return values


def main():
    x0, order, picture_order = 1.0, 6, 4
    exact = exact_tanh_derivatives(x0, order)

    x = Variable(np.array(x0), name='x')
    y = F.tanh(x)
    y.backward(create_graph=True)
    for n in range(1, order + 1):
        gx = x.grad
        print(f'order {n}: d^{n}/dx^{n} tanh(1) = {float(gx.data):+.12f}   '
              f'exact {exact[n - 1]:+.12f}   {count_functions(gx):4d} functions in its graph')
        assert np.isclose(gx.data, exact[n - 1])
        if n == picture_order:
            pictured = gx
        if n < order:
            x.cleargrad()
            gx.backward(create_graph=True)

    pictured.name = f'gx{picture_order}'
    save_graph(pictured, f'step35_tanh_order{picture_order}.png', verbose=False)


if __name__ == '__main__':
    main()
