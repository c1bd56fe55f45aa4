"""Core autograd benchmarks: a long scalar chain and a wide graph of many branches."""
import time

import numpy as np

from common import torch_or_skip

N_CHAIN = 20000
C = np.array(0.9999)  # the constant of every link, a 0-d array on both sides


def chain_numpy():
    """y = y * c + 0, 20,000 times on 0-d arrays; backward: one multiply per link."""
    t0 = time.perf_counter()
    y = np.array(1.0001)
    for _ in range(N_CHAIN):
        y = y * C + 0
    g = np.ones_like(y)
    for _ in range(N_CHAIN):
        g = g * C
    return time.perf_counter() - t0


def chain_dezero():
    from dezero import Variable
    t0 = time.perf_counter()
    x = Variable(np.array(1.0001))
    y = x
    for _ in range(N_CHAIN):
        y = y * C + 0
    y.backward()
    return time.perf_counter() - t0


def chain_torch():
    torch = torch_or_skip()
    c = torch.tensor(0.9999, dtype=torch.float64)
    t0 = time.perf_counter()
    x = torch.tensor(1.0001, dtype=torch.float64, requires_grad=True)
    y = x
    for _ in range(N_CHAIN):
        y = y * c + 0
    y.backward()
    return time.perf_counter() - t0



def _branches_numpy(n):
    rng = np.random.default_rng(0)
    xs = [rng.standard_normal(16) for _ in range(n)]
    t0 = time.perf_counter()
    sins = [np.sin(x) for x in xs]
    acc = sins[0] * xs[0]
    for s, x in zip(sins[1:], xs[1:]):
        acc = acc + s * x
    y = acc.sum()
    t1 = time.perf_counter()
    g = np.ones_like(acc)
    grads = [g * x * np.cos(x) + g * s for s, x in zip(sins, xs)]
    t2 = time.perf_counter()
    assert np.isfinite(y) and len(grads) == n
    return {'time': t2 - t0, 'time_backward_per_branch': (t2 - t1) / n}


def _branches_dezero(n):
    import dezero.functions as F
    from dezero import Variable
    rng = np.random.default_rng(0)
    xs = [Variable(rng.standard_normal(16)) for _ in range(n)]
    t0 = time.perf_counter()
    acc = F.sin(xs[0]) * xs[0]
    for x in xs[1:]:
        acc = acc + F.sin(x) * x
    y = F.sum(acc)
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return {'time': t2 - t0, 'time_backward_per_branch': (t2 - t1) / n}


def _branches_torch(n):
    torch = torch_or_skip()
    rng = np.random.default_rng(0)
    xs = [torch.tensor(rng.standard_normal(16), requires_grad=True) for _ in range(n)]
    t0 = time.perf_counter()
    acc = torch.sin(xs[0]) * xs[0]
    for x in xs[1:]:
        acc = acc + torch.sin(x) * x
    y = acc.sum()
    t1 = time.perf_counter()
    y.backward()
    t2 = time.perf_counter()
    return {'time': t2 - t0, 'time_backward_per_branch': (t2 - t1) / n}


def _per_branch_totals(branches, order):
    """Backward time per branch at each size of `order`, summed over the times it occurs, in
    one process after a 4,000-branch graph has been built and dropped: the steady state of a
    loop that builds a graph per step, not the first touch of fresh memory that the separate
    `branches_*` cases include."""
    branches(4000)
    totals = dict.fromkeys(order, 0.0)
    for n in order:
        totals[n] += branches(n)['time_backward_per_branch']
    return totals


def _branch_scaling(branches):
    """Backward per branch at 4,000 branches over the same at 1,000.

    The two sizes alternate 1000, 4000, 4000, 1000 twice, so a drift of the machine's speed
    during the run weighs on both alike. A ratio above 1 is extra cost per branch in the bigger
    graph; a quadratic walk would show about 4.
    """
    totals = _per_branch_totals(branches, (1000, 4000, 4000, 1000) * 2)
    return {'time_backward_per_branch_1000': totals[1000] / 4,
            'time_backward_per_branch_4000': totals[4000] / 4,
            'per_branch_4000_over_1000': totals[4000] / totals[1000]}


