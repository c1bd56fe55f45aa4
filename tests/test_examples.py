"""The experiments in examples/ run and give the numbers that issue 3 asks of them: where a
script reproduces a published run (a notebook, a blog post), the numbers that run printed.

Each script is loaded from its path and its `main(argv)` called with full settings (they are
small); figures go to pytest's tmp_path. One script also runs as a subprocess, to cover the
`__main__` entry point headless.
"""
import importlib.util
import os
import pathlib
import re
import subprocess
import sys

import numpy as np
import pytest

from dezero import Variable
import dezero.functions as F

EXAMPLES = pathlib.Path(__file__).resolve().parents[1] / 'examples'
PNG_MAGIC = b'\x89PNG\r\n\x1a\n'


def load(name):
    """Import examples/<name>.py as a module (examples/ is not a package)."""
    spec = importlib.util.spec_from_file_location(f'example_{name}', EXAMPLES / f'{name}.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def assert_png(path, directory):
    path = pathlib.Path(path)
    assert path.parent == pathlib.Path(directory)
    assert path.read_bytes()[:8] == PNG_MAGIC


# words from the project's internal notes that mean nothing to a user of the scripts
JARGON = (r'\bseeds? 00', r'\bseed notes?\b', r'\bthe notes?\b', r"\bnote's", r"\bseed's",
          r'\bthe seeds?\b')
FIRST_LINES = {
    'delta_rule': 'The delta rule: one sigmoid neuron learning a 4-row truth table',
    'numpy_vs_dezero_two_layer': 'A two-layer ReLU network trained twice',
    'spiral_two_layer_net': 'A layer-by-layer TwoLayerNet classifying the three-arm spiral',
    'step43_losses': 'Step 43 of "Deep Learning from Scratch 3"',
}


def test_all_examples_have_docstring_and_main():
    # mnist1d_models.py (issue 19) reproduces no published run; tests/test_mnist1d.py runs it
    names = sorted(p.stem for p in EXAMPLES.glob('*.py') if p.stem != 'mnist1d_models')
    assert names == sorted(FIRST_LINES)
    for name in names:
        module = load(name)
        assert module.__doc__.startswith(FIRST_LINES[name])
        assert 'What it prints:' in module.__doc__
        assert callable(module.main)


@pytest.mark.parametrize('name', sorted(FIRST_LINES))
def test_examples_speak_plain_words(name, capsys):
    # the docstring, comments and --help say which experiment it is, not which internal note
    text = (EXAMPLES / f'{name}.py').read_text(encoding='utf-8').lower()
    with pytest.raises(SystemExit):
        load(name).main(['--help'])
    help_text = capsys.readouterr().out.lower()
    assert help_text.startswith('usage:')
    for pattern in JARGON:
        assert not re.search(pattern, text), (name, pattern)
        assert not re.search(pattern, help_text), (name, pattern)
    # the older spellings --as-note and --start note still work but --help does not show them
    assert not re.search(r'\bnote\b', help_text), name


# --- two-layer network, NumPy vs dezero -------------------------------------------------------
def test_numpy_and_dezero_two_layer_losses_agree(capsys):
    result = load('numpy_vs_dezero_two_layer').main(['--every', '100'])
    np_losses, dz_losses = result['numpy_losses'], result['dezero_losses']
    assert len(np_losses) == len(dz_losses) == 500
    np.testing.assert_allclose(dz_losses, np_losses, rtol=1e-9, atol=0)
    assert result['max_rel_diff'] < 1e-9
    assert np_losses[-1] < 1e-3 * np_losses[0]  # it trained, as the original did (3.6e7 -> 1e-3)
    out = capsys.readouterr().out
    assert 'max relative difference over 500 iterations' in out
    assert len([line for line in out.splitlines() if line[:5].strip().isdigit()]) == 6


def test_two_layer_dezero_gradients_equal_hand_written_ones():
    mod = load('numpy_vs_dezero_two_layer')
    x, y, w1, w2 = mod.make_problem(seed=3)
    # the second loss is computed after one update, so it differs if the gradients differ
    np_losses = mod.train_numpy(x, y, w1, w2, iters=2)
    dz_losses = mod.train_dezero(x, y, w1, w2, iters=2)
    np.testing.assert_allclose(dz_losses, np_losses, rtol=1e-12)


# --- spiral TwoLayerNet -----------------------------------------------------------------------
def test_spiral_two_layer_net_learns(tmp_path, capsys):
    result = load('spiral_two_layer_net').main(['--out', str(tmp_path)])
    losses = result['epoch_losses']
    assert len(losses) == 300
    assert losses[0] > 1.0  # starts at chance level, ln 3 = 1.0986
    assert result['final_loss'] < 0.2
    assert result['accuracy'] > 0.9
    for path in result['figures']:
        assert_png(path, tmp_path)
    out = capsys.readouterr().out
    assert '| epoch 300 | iter 10 / 10 | loss' in out
    assert all(str(p) in out for p in result['figures'])


# the original notebook's printed losses: its first run's epoch means (epochs 1-42), and its
# second run's Trainer prints at epochs 1-25 and 243-265 (its output was cut off in between)
ORIGINAL_SPIRAL_EPOCHS = (
    '1.10 1.11 1.10 1.10 1.10 1.11 1.11 1.10 1.11 1.11 1.11 1.11 1.11 1.10 1.11 1.11 1.10 '
    '1.10 1.11 1.11 1.11 1.10 1.10 1.10 1.10 1.09 1.08 1.08 1.08 1.06 1.06 1.03 1.00 0.96 '
    '0.94 0.92 0.91 0.90 0.89 0.90 0.90 0.89').split()
ORIGINAL_SPIRAL_TRAINER_1_25 = (
    '1.10 1.10 1.11 1.10 1.10 1.10 1.11 1.11 1.10 1.11 1.11 1.11 1.10 1.11 1.10 1.11 1.11 '
    '1.10 1.10 1.11 1.11 1.11 1.10 1.10 1.10').split()
ORIGINAL_SPIRAL_TRAINER_243_265 = (
    '0.49 0.45 0.44 0.46 0.47 0.47 0.45 0.46 0.51 0.51 0.46 0.46 0.51 0.44 0.48 0.44 0.45 '
    '0.48 0.45 0.47 0.48 0.43 0.48').split()


@pytest.mark.parametrize('flag', ['--as-original', '--as-note'])  # --as-note: older spelling
def test_spiral_as_original_prints_the_original_notebooks_losses(tmp_path, capsys, flag):
    result = load('spiral_two_layer_net').main([flag, '--trainer-windows',
                                                '--out', str(tmp_path)])
    assert [f'{v:.2f}' for v in result['epoch_losses'][:42]] == ORIGINAL_SPIRAL_EPOCHS
    trainer = [f'{v:.2f}' for v in result['trainer_losses']]
    assert trainer[:25] == ORIGINAL_SPIRAL_TRAINER_1_25
    assert trainer[242:265] == ORIGINAL_SPIRAL_TRAINER_243_265
    out = capsys.readouterr().out
    assert '| epoch 42 | iter 10 / 10 | loss 0.89' in out
    assert '| Trainer | epoch 243 | iter 1 / 10 | loss 0.49' in out


def test_trainer_windows_average_the_iterations_since_the_last_print():
    windows = load('spiral_two_layer_net').trainer_windows([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 3)
    # prints at iterations 0 and 3: [1], then the mean of iterations 1-3
    assert windows == [1.0, 3.0]


def test_spiral_net_registers_layer_parameters_in_order():
    mod = load('spiral_two_layer_net')
    np.random.seed(0)
    model = mod.TwoLayerNet(2, 10, 3)
    assert [p.shape for p in model.params()] == [(2, 10), (10,), (10, 3), (3,)]


# --- step 43 of the book ----------------------------------------------------------------------
def test_step43_prints_the_book_losses(tmp_path, capsys):
    result = load('step43_losses').main(['--out', str(tmp_path)])
    printed = result['printed_losses']
    assert len(printed) == 10
    np.testing.assert_allclose(printed[0], 0.8473695850105871, rtol=1e-9)
    np.testing.assert_allclose(printed[-1], 0.07722132399559317, rtol=1e-9)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith('variable(0.84736958501')
    assert lines[9].startswith('variable(0.077221323995')
    assert_png(result['figure'], tmp_path)


# the ten losses the original blog post printed: its generator had drawn the weights ten times
ORIGINAL_STEP43_PRINTED = [0.8561756639400779, 0.2521551854421045, 0.2489420133902076,
                    0.24035819448025872, 0.21732506692039028, 0.17844212478459937,
                    0.1091334726886173, 0.07966760543620623, 0.07773958613812558,
                    0.0774167592137966]


def test_step43_with_ten_weight_draws_prints_the_blog_posts_losses(tmp_path):
    result = load('step43_losses').main(['--weight-draws', '10', '--out', str(tmp_path)])
    # the post's machine summed in another BLAS order: the last digit or two may differ
    np.testing.assert_allclose(result['printed_losses'], ORIGINAL_STEP43_PRINTED, rtol=1e-12,
                               atol=0)


def test_step43_rejects_negative_weight_draws():
    with pytest.raises(SystemExit):
        load('step43_losses').main(['--weight-draws', '-1'])


# --- the delta rule ---------------------------------------------------------------------------
# W after epochs 2-25 as the original notebook printed it (8 digits), and its outputs after
# 10,000 epochs
ORIGINAL_DELTA_ROWS = [
    [1.11403373, -0.22288667, -0.36656804], [1.2711255, -0.20703293, -0.36620146],
    [1.40736076, -0.20263331, -0.38780409], [1.52886915, -0.20444681, -0.4215904],
    [1.63949363, -0.20937553, -0.4617093], [1.74165649, -0.21565295, -0.50473202],
    [1.83693847, -0.22229767, -0.54866503], [1.92641923, -0.2287841, -0.59236184],
    [2.01087316, -0.23484879, -0.6351776], [2.09088267, -0.24037719, -0.67676553],
    [2.16690496, -0.24533759, -0.71695599], [2.23931217, -0.24974276, -0.75568436],
    [2.30841621, -0.25362774, -0.79294756], [2.37448444, -0.25703731, -0.8287779],
    [2.43775003, -0.26001887, -0.86322718], [2.49841894, -0.26261868, -0.89635707],
    [2.5566749, -0.26487997, -0.92823337], [2.61268297, -0.26684213, -0.95892247],
    [2.66659231, -0.26854049, -0.98848937], [2.71853832, -0.2700064, -1.01699651],
    [2.76864434, -0.27126756, -1.04450322], [2.81702309, -0.2723483, -1.07106541],
    [2.86377782, -0.27327, -1.09673553], [2.90900337, -0.27405138, -1.12156266]]
ORIGINAL_DELTA_OUTPUTS = [0.01019741, 0.00829294, 0.99324297, 0.99168827]


def test_delta_rule_numpy_and_dezero_agree_and_learn(capsys):
    result = load('delta_rule').main([])
    assert result['dezero_epochs'] == 10000
    for key in ('outputs_numpy', 'outputs_dezero'):
        y = result[key]
        assert y[0] < 0.02 and y[1] < 0.02, (key, y)
        assert y[2] > 0.98 and y[3] > 0.98, (key, y)
    assert result['max_weight_diff'] < 1e-9
    np.testing.assert_allclose(result['W_dezero'], result['W_numpy'], rtol=1e-9, atol=1e-12)
    assert 'outputs (dezero)' in capsys.readouterr().out


@pytest.mark.parametrize('start', ['original', 'note'])  # 'note': the older spelling
def test_delta_rule_from_the_originals_first_row_prints_its_next_24_rows(start, capsys):
    result = load('delta_rule').main(['--start', start, '--epochs', '25', '--every', '1'])
    out = capsys.readouterr().out
    assert out.startswith('W after epoch 1 as the original notebook printed it')
    epochs = [epoch for epoch, _, _ in result['rows']]
    assert epochs == list(range(2, 26))
    # the start is rounded to 8 digits, and so is every row it is compared with
    for _, W_np, W_dz in result['rows']:
        np.testing.assert_allclose(W_dz, W_np, rtol=0, atol=1e-14)
    np.testing.assert_allclose([W_dz.ravel() for _, _, W_dz in result['rows']], ORIGINAL_DELTA_ROWS,
                               rtol=0, atol=1e-8)


def test_delta_rule_from_the_originals_first_row_ends_at_its_outputs():
    result = load('delta_rule').main(['--start', 'original'])
    assert result['dezero_epochs'] == 10000 and result['max_weight_diff'] < 1e-9
    np.testing.assert_allclose(result['outputs_dezero'], ORIGINAL_DELTA_OUTPUTS, rtol=0, atol=1e-8)


def test_delta_rule_autograd_gradient_is_minus_delta_x():
    rng = np.random.default_rng(1)
    W = Variable(rng.uniform(-1, 1, (1, 3)))
    x, d = np.array([[1.0], [0.0], [1.0]]), np.array([[1.0]])
    y = F.sigmoid(F.matmul(W, x))
    loss = 0.5 * F.sum((d - y) ** 2)
    loss.backward()
    yv = 1.0 / (1.0 + np.exp(-(W.data @ x)))
    delta = yv * (1 - yv) * (d - yv)
    np.testing.assert_allclose(W.grad.data, -delta * x.T, rtol=1e-12)


def test_delta_rule_rejects_more_dezero_epochs_than_epochs():
    with pytest.raises(SystemExit):
        load('delta_rule').main(['--epochs', '5', '--dezero-epochs', '6'])


# --- entry point ------------------------------------------------------------------------------
def test_script_runs_headless_as_main(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ('DISPLAY', 'MPLBACKEND')}
    proc = subprocess.run([sys.executable, str(EXAMPLES / 'step43_losses.py'), '--iters', '1',
                           '--out', str(tmp_path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith('variable(0.84736958501')
    assert_png(tmp_path / 'step43_fit.png', tmp_path)
