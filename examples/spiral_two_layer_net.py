"""A layer-by-layer TwoLayerNet classifying the three-arm spiral, written with dezero.

It reproduces the spiral example of chapter 1 of "Deep Learning from Scratch 2", as an original
notebook ran it. The book builds the classifier from layer classes (Affine, Sigmoid, Affine,
then SoftmaxWithLoss) that each carry params/grads and a hand-written backward, and trains it
with SGD (lr 1.0, batch 30, hidden 10, 300 epochs), printing the mean loss of each epoch. Here
the same layers are dezero Layers: `Affine` holds W and b as Parameters and calls F.linear,
`Sigmoid` calls F.sigmoid, and the loss is F.softmax_cross_entropy; the backward passes come
from autograd and `optimizers.SGD` does the update. Weights start as in the book:
W1 = 0.01 * randn(2, 10), W2 = 0.02 * randn(10, 3), zero biases.

What it prints: one line per epoch, `| epoch E | iter 10 / 10 | loss L` with that epoch's mean
loss; with `--trainer-windows`, then one line per epoch `| Trainer | epoch E | iter 1 / 10 |
loss L` as the book's Trainer would print it; then the last epoch's loss and the training
accuracy; then the paths of the two PNG files it saves, a loss curve and a decision-boundary
plot. With the defaults the net learns the spiral: the loss goes from 1.12 to 0.11 and the
accuracy is 0.96.

The original notebook's runs kept their loss at 1.10 for 25 epochs and were still near 0.45
after 260, because its TwoLayerNet put a Softmax where the Sigmoid belongs
(`[Affine, Softmax, Affine]`). Those runs can be repeated exactly: its `spiral.load_data()`
seeds NumPy's generator with 1984 and draws the data in arm order (float64, no shuffle), and
everything after it (the weights, each epoch's permutation of the already shuffled data) follows
from that. `--as-original` trains that network on that data and prints the notebook's numbers:
the per-epoch mean losses of its first run (1.10, 1.11, ... 0.89 at epoch 42) and, with
`--trainer-windows`, the losses its second run printed through the book's Trainer, which
averages the ten iterations that end at each epoch's first one (0.49, 0.45, ... at epochs 243
to 265). That run ends at loss 0.41 and accuracy 0.83.

    python examples/spiral_two_layer_net.py [--epochs 300] [--seed 0] [--as-original]
                                           [--trainer-windows] [--out DIR]
"""
import argparse
import os

import numpy as np

from dezero import Parameter, no_grad, optimizers
from dezero.datasets import get_spiral
from dezero.layers import Layer
from dezero.models import Model
import dezero.functions as F


class Affine(Layer):
    """x @ W + b with the given initial arrays as Parameters."""

    def __init__(self, W, b):
        super().__init__()
        self.W = Parameter(W, name='W')
        self.b = Parameter(b, name='b')

    def forward(self, x):
        """The affine map; its backward comes from F.linear."""
        return F.linear(x, self.W, self.b)


class Sigmoid(Layer):
    """Elementwise logistic function; no parameters."""

    def forward(self, x):
        """1 / (1 + exp(-x))."""
        return F.sigmoid(x)


class Softmax(Layer):
    """Softmax over each row; the original notebook's run had it as the hidden activation."""

    def forward(self, x):
        """exp(x) / sum(exp(x)) along axis 1."""
        return F.softmax(x)


class TwoLayerNet(Model):
    """Affine -> Sigmoid (or `hidden`) -> Affine scores, softmax cross entropy as the loss."""

    def __init__(self, input_size, hidden_size, output_size, hidden=Sigmoid):
        super().__init__()
        I, H, O = input_size, hidden_size, output_size
        self.layers = [Affine(0.01 * np.random.randn(I, H), np.zeros(H)),
                       hidden(),
                       Affine(0.02 * np.random.randn(H, O), np.zeros(O))]
        for i, layer in enumerate(self.layers):
            setattr(self, f'layer{i}', layer)  # registers the parameters, in order

    def predict(self, x):
        """Class scores (logits) for a batch x of shape (N, input_size)."""
        for layer in self.layers:
            x = layer(x)
        return x

    def forward(self, x, t):
        """Mean softmax cross entropy of the scores against integer labels t."""
        return F.softmax_cross_entropy(self.predict(x), t)


def original_spiral():
    """The spiral as the original notebook's `spiral.load_data()` draws it: NumPy seed 1984,
    float64, the points of each arm in order (get_spiral shuffles them and keeps float32)."""
    np.random.seed(1984)
    num_data, num_class = 100, 3
    rate = np.arange(num_data) / num_data
    xs = []
    for j in range(num_class):
        theta = j * 4.0 + 4.0 * rate + np.random.randn(num_data) * 0.2
        xs.append(np.stack([rate * np.sin(theta), rate * np.cos(theta)], axis=1))
    return np.concatenate(xs), np.repeat(np.arange(num_class), num_data)


