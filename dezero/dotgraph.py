"""Pictures of computational graphs: `graph` (a `graphviz.Digraph`, shown inline in Jupyter),
DOT source with `get_dot_graph`, files with `plot_dot_graph`; all three share the labels below.

The graph is walked from an output Variable back through `creator` and `inputs`, without
recursion, so graphs of any depth can be drawn. Variables are ovals, functions are boxes, and
arrows follow the forward computation (input -> function -> output).

Rendering needs Graphviz's `dot` program (`apt install graphviz` / `brew install graphviz`);
the DOT source is built with the `graphviz` Python package, imported only when a graph is drawn.
"""
import numbers
import os
import shutil

import numpy as np

from dezero import cuda
from dezero._atomic import replacing
from dezero.core import Variable

# formats `plot_dot_graph` can write, keyed by file extension
_FORMATS = ('png', 'svg', 'pdf')
_VARIABLE_STYLE = {'shape': 'ellipse', 'style': 'filled', 'fillcolor': '#fde3bd', 'color': '#c98a2b'}
_FUNCTION_STYLE = {'shape': 'box', 'style': 'filled', 'fillcolor': '#d3e4f5', 'color': '#4f7fb0'}
# a variable showing its data or gradient: a record, one field per line of text
_RECORD_STYLE = dict(_VARIABLE_STYLE, shape='Mrecord')


class GraphvizNotFoundError(RuntimeError):
    """Raised by `plot_dot_graph` when Graphviz's `dot` program is not installed."""


# ---------------------------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------------------------
# operations between a Variable and a constant (kept in the function's attribute `c`): how the
# label reads, with {x} the input's name and {c} the constant
_CONSTANT_OPS = {
    'AddConstant': '{x} + {c}', 'SubConstant': '{x} - {c}', 'RSubConstant': '{c} - {x}',
    'MulConstant': '{x} * {c}', 'DivConstant': '{x} / {c}', 'RDivConstant': '{c} / {x}',
    'Pow': '{x} ** {c}', 'PowConstant': '{x} ** {c}', 'RPowConstant': '{c} ** {x}',
}


def _constant_text(c):
    """A scalar constant as `%g` would print it (2, 0.5, 1e-08); an array by its shape."""
    shape = getattr(c, 'shape', ())
    if shape == () and isinstance(c, (numbers.Number, np.generic, np.ndarray)):
        c = c.item() if hasattr(c, 'item') else c
        return f'{c:g}' if isinstance(c, numbers.Real) else str(c)
    if shape == ():
        return str(c)
    return f'array{tuple(shape)}'


def _function_label(f):
    """A function by its operation: `Mul`, `Sin`; a step with a constant as the expression it
    computes, with the input's name when it has one (`y * 3`) and nothing for it otherwise
    (`* 3`, `1 -`): never a made-up name for the input."""
    name = type(f).__name__
    pattern = _CONSTANT_OPS.get(name)
    c = getattr(f, 'c', None)
    if pattern is None or c is None:
        return name
    inputs = f.inputs
    x = inputs[0].name if len(inputs) == 1 and inputs[0].name is not None else ''
    return pattern.format(x=x, c=_constant_text(c)).strip()


def _variable_label(v, verbose):
    """A variable by its name, followed by shape and dtype when verbose (the book's labels)."""
    parts = []
    if v.name is not None:
        parts.append(str(v.name))
    if verbose:
        info = 'None' if v.data is None else f'{v.data.shape} {v.data.dtype}'
        parts.append(info)
    return ': '.join(parts)


def _array_text(a):
    """An array as NumPy prints it, shortened: a graph node has room for a few numbers."""
    if a is None:
        return 'None'
    a = cuda.as_numpy(a)
    return np.array2string(a, precision=4, threshold=12, edgeitems=2, max_line_width=48,
                           suppress_small=True)


def _record_field(text):
    """Text as one field of a Graphviz record: special characters escaped, each line left-
    justified (so the columns of an array stay aligned)."""
    text = text.replace('\\', '\\\\')
    for ch in '{}|<>" ':
        text = text.replace(ch, '\\' + ch)
    return ''.join(line + '\\l' for line in text.split('\n'))


def _value_label(v, verbose, values, grads):
    """The record label of a variable showing its data and/or gradient (micrograd's style)."""
    fields = []
    head = _variable_label(v, verbose)
    if head:
        fields.append(_record_field(head))
    if values:
        fields.append(_record_field('data ' + _array_text(v.data)))
    if grads:
        g = v.grad
        fields.append(_record_field('grad ' + _array_text(None if g is None else g.data)))
    return '{' + '|'.join(fields) + '}'


# ---------------------------------------------------------------------------------------------
# Nodes and edges
# ---------------------------------------------------------------------------------------------
def _add_variable(graph, v, verbose, values=False, grads=False):
    import graphviz
    if values or grads:
        graph.node(str(id(v)), graphviz.nohtml(_value_label(v, verbose, values, grads)),
                   **_RECORD_STYLE)
    else:
        # escape: a name such as '<x>' must not be read as an HTML label
        graph.node(str(id(v)), graphviz.escape(_variable_label(v, verbose)), **_VARIABLE_STYLE)


def _add_function(graph, f):
    """The box of function f and the arrows from its inputs and to its live outputs."""
    import graphviz
    key = str(id(f))
    graph.node(key, graphviz.escape(_function_label(f)), **_FUNCTION_STYLE)
    for x in f.inputs:
        graph.edge(str(id(x)), key)
    for ref in f.outputs:
        y = ref()
        if y is not None:  # outputs are weak references; a dropped output is not drawn
            graph.edge(key, str(id(y)))


