"""Step 62: Jacobians, and the two ways to multiply by one: `vjp` (reverse) and `jvp` (forward).

What it teaches: for f from R^n to R^m the Jacobian J (m x n) holds every first derivative.
Backprop never builds it: it computes u^T J for a chosen cotangent u (a vector-Jacobian
product, `vjp`), one row's worth of work per pass, whatever n is; that is why one backward
pass gives the gradient of a scalar loss with respect to millions of weights. Forward mode
computes J t for a tangent t (a Jacobian-vector product, `jvp`): how the outputs move when
the inputs move along t, one column per pass. So the full Jacobian takes m vjps (one per
output) or n jvps (one per input): reverse mode wins for wide inputs and narrow outputs
(losses), forward mode for the opposite.

The script builds the Jacobian of a small layer y = tanh(W x + b) (3 inputs, 2 outputs)
three ways: `jacobian(f)` directly, row by row from `vjp` with one-hot cotangents, and column
by column from `jvp` with one-hot tangents, and checks they agree with each other and with
central differences. It then checks the identity that ties the two modes together,
u . (J t) = (u^T J) . t, for random u and t, and finishes with a Hessian-vector product by
forward-over-reverse, `jvp(grad(f))`, against `hessian(f) @ v`.

Where it differs from JAX: dezero has no forward-mode rules. `jvp` transposes a vjp instead
(u^T J is linear in u; differentiating (u^T J) . t with respect to u gives J t), so a jvp
costs two backward passes here, not one forward pass.
"""
import numpy as np

import dezero.functions as F
from dezero.func import grad, hessian, jacobian, jvp, vjp

rng = np.random.default_rng(0)
W = rng.standard_normal((2, 3))
b = rng.standard_normal(2)


def layer(x):
    """y = tanh(W x + b): R^3 -> R^2."""
    return F.tanh(W @ x + b)


def loss(x):
    """A scalar function of x, to take a Hessian of."""
    return F.sum(layer(x) ** 2) + F.sum(F.sin(x)) * x[0]


def numeric_jacobian(f, x, eps=1e-6):
    cols = []
    for j in range(x.size):
        e = np.zeros_like(x)
        e[j] = eps
        cols.append((f(x + e).data - f(x - e).data) / (2 * eps))
    return np.stack(cols, axis=1)


def main():
    x = rng.standard_normal(3)
    J = jacobian(layer)(x).data
    print(f'jacobian(layer)(x): shape {J.shape} (output shape + input shape)\n{J}')

    y, vjp_fn = vjp(layer, x)
    rows = np.stack([vjp_fn(e)[0].data for e in np.eye(2)])  # one backward pass per output
    print(f'rows from vjp (u^T J, u one-hot):    largest difference {abs(rows - J).max():.1e}')

    cols = np.stack([jvp(layer, (x,), (e,))[1].data for e in np.eye(3)], axis=1)
    print(f'columns from jvp (J t, t one-hot):   largest difference {abs(cols - J).max():.1e}')

    num = numeric_jacobian(layer, x)
    print(f'central differences:                 largest difference {abs(num - J).max():.1e}')

    u, t = rng.standard_normal(2), rng.standard_normal(3)
    _, Jt = jvp(layer, (x,), (t,))
    (uJ,) = vjp_fn(u)
    lhs, rhs = float(u @ Jt.data), float(uJ.data @ t)
    print(f'u . (J t) = {lhs:.15f}\n(u^T J) . t = {rhs:.15f}')

    v = rng.standard_normal(3)
    _, Hv = jvp(grad(loss), (x,), (v,))  # forward over reverse: no n x n matrix built
    H = hessian(loss)(x).data
    print(f'jvp(grad(loss)) = {Hv.data}\nhessian(loss) @ v = {H @ v}')

    assert np.allclose(rows, J, atol=1e-14) and np.allclose(cols, J, atol=1e-14)
    assert np.allclose(num, J, atol=1e-8)
    assert abs(lhs - rhs) < 1e-12 and np.allclose(Hv.data, H @ v, atol=1e-12)


if __name__ == '__main__':
    main()