def train(model, x, t, max_epoch=300, batch_size=30, lr=1.0):
    """SGD as the book's loop does it: each epoch permutes the data it was left in (the order
    of the epoch before), then takes the batches in turn. Returns every iteration's loss and
    each epoch's mean loss."""
    optimizer = optimizers.SGD(lr).setup(model)
    data_size = len(x)
    max_iters = data_size // batch_size
    order = np.arange(data_size)
    losses, epoch_losses = [], []
    for epoch in range(max_epoch):
        order = order[np.random.permutation(data_size)]
        for iters in range(max_iters):
            batch = order[iters * batch_size:(iters + 1) * batch_size]
            loss = model(x[batch], t[batch])
            model.cleargrads()
            loss.backward()
            optimizer.update()
            losses.append(float(loss.data))
        epoch_losses.append(sum(losses[-max_iters:]) / max_iters)
        print(f'| epoch {epoch + 1} | iter {max_iters} / {max_iters} | loss {epoch_losses[-1]:.2f}')
    return losses, epoch_losses


def trainer_windows(losses, iters_per_epoch):
    """What the book's Trainer prints at each epoch's first iteration (eval_interval = the
    iterations of an epoch): the mean of the losses since its last print, that one included."""
    return [float(np.mean(losses[max(0, k - iters_per_epoch + 1):k + 1]))
            for k in range(0, len(losses), iters_per_epoch)]


def save_loss_curve(losses, out_dir):
    """Plot the per-epoch mean loss; write spiral_loss.png."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    path = os.path.join(out_dir, 'spiral_loss.png')
    fig, ax = plt.subplots()
    ax.plot(np.arange(1, len(losses) + 1), losses)
    ax.set_xlabel('epoch')
    ax.set_ylabel('mean loss')
    fig.savefig(path)
    plt.close(fig)
    return path


def save_decision_boundary(model, x, t, out_dir, step=0.01):
    """Colour the plane by predicted class, scatter the points; write spiral_boundary.png."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    x_min, x_max = x[:, 0].min() - 0.1, x[:, 0].max() + 0.1
    y_min, y_max = x[:, 1].min() - 0.1, x[:, 1].max() + 0.1
    xx, yy = np.meshgrid(np.arange(x_min, x_max, step), np.arange(y_min, y_max, step))
    grid = np.c_[xx.ravel(), yy.ravel()]
    with no_grad():
        scores = model.predict(grid).data
    zz = np.argmax(scores, axis=1).reshape(xx.shape)

    path = os.path.join(out_dir, 'spiral_boundary.png')
    fig, ax = plt.subplots()
    ax.contourf(xx, yy, zz, alpha=0.4)
    for cls, marker in enumerate(('o', 'x', '^')):
        pts = x[t == cls]
        ax.scatter(pts[:, 0], pts[:, 1], s=40, marker=marker)
    ax.axis('off')
    fig.savefig(path)
    plt.close(fig)
    return path


def main(argv=None):
    """Train, report final loss and accuracy, save both figures; return the numbers and paths."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=300, help='epochs (default 300)')
    parser.add_argument('--seed', type=int, default=0, help='NumPy seed for weights and shuffling')
    parser.add_argument('--as-original', action='store_true',
                        help='repeat the original notebook\'s run: its data and random seed, '
                             'Softmax as the hidden layer')
    parser.add_argument('--as-note', action='store_true', dest='as_original',
                        help=argparse.SUPPRESS)  # an older spelling of --as-original
    parser.add_argument('--trainer-windows', action='store_true',
                        help='also print the losses as the book\'s Trainer prints them')
    parser.add_argument('--out', default='.', help='directory for the figures (default: .)')
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f'--epochs must be positive, got {args.epochs}')

    if args.as_original:
        x, t = original_spiral()  # leaves the generator where the notebook drew its weights
        model = TwoLayerNet(2, 10, 3, hidden=Softmax)
    else:
        x, t = get_spiral(train=True)
        x = x.astype(np.float64)  # the book's arrays are float64
        np.random.seed(args.seed)  # get_spiral reseeds the global generator; fix what follows
        model = TwoLayerNet(2, 10, 3)
    iteration_losses, losses = train(model, x, t, max_epoch=args.epochs)
    iters = len(iteration_losses) // args.epochs
    windows = trainer_windows(iteration_losses, iters)
    if args.trainer_windows:
        for epoch, loss in enumerate(windows, 1):
            print(f'| Trainer | epoch {epoch} | iter 1 / {iters} | loss {loss:.2f}')
    with no_grad():
        accuracy = float(F.accuracy(model.predict(x), t).data)
    print(f'final epoch loss {losses[-1]:.4f}, training accuracy {accuracy:.4f}')

    os.makedirs(args.out, exist_ok=True)
    loss_png = save_loss_curve(losses, args.out)
    boundary_png = save_decision_boundary(model, x, t, args.out)
    print(f'saved the loss curve to {loss_png}')
    print(f'saved the decision boundary to {boundary_png}')
    return {'epoch_losses': losses, 'trainer_losses': windows, 'final_loss': losses[-1],
            'accuracy': accuracy, 'figures': [loss_png, boundary_png]}


if __name__ == '__main__':
    main()
