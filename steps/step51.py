"""Step 51: training an MLP on MNIST.

What it teaches: the same loop as step 50 trains a real data set. `dezero.datasets.MNIST` holds
60,000 training and 10,000 test images of handwritten digits (28x28, gray); its default
transform flattens each image to 784 float32 values in [0, 1]. An MLP with one hidden layer of
1,000 ReLU units, trained with SGD (lr 0.1) in batches of 100 for 5 epochs, reaches about 97%
test accuracy. (The book starts with sigmoid and plain SGD, which learns much more slowly, then
switches to ReLU; this step goes straight to ReLU.)

The data must be downloaded: MNIST reads four gzip IDX files (about 11 MB) from the dezero cache
directory (`~/.dezero`, or `$DEZERO_CACHE_DIR`) and fetches any that are missing. Without network
access this step stops with a non-zero exit status and a message naming the URL and the place
to put the file. Any data set in that format works, however small.

Where it simplifies: nothing; this uses the final package. With the environment variable
DEZERO_STEPS_QUICK=1 it trains one epoch (for automated tests). A full run takes about 10 s on
two idle CPU cores (an epoch is 600 updates of about 2.5 ms each).

On a terminal, with tqdm installed (`pip install tqdm`), a bar shows the progress of each
epoch (`dezero.progress.progress`); in a log or a pipe nothing is added to the output.
"""
import os
import time

import dezero
import dezero.functions as F
from dezero import DataLoader, optimizers
from dezero.models import MLP
from dezero.progress import progress


def load_mnist():
    """The MNIST train and test sets; exit with a message when the files cannot be had."""
    try:
        return dezero.datasets.MNIST(train=True), dezero.datasets.MNIST(train=False)
    except OSError as e:  # dezero's download error is an OSError naming the URL and the path
        raise SystemExit(f'step51: the MNIST data is not available, so nothing was trained.\n{e}')


def main():
    quick = os.environ.get('DEZERO_STEPS_QUICK') == '1'
    max_epoch = 1 if quick else 5
    batch_size = 100
    hidden_size = 1000

    train_set, test_set = load_mnist()
    print(f'MNIST: {len(train_set)} training and {len(test_set)} test images; '
          f'one example: x {train_set[0][0].shape} {train_set[0][0].dtype}, t = {train_set[0][1]}')
    train_loader = DataLoader(train_set, batch_size)
    test_loader = DataLoader(test_set, batch_size, shuffle=False)

    model = MLP((hidden_size, 10), activation=F.relu)
    optimizer = optimizers.SGD(lr=0.1).setup(model)

    for epoch in range(max_epoch):
        start = time.perf_counter()
        sum_loss, sum_acc = 0.0, 0.0
        # a bar on a terminal (with tqdm installed), nothing in a log or a pipe
        for x, t in progress(train_loader, desc=f'epoch {epoch + 1}', leave=False):
            y = model(x)
            loss = F.softmax_cross_entropy(y, t)
            acc = F.accuracy(y, t)
            model.cleargrads()
            loss.backward()
            optimizer.update()
            sum_loss += loss.data.item() * len(t)
            sum_acc += acc.data.item() * len(t)
        elapsed = time.perf_counter() - start
        print(f'epoch {epoch + 1} ({elapsed:.1f} s)')
        print('train loss: %.4f, accuracy: %.4f'
              % (sum_loss / len(train_set), sum_acc / len(train_set)))

        sum_loss, sum_acc = 0.0, 0.0
        with dezero.no_grad():
            for x, t in test_loader:
                y = model(x)
                sum_loss += F.softmax_cross_entropy(y, t).data.item() * len(t)
                sum_acc += F.accuracy(y, t).data.item() * len(t)
        print('test loss: %.4f, accuracy: %.4f'
              % (sum_loss / len(test_set), sum_acc / len(test_set)))


if __name__ == '__main__':
    main()
