"""CNN and LSTM benchmarks against PyTorch eager (CPU) and a hand-written NumPy CNN."""
import time

import numpy as np

from common import torch_or_skip

N, C, H, W, OC, K, STEPS, LR = 32, 1, 28, 28, 16, 3, 20, 0.01



def _cnn_data():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((N, C, H, W)).astype(np.float32)
    t = rng.integers(0, 10, N)
    return x, t


def _cnn_init():
    rng = np.random.default_rng(1)
    Wc = (rng.standard_normal((OC, C, K, K)) * np.sqrt(1 / (C * K * K))).astype(np.float32)
    bc = np.zeros(OC, np.float32)
    F_in = OC * (H // 2) * (W // 2)
    Wl = (rng.standard_normal((F_in, 10)) * np.sqrt(1 / F_in)).astype(np.float32)
    bl = np.zeros(10, np.float32)
    return Wc, bc, Wl, bl


def cnn_numpy():
    """conv 3x3 pad 1 via im2col, ReLU, 2x2 max pooling, linear, softmax CE; SGD."""
    from numpy.lib.stride_tricks import sliding_window_view
    x, t = _cnn_data()
    Wc, bc, Wl, bl = _cnn_init()
    rows = np.arange(N)
    t0 = time.perf_counter()
    for _ in range(STEPS):
        xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
        win = sliding_window_view(xp, (K, K), axis=(2, 3))          # N, C, H, W, K, K
        col = win.transpose(0, 2, 3, 1, 4, 5).reshape(N * H * W, C * K * K)
        h = col @ Wc.reshape(OC, -1).T + bc                          # N*H*W, OC
        a = np.maximum(h, 0)
        a4 = a.reshape(N, H // 2, 2, W // 2, 2, OC)
        p = a4.max(axis=(2, 4))                                      # N, H/2, W/2, OC
        flat = p.transpose(0, 3, 1, 2).reshape(N, -1)
        z = flat @ Wl + bl
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        se = e.sum(axis=1, keepdims=True)
        loss = -(z[rows, t] - np.log(se[:, 0])).mean()
        gz = e / se
        gz[rows, t] -= 1
        gz /= N
        gWl = flat.T @ gz
        gbl = gz.sum(0)
        gp = (gz @ Wl.T).reshape(N, OC, H // 2, W // 2).transpose(0, 2, 3, 1)
        mask = a4 == p[:, :, None, :, None, :]
        ga = (mask * gp[:, :, None, :, None, :]).reshape(N * H * W, OC)
        ga *= h > 0
        gWc = (ga.T @ col).reshape(OC, C, K, K)
        gbc = ga.sum(0)
        # gradient w.r.t. x (col2im), as a training step of a deeper net would need it
        gcol = (ga @ Wc.reshape(OC, -1)).reshape(N, H, W, C, K, K)
        gx = np.zeros((N, C, H + 2, W + 2), np.float32)
        for i in range(K):
            for j in range(K):
                gx[:, :, i:i + H, j:j + W] += gcol[:, :, :, :, i, j].transpose(0, 3, 1, 2)
        for prm, g in ((Wc, gWc), (bc, gbc), (Wl, gWl), (bl, gbl)):
            prm -= LR * g
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss)}


def cnn_dezero():
    import dezero.functions as F
    import dezero.layers as L
    from dezero import Variable, optimizers
    from dezero.models import Model

    class Net(Model):
        def __init__(self):
            super().__init__()
            self.conv = L.Conv2d(OC, K, stride=1, pad=1)
            self.fc = L.Linear(10)

        def forward(self, x):
            h = F.pooling(F.relu(self.conv(x)), 2, 2)
            return self.fc(F.reshape(h, (len(h), -1)))

    x, t = _cnn_data()
    Wc, bc, Wl, bl = _cnn_init()
    net = Net()
    net(x[:1])
    net.conv.W.data[...] = Wc
    net.fc.W.data[...] = Wl
    opt = optimizers.SGD(LR).setup(net)
    xv = Variable(x)  # the input needs a gradient too, as in the other two versions
    t0 = time.perf_counter()
    for _ in range(STEPS):
        xv.cleargrad()
        loss = F.softmax_cross_entropy(net(xv), t)
        net.cleargrads()
        loss.backward()
        opt.update()
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss.data)}


