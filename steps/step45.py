"""Step 45: Layers inside Layers, Model, and MLP.

What it teaches: a Layer may hold other Layers, and `params()` walks them recursively, so a
whole network is one object with one `cleargrads()`. `Model` is a Layer that also draws its
computational graph with `plot(x, to_file=...)` (through Graphviz's `dot`). A network is written
as a Model subclass (`TwoLayerNet` below), or taken ready-made: `MLP((10, 1))` is Linear(10),
sigmoid, Linear(1); `MLP((10, 20, 30, 40, 1))` is five layers, the same way. The weights are
drawn in the same order as in step 44, so the losses printed are step 44's.

Where it simplifies: the update is still written by hand (optimizers come in step 46). If
Graphviz is not installed the plot is skipped with the error printed.
"""
import os
import subprocess

import numpy as np

import dezero.functions as F
import dezero.layers as L
from dezero import Model
from dezero.models import MLP


class TwoLayerNet(Model):
    """Linear -> sigmoid -> Linear."""

    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.l1 = L.Linear(hidden_size)
        self.l2 = L.Linear(out_size)

    def forward(self, x):
        return self.l2(F.sigmoid(self.l1(x)))


def main():
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

    model = TwoLayerNet(10, 1)
    path = os.path.abspath('step45_model.png')
    try:
        # plotting runs forward once, which creates the weights: same draws as step 44
        model.plot(x, to_file=path)
        print('saved', path)
    except (OSError, RuntimeError, subprocess.SubprocessError) as e:
        print(f'model graph not drawn ({type(e).__name__}: {e}); going on')

    lr = 0.2
    iters = 10000
    for i in range(iters):
        y_pred = model(x)
        loss = F.mean_squared_error(y, y_pred)
        model.cleargrads()
        loss.backward()
        for p in model.params():
            p.data -= lr * p.grad.data
        if i % 1000 == 0:
            print(loss)

    mlp = MLP((10, 20, 30, 40, 1))
    mlp(x)  # creates the weights
    print('MLP((10, 20, 30, 40, 1)) parameter shapes:', [p.shape for p in mlp.params()])


if __name__ == '__main__':
    main()