def _statements(add, *args):
    """The DOT statements that `add(graph, *args)` writes, as text."""
    import graphviz
    graph = graphviz.Digraph()
    add(graph, *args)
    return ''.join(graph.body)


def _dot_var(v, verbose=False):
    """The DOT statement of Variable v's node, as the book's step 26 prints it."""
    return _statements(_add_variable, v, verbose)


def _dot_func(f):
    """The DOT statements of Function f's node and of its arrows (book step 26)."""
    return _statements(_add_function, f)


def _outputs_of(who, output):
    outputs = list(output) if isinstance(output, (tuple, list)) else [output]
    for v in outputs:
        if not isinstance(v, Variable):
            raise TypeError(f'{who}: expected a Variable (or a list of Variables) as output, '
                            f'got {type(v).__name__}')
    if not outputs:
        raise ValueError(f'{who}: expected at least one Variable to draw')
    return outputs


def _build(outputs, verbose, values=False, grads=False):
    """The graphviz.Digraph of everything that produced `outputs` (a list of Variables)."""
    import graphviz

    graph = graphviz.Digraph(node_attr={'fontname': 'Helvetica'})
    seen_variables = set()

    def add_variable(v):
        if id(v) not in seen_variables:
            seen_variables.add(id(v))
            _add_variable(graph, v, verbose, values, grads)

    seen_functions = set()
    pending = []
    for output in outputs:
        add_variable(output)
        creator = output.creator
        if creator is not None and id(creator) not in seen_functions:
            pending.append(creator)
            seen_functions.add(id(creator))
    while pending:
        f = pending.pop()
        for x in f.inputs:
            add_variable(x)
            creator = x.creator
            if creator is not None and id(creator) not in seen_functions:
                seen_functions.add(id(creator))
                pending.append(creator)
        for ref in f.outputs:
            y = ref()
            if y is not None:
                add_variable(y)
        _add_function(graph, f)
    return graph


def graph(output, verbose=True, values=False, grads=False):
    """The graph that produced `output` as a `graphviz.Digraph`, to show or to render.

    In Jupyter the returned object displays itself as an SVG picture; elsewhere call
    `.render('name', format='png')`, `.pipe(format='svg')` or read `.source` (the DOT text).
    Variables are ovals labelled by their name (and shape and dtype when `verbose`), functions
    are boxes labelled by their operation. `values=True` and `grads=True` print each variable's
    data and gradient on its node, as micrograd's `draw_dot` does. `output` may be a list of
    Variables (one picture of them all), and may be a gradient built with
    `backward(create_graph=True)`: it is a graph like any other. Displaying or rendering needs
    Graphviz's `dot` program; building the object needs only the `graphviz` Python package.
    """
    return _build(_outputs_of('graph', output), verbose, values, grads)


def get_dot_graph(output, verbose=True):
    """Return the DOT source (a str) of the graph that produced the Variable `output`."""
    if not isinstance(output, Variable):
        raise TypeError(f'get_dot_graph: expected a Variable as output, got {type(output).__name__}')
    return _build([output], verbose).source


def plot_dot_graph(output, verbose=True, to_file='graph.png'):
    """Render the graph of `output` to `to_file` (png, svg or pdf, from its extension) with `dot`.

    The DOT source is written beside the picture, with the extension `.dot` (`graph.png` ->
    `graph.dot`), and is kept, so it exists even when `dot` is missing or fails. Both files are
    written atomically: a render that fails leaves an earlier picture as it was. Returns an
    IPython image object when running under IPython (notebooks show it), otherwise the path
    of the picture.
    """
    to_file = os.fspath(to_file)
    root, ext = os.path.splitext(to_file)
    fmt = ext[1:].lower()
    if fmt not in _FORMATS:
        raise ValueError(f'plot_dot_graph: cannot tell the picture format from to_file={to_file!r}; '
                         f'expected a file name ending in one of '
                         f'{", ".join("." + f for f in _FORMATS)}')
    source = get_dot_graph(output, verbose)

    directory = os.path.dirname(to_file)
    if directory:
        os.makedirs(directory, exist_ok=True)
    dot_path = root + '.dot'
    with replacing(dot_path) as tmp:
        with open(tmp, 'w', encoding='utf-8') as f:
            f.write(source)

    dot = shutil.which('dot')
    if dot is None:
        raise GraphvizNotFoundError(
            f"plot_dot_graph: Graphviz's `dot` program is needed to render {to_file} but was not "
            f'found on PATH. Install Graphviz (`apt install graphviz` on Debian/Ubuntu, '
            f'`brew install graphviz` on macOS). The DOT source was still written to {dot_path}; '
            f'render it later with `dot -T{fmt} {dot_path} -o {to_file}`.')

    import subprocess
    with replacing(to_file) as tmp:  # a failed render leaves an earlier picture as it was
        result = subprocess.run([dot, f'-T{fmt}', dot_path, '-o', tmp],
                                capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f'plot_dot_graph: `dot` failed with exit status '
                               f'{result.returncode} while rendering {dot_path} to {to_file}: '
                               f'{result.stderr.strip()}')
    return _notebook_image(to_file, fmt)


def _notebook_image(path, fmt):
    import sys
    # only when IPython already runs this code: importing it in a plain script costs time
    if 'IPython' not in sys.modules or fmt == 'pdf':
        return path
    try:
        from IPython import display
    except ImportError:
        return path
    return display.SVG(filename=path) if fmt == 'svg' else display.Image(filename=path)
