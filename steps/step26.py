"""Step 26: a picture of a real computational graph: the Goldstein-Price function.

What it teaches: `dezero.utils.plot_dot_graph(output, verbose=True, to_file=...)` draws the
whole graph that produced `output`. Naming the inputs and output makes the picture readable;
with `verbose=True` each variable also shows its shape and dtype. The Goldstein-Price function
of step 24 (imported from there) becomes a graph of dozens of functions, all recorded just by
evaluating the formula. The picture's format follows the file extension (png, svg or pdf).

Where it simplifies: nothing; this uses the final package. Rendering needs Graphviz's `dot`
(`apt install graphviz` or `brew install graphviz`); without it only the DOT source is written
and the error message is printed.
"""
import numpy as np

from dezero import Variable
from step24 import goldstein  # the steps folder is on sys.path when a step runs
from step25 import save_graph


def main():
    x = Variable(np.array(1.0), name='x')
    y = Variable(np.array(1.0), name='y')
    z = goldstein(x, y)
    z.name = 'z'
    z.backward()
    print('goldstein(1, 1) =', z, ' gradient:', x.grad, y.grad)
    save_graph(z, 'step26_goldstein.png', verbose=True)


if __name__ == '__main__':
    main()
