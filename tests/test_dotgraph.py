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
