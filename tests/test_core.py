"""The autograd core: values against NumPy, derivatives against central differences."""
import gc
import sys
import weakref

import numpy as np
import pytest

import dezero
import dezero.functions as F
from dezero import Variable, Parameter, Function, Config, no_grad, using_config
from dezero.core import as_array, as_variable
from helpers import check_function, check_gradient_penalty, check_third_order

rng = np.random.default_rng(42)


def rand(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, size=shape)


def pos(*shape):
    return rng.uniform(0.5, 2.0, size=shape)


# (name, function of Variables, numpy reference, input arrays)
UNARY = [
    ('neg', lambda x: -x, lambda x: -x),
    ('sin', F.sin, np.sin),
    ('cos', F.cos, np.cos),
    ('tanh', F.tanh, np.tanh),
    ('exp', F.exp, np.exp),
    ('square', lambda x: x ** 2, lambda x: x ** 2),
    ('cube', lambda x: x ** 3, lambda x: x ** 3),
    ('add_scalar', lambda x: x + 3.0, lambda x: x + 3.0),
    ('radd_scalar', lambda x: 3.0 + x, lambda x: 3.0 + x),
    ('sub_scalar', lambda x: x - 1.5, lambda x: x - 1.5),
    ('rsub_scalar', lambda x: 1.5 - x, lambda x: 1.5 - x),
    ('mul_scalar', lambda x: x * 2.5, lambda x: x * 2.5),
    ('rmul_scalar', lambda x: 2.5 * x, lambda x: 2.5 * x),
    ('div_scalar', lambda x: x / 4.0, lambda x: x / 4.0),
    ('rpow_scalar', lambda x: 2.5 ** x, lambda x: 2.5 ** x),
    ('div_scalar_squared', lambda x: (x / 4.0) ** 2, lambda x: (x / 4.0) ** 2),
    ('neg_squared', lambda x: (-x) ** 2, lambda x: x ** 2),
    ('rsub_scalar_squared', lambda x: (1.5 - x) ** 2, lambda x: (1.5 - x) ** 2),
    ('sqrt', lambda x: (x * x + 1.0) ** 0.5, lambda x: np.sqrt(x * x + 1.0)),
    ('rdiv_scalar', lambda x: 2.0 / (x * x + 1.0), lambda x: 2.0 / (x * x + 1.0)),
    ('pow_array_exponent', lambda x: (x * x + 1.0) ** np.array([1.5, -0.5, 2.0])[:x.size],
     lambda x: (x * x + 1.0) ** np.array([1.5, -0.5, 2.0])[:x.size]),
    ('shared_square', lambda x: x * x, lambda x: x * x),
    ('shared_sum', lambda x: x + x, lambda x: x + x),
    ('shared_chain', lambda x: (x * x + x) * x, lambda x: (x * x + x) * x),
]
SHAPES = [(), (3,), (2, 3)]


@pytest.mark.parametrize('shape', SHAPES, ids=str)
@pytest.mark.parametrize('name,f,ref', UNARY, ids=[u[0] for u in UNARY])
def test_unary_values_and_derivatives(name, f, ref, shape):
    x = rand(*shape)
    y = f(Variable(x))
    assert isinstance(y, Variable)
    np.testing.assert_allclose(y.data, ref(x), rtol=1e-12)
    assert y.shape == np.shape(ref(x))
    check_function(f, x)


@pytest.mark.parametrize('shape', SHAPES, ids=str)
def test_positive_domain_functions(shape):
    x = pos(*shape)
    np.testing.assert_allclose(F.log(Variable(x)).data, np.log(x))
    check_function(F.log, x)
    check_function(lambda v: 2.0 / v, x)
    check_function(lambda v: v ** 0.5, x)
    check_function(lambda v: v ** -1.5, x)


BINARY_SHAPES = [((), ()), ((3,), (3,)), ((2, 3), (2, 3)), ((2, 3), (3,)), ((3,), (2, 3)),
                 ((2, 1), (1, 3)), ((2, 3), ()), ((4, 1, 3), (2, 1))]
BINARY = [
    ('add', lambda a, b: a + b, np.add),
    ('sub', lambda a, b: a - b, np.subtract),
    ('mul', lambda a, b: a * b, np.multiply),
    ('div', lambda a, b: a / b, np.divide),
    ('mixed', lambda a, b: a * b + a / b - b, lambda a, b: a * b + a / b - b),
]


@pytest.mark.parametrize('shapes', BINARY_SHAPES, ids=str)
@pytest.mark.parametrize('name,f,ref', BINARY, ids=[b[0] for b in BINARY])
def test_binary_broadcasting(name, f, ref, shapes):
    a, b = rand(*shapes[0]), pos(*shapes[1])
    y = f(Variable(a), Variable(b))
    np.testing.assert_allclose(y.data, ref(a, b), rtol=1e-12)
    check_function(f, a, b)


@pytest.mark.parametrize('name,f,ref', BINARY[:4], ids=[b[0] for b in BINARY[:4]])
def test_binary_with_arrays_on_either_side(name, f, ref):
    a, b = rand(2, 3), pos(3)
    left = f(a, Variable(b))
    right = f(Variable(a), b)
    assert isinstance(left, Variable) and isinstance(right, Variable)
    np.testing.assert_allclose(left.data, ref(a, b))
    np.testing.assert_allclose(right.data, ref(a, b))
    check_function(lambda v: f(a, v), b)
    check_function(lambda v: f(v, b), a)


def test_array_constant_broadcasting_up_sums_back():
    x = rand(3)
    c = rand(2, 3)
    check_function(lambda v: v * c, x)
    check_function(lambda v: c - v, x)
    check_function(lambda v: c / (v * v + 1.0), x)


