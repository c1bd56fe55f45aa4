"""Step 47: softmax and cross entropy for classification.

What it teaches: for multi-class classification a network outputs one score per class.
`F.softmax` turns each row of scores into probabilities (positive, summing to one), and the
loss is the cross entropy between those probabilities and the true class: the mean of
-log p[t] over the batch. `F.softmax_cross_entropy(y, t)` takes the raw scores and integer labels
and computes both in one numerically stable function (through log-sum-exp), with the simple
backward (softmax(y) - onehot(t)) / N. `get_item` (indexing with `x[idx]`) also differentiates,
scattering the gradient back to the selected elements.

Where it simplifies: nothing; `softmax_simple` and `softmax_cross_entropy_simple` show the
step-by-step versions built from exp, sum and log, and agree with the fused functions here.
"""
import numpy as np

import dezero.functions as F
from dezero import Variable
from dezero.models import MLP


def main():
    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    y = x[1]
    y.backward()
    print('x[1] =', y, '; its gradient lands on row 1:')
    print(x.grad)
    x.cleargrad()
    y = F.get_item(x, np.array([0, 0, 1]))
    y.backward()
    print('rows [0, 0, 1] selected: row 0 gets its gradient twice:')
    print(x.grad)

    np.random.seed(0)
    model = MLP((10, 3))
    x = np.array([[0.2, -0.4], [0.3, 0.5], [1.3, -3.2], [2.1, 0.3]])
    t = np.array([2, 0, 1, 0])
    y = model(x)
    p = F.softmax(y)
    print('scores:')
    print(y)
    print('softmax probabilities (rows sum to', p.data.sum(axis=1), '):')
    print(p)

    loss = F.softmax_cross_entropy(y, t)
    loss.backward()
    print('cross-entropy loss:', loss)
    by_hand = -np.log(p.data[np.arange(len(t)), t]).mean()
    print('by hand, mean of -log p[t]: %.12f' % by_hand)
    print('simple versions agree:',
          np.allclose(F.softmax_simple(y).data, p.data),
          np.allclose(F.softmax_cross_entropy_simple(y, t).data, loss.data))
    print('gradient of the first layer W:', model.l0.W.grad.shape)


if __name__ == '__main__':
    main()
