"""A two-layer ReLU network trained twice, by hand in NumPy and with dezero's autograd.

It reproduces the NumPy warm-up of PyTorch's "Learning PyTorch with Examples" tutorial, as an
original notebook ran it: a 1000-100-10 network fit to random data (N=64) by plain gradient
descent, lr 1e-6, 500 iterations, loss = sum of squared errors, with the backward pass written
by hand. This script runs that exact NumPy loop, then the same network in dezero from copies of
the same initial weights, where `loss.backward()` replaces the hand-written backward.

What it prints: a header, then one row every `--every` iterations and at the last one, with the
iteration, the NumPy loss, the dezero loss and their relative difference; then the largest
relative difference over all iterations. With the defaults the loss falls from about 2.6e7 at
iteration 0 to about 7e-5 at iteration 499, and the two columns agree to 1e-9 relative or better
at every iteration (0.000e+00 on a typical machine): autograd computes the same gradients as the
hand-written chain rule. (The notebook's data were unseeded, so its own losses, from 3.6e7 down,
cannot be repeated; `--seed` picks the random data here.)

    python examples/numpy_vs_dezero_two_layer.py [--iters 500] [--seed 0] [--every 25]
"""
import argparse

import numpy as np

from dezero import Variable
import dezero.functions as F

N, D_IN, H, D_OUT = 64, 1000, 100, 10
LEARNING_RATE = 1e-6


def make_problem(seed=0):
    """Random inputs, targets and initial weights, drawn in the original's order."""
    np.random.seed(seed)
    x = np.random.randn(N, D_IN)
    y = np.random.randn(N, D_OUT)
    w1 = np.random.randn(D_IN, H)
    w2 = np.random.randn(H, D_OUT)
    return x, y, w1, w2


def train_numpy(x, y, w1, w2, iters=500, lr=LEARNING_RATE):
    """The original loop: forward, sum of squared errors, hand-written backward; returns
    the losses."""
    w1, w2 = w1.copy(), w2.copy()
    losses = []
    for _ in range(iters):
        h = x.dot(w1)
        h_relu = np.maximum(h, 0)
        y_pred = h_relu.dot(w2)
        losses.append(float(np.square(y_pred - y).sum()))

        grad_y_pred = 2.0 * (y_pred - y)
        grad_w2 = h_relu.T.dot(grad_y_pred)
        grad_h_relu = grad_y_pred.dot(w2.T)
        grad_h = grad_h_relu.copy()
        grad_h[h < 0] = 0
        grad_w1 = x.T.dot(grad_h)

        w1 -= lr * grad_w1
        w2 -= lr * grad_w2
    return losses


def train_dezero(x, y, w1, w2, iters=500, lr=LEARNING_RATE):
    """The same network with dezero Variables; gradients come from loss.backward()."""
    W1 = Variable(w1.copy(), name='W1')
    W2 = Variable(w2.copy(), name='W2')
    losses = []
    for _ in range(iters):
        y_pred = F.matmul(F.relu(F.matmul(x, W1)), W2)
        loss = F.sum((y_pred - y) ** 2)
        losses.append(float(loss.data))

        W1.cleargrad()
        W2.cleargrad()
        loss.backward()
        W1.data -= lr * W1.grad.data
        W2.data -= lr * W2.grad.data
    return losses


def relative_differences(a, b):
    """|a - b| / |a| elementwise, for two equal-length loss sequences."""
    a, b = np.asarray(a), np.asarray(b)
    return np.abs(a - b) / np.abs(a)


def main(argv=None):
    """Train both versions, print the losses side by side; return the losses and max difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--iters', type=int, default=500, help='iterations (default 500)')
    parser.add_argument('--seed', type=int, default=0, help='NumPy seed for data and weights')
    parser.add_argument('--every', type=int, default=25,
                        help='print one row every this many iterations (1 prints all)')
    args = parser.parse_args(argv)
    if args.iters < 1 or args.every < 1:
        parser.error(f'--iters and --every must be positive, got {args.iters} and {args.every}')

    x, y, w1, w2 = make_problem(args.seed)
    np_losses = train_numpy(x, y, w1, w2, args.iters)
    dz_losses = train_dezero(x, y, w1, w2, args.iters)
    rel = relative_differences(np_losses, dz_losses)

    print(f'{"iter":>5} {"numpy loss":>24} {"dezero loss":>24} {"rel. diff":>10}')
    for t in range(args.iters):
        if t % args.every == 0 or t == args.iters - 1:
            print(f'{t:5d} {np_losses[t]:24.17g} {dz_losses[t]:24.17g} {rel[t]:10.2e}')
    max_rel = float(rel.max())
    print(f'max relative difference over {args.iters} iterations: {max_rel:.3e}')
    return {'numpy_losses': np_losses, 'dezero_losses': dz_losses, 'max_rel_diff': max_rel}


if __name__ == '__main__':
    main()