SHAPE_OPS = [
    ('reshape', lambda x: F.reshape(x, (3, 2)), (2, 3)),
    ('reshape_method_ints', lambda x: x.reshape(6), (2, 3)),
    ('transpose', F.transpose, (2, 3)),
    ('transpose_axes', lambda x: F.transpose(x, (1, 2, 0)), (2, 3, 4)),
    ('T', lambda x: x.T, (2, 3)),
    ('sum_all', F.sum, (2, 3)),
    ('sum_axis0', lambda x: F.sum(x, axis=0), (2, 3)),
    ('sum_axis_neg', lambda x: x.sum(axis=-1, keepdims=True), (2, 3, 4)),
    ('sum_axes', lambda x: F.sum(x, axis=(0, 2)), (2, 3, 4)),
    ('sum_0d', F.sum, ()),
    ('sum_to', lambda x: F.sum_to(x, (1, 3)), (2, 3)),
    ('sum_to_lead', lambda x: F.sum_to(x, (3,)), (2, 3)),
    ('broadcast_to', lambda x: F.broadcast_to(x, (2, 3)), (3,)),
    ('broadcast_0d', lambda x: F.broadcast_to(x, (2, 2)), ()),
    ('get_item_int', lambda x: x[1], (3, 4)),
    ('get_item_slice', lambda x: x[:, 1:3], (3, 4)),
    ('get_item_repeat', lambda x: F.get_item(x, np.array([0, 0, 2])), (3, 4)),
    ('get_item_mask', lambda x: x[np.array([True, False, True])], (3, 2)),
    ('max_all', F.max, (2, 3)),
    ('max_axis', lambda x: x.max(axis=1), (2, 3)),
    ('min_axis_keep', lambda x: F.min(x, axis=0, keepdims=True), (2, 3)),
    ('max_tuple_axis', lambda x: F.max(x, axis=(0, 2)), (2, 3, 4)),
    ('transpose_default_3d', F.transpose, (2, 3, 4)),
    # 0-d results and inputs
    ('reshape_to_0d', lambda x: F.reshape(x, ()), (1, 1)),
    ('reshape_from_0d', lambda x: F.reshape(x, (1, 1, 1)), ()),
    ('sum_to_0d', lambda x: F.sum_to(x, ()), (2, 3)),
    ('get_item_0d', lambda x: x[1, 2], (3, 4)),
    ('max_0d', F.max, ()),
    ('get_item_ellipsis_newaxis', lambda x: x[..., None, ::-1], (2, 3)),
    ('get_item_two_arrays', lambda x: x[np.array([0, 2, 0]), np.array([1, 1, 3])], (3, 4)),
    # these are linear or piecewise linear, so their second derivative is zero whatever the
    # backward builds; squaring makes the second-order check see a graph that is wrong
    ('get_item_squared', lambda x: x[1:, ::2] ** 2, (3, 4)),
    ('get_item_repeat_squared', lambda x: F.get_item(x, np.array([0, 0, 2])) ** 2, (3, 4)),
    ('broadcast_to_squared', lambda x: F.broadcast_to(x, (2, 3)) ** 2, (3,)),
    ('sum_to_squared', lambda x: F.sum_to(x, (1, 3)) ** 2, (2, 3)),
    ('sum_squared', lambda x: F.sum(x, axis=0) ** 2, (2, 3)),
    ('reshape_squared', lambda x: F.reshape(x, (3, 2)) ** 2, (2, 3)),
    ('transpose_squared', lambda x: F.transpose(x) ** 2, (2, 3)),
    ('max_squared', lambda x: F.max(x, axis=1) ** 2, (2, 3)),
    ('min_squared', lambda x: F.min(x, axis=0) ** 2, (2, 3)),
]


@pytest.mark.parametrize('name,f,shape', SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_functions(name, f, shape):
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64) * 0.37
    check_function(f, x)


def test_shape_function_values():
    x = rand(2, 3, 4)
    np.testing.assert_array_equal(F.reshape(Variable(x), (4, 6)).data, x.reshape(4, 6))
    np.testing.assert_array_equal(Variable(x).reshape(4, 6).data, x.reshape(4, 6))
    np.testing.assert_array_equal(Variable(x).transpose(2, 0, 1).data, x.transpose(2, 0, 1))
    np.testing.assert_array_equal(Variable(x).T.data, x.T)
    np.testing.assert_allclose(F.sum(Variable(x), axis=(0, 2)).data, x.sum(axis=(0, 2)))
    np.testing.assert_allclose(F.sum_to(Variable(x), (3, 1)).data,
                               x.sum(axis=0).sum(axis=1, keepdims=True))
    np.testing.assert_array_equal(F.broadcast_to(Variable(x[0, 0]), (2, 4)).data,
                                  np.broadcast_to(x[0, 0], (2, 4)))
    np.testing.assert_array_equal(Variable(x)[1, :, ::2].data, x[1, :, ::2])
    np.testing.assert_array_equal(Variable(x).max(axis=1).data, x.max(axis=1))
    np.testing.assert_array_equal(Variable(x).min().data, x.min())


MATMUL_SHAPES = [((2, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)), ((3,), (3,)),
                 ((5, 2, 3), (3, 4)), ((2, 3), (5, 3, 4)), ((5, 2, 3), (5, 3, 2))]


