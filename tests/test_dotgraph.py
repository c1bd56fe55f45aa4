"""Tests for dezero.dotgraph: the DOT source of small graphs, deep graphs, rendering with `dot`."""
import os
import re
import shutil
import sys

import numpy as np
import pytest

from dezero import Function, Variable
from dezero.dotgraph import GraphvizNotFoundError, get_dot_graph, plot_dot_graph

pytest.importorskip('graphviz')

needs_dot = pytest.mark.skipif(shutil.which('dot') is None, reason="Graphviz's dot is not installed")
_NODE = re.compile(r'^\s*(\d+) \[(.*)\]$')
_EDGE = re.compile(r'^\s*(\d+) -> (\d+)$')
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^ \]]+)')


def parse_dot(source):
    """Return ({node id: {attr: value}}, [(tail, head), ...]) of the DOT source that dezero writes."""
    nodes, edges = {}, []
    for line in source.splitlines():
        m = _NODE.match(line)
        if m:
            assert m.group(1) not in nodes, f'node {m.group(1)} declared twice'
            attrs = {k: v[1:-1] if v.startswith('"') else v for k, v in _ATTR.findall(m.group(2))}
            nodes[m.group(1)] = attrs
            continue
        m = _EDGE.match(line)
        if m:
            edges.append((m.group(1), m.group(2)))
    return nodes, edges


def sample_graph():
    x0 = Variable(np.ones((2, 3)), name='x0')
    x1 = Variable(np.full((2, 3), 2.0), name='x1')
    t = x0 * x1
    y = t + x0
    y.name = 'y'
    return x0, x1, t, y


def test_graph_of_mul_add_has_its_nodes_edges_and_labels():
    x0, x1, t, y = sample_graph()
    nodes, edges = parse_dot(get_dot_graph(y))
    n = {name: str(id(obj)) for name, obj in
         [('x0', x0), ('x1', x1), ('t', t), ('y', y), ('mul', t.creator), ('add', y.creator)]}

    assert set(nodes) == set(n.values())
    assert nodes[n['x0']]['label'] == 'x0: (2, 3) float64'
    assert nodes[n['x1']]['label'] == 'x1: (2, 3) float64'
    assert nodes[n['y']]['label'] == 'y: (2, 3) float64'
    assert nodes[n['t']]['label'] == '(2, 3) float64'  # unnamed: shape and dtype only
    assert nodes[n['mul']]['label'] == 'Mul'
    assert nodes[n['add']]['label'] == 'Add'
    for v in ('x0', 'x1', 't', 'y'):
        assert nodes[n[v]]['shape'] == 'ellipse'
    for f in ('mul', 'add'):
        assert nodes[n[f]]['shape'] == 'box'
    assert sorted(edges) == sorted([
        (n['x0'], n['mul']), (n['x1'], n['mul']), (n['mul'], n['t']),
        (n['t'], n['add']), (n['x0'], n['add']), (n['add'], n['y'])])


def test_not_verbose_hides_shapes_and_dtypes():
    x0, x1, t, y = sample_graph()
    source = get_dot_graph(y, verbose=False)
    nodes, _ = parse_dot(source)
    assert nodes[str(id(x0))]['label'] == 'x0'
    assert nodes[str(id(y))]['label'] == 'y'
    assert nodes[str(id(t))]['label'] == ''
    assert 'float64' not in source and '(2, 3)' not in source


def test_zero_d_and_float32_labels():
    x = Variable(np.array(1.0, dtype=np.float32), name='x')
    y = x * x
    nodes, edges = parse_dot(get_dot_graph(y))
    assert nodes[str(id(x))]['label'] == 'x: () float32'
    # x * x: one function, two edges from x (one per input slot), one to y
    assert len([a for a in nodes.values() if a['shape'] == 'box']) == 1
    assert edges.count((str(id(x)), str(id(y.creator)))) == 2


def test_a_variable_without_creator_is_a_single_node():
    x = Variable(np.zeros(3), name='lonely')
    nodes, edges = parse_dot(get_dot_graph(x))
    assert list(nodes.values())[0]['label'] == 'lonely: (3,) float64' and edges == []


def test_shared_subgraph_is_drawn_once():
    x = Variable(np.array(2.0), name='x')
    a = x * x
    b = a + a
    c = b * a
    nodes, edges = parse_dot(get_dot_graph(c))
    functions = [k for k, v in nodes.items() if v['shape'] == 'box']
    assert sorted(functions) == sorted(str(id(f)) for f in (a.creator, b.creator, c.creator))
    assert len(nodes) == 4 + 3  # x, a, b, c and three functions
    assert len(edges) == 6 + 3  # two inputs each, one output each


