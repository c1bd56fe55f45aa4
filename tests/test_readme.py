"""The Python examples of README.md and docs/api.md run as written (in a temporary directory), so
the docs stay true."""
import os
import re
import shutil

import pytest

README = os.path.join(os.path.dirname(__file__), '..', 'README.md')
API_DOC = os.path.join(os.path.dirname(__file__), '..', 'docs', 'api.md')


def _python_blocks(path=README):
    with open(path, encoding='utf-8') as f:
        text = f.read()
    return re.findall(r'```python\n(.*?)```', text, re.S)


def test_readme_has_python_examples():
    assert len(_python_blocks()) >= 2


def _run_example(code, label, tmp_path, monkeypatch):
    if 'plot_dot_graph' in code and shutil.which('dot') is None:
        pytest.skip("Graphviz's dot is not installed")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, label, 'exec'), {'__name__': '__readme__'})
    for name in re.findall(r"to_file='([^']+)'", code) + re.findall(r"save_weights\('([^']+)'\)",
                                                                       code):
        assert (tmp_path / name).exists(), name


@pytest.mark.parametrize('index', range(len(_python_blocks())))
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    _run_example(_python_blocks()[index], f'README.md python block {index}', tmp_path, monkeypatch)


def test_api_doc_has_python_examples():
    assert len(_python_blocks(API_DOC)) >= 10


@pytest.mark.parametrize('index', range(len(_python_blocks(API_DOC))))
def test_api_doc_example_runs(index, tmp_path, monkeypatch, capsys):
    _run_example(_python_blocks(API_DOC)[index], f'docs/api.md python block {index}', tmp_path,
                 monkeypatch)
