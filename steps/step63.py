"""Step 63: finding where a nan comes from with `dezero.detect_anomaly()`.

What it teaches: a nan spreads silently. One bad value in one function turns every gradient
it touches into nan, the optimizer copies it into the weights, and the loss printed many steps
later says only "nan". The classic source is a backward pass, not a forward one: the length
of a vector, sqrt(sum(x**2)), is 0 (finite) at x = 0, but its derivative x / |x| is 0 / 0
there. Backward computes 0.5 * 0**-0.5 = inf for the square root, then inf * 0 = nan for the
square: the forward values are all fine and the gradient is nan. NumPy may print a
RuntimeWarning, but it names a line inside dezero, not the line of yours that made the nan.

`dezero.detect_anomaly()` is a context manager (and a decorator, `@dezero.detect_anomaly()`):
while it is on, dezero checks the result of every forward and every backward, and the first
one that produces nan or inf raises an error that names the function and the file and line of
*your* code that called it, recorded when the function ran forward. Off, it costs nothing.
The script shows the silent nan, finds it with the detector in the backward pass (the square
root of a norm) and in a forward pass (log of a probability that underflowed to 0), and
checks that the usual fix, sqrt(sum(x**2) + eps), gives a finite gradient.

Where it simplifies: the detector makes every operation slower (it checks every array and
records where each function was called), so turn it on to hunt a nan, not for training runs.
"""
import os

import numpy as np

import dezero.functions as F
from dezero import Variable

from dezero import AnomalyError, detect_anomaly


def distance(a, b):
    """Euclidean distance between two points: sqrt(sum((a - b)**2))."""
    return F.sum((a - b) ** 2) ** 0.5


def safe_distance(a, b, eps=1e-12):
    """The same with eps under the root: its gradient is 0, not nan, where a == b."""
    return (F.sum((a - b) ** 2) + eps) ** 0.5


def pairwise_loss(points, dist):
    """Sum of distances from every point to the first one (which includes itself)."""
    return sum(dist(points[i], points[0]) for i in range(len(points)))


def log_likelihood(scores, t):
    """log of the softmax probability of class t, written naively: a probability can
    underflow to 0 (F.log_softmax computes the same stably)."""
    p = F.exp(scores) / F.sum(F.exp(scores))
    return F.log(p[t])


def report(error):
    name = type(error).__name__
    print(f'  caught {name}: {error}')
    here = os.path.basename(__file__)
    print(f'  the message names this script ({here}): {here in str(error)}')


def main():
    points = Variable(np.array([[0.0, 0.0], [3.0, 4.0], [6.0, 8.0]]))
    loss = pairwise_loss(points, distance)
    loss.backward()
    print(f'loss = {float(loss.data)} (finite), gradient of the points:\n{points.grad.data}')
    print('  nan in the first row: the distance from point 0 to itself has no derivative')
    assert np.isnan(points.grad.data).any()

    print('\nthe same backward under dezero.detect_anomaly():')
    points.cleargrad()
    try:
        with detect_anomaly():
            loss = pairwise_loss(points, distance)
            loss.backward()
    except AnomalyError as e:
        report(e)
    else:
        raise AssertionError('detect_anomaly let a nan gradient through')

    print('\na forward that gives -inf, inside a function decorated with @detect_anomaly():')

    @detect_anomaly()
    def classify(scores):
        return -log_likelihood(Variable(scores), 2)

    try:
        classify(np.array([50.0, 0.0, -800.0]))  # exp(-800) underflows to 0: log(0) = -inf
    except AnomalyError as e:
        report(e)
    else:
        raise AssertionError('detect_anomaly let an inf through')

    print('\nthe fix: sqrt(sum((a - b)**2) + eps)')
    points.cleargrad()
    with detect_anomaly():
        loss = pairwise_loss(points, safe_distance)
        loss.backward()
    print(f'loss = {float(loss.data):.6f}, gradient:\n{points.grad.data}')
    assert np.isfinite(points.grad.data).all()


if __name__ == '__main__':
    main()
