"""Step 05: the chain rule, applied by hand from the output backwards.

What it teaches: for y = C(B(A(x))) the derivative dy/dx is the product of the local derivatives
dy/db * db/da * da/dx. Multiplying them starting at the output (dy/dy = 1) is backpropagation,
"reverse mode": each step turns "how y changes with this wire" into "how y changes with the wire
before it". Every intermediate result is itself a useful gradient (dy/db, dy/da, ...), and for a
function with many inputs and one output this order needs a single pass.

Where it simplifies: everything is plain NumPy on scalars and the local derivatives are typed in
by hand. Step 06 moves each local derivative into its Function's `backward` method.
"""
import numpy as np


def main():
    x = np.array(0.5)

    # forward pass, keeping every intermediate value: backward needs them
    a = x ** 2
    b = np.exp(a)
    y = b ** 2

    # local derivatives of A (square), B (exp), C (square) at the values just computed
    da_dx = 2 * x
    db_da = np.exp(a)
    dy_db = 2 * b

    # reverse mode: start from dy/dy = 1 and walk towards x
    dy_dy = np.array(1.0)
    dy_db_total = dy_dy * dy_db
    dy_da = dy_db_total * db_da
    dy_dx = dy_da * da_dx
    print('dy/db =', dy_db_total)
    print('dy/da =', dy_da)
    print('dy/dx =', dy_dx)

    eps = 1e-4
    numeric = (np.exp((x + eps) ** 2) ** 2 - np.exp((x - eps) ** 2) ** 2) / (2 * eps)
    print('central difference for comparison:', numeric)


if __name__ == '__main__':
    main()