@pytest.mark.parametrize('shapes', MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    a, b = rand(*shapes[0]), rand(*shapes[1])
    np.testing.assert_allclose(F.matmul(Variable(a), Variable(b)).data, a @ b)
    np.testing.assert_allclose((Variable(a) @ b).data, a @ b)
    np.testing.assert_allclose(Variable(a).dot(Variable(b)).data, a @ b)
    np.testing.assert_allclose(Variable(a).matmul(b).data, a @ b)
    check_function(F.matmul, a, b)


def test_deep_composition_second_order():
    check_function(lambda x, y: F.sin(x * y) / (1.0 + F.exp(-x)) + F.tanh(y) ** 2,
                   rand(2, 3), rand(3))


# --- backward semantics ---------------------------------------------------------------------
def test_gradients_accumulate_until_cleargrad():
    x = Variable(np.array(3.0))
    (x * x).backward()
    (x * x).backward()
    assert x.grad.data == 12.0
    x.cleargrad()
    (x * x).backward()
    assert x.grad.data == 6.0


def test_seed_is_ones_of_output_shape_and_custom_seed_is_used():
    x = Variable(np.arange(6.0).reshape(2, 3))
    y = x * 2.0
    y.backward()
    np.testing.assert_array_equal(x.grad.data, np.full((2, 3), 2.0))
    x.cleargrad()
    y = x * 2.0
    y.grad = Variable(np.arange(6.0).reshape(2, 3))
    y.backward()
    np.testing.assert_array_equal(x.grad.data, 2.0 * np.arange(6.0).reshape(2, 3))


def test_intermediate_gradients_are_freed_unless_retained():
    x = Variable(np.array(2.0))
    a = x * x
    y = a * 3.0
    y.backward()
    assert a.grad is None and y.grad is None
    assert x.grad.data == 12.0
    x.cleargrad()
    a = x * x
    y = a * 3.0
    y.backward(retain_grad=True)
    assert a.grad.data == 3.0 and y.grad.data == 1.0


@pytest.mark.parametrize('create_graph', [False, True])
def test_a_plain_backward_drops_gradients_an_earlier_one_retained(create_graph):
    """As in the book: once a backward runs without retain_grad, the intermediate gradients
    of its graph are gone, never left over from an earlier retaining backward."""
    x = Variable(np.array(2.0))
    a = x * x
    b = F.sin(a)
    y = b * 3.0
    y.backward(retain_grad=True, create_graph=create_graph)
    assert a.grad.data == pytest.approx(3.0 * np.cos(4.0)) and b.grad.data == 3.0
    other_leaf = Variable(np.array(1.0))
    other = F.exp(other_leaf)
    (other * 2.0).backward(retain_grad=True)
    x.cleargrad()
    y.backward(create_graph=create_graph)
    assert a.grad is None and b.grad is None
    assert x.grad.data == pytest.approx(3.0 * np.cos(4.0) * 4.0)
    assert other.grad.data == 2.0  # another graph's retained gradient is not this backward's


@pytest.mark.parametrize('create_graph', [False, True])
def test_retaining_a_gradient_keeps_no_variable_alive(create_graph):
    x = Variable(np.array(2.0))
    b = F.sin(x * x)
    y = b * 3.0
    y.backward(retain_grad=True, create_graph=create_graph)
    assert b.grad is not None
    watched = weakref.ref(b)
    del b, y
    gc.collect()
    assert watched() is None


def test_a_function_linked_past_call_and_set_creator_is_a_clear_error():
    x = Variable(np.array(1.0))
    f = F.Cos()
    f.inputs = (x,)
    z = Variable(np.array(np.cos(1.0)))
    f.outputs = (weakref.ref(z),)
    z.creator = f  # a bare link: neither f(x) nor z.set_creator(f)
    for create_graph in (False, True):
        with pytest.raises(TypeError, match='Cos was linked into the graph by hand'):
            (z * 2.0 + F.exp(z)).backward(create_graph=create_graph)


def test_each_backward_runs_once_in_diamond():
    calls = []

    class Square(Function):
        def forward(self, x):
            return x ** 2

        def backward(self, gy):
            calls.append(1)
            return 2 * self.inputs[0] * gy

    x = Variable(np.array(2.0))
    a = Square()(x)
    y = Square()(a) + Square()(a)
    y.backward()
    assert x.grad.data == 64.0
    assert len(calls) == 3


def _constant_steps_every_way(x0, x1):
    """Constant steps met as a chain, through two-input functions, and queued behind a
    higher generation (the deep branch d): every way the walk can reach one."""
    a = x0 * 3.0
    b = (x1 - 1.0) ** 2
    d = x0
    for _ in range(4):
        d = 1.1 * d + 0.5
    return a * b + 2.0 / (b + 1.0) + d - x1


def test_constant_steps_every_way_the_walk_reaches_them():
    check_function(_constant_steps_every_way, rand(3), rand(2, 1))


def test_retain_grad_keeps_every_intermediate_gradient_the_walk_computes():
    x0, x1 = Variable(rand(3)), Variable(rand(2, 1))
    a = x0 * 3.0
    b = (x1 - 1.0) ** 2
    d = x0
    steps = []
    for _ in range(4):
        d = 1.1 * d + 0.5
        steps.append(d)
    y = F.sum(a * b + 2.0 / (b + 1.0) + d - x1)
    y.backward(retain_grad=True)
    # y = sum(...) so every gradient of an intermediate is a plain derivative of the sum
    assert np.allclose(a.grad.data, np.broadcast_to(b.data, (2, 3)).sum(axis=0))
    assert np.allclose(steps[-1].grad.data, 2.0)  # d is broadcast over the two rows
    assert np.allclose(steps[0].grad.data, 2.0 * 1.1 ** 3)
    g1 = x1.grad.data.copy()
    x0.cleargrad(), x1.cleargrad()
    y.backward()
    assert np.allclose(x1.grad.data, g1)


def test_constant_step_outputs_reached_by_the_walk_are_its_outputs():
    x = Variable(np.array(1.5))
    a = x * 3.0
    b = a - 1.0
    y = a * b + (x / 2.0) ** 2
    y.backward(retain_grad=True)
    assert a.grad.data == pytest.approx(2 * 4.5 - 1.0) and b.grad.data == 4.5
    for v in (a, b, y):
        assert v.creator.outputs[0]() is v
    x.cleargrad()
    y.backward(create_graph=True)
    assert x.grad.data == pytest.approx(3.0 * (2 * 4.5 - 1.0) + 0.75)


def test_generations_order_complex_graph():
    x = Variable(np.array(2.0))
    a = x ** 2
    y = (a ** 2) + (a ** 2)
    y.backward()
    assert y.data == 32.0
    assert x.grad.data == 64.0
    assert a.generation == 1 and y.generation == 3


def test_generation_is_one_above_the_deepest_input():
    x0, x1 = Variable(np.array(1.0)), Variable(np.array(2.0))
    a = F.sin(x0)           # 1
    b = a * x1              # 2: max(1, 0) + 1
    y = F.exp(b) + a        # exp: 3, then add: max(3, 1) + 1
    assert (x0.generation, a.generation, b.generation, y.generation) == (0, 1, 2, 4)
    assert y.creator.generation == 3 and b.creator.generation == 1
    with no_grad():
        assert (a * x1).generation == 0  # nothing recorded: a fresh leaf


def test_generation_of_a_deep_chain_needs_no_recursion():
    x = Variable(np.array(1.0))
    y = x
    for _ in range(30000):
        y = y * 1.0 + 0.0
    assert y.generation == 60000 and y.creator.generation == 59999


def test_generation_set_by_hand_is_kept():
    # a function linked by hand, as the book's own __call__ links it
    f = F.Sin()
    f.inputs = (Variable(np.array(1.0)),)
    f.generation = 7
    z = Variable(np.array(np.sin(1.0)))
    z.set_creator(f)
    assert f.generation == 7 and z.generation == 8
    assert (z * 2.0).generation == 9
    w = Variable(np.array(0.0))
    w.generation = 5
    assert w.generation == 5


def _sum_of_branches(xs, terms_first=False):
    """sum(sin(x_i) * x_i) over xs, summed in a chain: each branch summed in as it is made, or
    all branches made first (then, in backward, all of them wait at once)."""
    terms = iter([F.sin(x) * x for x in xs]) if terms_first else (F.sin(x) * x for x in xs)
    acc = next(terms)
    for t in terms:
        acc = acc + t
    return F.sum(acc)


def test_backward_of_a_wide_graph_holds_one_branch_gradient_at_a_time():
    """Functions run newest first, so each branch is finished right after the step that
    summed it in, instead of every branch's gradient waiting for its turn at once."""
    import tracemalloc
    n, d = 40, 20000
    xs = [Variable(np.full(d, 0.5)) for _ in range(n)]
    y = _sum_of_branches(xs)
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        y.backward()
        kept, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    branch = d * 8
    assert kept - start >= n * branch            # every leaf keeps its own gradient
    assert peak - kept <= 4 * branch             # a few arrays in flight, never n of them
    np.testing.assert_allclose(xs[3].grad.data, np.sin(0.5) + 0.5 * np.cos(0.5))


def _calls_made_by_backward(n, terms_first, **kwargs):
    """Python and C calls that backward makes on n branches sin(x_i) * x_i summed in a chain."""
    y = _sum_of_branches([Variable(np.full(4, 0.5)) for _ in range(n)], terms_first)
    calls = 0

    def count(frame, event, arg):
        nonlocal calls
        if event in ('call', 'c_call'):
            calls += 1

    sys.setprofile(count)
    try:
        y.backward(**kwargs)
    finally:
        sys.setprofile(None)
    return calls


@pytest.mark.parametrize('terms_first', [False, True], ids=['summed-as-made', 'made-first'])
@pytest.mark.parametrize('kwargs', [{}, {'retain_grad': True}, {'create_graph': True}],
                         ids=['plain', 'retain_grad', 'create_graph'])
def test_backward_makes_the_same_calls_per_branch_at_every_size(kwargs, terms_first):
    """The walk is linear: each extra branch costs the same calls, at 100 branches as at 800.
    (A walk that re-sorts its waiting functions by a key each time one joins makes calls that
    grow with the number already waiting: with the branches made first, all of them wait.)"""
    c100, c200, c400, c800 = (_calls_made_by_backward(n, terms_first, **kwargs)
                              for n in (100, 200, 400, 800))
    assert c200 > c100
    assert c400 - c200 == 2 * (c200 - c100)
    assert c800 - c400 == 4 * (c200 - c100)


class BrokenBackward(Function):
    """An identity whose backward fails: for what an error in the walk leaves behind."""

    def forward(self, x):
        return x

    def backward(self, gy):
        raise RuntimeError('broken backward')


@pytest.mark.parametrize('create_graph', [False, True])
def test_backward_leaves_the_garbage_collector_alone(create_graph, monkeypatch):
    """A library never flips process-wide switches: backward neither enables nor disables the
    cyclic collector, also after an error."""
    calls = []
    monkeypatch.setattr(gc, 'disable', lambda: calls.append('disable'))
    monkeypatch.setattr(gc, 'enable', lambda: calls.append('enable'))
    xs = [Variable(np.full(3, 0.5)) for _ in range(30)]
    y = F.sum(sum(F.sin(x) * x for x in xs))
    y.backward(create_graph=create_graph)
    np.testing.assert_allclose(xs[7].grad.data, np.full(3, np.sin(0.5) + 0.5 * np.cos(0.5)))
    with pytest.raises(RuntimeError, match='broken backward'):
        BrokenBackward()(xs[0]).backward(create_graph=create_graph)
    assert calls == []


def test_user_function_with_variable_backward_gets_higher_order():
    class Cube(Function):
        def forward(self, x):
            return x ** 3

        def backward(self, gy):
            x, = self.inputs
            return 3 * x ** 2 * gy

    check_function(lambda v: Cube()(v), rand(3))


def test_unused_output_of_multi_output_function_gets_zero_gradient():
    class Split(Function):
        def forward(self, x):
            return x[:2], x[2:]

        def backward(self, g0, g1):
            return Variable(np.concatenate([g0.data, g1.data]))

    x = Variable(np.arange(5.0))
    a, b = Split()(x)
    del b
    (a * 2.0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [2, 2, 0, 0, 0])


def test_leaf_gradients_are_independent_writable_arrays():
    x0 = Variable(np.ones(3))
    x1 = Variable(np.ones(3))
    (x0 + x1).sum().backward()
    assert x0.grad.data is not x1.grad.data
    x0.grad.data *= 5
    np.testing.assert_array_equal(x1.grad.data, np.ones(3))


@pytest.mark.parametrize('create_graph', [False, True])
@pytest.mark.parametrize('retain_grad', [False, True])
def test_no_two_gradients_share_memory(create_graph, retain_grad):
    # y = a.reshape(2, 2) + b + c.T: backward hands b the same gradient as the sum, a a view of
    # it and c a transposed view; an in-place update of one must not reach the others
    a, b, c = Variable(np.ones(4)), Variable(np.ones((2, 2))), Variable(np.ones((2, 2)))
    s = a.reshape(2, 2) + b
    y = s + c.T
    y.backward(retain_grad=retain_grad, create_graph=create_graph)
    held = [a.grad, b.grad, c.grad] + ([s.grad, y.grad] if retain_grad else [])
    for i, g in enumerate(held):
        for h in held[i + 1:]:
            assert not np.shares_memory(g.data, h.data)
    b.grad.data *= 7
    for g in held:
        if g is not b.grad:
            np.testing.assert_array_equal(g.data, np.ones(g.shape))


def test_optimizer_hooks_apply_once_to_leaves_with_one_gradient():
    from dezero import Model, optimizers
    a, b = Parameter(np.ones(4)), Parameter(np.ones((2, 2)))
    (a.reshape(2, 2) + b).sum().backward()
    m = Model()
    m.a, m.b = a, b
    opt = optimizers.SGD(lr=1.0).setup(m)
    opt.add_hook(optimizers.WeightDecay(0.5))
    opt.update()
    # w - lr * (g + rate * w) = 1 - (1 + 0.5) for every element of both
    np.testing.assert_array_equal(a.data, np.full(4, -0.5))
    np.testing.assert_array_equal(b.data, np.full((2, 2), -0.5))


def test_shared_leaf_gradients_stay_differentiable_under_create_graph():
    x0, x1 = Variable(np.array(3.0)), Variable(np.array(2.0))
    y = x0 * x1 + x0 + x1  # dy/dx0 = x1 + 1, dy/dx1 = x0 + 1
    y.backward(create_graph=True)
    g0, g1 = x0.grad, x1.grad
    assert g0 is not g1
    x0.cleargrad()
    x1.cleargrad()
    (g0 * g1).backward()  # d[(x1 + 1)(x0 + 1)] = (x1 + 1, x0 + 1)
    assert (x0.grad.data, x1.grad.data) == (3.0, 4.0)
    z0, z1 = Variable(np.array(1.0)), Variable(np.array(1.0))
    (z0 + z1).backward(create_graph=True)  # both leaves receive the seed itself
    assert z0.grad is not z1.grad and not np.shares_memory(z0.grad.data, z1.grad.data)


@pytest.mark.parametrize('create_graph', [False, True])
def test_a_preset_output_gradient_is_the_seed_and_stays_as_set(create_graph):
    x = Variable(np.array([1.0, 2.0]))
    y = F.sin(x) * x  # a single-output creator
    y.grad = Variable(np.array([2.0, -1.0]))
    y.backward(retain_grad=True, create_graph=create_graph)
    np.testing.assert_array_equal(y.grad.data, [2.0, -1.0])
    dy = np.cos([1.0, 2.0]) * [1.0, 2.0] + np.sin([1.0, 2.0])
    np.testing.assert_allclose(x.grad.data, [2.0, -1.0] * dy)

    class Split(Function):
        def forward(self, x):
            return x[:1], x[1:]

        def backward(self, g0, g1):
            return F.concat([g0, g1], axis=0)

    x = Variable(np.array([1.0, 2.0]))
    p, q = Split()(x)
    p.grad = Variable(np.array([5.0]))
    p.backward(retain_grad=True, create_graph=create_graph)  # the root of a multi-output step
    np.testing.assert_array_equal(p.grad.data, [5.0])
    np.testing.assert_array_equal(x.grad.data, [5.0, 0.0])


def test_a_forward_returning_a_one_tuple_gives_one_variable():
    class Twice(Function):
        def forward(self, x):
            return (x * 2,)

        def backward(self, gy):
            return gy * 2

    x = Variable(np.array(3.0))
    y = Twice()(x)
    assert isinstance(y, Variable) and y.data == 6.0
    (y * y).backward()
    assert x.grad.data == 24.0  # d(2x)^2/dx = 8x


@pytest.mark.parametrize('result', [[np.ones(2), np.ones(2)], 'text', None, {'y': 1}])
def test_a_forward_returning_something_else_than_arrays_is_an_error(result):
    class Odd(Function):
        def forward(self, x):
            return result

    with pytest.raises(TypeError, match=r'Odd\.forward returned'):
        Odd()(Variable(np.ones(2)))
    with pytest.raises(TypeError, match=r'Pair\.forward returned'):  # as one of several outputs
        type('Pair', (Odd,), {'forward': lambda self, x: (x, result)})()(Variable(np.ones(2)))


@pytest.mark.parametrize('create_graph', [False, True])
@pytest.mark.parametrize('result', ['text', [1.0, 1.0], {'g': 1}])
def test_a_backward_returning_something_else_than_gradients_is_an_error(result, create_graph):
    class Odd(Function):
        def forward(self, x):
            return x * 2

        def backward(self, gy):
            return result

    y = Odd()(Variable(np.ones(2)))
    with pytest.raises(TypeError, match=r'Odd\.backward returned'):
        y.backward(create_graph=create_graph)


def test_strings_are_not_numbers():
    assert as_array('3') == '3'  # passed through, not made into data
    with pytest.raises(TypeError, match='str'):
        as_variable('3')
    assert as_array(np.float32(2)).dtype == np.float32 and as_array(True).shape == ()


def test_a_forward_returning_a_number_gives_a_0d_variable():
    class Total(Function):
        def forward(self, x):
            return float(x.sum())

    y = Total()(Variable(np.ones(3)))
    assert y.data.shape == () and y.data == 3.0


def test_a_number_to_the_power_of_a_variable():
    x = Variable(np.array([0.5, -1.0, 2.0], dtype=np.float32))
    y = 3.0 ** x
    assert isinstance(y, Variable) and y.dtype == np.float32
    np.testing.assert_allclose(y.data, 3.0 ** x.data)
    y.backward(create_graph=True)
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, 3.0 ** x.data * np.log(3.0), rtol=1e-6)
    check_function(lambda v: np.array([2.0, 0.5]) ** v, rand(2))
    check_function(lambda v: np.full((2, 3), 1.5) ** v, rand(3))  # the base broadcasts x up
    with pytest.raises(TypeError, match='pow'):
        x ** x


