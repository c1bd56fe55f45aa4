"""Step 46: optimizers update the parameters.

What it teaches: the update rule moves out of the training loop into an `Optimizer`:
`optimizer = optimizers.SGD(lr).setup(model)` binds it to a model, and `optimizer.update()`
updates every parameter that has a gradient. Swapping the rule is one line: `MomentumSGD` keeps
a velocity per parameter, v = momentum * v - lr * grad, W += v, which speeds up progress along
directions where the gradient keeps its sign. The same MLP and data as step 45 are trained with
SGD for the book's 10,000 iterations, then both rules are compared for 2,000 iterations from the
same initial weights.

Where it simplifies: nothing; this uses the final package.
"""
import numpy as np

import dezero.functions as F
from dezero import optimizers
from dezero.models import MLP


def train(model, optimizer, x, y, iters, every):
    """Run `iters` updates; print the loss every `every` iterations; return the last loss."""
    for i in range(iters):
        y_pred = model(x)
        loss = F.mean_squared_error(y, y_pred)
        model.cleargrads()
        loss.backward()
        optimizer.update()
        if every and i % every == 0:
            print(loss)
    return loss.data.item()


def main():
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = np.sin(2 * np.pi * x) + np.random.rand(100, 1)

    lr = 0.2
    model = MLP((10, 1))
    optimizer = optimizers.SGD(lr).setup(model)
    train(model, optimizer, x, y, iters=10000, every=1000)

    results = {}
    for name, make in (('SGD(lr=0.2)', lambda: optimizers.SGD(0.2)),
                       ('MomentumSGD(lr=0.2, momentum=0.9)', lambda: optimizers.MomentumSGD(0.2))):
        np.random.seed(1)  # same initial weights for both rules
        model = MLP((10, 1))
        results[name] = train(model, make().setup(model), x, y, iters=2000, every=0)
    for name, loss in results.items():
        print(f'{name:36s} loss after 2000 iterations: {loss:.5f}')


if __name__ == '__main__':
    main()
