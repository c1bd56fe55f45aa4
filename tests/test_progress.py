"""dezero.progress: tqdm's bar on a terminal, nothing otherwise; the long steps use it."""
import io
import os
import pathlib
import subprocess
import sys

import pytest

import dezero.progress
from dezero.progress import Quiet, progress

ROOT = pathlib.Path(__file__).resolve().parents[1]


class _Terminal(io.StringIO):
    def isatty(self):
        return True


def test_bar_on_a_terminal(monkeypatch):
    tqdm = pytest.importorskip('tqdm')
    terminal = _Terminal()
    monkeypatch.setattr(sys, 'stderr', terminal)
    bar = progress(range(5), desc='work')
    assert isinstance(bar, tqdm.tqdm)
    assert list(bar) == [0, 1, 2, 3, 4]
    assert 'work' in terminal.getvalue() and '5/5' in terminal.getvalue()


def test_quiet_when_stderr_is_not_a_terminal(capsys):
    bar = progress(range(5), desc='work')
    assert isinstance(bar, Quiet)
    assert list(bar) == [0, 1, 2, 3, 4] and len(bar) == 5 and bar.n == 5
    assert capsys.readouterr() == ('', '')


def test_quiet_without_tqdm(monkeypatch):
    terminal = _Terminal()
    monkeypatch.setattr(sys, 'stderr', terminal)
    monkeypatch.setattr(dezero.progress, '_tqdm', lambda: None)
    with progress(total=10) as bar:
        bar.update(4)
        bar.set_postfix(loss=1.0)
    assert bar.n == 4 and len(bar) == 10
    assert terminal.getvalue() == ''
    with pytest.raises(TypeError, match='progress: this bar has no iterable'):
        list(progress())


def _run_step(name, stderr):
    env = dict(os.environ, DEZERO_STEPS_QUICK='1', MPLBACKEND='Agg', OMP_NUM_THREADS='1')
    return subprocess.run([sys.executable, str(ROOT / 'steps' / name)], cwd=ROOT, env=env,
                          stdout=subprocess.PIPE, stderr=stderr, text=True, timeout=300)


def test_long_step_shows_a_bar_on_a_terminal_and_prints_the_same():
    """Step 52 under a pseudo-terminal draws tqdm's bar on stderr; piped, stderr stays empty;
    stdout (what the step prints) has the same lines in both."""
    pytest.importorskip('tqdm')
    pty = pytest.importorskip('pty')
    import fcntl
    import struct
    import termios
    import threading
    master, slave = pty.openpty()
    # a fresh pseudo-terminal is 0 columns wide, which leaves tqdm no room to draw
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack('HHHH', 24, 100, 0, 0))
    chunks = []

    def drain():  # read while the step runs, so that a full terminal buffer never blocks it
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the slave side is closed
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain)
    reader.start()
    try:
        tty_run = _run_step('step52.py', slave)
    finally:
        os.close(slave)
        reader.join(10)
        os.close(master)
    bar = b''.join(chunks).decode(errors='replace')
    assert tty_run.returncode == 0
    assert 'epoch 1:' in bar and '/60 [' in bar  # the bar of epoch 1's 60 batches

    piped = _run_step('step52.py', subprocess.PIPE)
    assert piped.returncode == 0 and piped.stderr == ''
    # the same lines (step 52 is not seeded: its numbers and timings differ between runs)
    heads = [line.split(',')[0] for line in piped.stdout.splitlines()]
    assert heads == [line.split(',')[0] for line in tty_run.stdout.splitlines()]
    assert any(line.startswith('epoch 1, loss') for line in piped.stdout.splitlines())
