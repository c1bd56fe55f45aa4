"""Step 42: linear regression with gradient descent.

What it teaches: with tensors, matmul and broadcasting in place, fitting a model is a loop of
forward (prediction and loss), backward (gradients of the loss), and an update of every
parameter against its gradient. The data is y = 5 + 2x plus uniform noise in [0, 1), so the
least-squares line is about y = 5.5 + 2x; 100 steps of gradient descent with lr 0.1 from zero
weights get close to it. The loss is the mean squared error.

Where it simplifies: the parameters are bare Variables updated by hand; steps 44-46 move them
into layers and optimizers. The figure (data and fitted line) is saved to step42.png.
"""
import os

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import dezero.functions as F  # noqa: E402
from dezero import Variable  # noqa: E402


def main():
    np.random.seed(0)
    x = np.random.rand(100, 1)
    y = 5 + 2 * x + np.random.rand(100, 1)

    W = Variable(np.zeros((1, 1)))
    b = Variable(np.zeros(1))

    def predict(x):
        return F.matmul(x, W) + b

    lr = 0.1
    iters = 100
    for i in range(iters):
        y_pred = predict(x)
        loss = F.mean_squared_error(y, y_pred)
        W.cleargrad()
        b.cleargrad()
        loss.backward()
        W.data -= lr * W.grad.data
        b.data -= lr * b.grad.data
        if i % 10 == 0 or i == iters - 1:
            print(f'iter {i:3d}: W = {W.data.item():.4f}, b = {b.data.item():.4f}, loss = {loss}')

    # least squares in closed form, for comparison
    A = np.hstack([x, np.ones_like(x)])
    w_ls, b_ls = np.linalg.lstsq(A, y, rcond=None)[0].ravel()
    print(f'after {iters} steps: y = {W.data.item():.4f} x + {b.data.item():.4f}'
          f'   (least squares: y = {w_ls:.4f} x + {b_ls:.4f})')

    fig, ax = plt.subplots()
    ax.scatter(x.ravel(), y.ravel(), s=10, label='data')
    line_x = np.array([[0.0], [1.0]])
    ax.plot(line_x.ravel(), predict(line_x).data.ravel(), 'r-', label='fitted line')
    ax.set_xlabel('x')
    ax.set_ylabel('y')
    ax.legend()
    path = os.path.abspath('step42.png')
    fig.savefig(path)
    plt.close(fig)
    print('saved', path)


if __name__ == '__main__':
    main()
