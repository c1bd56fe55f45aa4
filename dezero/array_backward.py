"""A first-order backward on plain arrays: what `y.backward()` runs when no graph of the
backward pass is wanted (no `create_graph`).

What it buys: the reference walk (`_backprop` in `dezero/core.py`) runs every backward rule on
Variables, so each step of the backward pass builds Variables and goes through
`Function.__call__`, even with recording off. Here a function that defines `backward_data`
runs its rule on arrays directly, which saves about a microsecond per step: most of the
backward time of a small network (the book's step-43 loop), none of a large one.

The one rule it keeps: it visits the same functions in the same order as the reference walk
and hands every variable the same gradient. A function without `backward_data` runs its
Variable `backward` (through `run_backward`). The tests run every function through both
walks and compare.
"""
import heapq


def backprop(y, seed, retain_grad, rules):
    """The gradients of y, seeded with the array `seed`, for every leaf below it.

    Returns `({leaf: gradient array}, [(intermediate variable, gradient array), ...])`, the
    second list filled only when `retain_grad`. `rules` holds what this walk borrows from the
    core (which it cannot import: it sits below it): `run_backward(f, gy_arrays)` runs the
    Variable backward of a function without `backward_data` and checks its gradients as the
    reference walk does; `check_input_grad(f, i, x, g)` and `call_time(f)` raise the reference
    walk's errors for a parameter changed in place and a function linked by hand (called only
    when a quick test fails); `zeros_for(f, i, wrap)` makes the zero gradient of an output
    nothing used.
    """
    grads = {y: seed}  # gradients waiting for their variable's creator to run
    retained = []
    heap, queued = [], set()  # heap: (-call time, function), the most recent call on top
    # local names for what the loop calls per step: a wide graph runs it once per function
    pop, get, enqueue = grads.pop, grads.get, queued.add
    push, pushpop, next_on_heap = heapq.heappush, heapq.heappushpop, heapq.heappop
    f = y.creator
    rules.call_time(f)
    enqueue(f)
    while f is not None:
        gys = []
        for ref in f.outputs:
            o = ref()
            g = None if o is None else pop(o, None)
            if g is None:  # an output nothing used: a zero gradient
                g = rules.zeros_for(f, len(gys), _same)
            elif o is not y:
                if retain_grad:
                    retained.append((o, g))
                else:
                    o.grad = None  # the book drops intermediate gradients
            gys.append(g)
        rule = f.backward_data
        inputs = f.inputs
        if rule is not None:  # built-in array rules: checked against backward by the tests
            gxs = rule(*gys)
            if gxs.__class__ is not tuple:
                gxs = (gxs,)
        else:  # checks the number and shapes of the gradients, as the reference walk does
            gxs = rules.run_backward(f, gys)
        called_at = f._called_at
        nxt = None  # the newest function this step made ready (it skips the heap if it can)
        for x, g in zip(inputs, gxs):
            if g is None:
                continue
            if x._modified_at > called_at:
                rules.check_input_grad(f, inputs.index(x), x, g)
            prev = get(x)
            if prev is not None:
                grads[x] = prev + g
                continue
            grads[x] = g
            c = x.creator
            if c is None or c in queued:
                continue
            enqueue(c)
            if c._called_at is None:
                rules.call_time(c)  # raises: linked by hand
            if nxt is None:
                nxt = c
            elif c._called_at > nxt._called_at:
                push(heap, (-nxt._called_at, nxt))
                nxt = c
            else:
                push(heap, (-c._called_at, c))
        if nxt is not None:  # nxt goes next unless a function waiting is more recent
            f = pushpop(heap, (-nxt._called_at, nxt))[1] if heap else nxt
        else:
            f = next_on_heap(heap)[1] if heap else None
    return grads, retained


def _same(a):
    return a
