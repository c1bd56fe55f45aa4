"""Step 52: running on a GPU with CuPy (and on the CPU without it).

What it teaches: CuPy offers NumPy's interface on NVIDIA GPUs. Every dezero function asks
`dezero.cuda.get_array_module(x)` for the module that matches its input, so the same code runs
on either. Moving the work to the GPU takes two lines: `model.to_gpu()` moves the parameters,
and `train_loader.to_gpu()` makes the DataLoader hand out CuPy batches. `dezero.cuda.gpu_enable`
is True only when CuPy imports; without it this script says so and trains on the CPU.

Where it simplifies: the book trains on MNIST here; to need no download, this step trains the
same MNIST-shaped network (784 -> 1000 ReLU -> 10, batch 100) on a synthetic data set of 10
noisy prototype images (6,000 examples), and prints the time per epoch on the device it used.
With DEZERO_STEPS_QUICK=1 it trains one epoch instead of three.

On a terminal, with tqdm installed (`pip install tqdm`), a bar shows the progress of each
epoch (`dezero.progress.progress`); in a log or a pipe nothing is added to the output.
"""
import os
import time

import numpy as np

import dezero
import dezero.functions as F
from dezero import DataLoader, optimizers
from dezero.models import MLP
from dezero.progress import progress


class NoisyPrototypes(dezero.datasets.Dataset):
    """10 classes; an example is its class's random 784-pixel prototype plus noise (std 2)."""

    def prepare(self):
        rng = np.random.default_rng(0 if self.train else 1)
        prototypes = np.random.default_rng(42).random((10, 784), dtype=np.float32)
        n = 6000 if self.train else 1000
        self.label = rng.integers(0, 10, n)
        noise = 2 * rng.standard_normal((n, 784), dtype=np.float32)
        self.data = prototypes[self.label] + noise


def main():
    quick = os.environ.get('DEZERO_STEPS_QUICK') == '1'
    max_epoch = 1 if quick else 3
    batch_size = 100

    train_set = NoisyPrototypes(train=True)
    test_set = NoisyPrototypes(train=False)
    train_loader = DataLoader(train_set, batch_size)
    test_loader = DataLoader(test_set, batch_size, shuffle=False)
    model = MLP((1000, 10), activation=F.relu)
    optimizer = optimizers.SGD(lr=0.1).setup(model)

    if dezero.cuda.gpu_enable:
        print('CuPy found: training on the GPU')
        train_loader.to_gpu()
        test_loader.to_gpu()
        model.to_gpu()
    else:
        print('CuPy is not installed (dezero.cuda.gpu_enable is False): training on the CPU')

    for epoch in range(max_epoch):
        start = time.perf_counter()
        sum_loss = 0.0
        # a bar on a terminal (with tqdm installed), nothing in a log or a pipe
        for x, t in progress(train_loader, desc=f'epoch {epoch + 1}', leave=False):
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += loss.data.item() * len(t)  # .item() also copies a GPU scalar to the host
        elapsed = time.perf_counter() - start

        sum_acc = 0.0
        with dezero.no_grad():
            for x, t in test_loader:
                sum_acc += F.accuracy(model(x), t).data.item() * len(t)
        print(f'epoch {epoch + 1}, loss {sum_loss / len(train_set):.4f}, '
              f'test accuracy {sum_acc / len(test_set):.4f}, {elapsed:.2f} s per epoch')

    print('parameters live on', type(model.l0.W.data).__module__.split('.')[0])


if __name__ == '__main__':
    main()
