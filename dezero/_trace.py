"""Record one forward pass of a model as a list of functions: what `dezero.onnx.export` writes
out and `dezero.interop.to_torch` replays.

The tracer reads only the public graph: `Variable.creator`, `Function.inputs` and
`Function.outputs` (weak references, `f.outputs[i]()`), and each function's class name and
settings. It walks back from the outputs to the given inputs, so anything the forward computed
from neither (a zero initial state, a constant array) becomes a constant of the trace.
"""
import numpy as np

from dezero import cuda
from dezero.core import Parameter, Variable, using_config


class Trace:
    """One recorded forward pass.

    inputs, outputs: the graph's input and output Variables, in order.
    functions: every Function between them, in an order in which each runs after the functions
    that produced its inputs.
    params: {Parameter: (name, Parameter)} for the model's parameters the pass used; names
    are the model's dotted attribute paths ('l0.W'); a parameter outside the model is
    'param<k>'.
    """

    def __init__(self, inputs, outputs, functions, params, param_arrays):
        self.inputs = inputs
        self.outputs = outputs
        self.functions = functions
        self.params = params
        self.param_arrays = param_arrays  # {id(array): name} for the model's parameter arrays,
        # which the model keeps alive while the trace is used

    def output_vars(self, f):
        """The outputs of `f` as Variables (None for an output nobody kept alive)."""
        return [ref() for ref in f.outputs]


def model_param_names(model):
    """{Parameter: (dotted name, Parameter)} of a Layer's parameters; {} for a callable."""
    flat = {}
    flatten = getattr(model, '_flatten_params', None)
    if flatten is not None:
        flatten(flat)
    return {p: (name.replace('/', '.'), p) for name, p in flat.items()}


def as_inputs(who, x):
    """The example input(s) as a tuple of Variables (a tuple or list means several inputs)."""
    xs = tuple(x) if isinstance(x, (tuple, list)) else (x,)
    out = []
    for i, v in enumerate(xs):
        if isinstance(v, Variable):
            out.append(v)
        elif isinstance(v, cuda.array_types) or isinstance(v, np.ndarray):
            out.append(Variable(cuda.as_numpy(v)))
        else:
            raise TypeError(f'{who}: input {i} must be a NumPy array or a Variable, got '
                            f'{type(v).__name__}')
    return tuple(out)


def trace(who, model, x):
    """Run `model(*inputs)` once in test mode with backprop recording on; return the Trace."""
    inputs = as_inputs(who, x)
    with using_config('enable_backprop', True), using_config('train', False):
        ys = model(*inputs)
    outputs = tuple(ys) if isinstance(ys, (tuple, list)) else (ys,)
    for i, y in enumerate(outputs):
        if not isinstance(y, Variable):
            raise TypeError(f'{who}: the model returned {type(y).__name__} as output {i}; '
                            f'expected Variables')
    stop = {v for v in inputs}
    functions = _topological(outputs, stop)
    names = model_param_names(model)
    params = {}
    for f in functions:
        for v in f.inputs:
            if isinstance(v, Parameter) and v not in params and v not in stop:
                params[v] = names.get(v, (f'param{len(params)}', v))
    for y in outputs:
        if isinstance(y, Parameter) and y not in params:
            params[y] = names.get(y, (f'param{len(params)}', y))
    arrays = {id(p.data): name for name, p in names.values() if p.data is not None}
    return Trace(inputs, outputs, functions, params, arrays)


def _topological(outputs, stop):
    """Functions from the inputs to `outputs`, each after the creators of its inputs."""
    order, state = [], {}
    stack = [y.creator for y in outputs if y not in stop and y.creator is not None]
    while stack:
        f = stack[-1]
        s = state.get(f)
        if s is None:
            state[f] = 1
            for x in f.inputs:
                if x in stop:
                    continue
                c = x.creator
                if c is not None and c not in state:
                    stack.append(c)
        else:
            stack.pop()
            if s == 1:
                state[f] = 2
                order.append(f)
    return order
