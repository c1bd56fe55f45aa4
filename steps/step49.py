"""Step 49: the Dataset class.

What it teaches: a `Dataset` packs examples behind one interface: `len(dataset)` and
`dataset[i] -> (x, t)`. A subclass only fills `self.data` and `self.label` in `prepare()`;
`transform` and `target_transform` preprocess one example at a time when it is read, so large
data sets can also load lazily. `dezero.datasets.Spiral` is the spiral data of step 48 as a
Dataset; training step 48's model through it, batches gathered with `[train_set[i] for i in
batch_index]`, draws the same numbers and prints the same losses (1.13 first, 0.13 last).

Where it simplifies: batches are still gathered by hand (step 50 hands this to DataLoader).
"""
import math

import numpy as np

import dezero
import dezero.functions as F
from dezero import optimizers
from dezero.models import MLP


class Squares(dezero.datasets.Dataset):
    """A toy Dataset: x = 0..9, label x**2."""

    def prepare(self):
        self.data = np.arange(10.0)
        self.label = self.data ** 2


def main():
    squares = Squares(transform=lambda x: x / 10.0)
    x, t = squares[3]
    print(f'a custom Dataset: len {len(squares)}, squares[3] = ({x}, {t})'
          ' (x scaled by the transform)')

    train_set = dezero.datasets.Spiral(train=True)
    x, t = train_set[0]
    print(f'Spiral: len {len(train_set)}, train_set[0] = (x={x}, t={t})')

    max_epoch = 300
    batch_size = 30
    hidden_size = 10
    lr = 1.0

    model = MLP((hidden_size, 3))
    optimizer = optimizers.SGD(lr).setup(model)

    data_size = len(train_set)
    max_iter = math.ceil(data_size / batch_size)
    for epoch in range(max_epoch):
        index = np.random.permutation(data_size)
        sum_loss = 0.0
        for i in range(max_iter):
            batch_index = index[i * batch_size:(i + 1) * batch_size]
            batch = [train_set[j] for j in batch_index]
            batch_x = np.array([example[0] for example in batch])
            batch_t = np.array([example[1] for example in batch])

            y = model(batch_x)
            loss = F.softmax_cross_entropy(y, batch_t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += loss.data.item() * len(batch_t)

        if epoch == 0 or (epoch + 1) % 30 == 0:
            print('epoch %d, loss %.2f' % (epoch + 1, sum_loss / data_size))


if __name__ == '__main__':
    main()
