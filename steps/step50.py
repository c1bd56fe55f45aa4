"""Step 50: DataLoader, accuracy, and a test set.

What it teaches: `DataLoader(dataset, batch_size, shuffle)` does the batching of step 49: each
`for x, t in loader` loop is one epoch (shuffled anew), after which the loader resets itself.
`F.accuracy(y, t)` is the fraction of rows whose highest score is the true class. Evaluating on
a separate test set (the spiral drawn with another seed) inside `dezero.no_grad()` shows how
well the model generalises; no graph is built there, which saves memory and time.

Where it simplifies: nothing; this uses the final package. The book's settings: 300 epochs,
batch 30, hidden 10, SGD lr 1.0. The train and test curves are saved to step50.png.
"""
import os

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dezero  # noqa: E402
import dezero.functions as F  # noqa: E402
from dezero import DataLoader, optimizers  # noqa: E402
from dezero.models import MLP  # noqa: E402


def main():
    max_epoch = 300
    batch_size = 30
    hidden_size = 10
    lr = 1.0

    train_set = dezero.datasets.Spiral(train=True)
    test_set = dezero.datasets.Spiral(train=False)
    train_loader = DataLoader(train_set, batch_size)
    test_loader = DataLoader(test_set, batch_size, shuffle=False)

    model = MLP((hidden_size, 3))
    optimizer = optimizers.SGD(lr).setup(model)

    history = {'train loss': [], 'test loss': [], 'train acc': [], 'test acc': []}
    for epoch in range(max_epoch):
        sum_loss, sum_acc = 0.0, 0.0
        for x, t in train_loader:
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            acc = F.accuracy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += loss.data.item() * len(t)
            sum_acc += acc.data.item() * len(t)
        history['train loss'].append(sum_loss / len(train_set))
        history['train acc'].append(sum_acc / len(train_set))

        sum_loss, sum_acc = 0.0, 0.0
        with dezero.no_grad():
            for x, t in test_loader:
                y = model(x)
                sum_loss += F.softmax_cross_entropy(y, t).data.item() * len(t)
                sum_acc += F.accuracy(y, t).data.item() * len(t)
        history['test loss'].append(sum_loss / len(test_set))
        history['test acc'].append(sum_acc / len(test_set))

        if epoch == 0 or (epoch + 1) % 30 == 0:
            print('epoch %d' % (epoch + 1))
            print('train loss: %.4f, accuracy: %.4f'
                  % (history['train loss'][-1], history['train acc'][-1]))
            print('test loss: %.4f, accuracy: %.4f'
                  % (history['test loss'][-1], history['test acc'][-1]))

    fig, (ax0, ax1) = plt.subplots(1, 2, figsize=(10, 4))
    epochs = np.arange(1, max_epoch + 1)
    for name in ('train loss', 'test loss'):
        ax0.plot(epochs, history[name], label=name)
    for name in ('train acc', 'test acc'):
        ax1.plot(epochs, history[name], label=name)
    for ax, label in ((ax0, 'loss'), (ax1, 'accuracy')):
        ax.set_xlabel('epoch')
        ax.set_ylabel(label)
        ax.legend()
    path = os.path.abspath('step50.png')
    fig.savefig(path)
    plt.close(fig)
    print('saved', path)


if __name__ == '__main__':
    main()
