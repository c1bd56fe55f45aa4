"""Step 25: describing a computational graph in Graphviz's DOT language.

What it teaches: Graphviz draws graphs from a plain-text description, the DOT language: one
line per node (`id [label="x", shape=ellipse]`) and one per edge (`a -> b`). dezero walks the
graph behind an output from its creator back to the inputs and writes that description with
`dezero.utils.get_dot_graph`: variables become ovals labelled with their names, functions
become boxes, and arrows follow the direction of the forward computation. The DOT source is
printed, then `plot_dot_graph` hands it to the `dot` program, which renders a PNG.

Where it simplifies: `verbose=False` keeps the labels to names only; step 26 shows shapes and
dtypes too. If Graphviz's `dot` is not installed (`apt install graphviz` or
`brew install graphviz`), only the DOT source file is written and the error message is printed.
"""
import os

import numpy as np

from dezero import Variable
from dezero.utils import get_dot_graph, plot_dot_graph


def save_graph(output, file_name, verbose=True):
    """Render the graph behind `output` into `file_name` in the working directory; print where.

    A missing Graphviz `dot` is reported, not fatal: the DOT source file is written anyway.
    """
    path = os.path.abspath(file_name)
    try:
        plot_dot_graph(output, verbose=verbose, to_file=path)
        print('graph picture saved to', path)
    except RuntimeError as exc:  # no `dot` on PATH, or `dot` failed: the .dot file remains
        print('could not render the picture:', exc)


def main():
    x = Variable(np.array(1.0), name='x')
    y = Variable(np.array(2.0), name='y')
    t = x * y
    t.name = 't'
    z = t + x
    z.name = 'z'

    print('DOT source of z = t + x with t = x * y:')
    print(get_dot_graph(z, verbose=False))
    save_graph(z, 'step25_graph.png', verbose=False)


if __name__ == '__main__':
    main()
