"""Step 28: minimising the Rosenbrock function by gradient descent.

What it teaches: the gradient says which way is uphill, so repeatedly stepping a little the
other way, x <- x - lr * grad, walks downhill. Rosenbrock's function
y = 100 (x1 - x0**2)**2 + (1 - x0)**2 has its minimum at (1, 1) at the bottom of a long, flat,
curved valley: from (0, 2) gradient descent reaches the valley quickly and then crawls along it,
ending near (0.99, 0.99) after 10,000 steps. Each step clears the gradients first, because
backward accumulates into `.grad`; the update changes `.data` directly so it is not recorded in
any graph.

Where it simplifies: the update is written by hand; `dezero.optimizers` (SGD, Adam, ...) does
it for every parameter of a model.
"""
import numpy as np

from dezero import Variable


def rosenbrock(x0, x1):
    """Rosenbrock's banana function: minimum 0 at (1, 1)."""
    return 100 * (x1 - x0 ** 2) ** 2 + (1 - x0) ** 2


def main():
    x0 = Variable(np.array(0.0))
    x1 = Variable(np.array(2.0))
    lr = 0.001
    iters = 10000

    for i in range(iters + 1):
        y = rosenbrock(x0, x1)
        if i % (iters // 10) == 0:
            print(f'step {i:5d}: x = ({float(x0.data):.5f}, {float(x1.data):.5f})   '
                  f'y = {float(y.data):.6f}')
        if i == iters:
            break
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        x0.data -= lr * x0.grad.data
        x1.data -= lr * x1.grad.data

    print(f'after {iters} steps: ({float(x0.data):.5f}, {float(x1.data):.5f}); '
          f'the minimum is at (1, 1)')


if __name__ == '__main__':
    main()
