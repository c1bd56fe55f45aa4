"""The delta rule: one sigmoid neuron learning a 4-row truth table, by hand and with autograd.

It reproduces a lecture notebook on the simple principle of learning ("DL from scratch").
The neuron is y = sigmoid(W x) with W of shape (1, 3); the inputs are the rows of
X = [[0,0,1], [0,1,1], [1,0,1], [1,1,1]] (the last column acts as a bias) and the targets are
D = [0, 0, 1, 1] (the first input column). W starts uniform in [-1, 1), drawn after `--seed`.
Each epoch visits the four rows in order and updates after each one (stochastic gradient
descent), alpha = 0.9, for 10,000 epochs.

The rule is implemented twice, from the same starting W:
- by hand in NumPy, as the notebook writes it: delta = y (1 - y) (d - y), W += alpha delta x;
- with dezero's autograd: loss = 0.5 (d - y)^2, `loss.backward()`, W -= alpha dL/dW. Since
  dL/dW = -(d - y) y (1 - y) x = -delta x, this is the same update.

What it prints: the starting W (for a random start, with its four outputs); a header and one
row every `--every` epochs and at the last epoch, with the epoch and W from each version side
by side ('-' in the dezero column after `--dezero-epochs`); the largest difference between the
two weight trajectories (rounding only, 1e-14 or less); the targets; and the trained outputs of
each version. With the defaults the outputs are [0.0102 0.0083 0.9932 0.9917]: below 0.02 for
the two 0 targets and above 0.98 for the two 1 targets.

The notebook's random starting W is unknown, but it printed W after every epoch, and each row
fixes the ones after it. `--start original` begins from its first row, [[0.92709098 -0.25823307
-0.40401388]], counted as epoch 1 and printed first: with `--every 1` the next 24 rows are the
notebook's to within its 8 printed digits, and after 10,000 epochs the outputs are the
notebook's, [0.01019741 0.00829294 0.99324297 0.99168827].

    python examples/delta_rule.py [--epochs 10000] [--dezero-epochs N]
                                  [--start random|original] [--seed 0] [--every 1000]
"""
import argparse

import numpy as np

from dezero import Variable
import dezero.functions as F

X = np.array([[0, 0, 1],
              [0, 1, 1],
              [1, 0, 1],
              [1, 1, 1]], dtype=np.float64)
D = np.array([[0], [0], [1], [1]], dtype=np.float64)
ALPHA = 0.9
# W after the first epoch, as the original notebook printed it (its random starting W is unknown)
ORIGINAL_EPOCH_1 = np.array([[0.92709098, -0.25823307, -0.40401388]])


def sigmoid(x):
    """The logistic function on arrays, as the notebook writes it."""
    return 1.0 / (1.0 + np.exp(-x))


def delta_sgd_numpy(W, alpha=ALPHA):
    """One epoch of the hand-written delta rule; returns the new W."""
    for k in range(len(X)):
        x = X[k, :].T
        d = D[k]
        y = sigmoid(np.matmul(W, x))
        delta = y * (1 - y) * (d - y)
        W = W + alpha * delta * x
    return W


def delta_sgd_dezero(W, alpha=ALPHA):
    """One epoch of the same per-sample updates with gradients from dezero; updates W in place."""
    for k in range(len(X)):
        x = X[k, :].reshape(3, 1)  # a column, so that dL/dW = dL/dv @ x.T has W's shape
        d = D[k].reshape(1, 1)
        y = F.sigmoid(F.matmul(W, x))
        loss = 0.5 * F.sum((d - y) ** 2)
        W.cleargrad()
        loss.backward()
        W.data -= alpha * W.grad.data


def outputs(W):
    """The neuron's output for each of the four samples."""
    return sigmoid(X @ W.reshape(3))


def main(argv=None):
    """Train both versions; print the weights, their difference and the outputs; return them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--epochs', type=int, default=10000,
                        help='epochs of the NumPy version (default 10000)')
    parser.add_argument('--dezero-epochs', type=int, default=None,
                        help='epochs of the dezero version (default: the same as --epochs)')
    # 'note' is kept as an older spelling of 'original'
    parser.add_argument('--start', choices=('random', 'original', 'note'), default='random',
                        metavar='{random,original}',
                        help='random: W uniform in [-1, 1) after --seed; original: the W that '
                             'the original notebook printed after its first epoch, counted as '
                             'epoch 1 (default random)')
    parser.add_argument('--seed', type=int, default=0, help='NumPy seed for the initial W')
    parser.add_argument('--every', type=int, default=1000, help='print W every this many epochs')
    args = parser.parse_args(argv)
    dz_epochs = args.epochs if args.dezero_epochs is None else args.dezero_epochs
    if args.epochs < 1 or args.every < 1 or not 0 <= dz_epochs <= args.epochs:
        parser.error(f'need --epochs >= 1, --every >= 1 and 0 <= --dezero-epochs <= --epochs; '
                     f'got {args.epochs}, {args.every}, {dz_epochs}')

    if args.start in ('original', 'note'):
        W0, done = ORIGINAL_EPOCH_1.copy(), 1
        print(f'W after epoch 1 as the original notebook printed it {W0.ravel()}')
    else:
        np.random.seed(args.seed)
        W0, done = 2 * np.random.random((1, 3)) - 1, 0
        print(f'initial W {W0.ravel()}, outputs {outputs(W0)}')

    W_np = W0.copy()
    W_dz = Variable(W0.copy(), name='W')
    max_diff = 0.0
    rows = []  # (epoch, W numpy, W dezero or None) for each printed epoch
    print(f'{"epoch":>6}  {"W (numpy, hand-written rule)":>40}  {"W (dezero autograd)":>40}')
    for epoch in range(done + 1, args.epochs + 1):
        W_np = delta_sgd_numpy(W_np)
        if epoch <= dz_epochs:
            delta_sgd_dezero(W_dz)
            max_diff = max(max_diff, float(np.abs(W_np - W_dz.data).max()))
        if epoch % args.every == 0 or epoch == args.epochs:
            W_shown = W_dz.data.copy() if epoch <= dz_epochs else None
            rows.append((epoch, W_np.copy(), W_shown))
            dz_text = '-' if W_shown is None else np.array2string(W_shown.ravel(), precision=8)
            print(f'{epoch:6d}  {np.array2string(W_np.ravel(), precision=8):>40}  {dz_text:>40}')

    y_np, y_dz = outputs(W_np), outputs(W_dz.data)
    print(f'max |W_numpy - W_dezero| over {dz_epochs} epochs: {max_diff:.3e}')
    print(f'targets           {D.ravel()}')
    print(f'outputs (numpy)   {y_np}')
    print(f'outputs (dezero)  {y_dz}  after {dz_epochs} epochs')
    return {'W_numpy': W_np, 'W_dezero': W_dz.data.copy(), 'outputs_numpy': y_np,
            'outputs_dezero': y_dz, 'max_weight_diff': max_diff, 'dezero_epochs': dz_epochs,
            'rows': rows}


if __name__ == '__main__':
    main()