def test_long_chain_builds_without_recursion_error():
    x = Variable(np.array(1.0), name='x')
    y = x
    for _ in range(10000):
        y = -y
    nodes, edges = parse_dot(get_dot_graph(y, verbose=False))
    assert len(nodes) == 20001
    assert len(edges) == 20000


class _TwoOutputs(Function):
    def forward(self, x):
        return x, 2 * x

    def backward(self, gy0, gy1):
        return gy0 + 2 * gy1


def test_dropped_outputs_are_skipped_and_live_ones_drawn():
    x = Variable(np.ones(2), name='x')
    kept, dropped = _TwoOutputs()(x)
    kept.name = 'kept'
    f = kept.creator
    dropped_id = str(id(dropped))
    z = kept + 1
    nodes, edges = parse_dot(get_dot_graph(z))
    assert dropped_id in nodes and (str(id(f)), dropped_id) in edges  # still alive: drawn
    del dropped
    nodes, edges = parse_dot(get_dot_graph(z))
    assert dropped_id not in nodes
    assert [e for e in edges if e[0] == str(id(f))] == [(str(id(f)), str(id(kept)))]


def test_odd_names_are_escaped():
    x = Variable(np.ones(1), name='<b>"q"\\')
    source = get_dot_graph(x * 2, verbose=False)
    assert 'label=<' not in source  # not taken for an HTML label
    assert r'\"q\"' in source


def test_rejects_non_variable():
    with pytest.raises(TypeError, match='get_dot_graph.*ndarray'):
        get_dot_graph(np.ones(2))


def test_book_step26_helpers_give_one_node_and_one_function_with_its_arrows():
    from dezero.utils import _dot_func, _dot_var
    x = Variable(np.random.randn(2, 3), name='x')
    nodes, edges = parse_dot(_dot_var(x))
    assert nodes == {str(id(x)): nodes[str(id(x))]} and edges == []
    assert nodes[str(id(x))]['label'] == 'x'
    assert parse_dot(_dot_var(x, verbose=True))[0][str(id(x))]['label'] == 'x: (2, 3) float64'

    x0, x1 = Variable(np.array(1.0)), Variable(np.array(1.0))
    y = x0 + x1
    f = y.creator
    nodes, edges = parse_dot(_dot_func(f))
    assert set(nodes) == {str(id(f))}
    assert nodes[str(id(f))]['label'] == 'Add' and nodes[str(id(f))]['shape'] == 'box'
    assert sorted(edges) == sorted([(str(id(x0)), str(id(f))), (str(id(x1)), str(id(f))),
                                    (str(id(f)), str(id(y)))])


# ---------------------------------------------------------------------------------------------
# plot_dot_graph
# ---------------------------------------------------------------------------------------------
@needs_dot
@pytest.mark.parametrize('ext, magic', [('png', b'\x89PNG\r\n\x1a\n'), ('svg', None), ('pdf', b'%PDF')])
def test_renders_picture_with_right_format(tmp_path, ext, magic):
    *_, y = sample_graph()
    target = tmp_path / 'sub' / f'graph.{ext}'
    result = plot_dot_graph(y, verbose=True, to_file=str(target))
    data = target.read_bytes()
    if magic is None:
        assert b'<svg' in data[:1000]
    else:
        assert data.startswith(magic)
    assert 'digraph' in (tmp_path / 'sub' / 'graph.dot').read_text()
    if 'IPython' not in sys.modules:
        assert result == str(target)


@needs_dot
def test_accepts_path_objects_and_upper_case_extension(tmp_path):
    *_, y = sample_graph()
    plot_dot_graph(y, to_file=tmp_path / 'g.PNG')
    assert (tmp_path / 'g.PNG').read_bytes().startswith(b'\x89PNG')


def test_missing_dot_gives_install_hint_and_keeps_dot_source(tmp_path, monkeypatch):
    monkeypatch.setenv('PATH', str(tmp_path / 'empty'))  # no `dot` anywhere on PATH
    *_, y = sample_graph()
    with pytest.raises(RuntimeError) as info:
        plot_dot_graph(y, to_file=str(tmp_path / 'graph.png'))
    message = str(info.value)
    assert isinstance(info.value, GraphvizNotFoundError)
    assert 'apt install graphviz' in message and 'brew install graphviz' in message
    dot_file = tmp_path / 'graph.dot'
    assert str(dot_file) in message
    assert dot_file.read_text() == get_dot_graph(y)
    assert not (tmp_path / 'graph.png').exists()


def test_missing_dot_via_which(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, 'which', lambda *args, **kwargs: None)
    *_, y = sample_graph()
    with pytest.raises(GraphvizNotFoundError, match='Graphviz'):
        plot_dot_graph(y, to_file=str(tmp_path / 'graph.svg'))
    assert (tmp_path / 'graph.dot').exists()


