"""Step 34: n-th derivatives of sin, on a whole array of points, with a plot.

What it teaches: repeating "backward with create_graph=True, keep x.grad, clear, backward
again" gives the 1st, 2nd, 3rd, ... derivative. The backward rules of sin and cos refer to
each other (sin' = cos, cos' = -sin), so the derivatives cycle through cos, -sin, -cos, sin.
Because every function is elementwise, one backward on a vector of 200 points gives the
derivative at all of them at once (the seed gradient is all ones). The values are checked
against NumPy and the four curves are saved to a PNG whose path is printed.

Where it simplifies: nothing; this uses the final package.
"""
import os

import numpy as np

import dezero.functions as F
from dezero import Variable


def derivatives(f, x_data, n):
    """[f(x), f'(x), ..., f^(n)(x)] as arrays, each one by differentiating the previous."""
    x = Variable(x_data)
    y = f(x)
    curves = [y.data]
    current = y
    for _ in range(n):
        x.cleargrad()
        current.backward(create_graph=True)
        current = x.grad
        curves.append(current.data)
    return curves


def main():
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    xs = np.linspace(-7, 7, 200)
    curves = derivatives(F.sin, xs, 3)
    exact = [np.sin(xs), np.cos(xs), -np.sin(xs), -np.cos(xs)]
    labels = ['y = sin(x)', "y'", "y''", "y'''"]
    for label, got, want in zip(labels, curves, exact):
        print(f'{label:11} largest error vs NumPy: {np.max(np.abs(got - want)):.1e}')
        assert np.allclose(got, want)

    fig, ax = plt.subplots(figsize=(7, 4))
    for label, values in zip(labels, curves):
        ax.plot(xs, values, label=label)
    ax.set_xlabel('x')
    ax.set_ylim(-1.5, 1.5)  # headroom for the legend above the curves
    ax.set_title('sin and its first three derivatives, by repeated backward')
    ax.legend(loc='upper center', ncol=4)
    path = os.path.abspath('step34_sin_derivatives.png')
    fig.savefig(path, dpi=100)
    plt.close(fig)
    print('plot saved to', path)


if __name__ == '__main__':
    main()
