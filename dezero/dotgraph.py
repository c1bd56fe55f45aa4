"""Pictures of computational graphs: DOT source with `get_dot_graph`, files with `plot_dot_graph`.

The graph is walked from an output Variable back through `creator` and `inputs`, without
recursion, so graphs of any depth can be drawn. Variables are ovals, functions are boxes, and
arrows follow the forward computation (input -> function -> output).

Rendering needs Graphviz's `dot` program (`apt install graphviz` / `brew install graphviz`);
the DOT source is built with the `graphviz` Python package, imported only when a graph is drawn.
"""
import os
import shutil

from dezero._atomic import replacing
from dezero.core import Variable

# formats `plot_dot_graph` can write, keyed by file extension
_FORMATS = ('png', 'svg', 'pdf')
_VARIABLE_STYLE = {'shape': 'ellipse', 'style': 'filled', 'fillcolor': '#fde3bd', 'color': '#c98a2b'}
_FUNCTION_STYLE = {'shape': 'box', 'style': 'filled', 'fillcolor': '#d3e4f5', 'color': '#4f7fb0'}


class GraphvizNotFoundError(RuntimeError):
    """Raised by `plot_dot_graph` when Graphviz's `dot` program is not installed."""


def _variable_label(v, verbose):
    parts = []
    if v.name is not None:
        parts.append(str(v.name))
    if verbose:
        info = 'None' if v.data is None else f'{v.data.shape} {v.data.dtype}'
        parts.append(info)
    return ': '.join(parts)


def _add_variable(graph, v, verbose):
    import graphviz
    # escape: a name such as '<x>' must not be read as an HTML label
    graph.node(str(id(v)), graphviz.escape(_variable_label(v, verbose)), **_VARIABLE_STYLE)


def _add_function(graph, f):
    """The box of function f and the arrows from its inputs and to its live outputs."""
    import graphviz
    key = str(id(f))
    graph.node(key, graphviz.escape(getattr(f, 'label', None) or type(f).__name__),
               **_FUNCTION_STYLE)
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


def get_dot_graph(output, verbose=True):
    """Return the DOT source (a str) of the graph that produced the Variable `output`."""
    if not isinstance(output, Variable):
        raise TypeError(f'get_dot_graph: expected a Variable as output, got {type(output).__name__}')
    import graphviz

    graph = graphviz.Digraph(node_attr={'fontname': 'Helvetica'})
    seen_variables = set()

    def add_variable(v):
        if id(v) not in seen_variables:
            seen_variables.add(id(v))
            _add_variable(graph, v, verbose)

    add_variable(output)
    seen_functions = set()
    pending = []
    if output.creator is not None:
        pending.append(output.creator)
        seen_functions.add(id(output.creator))
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
    return graph.source


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