def test_no_grad_records_nothing():
    x = Variable(np.array(2.0))
    with no_grad():
        y = x * x + 1.0
        z = F.sin(x)
    assert y.creator is None and z.creator is None
    assert Config.enable_backprop
    with using_config('train', False):
        assert not Config.train
    with dezero.test_mode():
        assert not Config.train
    assert Config.train


def test_config_switches_restore_after_errors_nesting_and_as_decorators():
    with pytest.raises(AttributeError, match='using_config'):
        using_config('no_such_setting', 1)
    with pytest.raises(RuntimeError):
        with no_grad():
            raise RuntimeError('inside')
    assert Config.enable_backprop
    with no_grad():
        with using_config('enable_backprop', True):
            assert Config.enable_backprop
        assert not Config.enable_backprop
    assert Config.enable_backprop

    @no_grad()
    def depth(n):
        """Recursion through one decorated function restores each level's setting."""
        assert not Config.enable_backprop
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(3) == 3 and Config.enable_backprop
    # a failing backward leaves graph recording as it was
    x = Variable(np.array(2.0))
    with pytest.raises(RuntimeError, match='broken'):
        BrokenBackward()(x).backward()
    assert Config.enable_backprop


def test_create_graph_false_builds_no_graph():
    x = Variable(np.array(2.0))
    y = x ** 3
    y.backward()
    assert x.grad.creator is None
    x.cleargrad()
    y = x ** 3
    y.backward(create_graph=True)
    assert x.grad.creator is not None


