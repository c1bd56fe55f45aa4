"""Every step script runs headless from start to end and exits 0.

Scripts run in a temporary working directory (their pictures land there), with a temporary
download cache holding a tiny MNIST in the real gzip IDX format, and with
DEZERO_STEPS_QUICK=1 so the long training steps cut their epochs. They run two at a time.
"""
import concurrent.futures
import os
import pathlib
import subprocess
import sys

import pytest

from helpers import write_tiny_mnist

ROOT = pathlib.Path(__file__).resolve().parents[1]
STEPS = sorted((ROOT / 'steps').glob('step[0-9][0-9].py'))


def _run(script, workdir, env):
    proc = subprocess.run([sys.executable, str(script)], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=600)
    return proc.returncode, proc.stdout, proc.stderr[-3000:]


@pytest.fixture(scope='module')
def results(tmp_path_factory):
    workdir = tmp_path_factory.mktemp('steps_out')
    cache = tmp_path_factory.mktemp('steps_cache')
    write_tiny_mnist(cache)
    env = dict(os.environ, DEZERO_CACHE_DIR=str(cache), DEZERO_STEPS_QUICK='1',
               MPLBACKEND='Agg', OMP_NUM_THREADS='1')
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        futures = {s.name: pool.submit(_run, s, workdir, env) for s in STEPS}
        return {name: f.result() for name, f in futures.items()}


def test_all_sixty_steps_exist():
    assert [s.name for s in STEPS][:60] == [f'step{i:02d}.py' for i in range(1, 61)]


def test_steps_beyond_the_book_follow_on():
    """Steps 61 and up (beyond the book) are numbered on from 60 without gaps."""
    assert [s.name for s in STEPS] == [f'step{i:02d}.py' for i in range(1, len(STEPS) + 1)]
    assert len(STEPS) >= 64


@pytest.mark.parametrize('script', [s.name for s in STEPS])
def test_step_runs(results, script):
    code, out, err = results[script]
    assert code == 0, f'{script} exited {code}\n--- stdout\n{out[-3000:]}\n--- stderr\n{err}'
    assert out.strip(), f'{script} printed nothing'


def test_step43_prints_the_books_numbers(results):
    out = results['step43.py'][1].split()
    losses = [float(s[len('variable('):-1]) for s in out if s.startswith('variable(')]
    assert losses[0] == pytest.approx(0.8473695850105871, rel=1e-9)
    assert losses[-1] == pytest.approx(0.07722132399559317, rel=1e-9)


def test_step61_newton_with_hessian_gives_step33s_iterates(results):
    out61, out33 = results['step61.py'][1], results['step33.py'][1]
    iterates = [line.split('x = ')[1] for line in out33.splitlines()
                if line.startswith('iteration ')]
    assert len(iterates) == 8
    for line in iterates:
        assert f': x = {line}' in out61
    assert 'the same 8 iterates as step 33: True' in out61
    assert 'converged to [1. 1.] after 6 Newton steps' in out61


def test_step64_gradcheck_catches_each_wrong_softplus_at_its_order(results):
    out = results['step64.py'][1]
    assert 'first derivative of SoftplusWrong is wrong' in out
    assert 'second derivative (the derivative of the first derivatives) of SoftplusOnArrays' in out
    assert 'Softplus:\n  order 1: passed\n  order 2: passed' in out


def test_step48_prints_the_books_losses(tmp_path):
    env = dict(os.environ, MPLBACKEND='Agg')
    env.pop('DEZERO_STEPS_QUICK', None)
    code, out, err = _run(ROOT / 'steps' / 'step48.py', tmp_path, env)
    assert code == 0, err
    losses = [line for line in out.splitlines() if line.startswith('epoch ')]
    assert losses[0] == 'epoch 1, loss 1.13'
    assert losses[-1] == 'epoch 300, loss 0.13'


def test_step_needing_a_download_fails_clearly_offline(tmp_path):
    """With an empty cache and no network, step 51 names the URL and the file, exits non-zero."""
    closed = 'http://127.0.0.1:9'  # the discard port: nothing listens there
    env = dict(os.environ, DEZERO_CACHE_DIR=str(tmp_path / 'cache'), MPLBACKEND='Agg',
               http_proxy=closed, https_proxy=closed, HTTP_PROXY=closed, HTTPS_PROXY=closed)
    env.pop('NO_PROXY', None)
    env.pop('no_proxy', None)
    code, out, err = _run(ROOT / 'steps' / 'step51.py', tmp_path, env)
    assert code != 0
    assert 'train-images-idx3-ubyte.gz' in err and 'http' in err
    assert not list((tmp_path / 'cache').glob('*.gz'))
