"""Step 43 of "Deep Learning from Scratch 3": a 1-10-1 sigmoid network fit to a noisy sine.

With np.random.seed(0): x = rand(100, 1), y = sin(2 pi x) + rand(100, 1); weights
W1 = 0.01 * randn(1, 10), W2 = 0.01 * randn(10, 1), zero biases; predict is
linear -> sigmoid -> linear; loss F.mean_squared_error; plain gradient descent with lr 0.2 for
10,000 iterations.

What it prints: the loss at iteration 0 and every 1000 iterations after it, as a Variable the
way the book prints it (ten lines by default, iterations 0 to 9000, from
`variable(0.8473695850105871)` down to `variable(0.07722132399559317)`); then the path of the
PNG file it saves, the data with the fitted curve.

It also reproduces a blog post that worked through this step in a notebook. The post's losses
differ, from 0.8561756639400779 down to 0.0774167592137966: its data are the seeded ones, but
its weights are not the first drawn after them. Its generator had made 200 normal draws in
between, which is what ten earlier runs of the weight cell take (20 draws each).
`--weight-draws 10` draws the weights ten times first and prints the post's ten losses, to
within the last digit or two (those depend on the BLAS library's summation order).

    python examples/step43_losses.py [--iters 10000] [--weight-draws N] [--out DIR]
"""
import argparse
import os

import numpy as np

from dezero import Variable
import dezero.functions as F


def main(argv=None):
    """Train the step-43 net; print the losses; save the fit; return losses and the PNG path."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=10000, help='iterations (default 10000)')
    parser.add_argument('--weight-draws', type=int, default=0,
                        help='draw the initial weights this many times before the ones that '
                             'train (default 0, as the book; 10 gives the losses of the '
                             'original blog post)')
    parser.add_argument('--out', default='.', help='directory for the figure (default: .)')
    args = parser.parse_args(argv)
    if args.iters < 1:
        parser.error(f'--iters must be positive, got {args.iters}')
    if args.weight_draws < 0:
        parser.error(f'--weight-draws must be 0 or more, got {args.weight_draws}')

    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

    I, H, O = 1, 10, 1
    for _ in range(args.weight_draws):  # discarded, as a weight cell run again leaves them
        np.random.randn(I, H), np.random.randn(H, O)
    W1 = Variable(0.01 * np.random.randn(I, H), name='W1')
    b1 = Variable(np.zeros(H), name='b1')
    W2 = Variable(0.01 * np.random.randn(H, O), name='W2')
    b2 = Variable(np.zeros(O), name='b2')
    params = (W1, b1, W2, b2)

    def predict(x):
        h = F.sigmoid(F.linear(x, W1, b1))
        return F.linear(h, W2, b2)

    lr = 0.2
    printed = []
    for i in range(args.iters):
        loss = F.mean_squared_error(y, predict(x))
        for p in params:
            p.cleargrad()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad.data
        if i % 1000 == 0:
            print(loss)
            printed.append(float(loss.data))

    path = save_fit(x, y, predict, args.out)
    print(f'saved the fit to {path}')
    return {'printed_losses': printed, 'final_loss': float(loss.data), 'figure': path}


def save_fit(x, y, predict, out_dir):
    """Scatter the data, draw the network's curve over [0, 1), write step43_fit.png."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, 'step43_fit.png')
    t = np.arange(0, 1, 0.01)[:, np.newaxis]
    fig, ax = plt.subplots()
    ax.scatter(x, y, s=10, label='data')
    ax.plot(t, predict(t).data, color='r', label='network')
    ax.set_xlabel('x')
    ax.set_ylabel('y')
    ax.legend()
    fig.savefig(path)
    plt.close(fig)
    return path


if __name__ == '__main__':
    main()
