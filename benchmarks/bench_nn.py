"""Neural-network benchmarks: the book's step-43 loop, the spiral MLP, an MNIST-shaped MLP."""
import time

import numpy as np

from common import torch_or_skip


# ---------------------------------------------------------------------------------------------
# step 43: a 1-10-1 network fit to a noisy sine, plain gradient descent, float64
# ---------------------------------------------------------------------------------------------
def _step43_data():
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)
    W1 = 0.01 * np.random.randn(1, 10)
    b1 = np.zeros(10)
    W2 = 0.01 * np.random.randn(10, 1)
    b2 = np.zeros(1)
    return x, y, W1, b1, W2, b2


def step43_numpy(iters=10000, lr=0.2):
    x, t, W1, b1, W2, b2 = _step43_data()
    t0 = time.perf_counter()
    n = len(x)
    for _ in range(iters):
        h = x.dot(W1)
        h += b1
        s = np.tanh(h * 0.5) * 0.5 + 0.5
        y = s.dot(W2)
        y += b2
        diff = t - y
        loss = (diff ** 2).sum() / n
        gy = diff * (-2.0 / n)
        gW2 = s.T.dot(gy)
        gb2 = gy.sum(axis=0)
        gs = gy.dot(W2.T)
        gh = gs * s * (1 - s)
        gW1 = x.T.dot(gh)
        gb1 = gh.sum(axis=0)
        W1 -= lr * gW1
        b1 -= lr * gb1
        W2 -= lr * gW2
        b2 -= lr * gb2
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss)}


def step43_dezero(iters=10000, lr=0.2):
    import dezero.functions as F
    from dezero import Variable
    x, y, W1, b1, W2, b2 = _step43_data()
    W1, b1, W2, b2 = Variable(W1), Variable(b1), Variable(W2), Variable(b2)
    params = (W1, b1, W2, b2)
    t0 = time.perf_counter()
    for _ in range(iters):
        h = F.sigmoid(F.linear(x, W1, b1))
        y_pred = F.linear(h, W2, b2)
        loss = F.mean_squared_error(y, y_pred)
        for p in params:
            p.cleargrad()
        loss.backward()
        for p in params:
            p.data -= lr * p.grad.data
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss.data)}


def step43_torch(iters=10000, lr=0.2):
    torch = torch_or_skip()
    x, y, W1, b1, W2, b2 = (torch.tensor(a) for a in _step43_data())
    params = [p.requires_grad_() for p in (W1, b1, W2, b2)]
    t0 = time.perf_counter()
    for _ in range(iters):
        h = torch.sigmoid(x @ W1 + b1)
        loss = ((y - (h @ W2 + b2)) ** 2).sum() / len(x)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss)}



# ---------------------------------------------------------------------------------------------
# spiral: MLP((30, 3)) with sigmoid, softmax cross entropy, SGD lr 1, batch 30, 100 epochs
# ---------------------------------------------------------------------------------------------
EPOCHS, BATCH, HIDDEN, LR = 100, 30, 30, 1.0


def _spiral():
    from dezero.datasets import get_spiral
    return get_spiral(train=True)


def _init_mlp(sizes, dtype=np.float32):
    """Weights as dezero's Linear draws them: randn(in, out) * sqrt(1 / in), zero biases."""
    params = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        W = np.random.randn(n_in, n_out).astype(dtype) * np.dtype(dtype).type(np.sqrt(1 / n_in))
        params += [W, np.zeros(n_out, dtype=dtype)]
    return params


