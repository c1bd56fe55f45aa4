"""Step 01: a Variable is a box that holds a NumPy array.

What it teaches: the whole framework grows out of one tiny container. A `Variable` here only
stores an array in `.data`; the data can be read and replaced while the box stays the same object.

Where it simplifies: the final `dezero.Variable` also checks that `data` is an array (or None),
carries a name, a gradient, a link to the function that created it, and arithmetic operators.
"""
import numpy as np


class Variable:
    """A box around one ndarray, reachable as `.data`."""

    def __init__(self, data):
        self.data = data


def main():
    x = Variable(np.array(1.0))
    print('x.data =', x.data)

    x.data = np.array(2.0)  # same box, new content: later steps rely on this identity
    print('after x.data = 2.0 ->', x.data)

    m = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]))
    print('a box can hold any array: ndim', m.data.ndim, 'shape', m.data.shape)


if __name__ == '__main__':
    main()