# --- known results ----------------------------------------------------------------------------
def sphere(x, y):
    return x ** 2 + y ** 2


def matyas(x, y):
    return 0.26 * (x ** 2 + y ** 2) - 0.48 * x * y


def goldstein(x, y):
    return (1 + (x + y + 1) ** 2 * (19 - 14 * x + 3 * x ** 2 - 14 * y + 6 * x * y + 3 * y ** 2)) * \
        (30 + (2 * x - 3 * y) ** 2 * (18 - 32 * x + 12 * x ** 2 + 48 * y - 36 * x * y + 27 * y ** 2))


@pytest.mark.parametrize('f,expected', [(sphere, (2.0, 2.0)), (matyas, (0.04, 0.04)),
                                        (goldstein, (-5376.0, 8064.0))])
def test_optimisation_benchmark_gradients(f, expected):
    x, y = Variable(np.array(1.0)), Variable(np.array(1.0))
    f(x, y).backward()
    np.testing.assert_allclose((x.grad.data, y.grad.data), expected, rtol=1e-12)


def test_rosenbrock_gradient_descent_reaches_minimum():
    x0, x1 = Variable(np.array(0.0)), Variable(np.array(2.0))
    for _ in range(50000):
        y = 100 * (x1 - x0 ** 2) ** 2 + (1 - x0) ** 2
        x0.cleargrad()
        x1.cleargrad()
        y.backward()
        x0.data -= 0.001 * x0.grad.data
        x1.data -= 0.001 * x1.grad.data
    np.testing.assert_allclose((x0.data, x1.data), (1.0, 1.0), atol=1e-3)


def test_newton_method_with_automatic_second_derivative():
    x = Variable(np.array(2.0))
    path = []
    for _ in range(10):
        y = x ** 4 - 2 * x ** 2
        x.cleargrad()
        y.backward(create_graph=True)
        gx = x.grad
        x.cleargrad()
        gx.backward()
        x.data = x.data - gx.data / x.grad.data
        path.append(float(x.data))
    np.testing.assert_allclose(path[:2], [1.4545454545454546, 1.1510467893775467], rtol=1e-12)
    assert abs(path[-1] - 1.0) < 1e-12


