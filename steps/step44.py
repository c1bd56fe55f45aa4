"""Step 44: Parameter and Layer.

What it teaches: a `Parameter` is a Variable marked as something to learn. A `Layer` collects the
Parameters (and sub-Layers) assigned to its attributes, in assignment order, so `params()` and
`cleargrads()` reach all of them without a hand-kept list. `L.Linear(out_size)` holds W and b
and creates W only on its first call, when it sees the input size; W is drawn as
randn(in, out) * sqrt(1 / in). Step 43's network rewritten with two Linear layers trains the same
way.

Where it simplifies: the update is still written by hand (optimizers come in step 46).
"""
import numpy as np

import dezero.functions as F
import dezero.layers as L
from dezero import Parameter, Variable


def main():
    layer = L.Layer()
    layer.p1 = Parameter(np.array(1.0))
    layer.p2 = Parameter(np.array(2.0))
    layer.p3 = Variable(np.array(3.0))  # a plain Variable is not a parameter
    layer.p4 = 'test'
    print('a Layer collects only its Parameters, in assignment order:',
          [p.data.item() for p in layer.params()])

    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

    l1 = L.Linear(10)
    l2 = L.Linear(1)
    print('before the first call l1.W is', l1.W.data, '(created lazily from the input size)')

    def predict(x):
        return l2(F.sigmoid(l1(x)))

    lr = 0.2
    iters = 10000
    for i in range(iters):
        y_pred = predict(x)
        loss = F.mean_squared_error(y, y_pred)
        l1.cleargrads()
        l2.cleargrads()
        loss.backward()
        for layer in (l1, l2):
            for p in layer.params():
                p.data -= lr * p.grad.data
        if i % 1000 == 0:
            print(loss)
    print('l1.W', l1.W.shape, 'l1.b', l1.b.shape, 'l2.W', l2.W.shape, 'l2.b', l2.b.shape)


if __name__ == '__main__':
    main()
