"""Step 54: dropout, and switching between training and test mode.

What it teaches: dropout fights overfitting by zeroing a random fraction of a layer's outputs on
every training step, so that no unit can rely on particular others. dezero uses inverted
dropout: the surviving values are divided by (1 - ratio) during training, so their expected
value is unchanged and nothing has to be rescaled at test time, where dropout does nothing.
`Config.train` holds the mode; `with dezero.test_mode():` switches it off for a block (as
`no_grad()` does for backprop), and `F.dropout` reads it.

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

import dezero
import dezero.functions as F
from dezero import Config


def main():
    np.random.seed(0)
    x = np.ones(10)

    print('Config.train =', Config.train)
    y = F.dropout(x)
    print('training: dropout(ones(10)) =', y)

    with dezero.test_mode():
        print('inside test_mode(): Config.train =', Config.train)
        y = F.dropout(x)
        print('test:     dropout(ones(10)) =', y)
    print('after the block: Config.train =', Config.train)

    y = F.dropout(np.ones(100000), dropout_ratio=0.3)
    print('ratio 0.3 on 100,000 ones: zeroed %.3f, kept values %.4f (= 1/0.7), mean %.4f'
          % ((y.data == 0).mean(), y.data.max(), y.data.mean()))

    # the gradient passes only through the kept elements, with the same scale
    v = dezero.Variable(np.ones(8))
    y = F.dropout(v)
    y.backward()
    print('output  ', y.data)
    print('gradient', v.grad.data)


if __name__ == '__main__':
    main()
