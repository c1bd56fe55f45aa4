"""The test harness itself: each check must fail on the mistake it exists to catch."""
import numpy as np
import pytest

from dezero import Function, Variable
from helpers import check_function, check_gradient_penalty, check_third_order


class Cube(Function):
    """y = x**3 with a backward that can be made wrong at a chosen order."""

    def __init__(self, mistake=None):
        self.mistake = mistake

    def forward(self, x):
        return x ** 3

    def backward(self, gy):
        x, = self.inputs
        if self.mistake == 'first':
            return gy * 3 * x * x * 1.01
        if self.mistake == 'second':  # right values, but the graph forgets x
            return gy * 3 * Variable(x.data ** 2)
        if self.mistake == 'third':  # (x - x0)**2 vanishes with its slope at x0 = x, but
            # not its curvature: right values and second derivative, wrong third
            return gy * 3 * x * x + gy * (x - Variable(x.data.copy())) ** 2
        return gy * 3 * x * x


def x0():
    return np.array([0.3, -1.2, 0.8])


def test_a_right_backward_passes_every_check():
    check_function(lambda x: Cube()(x), x0())
    check_third_order(lambda x: Cube()(x), x0())
    check_gradient_penalty(lambda x: Cube()(x), x0())


def test_a_wrong_first_derivative_is_caught():
    with pytest.raises(AssertionError, match='first derivative'):
        check_function(lambda x: Cube('first')(x), x0())


def test_a_gradient_graph_that_forgets_x_is_caught_at_second_order():
    check_function(lambda x: Cube('second')(x), x0(), second_order=False)  # values are right
    with pytest.raises(AssertionError, match='second derivative'):
        check_function(lambda x: Cube('second')(x), x0())


def test_a_wrong_third_derivative_is_caught():
    check_function(lambda x: Cube('third')(x), x0())  # first and second are right
    with pytest.raises(AssertionError):
        check_third_order(lambda x: Cube('third')(x), x0())
    with pytest.raises(AssertionError):
        check_gradient_penalty(lambda x: Cube('third')(x), x0())
