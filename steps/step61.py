"""Step 61: derivatives as functions, `grad` and `hessian`, and Newton's method with the Hessian.

What it teaches: steps 29-33 got f'' by calling backward twice on Variables and reading
`x.grad` in between. `dezero.func.grad(f)` wraps that dance into a new Python function: it
returns the derivative of f, as a Variable that can be differentiated again, so
`grad(grad(f))` is f'' and `hessian(f)` is the matrix of second derivatives. Nothing here is
new machinery: each transform runs f, then `backward(create_graph=True)`.

Part 1 prints f, f', f'' and f''' of f(x) = x**4 - 2 x**2 at x = 2 next to the formulas.
Part 2 repeats step 33's Newton iteration x <- x - f'(x) / f''(x) with `grad` and `hessian`
and checks that the iterates are step 33's, digit for digit (its printed numbers are below).
Part 3 is why the Hessian matters: Newton's method in two dimensions, x <- x - H^-1 g with
one linear solve, finds the minimum (1, 1) of Rosenbrock's function from (0, 2) in six
iterations, where step 28's gradient descent was still short of it after 10,000.

Where it simplifies: a Hessian costs one backward pass per input element (n passes for n
inputs) and n x n memory, so this is for small problems; large models use gradient methods,
or Hessian-vector products (step 62) with an iterative solver.
"""
import numpy as np

from dezero.func import grad, hessian

# step 33's printed iterates, from x = 2.0
STEP33 = [2.000000000000000, 1.454545454545455, 1.151046789377547, 1.025325928976698,
          1.000908451943051, 1.000001235308945, 1.000000000002289, 1.000000000000000]


def f(x):
    """A double well: minima at x = -1 and x = 1."""
    return x ** 4 - 2 * x ** 2


def rosenbrock(x):
    """Rosenbrock's banana function of a 2-vector: minimum 0 at (1, 1)."""
    return 100 * (x[1] - x[0] ** 2) ** 2 + (1 - x[0]) ** 2


def derivatives():
    x = 2.0
    df, d2f = grad(f), grad(grad(f))
    d3f = grad(d2f)
    print('part 1: derivatives of f(x) = x**4 - 2 x**2 at x = 2')
    print(f'  f(x)    = {float(f(np.array(x))):6.1f}   (x**4 - 2 x**2 = 8)')
    print(f'  f\'(x)   = {float(df(x).data):6.1f}   (4 x**3 - 4 x = 24)')
    print(f'  f\'\'(x)  = {float(d2f(x).data):6.1f}   (12 x**2 - 4 = 44)')
    print(f'  f\'\'\'(x) = {float(d3f(x).data):6.1f}   (24 x = 48)')
    print(f'  hessian(f)(x) = {hessian(f)(np.array(x))}  (a 0-d input: a 0-d Hessian, f\'\')')
    assert [float(d(x).data) for d in (df, d2f, d3f)] == [24.0, 44.0, 48.0]


def newton_1d():
    print("part 2: Newton's method x <- x - f'(x) / f''(x), as in step 33")
    x = np.array(2.0)
    iterates = []
    for i in range(20):
        iterates.append(float(x))
        print(f'  iteration {i}: x = {float(x):.15f}')
        step = grad(f)(x).data / hessian(f)(x).data
        x = x - step
        if abs(step) < 1e-12:
            break
    same = [f'{a:.15f}' for a in iterates] == [f'{b:.15f}' for b in STEP33]
    print(f'  the same {len(iterates)} iterates as step 33: {same}')
    assert same


def newton_rosenbrock():
    print("part 3: Newton's method on Rosenbrock's function, x <- x - H^-1 g, from (0, 2)")
    x = np.array([0.0, 2.0])
    for i in range(50):
        g = grad(rosenbrock)(x).data
        H = hessian(rosenbrock)(x).data  # shape (2, 2): input shape + input shape
        step = np.linalg.solve(H, g)
        print(f'  iteration {i}: x = {x}, f(x) = {float(rosenbrock(x)):.3e}')
        x = x - step
        if np.abs(step).max() < 1e-12:
            break
    print(f'  converged to {x} after {i + 1} Newton steps (step 28: 10,000 gradient steps)')
    print(f'  Hessian at the minimum:\n{hessian(rosenbrock)(x)}')
    assert np.allclose(x, [1.0, 1.0], atol=1e-12)


def main():
    derivatives()
    newton_1d()
    newton_rosenbrock()


if __name__ == '__main__':
    main()