@pytest.mark.skipif(os.name != 'posix', reason='uses a shell script as a fake dot')
def test_failing_dot_raises_with_its_stderr(tmp_path, monkeypatch):
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    fake = bin_dir / 'dot'
    fake.write_text('#!/bin/sh\necho "syntax error in line 1" >&2\nexit 3\n')
    fake.chmod(0o755)
    monkeypatch.setenv('PATH', str(bin_dir))
    *_, y = sample_graph()
    with pytest.raises(RuntimeError, match=r'exit status 3.*syntax error in line 1'):
        plot_dot_graph(y, to_file=str(tmp_path / 'graph.png'))


@pytest.mark.skipif(os.name != 'posix', reason='uses a shell script as a fake dot')
def test_failing_dot_leaves_the_earlier_picture_whole(tmp_path, monkeypatch):
    """`dot` that writes half a picture and fails: the user's earlier picture is kept as it was,
    and no temporary file is left beside it."""
    picture = tmp_path / 'graph.png'
    picture.write_bytes(b'\x89PNG an earlier picture')
    picture.chmod(0o640)
    bin_dir = tmp_path / 'bin'
    bin_dir.mkdir()
    fake = bin_dir / 'dot'  # writes to the file after -o, then fails
    fake.write_text('#!/bin/sh\nprintf "half" > "$4"\necho "out of memory" >&2\nexit 1\n')
    fake.chmod(0o755)
    monkeypatch.setenv('PATH', str(bin_dir))
    *_, y = sample_graph()
    with pytest.raises(RuntimeError, match='out of memory'):
        plot_dot_graph(y, to_file=str(picture))
    assert picture.read_bytes() == b'\x89PNG an earlier picture'
    assert sorted(os.listdir(tmp_path)) == ['bin', 'graph.dot', 'graph.png']


@needs_dot
def test_render_replaces_a_picture_and_keeps_its_permissions(tmp_path):
    picture = tmp_path / 'graph.svg'
    picture.write_text('an older picture')
    picture.chmod(0o640)
    *_, y = sample_graph()
    plot_dot_graph(y, to_file=str(picture))
    assert b'<svg' in picture.read_bytes()
    assert picture.stat().st_mode & 0o777 == 0o640
    assert sorted(os.listdir(tmp_path)) == ['graph.dot', 'graph.svg']


@pytest.mark.parametrize('name', ['graph.jpg', 'graph', 'graph.dot'])
def test_unknown_extension_is_a_value_error(tmp_path, name):
    *_, y = sample_graph()
    with pytest.raises(ValueError, match=r'plot_dot_graph.*\.png, \.svg, \.pdf'):
        plot_dot_graph(y, to_file=str(tmp_path / name))
    assert list(tmp_path.iterdir()) == []  # nothing written


# ---------------------------------------------------------------------------------------------
# labels of steps with a constant
# ---------------------------------------------------------------------------------------------
def function_label(y):
    nodes, _ = parse_dot(get_dot_graph(y, verbose=False))
    return nodes[str(id(y.creator))]['label']


@pytest.mark.parametrize('make, named, unnamed', [
    (lambda v: v * 3, 'y * 3', '* 3'),
    (lambda v: 3 * v, 'y * 3', '* 3'),
    (lambda v: v + 0.5, 'y + 0.5', '+ 0.5'),
    (lambda v: v - 2, 'y - 2', '- 2'),
    (lambda v: 1 - v, '1 - y', '1 -'),
    (lambda v: v / 2.5, 'y / 2.5', '/ 2.5'),
    (lambda v: 1e-8 / v, '1e-08 / y', '1e-08 /'),
    (lambda v: v ** 2, 'y ** 2', '** 2'),
    (lambda v: 2.0 ** v, '2 ** y', '2 **'),
    (lambda v: v * np.ones((2, 3)), 'y * array(2, 3)', '* array(2, 3)'),
    (lambda v: v * np.array(4.0), 'y * 4', '* 4'),
])
def test_a_constant_step_is_labelled_by_its_operation_never_a_made_up_input_name(
        make, named, unnamed):
    y = Variable(np.array([1.0, 2.0, 3.0]), name='y')
    assert function_label(make(y)) == named  # the input's own name, not `x`
    assert function_label(make(Variable(np.array([1.0, 2.0, 3.0])))) == unnamed


def test_binary_and_other_functions_keep_their_class_names():
    import dezero.functions as F
    x = Variable(np.ones(3), name='x')
    assert function_label(x * x) == 'Mul'
    assert function_label(F.sin(x)) == 'Sin'
    assert function_label(x[1:]) == 'GetItem'


