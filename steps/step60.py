"""Step 60: an LSTM trained on mini-batches of sequences with SeqDataLoader.

What it teaches: an LSTM layer adds a cell state c and three gates (forget, input, output) to
the RNN of step 59, so gradients survive over longer spans: c = f * c + i * u, h = o * tanh(c).
Training one sequence one point at a time wastes the hardware; `SeqDataLoader(dataset,
batch_size)` cuts the sequence into `batch_size` contiguous stretches and hands out one time step
of each as a batch, so every row of the batch is its own sequence and the hidden state carries
over from one batch to the next. With the book's settings (SinCurve, batch 30, BPTT length 30,
hidden size 100, Adam, 100 epochs) the per-step loss ends below 0.02, printed every epoch. The
trained model then predicts a cosine one point at a time in test mode without a graph.

Where it simplifies: the book updates when `count % bptt_length == 0 or count == seqlen`, but
with batches an epoch has only len(train_set) // batch_size = 33 steps, so the second condition
never holds and the last 3 steps of every epoch are never learned from; here the last partial
stretch of an epoch is backpropagated too. NumPy's generator is seeded, so runs repeat, and the
data is cast to float32 by a transform, matching the weights (float64 data would make every
product run in float64, about 1.5x slower here). The printed loss is the epoch's mean squared
error per time step. The whole run takes a few seconds on two CPU cores; with
DEZERO_STEPS_QUICK=1 it trains 10 epochs (for automated tests). The prediction is saved to
step60.png.

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
from dezero import Model, SeqDataLoader, optimizers  # noqa: E402
from dezero.progress import progress  # noqa: E402


class BetterRNN(Model):
    """An LSTM layer, then a linear read-out of its hidden state."""

    def __init__(self, hidden_size, out_size):
        super().__init__()
        self.rnn = L.LSTM(hidden_size)
        self.fc = L.Linear(out_size)

    def reset_state(self):
        self.rnn.reset_state()

    def forward(self, x):
        return self.fc(self.rnn(x))


def main():
    quick = os.environ.get('DEZERO_STEPS_QUICK') == '1'
    max_epoch = 10 if quick else 100
    batch_size = 30
    hidden_size = 100
    bptt_length = 30

    np.random.seed(0)  # the sine's noise and the initial weights: repeatable runs
    # float32 data to match the float32 weights: mixed dtypes make NumPy compute in float64
    f32 = dezero.transforms.AsType(np.float32)
    train_set = dezero.datasets.SinCurve(train=True, transform=f32, target_transform=f32)
    dataloader = SeqDataLoader(train_set, batch_size=batch_size)
    steps_per_epoch = len(dataloader)

    model = BetterRNN(hidden_size, 1)
    optimizer = optimizers.Adam().setup(model)

    start = time.perf_counter()
    for epoch in range(max_epoch):
        model.reset_state()
        loss, count, total = 0, 0, 0.0
        # a bar on a terminal (with tqdm installed), nothing in a log or a pipe
        for x, t in progress(dataloader, desc=f'epoch {epoch + 1}', leave=False):
            y = model(x)
            loss += F.mean_squared_error(y, t)
            count += 1
            if count % bptt_length == 0 or count == steps_per_epoch:
                model.cleargrads()
                loss.backward()
                loss.unchain_backward()
                optimizer.update()
                total += loss.data.item()
                loss = 0
        avg_loss = total / count
        print('| epoch %d | loss %f' % (epoch + 1, avg_loss))
    elapsed = time.perf_counter() - start
    print(f'trained {max_epoch} epochs ({max_epoch * steps_per_epoch} time steps of a batch of '
          f'{batch_size}) in {elapsed:.1f} s; final loss {avg_loss:.5f}')

    xs = np.cos(np.linspace(0, 4 * np.pi, 1000))
    model.reset_state()
    pred = []
    with dezero.test_mode(), dezero.no_grad():
        for x in xs:
            y = model(np.array([[x]], dtype=np.float32))
            pred.append(y.data.item())  # a (1, 1) array: .item(), not float()

    fig, ax = plt.subplots()
    ax.plot(np.arange(len(xs)), xs, label='y = cos(x)')
    ax.plot(np.arange(len(xs)), pred, label='predict')
    ax.set_xlabel('x')
    ax.set_ylabel('y')
    ax.legend()
    path = os.path.abspath('step60.png')
    fig.savefig(path)
    plt.close(fig)
    print('saved', path)


if __name__ == '__main__':
    main()
