"""MNIST-1D: logistic regression, an MLP, a CNN and a GRU, in dezero and (optionally) PyTorch.

MNIST-1D (Greydanus, "Scaling down deep learning", 2020) is a benchmark of 1-D signals of 40
points in 10 classes, small enough for a laptop CPU yet able to tell model families apart. This
script trains the paper's four models with the paper's recipe (Adam, learning rate 1e-2, batch
100 taken in order from the 4,000 training signals, 6,000 steps, cross entropy) for each seed,
and prints a table of the final test accuracy next to the paper's figures (logistic 32%, MLP
68%, CNN 94%, GRU 91%) with the seconds each training run took. When PyTorch is installed the
same models and recipe run in PyTorch too (skip with --no-torch), on the same data.

The models follow the paper's code: logistic is Linear(10); the MLP is Linear(100), ReLU,
Linear(100), ReLU, Linear(10); the CNN is three convolutions of 25 channels (kernel 5 stride 2
pad 1, then kernel 3 stride 2 pad 1 twice) with ReLU and a Linear(10) on the 125 flattened
features (dezero has no 1-D convolution: a Conv2d with (1, k) kernels on (N, 1, 1, 40) is one);
the GRU is bidirectional with 6 hidden units, one cell call per time step, its 40 x 2 x 6
outputs flattened into a Linear(10). Where the paper relies on PyTorch's default initialisation
the dezero models ask for the same one: `L.Linear(..., init='torch')`, PyTorch's uniform draw
for the convolutions, and `L.GRU`'s default (PyTorch's formulation and initialisation).

BLAS runs on one thread (and PyTorch too), so the timings compare the frameworks rather than
the number of cores.

    python examples/mnist1d_models.py [--seeds 0 1 2] [--steps 6000] [--models logistic mlp cnn gru]
                               [--no-torch]
"""
import os

# one BLAS thread, as in the measurements quoted in the table; set before NumPy loads BLAS
for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ.setdefault(_var, '1')

import argparse  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import dezero  # noqa: E402
from dezero import optimizers  # noqa: E402
from dezero.datasets import MNIST1D  # noqa: E402
from dezero.models import Model  # noqa: E402
import dezero.functions as F  # noqa: E402
import dezero.layers as L  # noqa: E402

PAPER = {'logistic': 32.0, 'mlp': 68.0, 'cnn': 94.0, 'gru': 91.0}
MODELS = ('logistic', 'mlp', 'cnn', 'gru')


# ---------------------------------------------------------------------------------------------
# dezero models
# ---------------------------------------------------------------------------------------------
def torch_like_conv(out_channels, in_channels, kernel_size, stride, pad):
    """A Conv2d with PyTorch's default draw: W and b uniform in ±1/sqrt(fan_in)."""
    conv = L.Conv2d(out_channels, kernel_size, stride=stride, pad=pad)
    kh, kw = kernel_size
    bound = 1 / math.sqrt(in_channels * kh * kw)
    conv.in_channels = in_channels
    conv.W.data = np.random.uniform(-bound, bound, (out_channels, in_channels, kh, kw)) \
        .astype(np.float32)
    conv.b.data = np.random.uniform(-bound, bound, out_channels).astype(np.float32)
    return conv


class Logistic(Model):
    def __init__(self):
        super().__init__()
        self.l0 = L.Linear(10, in_size=40, init='torch')

    def forward(self, x):
        return self.l0(x)


class MLP(Model):
    def __init__(self, hidden=100):
        super().__init__()
        self.l0 = L.Linear(hidden, in_size=40, init='torch')
        self.l1 = L.Linear(hidden, in_size=hidden, init='torch')
        self.l2 = L.Linear(10, in_size=hidden, init='torch')

    def forward(self, x):
        return self.l2(F.relu(self.l1(F.relu(self.l0(x)))))


class CNN(Model):
    def __init__(self, channels=25):
        super().__init__()
        self.c0 = torch_like_conv(channels, 1, (1, 5), (1, 2), (0, 1))
        self.c1 = torch_like_conv(channels, channels, (1, 3), (1, 2), (0, 1))
        self.c2 = torch_like_conv(channels, channels, (1, 3), (1, 2), (0, 1))
        self.l0 = L.Linear(10, in_size=channels * 5, init='torch')

    def forward(self, x):
        h = F.reshape(x, (x.shape[0], 1, 1, x.shape[1]))
        h = F.relu(self.c2(F.relu(self.c1(F.relu(self.c0(h))))))
        return self.l0(F.reshape(h, (h.shape[0], -1)))


class BiGRU(Model):
    def __init__(self, hidden=6, steps=40):
        super().__init__()
        self.fwd = L.GRU(hidden, in_size=1)
        self.bwd = L.GRU(hidden, in_size=1)
        self.l0 = L.Linear(10, in_size=2 * hidden * steps, init='torch')

    def forward(self, x):
        x = x.data if isinstance(x, dezero.Variable) else x
        T = x.shape[1]
        # plain contiguous arrays: no graph nodes for the slices
        xs = [np.ascontiguousarray(x[:, t:t + 1]) for t in range(T)]
        self.fwd.reset_state()
        self.bwd.reset_state()
        hf = [self.fwd(xt) for xt in xs]
        hb = [self.bwd(xt) for xt in reversed(xs)][::-1]
        # PyTorch's (N, T, 2H) output flattened: for each t, forward then backward state
        h = F.concat([h for t in range(T) for h in (hf[t], hb[t])], axis=1)
        return self.l0(h)