def nth_derivative(f, x, n):
    y = f(x)
    y.backward(create_graph=True)
    for _ in range(n - 1):
        gx = x.grad
        x.cleargrad()
        gx.backward(create_graph=True)
    return x.grad


@pytest.mark.parametrize('n', [1, 2, 3, 4, 5])
def test_nth_derivative_of_sin(n):
    xs = np.linspace(-3, 3, 7)
    g = nth_derivative(F.sin, Variable(xs.copy()), n)
    expected = [np.cos, lambda t: -np.sin(t), lambda t: -np.cos(t), np.sin][(n - 1) % 4](xs)
    np.testing.assert_allclose(g.data, expected, atol=1e-12)


def test_nth_derivative_of_tanh():
    xs = np.linspace(-2, 2, 5)
    t = np.tanh(xs)
    expected = [1 - t ** 2, -2 * t * (1 - t ** 2), (1 - t ** 2) * (6 * t ** 2 - 2),
                (1 - t ** 2) * (16 * t - 24 * t ** 3)]
    for n, e in enumerate(expected, start=1):
        g = nth_derivative(F.tanh, Variable(xs.copy()), n)
        np.testing.assert_allclose(g.data, e, atol=1e-10)


def test_double_backprop():
    x = Variable(np.array(2.0))
    y = x ** 2
    y.backward(create_graph=True)
    gx = x.grad
    x.cleargrad()
    z = gx ** 3 + y
    z.backward()
    assert x.grad.data == 100.0


# --- memory and depth ---------------------------------------------------------------------------
def test_outputs_are_weak_and_graph_is_freed():
    x = Variable(np.ones(1000))
    y = F.sin(x) * 2.0
    f = y.creator
    ref = weakref.ref(f)
    assert f.outputs[0]() is y
    del f, y
    gc.collect()
    assert ref() is None


def test_long_chain_has_no_recursion_and_frees_memory():
    import tracemalloc
    tracemalloc.start()
    x = Variable(np.array(1.0))
    y = x
    for _ in range(100000):
        y = y * 1.0 + 0.0
    y.backward()
    assert x.grad.data == 1.0
    peak_with_graph = tracemalloc.get_traced_memory()[0]
    del y
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert after < peak_with_graph / 10
    y = x
    for _ in range(3000):
        y = F.sin(y)
    y.backward(create_graph=True)
    assert x.grad.creator is not None


def test_unchain_backward_cuts_graph():
    x = Variable(np.array(1.0))
    a = x * 2.0
    y = a * 3.0
    a.unchain_backward()
    y.unchain_backward()
    assert y.creator is None and a.creator is None


# --- Variable API -----------------------------------------------------------------------------
def test_variable_properties_and_repr():
    x = Variable(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), name='x')
    assert (x.shape, x.ndim, x.size, x.dtype, len(x), x.name) == ((2, 3), 2, 6, np.float64, 2, 'x')
    assert repr(x) == 'variable([[1. 2. 3.]\n          [4. 5. 6.]])'
    assert repr(Variable(None)) == 'variable(None)'
    assert repr(Variable(np.array(0.5))) == 'variable(0.5)'
    assert isinstance(Parameter(np.array(1.0)), Variable)


def test_scalar_results_become_0d_arrays():
    x = Variable(np.array(2.0))
    y = x * x
    assert isinstance(y.data, np.ndarray) and y.data.shape == ()
    x.cleargrad()
    y.backward()
    assert isinstance(x.grad.data, np.ndarray)
    assert isinstance(as_array(3.0), np.ndarray)
    assert as_variable(x) is x


def test_float32_stays_float32():
    x = Variable(np.ones((2, 3), dtype=np.float32))
    y = (x * 2.0 + 1 - x / 3.0) ** 2
    y = F.sum(F.exp(F.sin(y)) @ np.ones((3, 1), dtype=np.float32))
    assert y.dtype == np.float32
    y.backward()
    assert x.grad.dtype == np.float32


# --- errors -----------------------------------------------------------------------------------
@pytest.mark.parametrize('bad', ['3', [1.0, 2.0], 3.0, (1,)])
def test_variable_rejects_non_arrays(bad):
    with pytest.raises(TypeError, match='Variable.*' + type(bad).__name__):
        Variable(bad)


@pytest.mark.parametrize('op', ['+', '-', '*', '/'])
def test_none_and_list_operands_are_rejected(op):
    x = Variable(np.ones(3))
    for bad in (None, [1.0, 2.0, 3.0]):
        with pytest.raises(TypeError, match=type(bad).__name__):
            eval(f'x {op} bad')


def test_broadcast_error_names_function_and_shapes():
    with pytest.raises(ValueError, match=r'add.*\(2, 3\).*\(4,\)'):
        Variable(np.ones((2, 3))) + Variable(np.ones(4))
    with pytest.raises(ValueError, match=r'mul.*\(2, 3\).*\(4,\)'):
        Variable(np.ones((2, 3))) * np.ones(4)


def test_matmul_error_names_shapes():
    with pytest.raises(ValueError, match=r'matmul.*\(2, 3\).*\(4, 5\)'):
        F.matmul(Variable(np.ones((2, 3))), Variable(np.ones((4, 5))))


def test_reshape_error_names_shapes():
    with pytest.raises(ValueError, match=r'reshape.*\(2, 3\).*\(4,\)'):
        F.reshape(Variable(np.ones((2, 3))), (4,))


@pytest.mark.parametrize('name,call', [
    ('sum', lambda x: F.sum(x, axis=2)),
    ('sum', lambda x: x.sum(axis=(0, -3))),
    ('max', lambda x: x.max(axis=2)),
    ('min', lambda x: F.min(x, axis=-3)),
    ('softmax', lambda x: F.softmax(x, axis=2)),
    ('log_softmax', lambda x: F.log_softmax(x, axis=5)),
])
def test_axis_error_names_function_and_shape(name, call):
    """A wrong axis is NumPy's AxisError (so `except AxisError` still works), with the
    function, the shape and the valid range in its message."""
    axis_error = getattr(np, 'exceptions', np).AxisError
    with pytest.raises(axis_error, match=rf'^{name}: axis .* for x of shape \(2, 3\) '
                                         rf'\(axes run from -2 to 1\)$'):
        call(Variable(np.ones((2, 3))))