def cnn_torch():
    torch = torch_or_skip()
    x, t = _cnn_data()
    Wc, bc, Wl, bl = _cnn_init()
    conv = torch.nn.Conv2d(C, OC, K, padding=1)
    fc = torch.nn.Linear(OC * (H // 2) * (W // 2), 10)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor(Wc))
        conv.bias.zero_()
        fc.weight.copy_(torch.tensor(Wl.T))
        fc.bias.zero_()
    params = list(conv.parameters()) + list(fc.parameters())
    opt = torch.optim.SGD(params, lr=LR)
    xt = torch.tensor(x, requires_grad=True)
    tt = torch.tensor(t)
    t0 = time.perf_counter()
    for _ in range(STEPS):
        xt.grad = None
        h = torch.nn.functional.max_pool2d(torch.relu(conv(xt)), 2, 2)
        loss = torch.nn.functional.cross_entropy(fc(h.reshape(len(h), -1)), tt)
        opt.zero_grad()
        loss.backward()
        opt.step()
    return {'time': time.perf_counter() - t0, 'final_loss': float(loss)}


# ---------------------------------------------------------------------------------------------
# LSTM: hidden 100, truncated BPTT of 35 steps over a 1,000-step sine, batch 1, Adam
# ---------------------------------------------------------------------------------------------
T_LEN, BPTT, HID = 1000, 35, 100


def _sine():
    xs = np.sin(np.linspace(0, 8 * np.pi, T_LEN + 1)).astype(np.float32)
    return xs[:-1].reshape(-1, 1, 1), xs[1:].reshape(-1, 1, 1)


def lstm_dezero():
    import dezero.functions as F
    import dezero.layers as L
    from dezero import optimizers
    from dezero.models import Model

    class Net(Model):
        def __init__(self):
            super().__init__()
            self.rnn = L.LSTM(HID)
            self.fc = L.Linear(1)

        def forward(self, x):
            return self.fc(self.rnn(x))

    np.random.seed(0)
    xs, ts = _sine()
    net = Net()
    opt = optimizers.Adam().setup(net)
    t0 = time.perf_counter()
    loss, count = 0, 0
    for x, t in zip(xs, ts):
        loss += F.mean_squared_error(net(x), t)
        count += 1
        if count % BPTT == 0 or count == T_LEN:
            net.cleargrads()
            loss.backward()
            loss.unchain_backward()
            opt.update()
            last = float(loss.data) / BPTT
            loss = 0
    return {'time': time.perf_counter() - t0, 'final_loss': last}


def lstm_torch():
    torch = torch_or_skip()
    torch.manual_seed(0)
    xs, ts = (torch.tensor(a) for a in _sine())
    cell = torch.nn.LSTMCell(1, HID)
    fc = torch.nn.Linear(HID, 1)
    opt = torch.optim.Adam(list(cell.parameters()) + list(fc.parameters()))
    t0 = time.perf_counter()
    state = None
    loss, count = 0, 0
    for x, t in zip(xs, ts):
        state = cell(x, state)
        loss = loss + torch.nn.functional.mse_loss(fc(state[0]), t)
        count += 1
        if count % BPTT == 0 or count == T_LEN:
            opt.zero_grad()
            loss.backward()
            state = (state[0].detach(), state[1].detach())
            opt.step()
            last = float(loss) / BPTT
            loss = 0
    return {'time': time.perf_counter() - t0, 'final_loss': last}


CASES = {
    'cnn': {
        'title': 'CNN step x20: batch 32, 1x28x28, conv 3x3 16ch pad 1, ReLU, 2x2 max pool, '
                 'linear 10, float32, SGD',
        'impls': {'numpy': cnn_numpy, 'dezero': cnn_dezero, 'torch': cnn_torch},
        'baseline': 'torch',
        'notes': ['target: within 1.5x of PyTorch (book ~2.1x); numpy is a hand-written im2col'],
    },
    'lstm': {
        'title': 'LSTM hidden 100, 35-step truncated BPTT over a 1,000-step sine, batch 1, Adam',
        'impls': {'dezero': lstm_dezero, 'torch': lstm_torch},
        'baseline': 'torch',
        'notes': ['target: no slower than PyTorch (book ~4.6x)'],
    },
}