DEZERO_MODELS = {'logistic': Logistic, 'mlp': MLP, 'cnn': CNN, 'gru': BiGRU}


def run_dezero(name, seed, data, steps, batch_size=100, lr=1e-2):
    """Train one dezero model; returns (final test accuracy in %, training seconds)."""
    x, t, x_test, t_test = data
    np.random.seed(seed)
    model = DEZERO_MODELS[name]()
    optimizer = optimizers.Adam(alpha=lr).setup(model)
    start = time.perf_counter()
    for step in range(steps):
        i = (step * batch_size) % len(x)
        loss = F.softmax_cross_entropy(model(x[i:i + batch_size]), t[i:i + batch_size])
        model.cleargrads()
        loss.backward()
        optimizer.update()
    seconds = time.perf_counter() - start
    with dezero.test_mode(), dezero.no_grad():
        acc = float(F.accuracy(model(x_test), t_test).data)
    return 100 * acc, seconds


# ---------------------------------------------------------------------------------------------
# The same in PyTorch (the paper's models)
# ---------------------------------------------------------------------------------------------
def torch_models():
    import torch
    nn = torch.nn

    class TorchCNN(nn.Module):
        def __init__(self, channels=25):
            super().__init__()
            self.c0 = nn.Conv1d(1, channels, 5, stride=2, padding=1)
            self.c1 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
            self.c2 = nn.Conv1d(channels, channels, 3, stride=2, padding=1)
            self.l0 = nn.Linear(channels * 5, 10)

        def forward(self, x):
            h = x.view(-1, 1, x.shape[-1])
            h = self.c2(self.c1(self.c0(h).relu()).relu()).relu()
            return self.l0(h.view(h.shape[0], -1))

    class TorchGRU(nn.Module):
        def __init__(self, hidden=6, steps=40):
            super().__init__()
            self.gru = nn.GRU(1, hidden, batch_first=True, bidirectional=True)
            self.l0 = nn.Linear(2 * hidden * steps, 10)

        def forward(self, x):
            h, _ = self.gru(x.view(*x.shape[:2], 1))
            return self.l0(h.reshape(h.shape[0], -1))

    return {'logistic': lambda: nn.Linear(40, 10),
            'mlp': lambda: nn.Sequential(nn.Linear(40, 100), nn.ReLU(), nn.Linear(100, 100),
                                         nn.ReLU(), nn.Linear(100, 10)),
            'cnn': TorchCNN, 'gru': TorchGRU}


def run_torch(name, seed, data, steps, batch_size=100, lr=1e-2):
    """Train one PyTorch model with the same recipe; returns (test accuracy in %, seconds)."""
    import torch
    torch.set_num_threads(1)
    x, t, x_test, t_test = (torch.from_numpy(a) for a in data)
    torch.manual_seed(seed)
    model = torch_models()[name]()
    optimizer = torch.optim.Adam(model.parameters(), lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    start = time.perf_counter()
    for step in range(steps):
        i = (step * batch_size) % len(x)
        loss = loss_fn(model(x[i:i + batch_size]), t[i:i + batch_size])
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        acc = (model(x_test).argmax(1) == t_test).float().mean().item()
    return 100 * acc, seconds


# ---------------------------------------------------------------------------------------------
def _row(name, paper, runs):
    accs = [a for a, _ in runs]
    secs = [s for _, s in runs]
    cells = ' '.join(f'{a:5.1f}' for a in accs)
    return f'{name:<9} {paper:5.0f}  {cells}  {np.mean(accs):5.1f}  {np.mean(secs):6.1f}'


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2])
    parser.add_argument('--steps', type=int, default=6000)
    parser.add_argument('--models', nargs='+', choices=MODELS, default=list(MODELS))
    parser.add_argument('--no-torch', action='store_true', help='skip the PyTorch runs')
    args = parser.parse_args(argv)

    train, test = MNIST1D(train=True), MNIST1D(train=False)
    data = (train.data, train.label, test.data, test.label)
    frameworks = [('dezero', run_dezero)]
    if not args.no_torch:
        try:
            import torch  # noqa: F401
            frameworks.append(('torch', run_torch))
        except ImportError:
            print('PyTorch is not installed: only the dezero runs are shown')

    results = {}
    seeds = ' '.join(f'{"s" + str(s):>5}' for s in args.seeds)
    print(f'MNIST-1D test accuracy (%) after {args.steps} steps (Adam 1e-2, batch 100); '
          f'paper = Greydanus (2020)')
    for fw, run in frameworks:
        print(f'\n{fw}:')
        print(f'{"model":<9} {"paper":>5}  {seeds}  {"mean":>5}  {"s/run":>6}')
        for name in args.models:
            runs = [run(name, seed, data, args.steps) for seed in args.seeds]
            results[(fw, name)] = runs
            print(_row(name, PAPER[name], runs), flush=True)
    if len(frameworks) == 2:
        print('\ndezero - torch (mean accuracy, points) and dezero / torch (seconds per run):')
        for name in args.models:
            d, t = results[('dezero', name)], results[('torch', name)]
            gap = np.mean([a for a, _ in d]) - np.mean([a for a, _ in t])
            ratio = np.mean([s for _, s in d]) / np.mean([s for _, s in t])
            print(f'{name:<9} {gap:+5.1f}  {ratio:5.2f}x')
    return results


if __name__ == '__main__':
    main()