def test_one_value_as_a_python_number():
    """loss.item(), float(loss), int(loss) and f'{loss:.4f}' work as in PyTorch for a Variable
    holding one value (0-d or any shape of size 1) and refuse anything larger by its shape."""
    v = Variable(np.array(2.75, dtype=np.float32))
    assert v.item() == 2.75 and type(v.item()) is float
    assert float(v) == 2.75 and int(v) == 2
    assert f'{v:.1f}' == '2.8' and f'{v}' == str(v) == 'variable(2.75)'
    assert float(Variable(np.array([[0.5]]))) == 0.5
    loss = F.sum(Variable(np.array([1.0, 2.0])) ** 2)
    assert f'loss {loss:.3f}' == 'loss 5.000'
    with pytest.raises(ValueError, match=r'Variable.item.*shape \(2,\)'):
        float(Variable(np.ones(2)))
    with pytest.raises(ValueError, match='shape None'):
        Variable(None).item()
    with pytest.raises(TypeError, match=r"format '.3f'.*shape \(2, 2\)"):
        f'{Variable(np.ones((2, 2))):.3f}'


def test_import_is_light():
    import subprocess
    import sys
    code = ('import sys, dezero; bad = [m for m in ("matplotlib", "graphviz", "torch") '
            'if m in sys.modules]; print(bad)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == '[]'
    assert dezero.__version__


def test_core_simple_keeps_array_gradients_for_the_books_steps_28_and_29():
    import dezero
    from dezero import core_simple
    assert dezero.is_simple_core is False and core_simple.setup_variable() is core_simple.Variable
    x0 = core_simple.Variable(np.array(0.0))
    x1 = core_simple.Variable(np.array(2.0))
    y = 100 * (x1 - x0 ** 2) ** 2 + (1 - x0) ** 2  # Rosenbrock
    y.backward()
    assert isinstance(x0.grad, np.ndarray) and isinstance(x1.grad, np.ndarray)
    assert x0.grad == -2.0 and x1.grad == 400.0
    x0.data -= 0.001 * x0.grad  # the book's in-place update works on array gradients
    assert x0.data == 0.002


def test_core_simple_shared_input_and_broadcast_gradients():
    from dezero import core_simple
    x = core_simple.Variable(np.array([1.0, 2.0, 3.0]))
    b = core_simple.Variable(np.array(2.0))
    y = x * x / b - x  # x used three times; b broadcast against x
    y.backward()
    np.testing.assert_allclose(x.grad, 2 * x.data / 2.0 - 1)
    np.testing.assert_allclose(b.grad, np.sum(-x.data ** 2 / 4.0))
    assert b.grad.shape == ()


def test_core_simple_function_instance_called_twice_differentiates_both_calls():
    from dezero import core_simple

    class Cube(core_simple.Function):
        def forward(self, x):
            return x ** 3

        def backward(self, gy):
            return 3 * self.inputs[0].data ** 2 * gy

    cube = Cube()
    x1, x2 = core_simple.Variable(np.array(2.0)), core_simple.Variable(np.array(3.0))
    y = cube(x1) * cube(x2)  # y = x1^3 x2^3
    y.backward()
    assert x1.grad == 3 * 4 * 27 and x2.grad == 3 * 9 * 8
    assert cube.inputs[0] is x1  # the instance stays the first call's node


def test_core_simple_rejects_bad_operands():
    from dezero import core_simple
    x = core_simple.Variable(np.array(1.0))
    with pytest.raises(TypeError, match='core_simple'):
        x + 'a'
    with pytest.raises(TypeError, match='numpy.ndarray'):
        core_simple.Variable(1.0)


def test_backward_of_a_leaf_seeds_once():
    x = Variable(np.array([1.0, 2.0]))
    x.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, 1.0])
    x.grad = Variable(np.array([3.0, 4.0]))
    x.backward()
    np.testing.assert_array_equal(x.grad.data, [3.0, 4.0])


# --- third order ------------------------------------------------------------------------------
THIRD = [
    ('cube_of_sin', lambda x: F.sin(x) * x ** 3, (2, 3)),
    ('get_item_cubed', lambda x: x[1:, ::2] ** 3, (3, 4)),
    ('get_item_repeat_cubed', lambda x: F.get_item(x, np.array([0, 0, 2])) ** 3, (3, 2)),
    ('max_cubed', lambda x: F.max(x, axis=1) ** 3, (2, 3)),
    ('broadcast_and_sum_to', lambda x: F.sum_to(F.broadcast_to(x, (2, 3)) ** 3, (3,)), (3,)),
    ('exp_log_tanh', lambda x: F.tanh(F.log(F.exp(x) + 1.0)) * x, (2, 2)),
    ('rpow', lambda x: 1.5 ** x * x, (3,)),
]


@pytest.mark.parametrize('name,f,shape', THIRD, ids=[t[0] for t in THIRD])
def test_third_derivatives(name, f, shape):
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64) * 0.37 - 0.5
    check_third_order(f, x, rtol=1e-3, atol=1e-4)


PENALTY = [
    ('get_item', lambda x: x[1:, ::2] ** 3, (3, 4)),
    ('get_item_repeat', lambda x: F.get_item(x, np.array([0, 0, 2])) ** 3, (3, 2)),
    ('max', lambda x: F.max(x, axis=1) ** 3, (2, 3)),
    ('sum_to_broadcast', lambda x: F.sum_to(F.broadcast_to(x, (2, 3)) ** 3, (3,)), (3,)),
    ('sin_times_x', lambda x: F.sin(x) * x, (2, 3)),
]


@pytest.mark.parametrize('name,f,shape', PENALTY, ids=[p[0] for p in PENALTY])
def test_double_backprop_through_a_penalty_on_the_gradient(name, f, shape):
    x = rng.permutation(int(np.prod(shape))).reshape(shape).astype(np.float64) * 0.37 - 0.5
    check_gradient_penalty(f, x, rtol=1e-3, atol=1e-4)


def test_leaves_sharing_a_gradient_differentiate_through_the_copy():
    # in (a + b) ** 3 both leaves receive the very same gradient, so one of them gets a Copy
    # of it; penalties on that gradient and third derivatives still come out right for both
    f = lambda a, b: (a + b) ** 3  # noqa: E731
    a, b = Variable(rand(2)), Variable(rand(2))
    f(a, b).sum().backward(create_graph=True)
    assert a.grad is not b.grad and 'Copy' in {type(g.creator).__name__ for g in (a.grad, b.grad)}
    check_gradient_penalty(f, rand(2), rand(2), rtol=1e-3, atol=1e-4)
    check_third_order(f, rand(2), rand(2), rtol=1e-3, atol=1e-4)


