"""Step 59: a recurrent network learns a noisy sine, trained with truncated BPTT.

What it teaches: an RNN layer keeps a hidden state h and updates it at every time step,
h = tanh(x @ Wx + h @ Wh + b), so its output depends on the whole sequence so far. `SimpleRNN`
below is `L.RNN` followed by `L.Linear`, and learns to predict the next value of the sine
`SinCurve` (1,000 points of sin plus noise) from the current one, one point at a time. The graph
grows with every step; truncated backpropagation through time backpropagates the summed loss
every `bptt_length` (30) steps and then calls `loss.unchain_backward()`, which cuts the graph
behind the current state: the state itself carries on, but earlier steps are no longer
differentiated (or kept in memory). Adam updates the weights. After training, the model predicts
a cosine it never saw, fed one point at a time inside `no_grad()`.

Where it differs from the book: NumPy's generator is seeded, so runs repeat; the data is cast
to float32 by a transform, matching the weights (float64 data would make every product run in
float64); the printed loss is the epoch's mean squared error per time step. The book's settings
are kept: 100 epochs of 999 steps, hidden size 100 (about 10 s on two CPU cores); with the
environment variable DEZERO_STEPS_QUICK=1 it trains 3 epochs (for automated tests). The
prediction is saved to step59.png.

On a terminal, with tqdm installed (`pip install tqdm`), a bar shows the progress of each
epoch (`dezero.progress.progress`); in a log or a pipe nothing is added to the output.
"""
import os
import time

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dezero  # noqa: E402
import dezero.functions as F  # noqa: E402
import dezero.layers as L  # noqa: E402
from dezero import Model, optimizers  # noqa: E402
from dezero.progress import progress  # noqa: E402


class SimpleRNN(Model):
    """An RNN layer, then a linear read-out of its hidden state."""

    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.rnn = L.RNN(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        return self.fc(self.rnn(x))


def main():
    quick = os.environ.get('DEZERO_STEPS_QUICK') == '1'
    max_epoch = 3 if quick else 100
    hidden_size = 100
    bptt_length = 30

    np.random.seed(0)  # the sine's noise and the initial weights: repeatable runs
    # float32 data to match the float32 weights: mixed dtypes make NumPy compute in float64
    f32 = dezero.transforms.AsType(np.float32)
    train_set = dezero.datasets.SinCurve(train=True, transform=f32, target_transform=f32)
    seqlen = len(train_set)
    model = SimpleRNN(hidden_size, 1)
    optimizer = optimizers.Adam().setup(model)

    start = time.perf_counter()
    for epoch in range(max_epoch):
        model.reset_state()
        loss, count, total = 0, 0, 0.0
        # a bar on a terminal (with tqdm installed), nothing in a log or a pipe
        for x, t in progress(train_set, total=seqlen, desc=f'epoch {epoch + 1}', leave=False):
            x = x.reshape(1, 1)
            y = model(x)
            loss += F.mean_squared_error(y, t)
            count += 1
            if count % bptt_length == 0 or count == seqlen:
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                optimizer.update()
                total += loss.data.item()
                loss = 0
        print('| epoch %d | loss %f' % (epoch + 1, total / count))
    print(f'trained {max_epoch} epochs in {time.perf_counter() - start:.1f} s')

    xs = np.cos(np.linspace(0, 4 * np.pi, 1000))
    model.reset_state()
    pred = []
    with dezero.no_grad():
        for x in xs:
            y = model(np.array([[x]], dtype=np.float32))
            pred.append(y.data.item())  # a (1, 1) array: .item(), not float()
    mse = np.mean((np.array(pred[:-1]) - xs[1:]) ** 2)
    print(f'next-step prediction error on a cosine: {mse:.5f}')

    fig, ax = plt.subplots()
    ax.plot(np.arange(len(xs)), xs, label='y = cos(x)')
    ax.plot(np.arange(len(xs)), pred, label='predict')
    ax.set_xlabel('x')
    ax.set_ylabel('y')
    ax.legend()
    path = os.path.abspath('step59.png')
    fig.savefig(path)
    plt.close(fig)
    print('saved', path)


if __name__ == '__main__':
    main()
