"""Step 23: the engine becomes a package, `dezero`.

What it teaches: from here on the Variable, Function, Config and operators of steps 01-22 live in
the installed package instead of being pasted into every script. A script simply writes
`from dezero import Variable`; it works from any directory because the package is installed
(`pip install -e .` from the repository root), with no edits to `sys.path`. The core module is
`dezero.core`; differentiable functions such as `sin` live in `dezero.functions`, usually
imported as `F`. Gradients are now Variables themselves (they print as `variable(...)`).

Where it simplifies: nothing; this is the real package. It goes further than step 22 in ways
the next steps use: its backward is written with Variable operations (higher derivatives), it
broadcasts like NumPy, and its error messages name the function and the shapes involved.
"""
import numpy as np

import dezero
import dezero.functions as F
from dezero import Variable


def main():
    print('dezero', dezero.__version__, 'imported from', dezero.__file__)

    x = Variable(np.array(1.0), name='x')
    y = (x + 3) ** 2
    y.backward()
    print('y = (x + 3)**2 at x = 1:', y, ' dy/dx =', x.grad)

    v = Variable(np.array([[1.0, 2.0, 3.0]]))
    w = v * np.array([[10.0], [20.0]]) + 1  # (1, 3) * (2, 1) broadcasts to (2, 3)
    w.backward()
    print('broadcasting: w.shape =', w.shape, ' v.grad =', v.grad, '(summed back to (1, 3))')

    t = Variable(np.array(np.pi / 3))
    s = F.sin(t)
    s.backward()
    print('sin(pi/3) =', s, ' d/dt =', t.grad, '(cos(pi/3) = 0.5)')

    try:
        Variable(3.0)
    except TypeError as exc:
        print('a clear error for bad input:', exc)


if __name__ == '__main__':
    main()
