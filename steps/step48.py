"""Step 48: multi-class classification of the spiral data with mini-batches.

What it teaches: the spiral data set (300 points in 2-D, three interleaved arms) cannot be
separated by lines; an MLP with one hidden layer of 10 sigmoid units learns it. Training runs in
epochs: each epoch shuffles the indices (`np.random.permutation`) and visits the data in
mini-batches of 30, taking one SGD step (lr 1.0) per batch; the printed loss is the epoch's
average over all examples. `get_spiral` seeds NumPy's global generator, so the whole run is
deterministic and prints the book's numbers: epoch 1 loss 1.13, epoch 300 loss 0.13.

Where it simplifies: batches are cut by hand (steps 49-50 introduce Dataset and DataLoader).
The loss curve and the learned decision regions are saved to step48.png. The whole run takes
about a second, so it always trains the book's 300 epochs.
"""
import math
import os

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dezero  # noqa: E402
import dezero.functions as F  # noqa: E402
from dezero import optimizers  # noqa: E402
from dezero.models import MLP  # noqa: E402


def main():
    max_epoch = 300
    batch_size = 30
    hidden_size = 10
    lr = 1.0

    x, t = dezero.datasets.get_spiral(train=True)
    model = MLP((hidden_size, 3))
    optimizer = optimizers.SGD(lr).setup(model)

    data_size = len(x)
    max_iter = math.ceil(data_size / batch_size)
    history = []
    for epoch in range(max_epoch):
        index = np.random.permutation(data_size)
        sum_loss = 0.0
        for i in range(max_iter):
            batch_index = index[i * batch_size:(i + 1) * batch_size]
            batch_x = x[batch_index]
            batch_t = t[batch_index]

            y = model(batch_x)
            loss = F.softmax_cross_entropy(y, batch_t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += float(loss.data) * len(batch_t)

        avg_loss = sum_loss / data_size
        history.append(avg_loss)
        print('epoch %d, loss %.2f' % (epoch + 1, avg_loss))

    with dezero.no_grad():
        acc = F.accuracy(model(x), t).data.item()
    print(f'training accuracy {acc:.3f}')

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4.5))
    ax0.plot(np.arange(1, max_epoch + 1), history)
    ax0.set_xlabel('epoch')
    ax0.set_ylabel('loss')
    h = 0.01
    xx, yy = np.meshgrid(np.arange(x[:, 0].min() - 0.1, x[:, 0].max() + 0.1, h),
                         np.arange(x[:, 1].min() - 0.1, x[:, 1].max() + 0.1, h))
    grid = np.c_[xx.ravel(), yy.ravel()]
    with dezero.no_grad():
        zz = np.argmax(model(grid).data, axis=1).reshape(xx.shape)
    ax1.contourf(xx, yy, zz, alpha=0.3, levels=[-0.5, 0.5, 1.5, 2.5])
    for c, marker in zip(range(3), 'ox^'):
        ax1.scatter(x[t == c, 0], x[t == c, 1], marker=marker, s=20)
    ax1.set_title('decision regions')
    path = os.path.abspath('step48.png')
    fig.savefig(path)
    plt.close(fig)
    print('saved', path)


if __name__ == '__main__':
    main()
