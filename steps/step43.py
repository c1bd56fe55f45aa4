"""Step 43: a two-layer neural network fits a noisy sine.

What it teaches: a straight line cannot fit y = sin(2 pi x); stacking linear -> sigmoid ->
linear can. `F.linear(x, W, b)` is x @ W + b as one function (it frees its intermediate result
and has a fast backward), `F.sigmoid` is the nonlinearity. The weights start small and random
(0.01 * randn), the biases at zero; plain gradient descent with lr 0.2 runs 10,000 iterations and
the loss is printed every 1,000. With `np.random.seed(0)` and the draws in this order the run
is deterministic and prints the book's numbers: first variable(0.8473695850105871), last
variable(0.07722132399559317).

Where it simplifies: parameters are bare Variables updated by hand (see steps 44-46 for layers
and optimizers). The fitted curve is saved to step43.png.
"""
import os

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dezero.functions as F  # noqa: E402
from dezero import Variable  # noqa: E402


def main():
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

    I, H, O = 1, 10, 1
    W1 = Variable(0.01 * np.random.randn(I, H))
    b1 = Variable(np.zeros(H))
    W2 = Variable(0.01 * np.random.randn(H, O))
    b2 = Variable(np.zeros(O))
    params = (W1, b1, W2, b2)

    def predict(x):
        h = F.sigmoid(F.linear(x, W1, b1))
        return F.linear(h, W2, b2)

    lr = 0.2
    iters = 10000
    for i in range(iters):
        y_pred = predict(x)
        loss = F.mean_squared_error(y, y_pred)
        for p in params:
            p.cleargrad()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad.data
        if i % 1000 == 0:
            print(loss)

    # printed as a plain number: the loss lines above are the book's output
    final = F.mean_squared_error(y, predict(x)).data.item()
    print(f'loss after all {iters} updates: {final:.6f}')

    fig, ax = plt.subplots()
    ax.scatter(x.ravel(), y.ravel(), s=10, label='data')
    grid = np.linspace(0, 1, 200)[:, np.newaxis]
    ax.plot(grid.ravel(), predict(grid).data.ravel(), 'r-', label='network')
    ax.set_xlabel('x')
    ax.set_ylabel('y')
    ax.legend()
    path = os.path.abspath('step43.png')
    fig.savefig(path)
    plt.close(fig)
    print('saved', path)


if __name__ == '__main__':
    main()