SWEEP = (250, 1000, 4000, 16000)


def _branch_sweep(branches):
    """Backward per branch at 250 to 16,000 branches, each over the same at 1,000.

    The sizes run up and then down three times. A linear walk keeps every ratio near 1 (what
    moves it is where the graph sits in the caches); a quadratic one would give about 0.25,
    4 and 16.
    """
    totals = _per_branch_totals(branches, (SWEEP + SWEEP[::-1]) * 3)
    return {f'per_branch_{n}_over_1000': totals[n] / totals[1000]
            for n in SWEEP if n != 1000}


def chain_million():
    """1,000,000 links forward and backward, then the graph is dropped: memory must return."""
    from dezero import Variable
    t0 = time.perf_counter()
    base = _rss()
    x = Variable(np.array(1.0))
    y = x
    for _ in range(1_000_000):
        y = y * 1.0 + 0
    y.backward()
    held = _rss()
    del y
    after = _rss()
    ok = x.grad.data == 1.0
    return {'time': time.perf_counter() - t0, 'mem_graph': held - base,
            'mem_after_delete': after - base, 'grad_ok': float(ok)}


def chain_million_numpy():
    t0 = time.perf_counter()
    base = _rss()
    ys = []
    y = np.array(1.0)
    for _ in range(1_000_000):
        ys.append(y)
        y = y * 1.0 + 0
    g = np.ones_like(y)
    for _ in range(1_000_000):
        g = g * 1.0
    held = _rss()
    del ys
    after = _rss()
    return {'time': time.perf_counter() - t0, 'mem_graph': held - base,
            'mem_after_delete': after - base}


def _rss():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * 4096


CASES = {
    'chain': {
        'title': f'{N_CHAIN} links y = y * c + 0 on a 0-d float64 value, forward + backward',
        'impls': {'numpy': chain_numpy, 'dezero': chain_dezero, 'torch': chain_torch},
        'notes': ['target: dezero within 3x of numpy (book framework ~15x, PyTorch ~5x)'],
    },
    'branches_1000': {
        'title': '1,000 branches sin(x_i) * x_i (16 elements each) summed into one output',
        'impls': {'numpy': lambda: _branches_numpy(1000), 'dezero': lambda: _branches_dezero(1000),
                  'torch': lambda: _branches_torch(1000)},
    },
    'branches_4000': {
        'title': '4,000 branches sin(x_i) * x_i (16 elements each) summed into one output',
        'impls': {'numpy': lambda: _branches_numpy(4000), 'dezero': lambda: _branches_dezero(4000),
                  'torch': lambda: _branches_torch(4000)},
        'notes': ['targets: within 5x of numpy (book ~40x); backward per branch no higher than '
                  'with 1,000 branches'],
    },
    'branches_scaling': {
        'title': 'backward per branch, 4,000 branches over 1,000, alternating in one warmed process',
        'impls': {'numpy': lambda: _branch_scaling(_branches_numpy),
                  'dezero': lambda: _branch_scaling(_branches_dezero),
                  'torch': lambda: _branch_scaling(_branches_torch)},
        'notes': ['target: dezero per_branch_4000_over_1000 at 1 (no more per branch); the '
                  'hand-written numpy shows what the caches alone add'],
    },
    'branches_sweep': {
        'title': 'backward per branch, 250 to 16,000 branches over 1,000, in one warmed process',
        'impls': {'numpy': lambda: _branch_sweep(_branches_numpy),
                  'dezero': lambda: _branch_sweep(_branches_dezero)},
        'notes': ['target: every dezero ratio near 1 (linear); a quadratic walk: 0.25 / 4 / 16'],
    },
    'chain_million': {
        'title': '1,000,000-link chain forward + backward, then deleted (memory must return)',
        'impls': {'numpy': chain_million_numpy, 'dezero': chain_million},
    },
}