def spiral_numpy():
    x, t = _spiral()
    np.random.seed(0)
    W1, b1, W2, b2 = _init_mlp([2, HIDDEN, 3])
    n = len(x)
    t0 = time.perf_counter()
    for _ in range(EPOCHS):
        index = np.random.permutation(n)
        for i in range(n // BATCH):
            idx = index[i * BATCH:(i + 1) * BATCH]
            bx, bt = x[idx], t[idx]
            h = bx @ W1 + b1
            s = np.tanh(h * 0.5) * 0.5 + 0.5
            z = s @ W2 + b2
            m = z.max(axis=1, keepdims=True)
            e = np.exp(z - m)
            se = e.sum(axis=1, keepdims=True)
            logp = z - m - np.log(se)
            loss = -logp[np.arange(BATCH), bt].sum() / BATCH
            gz = e / se
            gz[np.arange(BATCH), bt] -= 1
            gz /= BATCH
            gW2 = s.T @ gz
            gb2 = gz.sum(axis=0)
            gh = (gz @ W2.T) * s * (1 - s)
            gW1 = bx.T @ gh
            gb1 = gh.sum(axis=0)
            for p, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
                p -= LR * g
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss)}


def spiral_dezero():
    import dezero.functions as F
    from dezero import optimizers
    from dezero.models import MLP
    x, t = _spiral()
    np.random.seed(0)
    model = MLP((HIDDEN, 3))
    model(x[:1])  # draw the lazily shaped weights now, in the same order as the numpy version
    opt = optimizers.SGD(LR).setup(model)
    n = len(x)
    t0 = time.perf_counter()
    for _ in range(EPOCHS):
        index = np.random.permutation(n)
        for i in range(n // BATCH):
            idx = index[i * BATCH:(i + 1) * BATCH]
            loss = F.softmax_cross_entropy(model(x[idx]), t[idx])
            model.cleargrads()
            loss.backward()
            opt.update()
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss.data)}