# --- the operator functions by name and unchain -------------------------------------------
def test_operator_functions_by_name():
    from dezero.core import add, sub, rsub, mul, div, rdiv, neg, pow
    a, b = rand(2, 3), pos(3)
    cases = [(add, a + b), (sub, a - b), (rsub, b - a), (mul, a * b), (div, a / b),
             (rdiv, b / a)]
    for fn, want in cases:
        got = fn(Variable(a), b)
        assert isinstance(got, Variable)
        np.testing.assert_allclose(got.data, want)
        check_function(lambda v, fn=fn: fn(v, b), a)
    np.testing.assert_array_equal(neg(a).data, -a)
    np.testing.assert_allclose(pow(Variable(b), 3).data, b ** 3)
    check_function(lambda v: pow(v, 3), b)


def test_unchain_cuts_one_link():
    x = Variable(np.array(2.0))
    h = x * 3.0
    y = h * h
    h.unchain()
    assert h.creator is None
    y.backward()
    assert x.grad is None and h.grad.data == 12.0  # h is a leaf now: dy/dh = 2h
    y2 = (x * 3.0) ** 2
    y2.backward()
    assert x.grad.data == 36.0  # the link is cut only where unchain was called


def test_a_subclass_with_the_books_own_call_and_list_outputs():
    class BookStyle(Function):  # __call__ as the book writes it: outputs kept in a list
        def __call__(self, *inputs):
            inputs = [as_variable(x) for x in inputs]
            ys = self.forward(*[x.data for x in inputs])
            ys = ys if isinstance(ys, tuple) else (ys,)
            outputs = [Variable(as_array(y)) for y in ys]
            self.generation = max([x.generation for x in inputs])
            for output in outputs:
                output.set_creator(self)
            self.inputs = inputs
            self.outputs = [weakref.ref(output) for output in outputs]
            return outputs if len(outputs) > 1 else outputs[0]

    class Split(BookStyle):
        def forward(self, x):
            return x * 2, x * 3

        def backward(self, g0, g1):
            return g0 * 2 + g1 * 3

    class Square(BookStyle):
        def forward(self, x):
            return x ** 2

        def backward(self, gy):
            return 2 * self.inputs[0] * gy

    x = Variable(np.array(1.5))
    a, b = Split()(x)
    (a * 5.0 + b * 7.0).backward()  # each output keeps its own gradient: 2*5 + 3*7
    assert x.grad.data == 31.0
    x.cleargrad()
    a, b = Split()(x)
    a.backward(retain_grad=True)  # starting at one output of several
    assert x.grad.data == 2.0 and a.grad.data == 1.0
    x.cleargrad()
    Square()(Square()(x)).backward(create_graph=True)  # d x**4 = 4 x**3
    assert x.grad.data == 4 * 1.5 ** 3
    a, b = Split()(x)
    del b
    with pytest.raises(ValueError, match='Split: an output was freed'):
        a.backward()


def test_setup_variable_is_the_books_no_op():
    """The book's __init__ calls setup_variable() to patch operators on; here they are in a
    class body Variable inherits (dezero.arraylike.ArrayLike), and the call changes nothing."""
    from dezero.arraylike import ArrayLike
    assert issubclass(Variable, ArrayLike)
    assert '__mul__' in ArrayLike.__dict__ and '__add__' in ArrayLike.__dict__
    assert dezero.setup_variable() is Variable
    x = Variable(np.array(2.0))
    y = x * 3.0 + x
    y.backward()
    assert y.data == 8.0 and x.grad.data == 4.0


# --- a function instance called more than once ---------------------------------------------
class _Scale(Function):
    """y = k x, with k given to the constructor (a user Function with a __dict__)."""

    def __init__(self, k):
        self.k = k

    def forward(self, x):
        self.seen = x.copy()  # state a forward saves for its backward
        return x * self.k

    def backward(self, gy):
        return gy * self.k


class _Halves(Function):
    """Two outputs: y0 = 2 x, y1 = 3 x."""

    def forward(self, x):
        return 2.0 * x, 3.0 * x

    def backward(self, g0, g1):
        return 2.0 * g0 + 3.0 * g1


def test_one_function_instance_called_twice_differentiates_both_calls():
    sin, scale = F.Sin(), _Scale(4.0)

    def f(x1, x2):
        # each instance is called twice before backward, both calls in one graph
        return sin(x1) * sin(x2) + scale(x1) * scale(x2)

    check_function(f, np.array([0.3, -1.2, 2.0]), np.array([1.1, 0.4, -0.7]))
    x1, x2 = Variable(np.array(0.5)), Variable(np.array(2.0))
    y1, y2 = sin(x1), sin(x2)
    assert y1.creator is not y2.creator  # each call is a node of its own
    assert y1.creator.inputs[0] is x1 and y2.creator.inputs[0] is x2
    halves = _Halves()  # a function of several outputs, called twice
    p, q = halves(x1)
    r, s = halves(x2)
    (p + 10 * q + 100 * r + 1000 * s).backward()
    assert x1.grad.data == 2 + 30 and x2.grad.data == 200 + 3000


def test_a_reused_function_keeps_each_calls_own_forward_state():
    mse = F.MeanSquaredError()
    a, t = Variable(np.array([1.0, 2.0])), np.array([0.0, 0.0])
    loss = mse(a, t)
    with no_grad():  # a call that records nothing must not overwrite the first call's state
        mse(np.array([5.0, 5.0]), t)
    loss.backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 2.0])  # 2 (a - t) / len
    scale = _Scale(3.0)
    u, v = Variable(np.array(1.0)), Variable(np.array(7.0))
    yu, yv = scale(u), scale(v)
    assert yu.creator.seen == 1.0 and yv.creator.seen == 7.0 and yu.creator.k == 3.0


def test_function_instances_as_layers_of_a_sequential_train_like_functions():
    # the book's GAN example builds its networks from F.ReLU(), F.Reshape(...) and friends;
    # every forward pass calls the same instances again, twice before each backward here
    from dezero.models import Sequential
    import dezero.layers as L

    def grads(make_net):
        np.random.seed(0)
        net = make_net()
        x1, x2 = np.random.randn(4, 6), np.random.randn(4, 6)
        loss = F.sum(net(x1) * net(x2))
        net.cleargrads()
        loss.backward()
        return [p.grad.data.copy() for p in net.params()]

    with_instances = grads(lambda: Sequential(
        L.Linear(12), F.Reshape((-1, 3, 4)), F.LeakyReLU(0.1), F.Reshape((-1, 12)),
        L.Linear(5), F.Sigmoid()))
    with_functions = grads(lambda: Sequential(
        L.Linear(12), lambda h: F.reshape(h, (-1, 3, 4)), lambda h: F.leaky_relu(h, 0.1),
        lambda h: F.reshape(h, (-1, 12)), L.Linear(5), F.sigmoid))
    assert len(with_instances) == len(with_functions) == 4
    for got, want in zip(with_instances, with_functions):
        np.testing.assert_allclose(got, want, rtol=1e-12)