# ---------------------------------------------------------------------------------------------
# graph(): a graphviz.Digraph for notebooks
# ---------------------------------------------------------------------------------------------
def test_graph_returns_a_digraph_with_the_same_source_as_get_dot_graph():
    import graphviz
    from dezero.utils import graph
    *_, y = sample_graph()
    g = graph(y)
    assert isinstance(g, graphviz.Digraph)
    assert g.source == get_dot_graph(y)
    assert graph(y, verbose=False).source == get_dot_graph(y, verbose=False)


@needs_dot
def test_graph_displays_as_svg_in_a_notebook():
    from dezero.utils import graph
    *_, y = sample_graph()
    g = graph(y)
    svg = g.pipe(format='svg', encoding='utf-8')
    assert '<svg' in svg and 'x0: (2, 3) float64' in svg and '>Mul<' in svg
    bundle = g._repr_mimebundle_()  # what Jupyter calls to show the object
    assert '<svg' in bundle['image/svg+xml']


def test_values_and_grads_are_printed_on_the_variables():
    from dezero.utils import graph
    x = Variable(np.array([1.5, -2.0]), name='x')
    y = (x * x).sum()
    y.name = 'loss'
    y.backward()
    nodes, edges = parse_dot(graph(y, values=True, grads=True).source)
    xl = nodes[str(id(x))]
    assert xl['shape'] == 'Mrecord'
    # one field each: name, data, grad; spaces and brackets escaped for the record
    assert xl['label'] == (r'{x:\ (2,)\ float64\l|data\ [\ 1.5\ -2.\ ]\l'
                           r'|grad\ [\ 3.\ -4.]\l}')
    # the output's seed and the intermediate's gradient are not kept by backward: None
    assert nodes[str(id(y))]['label'] == r'{loss:\ ()\ float64\l|data\ 6.25\l|grad\ None\l}'
    mid = y.creator.inputs[0]
    assert r'grad\ None' in nodes[str(id(mid))]['label']
    assert nodes[str(id(y.creator))]['label'] == 'Sum'
    assert len(edges) == 5  # x -> Mul twice (x * x), Mul -> mid, mid -> Sum, Sum -> loss

    only_values = parse_dot(graph(y, verbose=False, values=True).source)[0]
    assert only_values[str(id(x))]['label'] == r'{x\l|data\ [\ 1.5\ -2.\ ]\l}'


def test_values_of_large_arrays_are_shortened_and_odd_names_escaped():
    from dezero.utils import graph
    x = Variable(np.arange(100.0).reshape(10, 10), name='a|b{c}<d>')
    label = parse_dot(graph(x * 2, values=True).source)[0][str(id(x))]['label']
    assert r'a\|b\{c\}\<d\>' in label and '...' in label and label.count(r'\l') < 10


@needs_dot
def test_values_graph_renders():
    from dezero.utils import graph
    x = Variable(np.array([[1.0, 2.0], [3.0, 4.0]]), name='x')
    y = F_tanh(x).sum()
    y.backward(retain_grad=True)
    svg = graph(y, values=True, grads=True).pipe(format='svg', encoding='utf-8')
    assert '<svg' in svg and 'grad' in svg and 'data' in svg


def F_tanh(x):
    import dezero.functions as F
    return F.tanh(x)


def test_graph_of_a_gradient_built_with_create_graph():
    from dezero.utils import graph
    x = Variable(np.array(2.0), name='x')
    y = x ** 4 - 2 * x ** 2
    y.backward(create_graph=True)
    gx = x.grad
    gx.name = 'gx'
    nodes, edges = parse_dot(graph(gx).source)
    labels = sorted(a['label'] for a in nodes.values() if a['shape'] == 'box')
    assert 'x ** 3' in labels and '* 4' in labels  # d/dx x**4 = 4 x**3, drawn as computed
    assert nodes[str(id(gx))]['label'] == 'gx: () float64'
    assert nodes[str(id(x))]['label'] == 'x: () float64'


def test_graph_of_several_outputs_draws_shared_parts_once():
    from dezero.utils import graph
    x = Variable(np.ones(2), name='x')
    a = x * x
    b, c = a + 1, a * 2
    nodes, edges = parse_dot(graph([b, c]).source)
    assert len(nodes) == 4 + 3 and len(edges) == 2 + 1 + 2 + 2


def test_graph_rejects_non_variables():
    from dezero.utils import graph
    with pytest.raises(TypeError, match='graph: expected a Variable .* got ndarray'):
        graph(np.ones(2))
    with pytest.raises(ValueError, match='graph: expected at least one Variable'):
        graph([])


def test_import_dezero_does_not_import_graphviz():
    import subprocess
    code = ('import sys, dezero, dezero.utils, dezero.dotgraph; '
            'print("graphviz" in sys.modules)')
    out = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == 'False'