def spiral_torch():
    torch = torch_or_skip()
    x, t = _spiral()
    x, t = torch.tensor(x), torch.tensor(t, dtype=torch.long)
    model = torch.nn.Sequential(torch.nn.Linear(2, HIDDEN), torch.nn.Sigmoid(),
                                torch.nn.Linear(HIDDEN, 3))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    n = len(x)
    np.random.seed(0)
    t0 = time.perf_counter()
    for _ in range(EPOCHS):
        index = torch.tensor(np.random.permutation(n))
        for i in range(n // BATCH):
            idx = index[i * BATCH:(i + 1) * BATCH]
            loss = torch.nn.functional.cross_entropy(model(x[idx]), t[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss)}


# ---------------------------------------------------------------------------------------------
# MNIST shape: 784-1000-10, ReLU, float32, batch 100, one epoch of 6,000 synthetic samples
# ---------------------------------------------------------------------------------------------
N_MNIST, MB, MLR = 6000, 100, 0.1


def _mnist_data():
    rng = np.random.default_rng(0)
    x = rng.random((N_MNIST, 784), dtype=np.float32)
    t = rng.integers(0, 10, N_MNIST)
    return x, t


def _mnist_numpy_epoch(x, t, params):
    W1, b1, W2, b2 = params
    rows = np.arange(MB)
    for i in range(N_MNIST // MB):
        bx, bt = x[i * MB:(i + 1) * MB], t[i * MB:(i + 1) * MB]
        h = bx @ W1
        h += b1
        a = np.maximum(h, 0)
        z = a @ W2
        z += b2
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        se = e.sum(axis=1, keepdims=True)
        loss = -(z[rows, bt] - np.log(se[:, 0])).sum() / MB
        gz = e / se
        gz[rows, bt] -= 1
        gz /= MB
        gW2 = a.T @ gz
        gb2 = gz.sum(axis=0)
        ga = gz @ W2.T
        ga *= h > 0
        gW1 = bx.T @ ga
        gb1 = ga.sum(axis=0)
        for p, g in ((W1, gW1), (b1, gb1), (W2, gW2), (b2, gb2)):
            p -= MLR * g
    return float(loss)


def _mnist_dezero_epoch(x, t, model, opt):
    import dezero.functions as F
    for i in range(N_MNIST // MB):
        loss = F.softmax_cross_entropy(model(x[i * MB:(i + 1) * MB]), t[i * MB:(i + 1) * MB])
        model.cleargrads()
        loss.backward()
        opt.update()
    return loss


def _mnist_dezero_model():
    import dezero.functions as F
    from dezero import optimizers
    from dezero.models import MLP
    np.random.seed(0)
    model = MLP((1000, 10), activation=F.relu)
    return model, optimizers.SGD(MLR).setup(model)


def mnist_numpy():
    x, t = _mnist_data()
    np.random.seed(0)
    params = _init_mlp([784, 1000, 10])
    t0 = time.perf_counter()
    loss = _mnist_numpy_epoch(x, t, params)
    return {'time': time.perf_counter() - t0, 'final_loss': loss}


def mnist_dezero():
    x, t = _mnist_data()
    model, opt = _mnist_dezero_model()
    model(x[:1])  # draw the lazily shaped weights before timing, as numpy has them already
    model.cleargrads()
    t0 = time.perf_counter()
    loss = _mnist_dezero_epoch(x, t, model, opt)
    elapsed = time.perf_counter() - t0
    dtypes = {p.data.dtype for p in model.params()} | {p.grad.data.dtype for p in model.params()}
    return {'time': elapsed, 'final_loss': float(loss.data),
            'float32_end_to_end': float(dtypes == {np.dtype(np.float32)} and
                                        loss.dtype == np.float32)}


def mnist_torch():
    torch = torch_or_skip()
    x, t = _mnist_data()
    x, t = torch.tensor(x), torch.tensor(t)
    model = torch.nn.Sequential(torch.nn.Linear(784, 1000), torch.nn.ReLU(),
                                torch.nn.Linear(1000, 10))
    opt = torch.optim.SGD(model.parameters(), lr=MLR)
    t0 = time.perf_counter()
    for i in range(N_MNIST // MB):
        loss = torch.nn.functional.cross_entropy(model(x[i * MB:(i + 1) * MB]),
                                                 t[i * MB:(i + 1) * MB])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss)}


def _peak(run):
    """Peak traced memory (NumPy buffers included) of `run()` above what existed before."""
    import tracemalloc
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    run()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak - base


def mnist_memory_numpy():
    x, t = _mnist_data()
    np.random.seed(0)
    params = _init_mlp([784, 1000, 10])
    return {'peak_mem': _peak(lambda: _mnist_numpy_epoch(x, t, params))}


def mnist_memory_dezero():
    x, t = _mnist_data()
    model, opt = _mnist_dezero_model()
    model(x[:1])  # create the lazily shaped weights before measuring, as numpy has them
    model.cleargrads()
    return {'peak_mem': _peak(lambda: _mnist_dezero_epoch(x, t, model, opt))}


CASES = {
    'step43': {
        'title': 'step-43 loop: 1-10-1 net, 10,000 iterations of gradient descent, float64',
        'impls': {'numpy': step43_numpy, 'dezero': step43_dezero, 'torch': step43_torch},
        'notes': ['target: within 2.0x of numpy (book ~4.3x, PyTorch ~3.6x)'],
    },
    'spiral': {
        'title': 'spiral MLP((30, 3)), sigmoid, SGD lr 1.0, batch 30, 100 epochs',
        'impls': {'numpy': spiral_numpy, 'dezero': spiral_dezero, 'torch': spiral_torch},
        'notes': ['target: within 2.0x of numpy (book ~4.5x, PyTorch ~2.8x)'],
    },
    'mnist_mlp': {
        'title': 'MLP 784-1000-10, ReLU, float32, batch 100, one epoch of 6,000 samples',
        'impls': {'numpy': mnist_numpy, 'dezero': mnist_dezero, 'torch': mnist_torch},
        'notes': ['target: within 1.1x of numpy (book ~2.8x, PyTorch ~1.25x)'],
    },
    'mnist_mlp_memory': {
        'title': 'peak memory of the MNIST-shaped epoch (tracemalloc, NumPy buffers included)',
        'impls': {'numpy': mnist_memory_numpy, 'dezero': mnist_memory_dezero},
        'notes': ['target: within 1.2x of numpy'],
    },
}
