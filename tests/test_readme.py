"""The README's Python examples run as written (in a temporary directory), so the docs stay true."""
import os
import re
import shutil

import pytest

README = os.path.join(os.path.dirname(__file__), '..', 'README.md')


def _python_blocks():
    with open(README, encoding='utf-8') as f:
        text = f.read()
    return re.findall(r'```python\n(.*?)```', text, re.S)


def test_readme_has_python_examples():
    assert len(_python_blocks()) >= 2


@pytest.mark.parametrize('index', range(len(_python_blocks())))
def test_readme_example_runs(index, tmp_path, monkeypatch, capsys):
    code = _python_blocks()[index]
    if 'plot_dot_graph' in code and shutil.which('dot') is None:
        pytest.skip("Graphviz's dot is not installed")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, f'README.md python block {index}', 'exec'), {'__name__': '__readme__'})
    for name in re.findall(r"to_file='([^']+)'", code) + re.findall(r"save_weights\('([^']+)'\)",
                                                                       code):
        assert (tmp_path / name).exists(), name
