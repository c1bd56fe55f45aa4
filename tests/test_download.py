"""Tests for dezero.download: the cache directory and `get_file`, against a server on 127.0.0.1 only.

No test touches the network: files are served from a temporary directory by `http.server` on the
loopback interface, or `urllib.request.urlopen` is replaced by a fake response.
"""
import functools
import http.server
import io
import os
import socket
import sys
import threading
import urllib.error
import urllib.request

import pytest

from dezero import download
from dezero.download import DownloadError, get_cache_dir, get_file


@pytest.fixture
def cache(tmp_path, monkeypatch):
    path = tmp_path / 'cache'  # not created: get_file must create it
    monkeypatch.setenv('DEZERO_CACHE_DIR', str(path))
    return path


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def server(tmp_path):
    """Serve tmp_path/'served' on 127.0.0.1; yields (base URL, served dir, list of request paths)."""
    served = tmp_path / 'served'
    served.mkdir()
    requests = []

    class Handler(_QuietHandler):
        def do_GET(self):
            requests.append(self.path)
            super().do_GET()

    httpd = http.server.ThreadingHTTPServer(
        ('127.0.0.1', 0), functools.partial(Handler, directory=str(served)))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={'poll_interval': 0.05}, daemon=True)
    thread.start()
    try:
        yield f'http://127.0.0.1:{httpd.server_address[1]}/', served, requests
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def leftovers(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


# ---------------------------------------------------------------------------------------------
# cache directory
# ---------------------------------------------------------------------------------------------
def test_default_cache_dir_is_dot_dezero_in_home():
    assert download.cache_dir == os.path.join(os.path.expanduser('~'), '.dezero')


def test_cache_dir_env_var_is_read_at_call_time(monkeypatch, tmp_path):
    monkeypatch.delenv('DEZERO_CACHE_DIR', raising=False)
    assert get_cache_dir() == download.cache_dir
    monkeypatch.setenv('DEZERO_CACHE_DIR', str(tmp_path))
    assert get_cache_dir() == str(tmp_path)
    monkeypatch.setenv('DEZERO_CACHE_DIR', '')
    assert get_cache_dir() == download.cache_dir


def test_utils_reexports():
    from dezero import utils
    assert utils.get_file is get_file
    assert utils.cache_dir == download.cache_dir


# ---------------------------------------------------------------------------------------------
# get_file against a local server
# ---------------------------------------------------------------------------------------------
class _Terminal(io.StringIO):
    """A standard error that says it is a terminal, so that progress bars are drawn."""

    def isatty(self):
        return True


def test_download_lands_in_cache_with_progress(cache, server, monkeypatch):
    pytest.importorskip('tqdm')
    base, served, requests = server
    payload = os.urandom(300_000)
    (served / 'data.bin').write_bytes(payload)
    terminal = _Terminal()
    monkeypatch.setattr(sys, 'stderr', terminal)

    path = get_file(base + 'data.bin')

    assert path == str(cache / 'data.bin')
    assert (cache / 'data.bin').read_bytes() == payload
    assert leftovers(cache) == ['data.bin']  # no temporary file left behind
    err = terminal.getvalue()
    assert '\r' in err and '100%' in err and 'data.bin' in err and '300k' in err


def test_download_is_quiet_when_stderr_is_not_a_terminal(cache, server, capsys):
    base, served, _ = server
    (served / 'data.bin').write_bytes(os.urandom(100_000))
    get_file(base + 'data.bin')
    assert capsys.readouterr().err == ''


def test_download_without_tqdm_draws_no_bar(cache, server, monkeypatch):
    import dezero.progress
    base, served, _ = server
    (served / 'data.bin').write_bytes(b'x' * 1000)
    terminal = _Terminal()
    monkeypatch.setattr(sys, 'stderr', terminal)
    monkeypatch.setattr(dezero.progress, '_tqdm', lambda: None)
    assert open(get_file(base + 'data.bin'), 'rb').read() == b'x' * 1000
    assert terminal.getvalue() == ''


def test_second_call_does_not_download(cache, server):
    base, served, requests = server
    (served / 'a.txt').write_text('hello')
    first = get_file(base + 'a.txt')
    second = get_file(base + 'a.txt')
    assert first == second
    assert requests == ['/a.txt']


def test_explicit_file_name(cache, server):
    base, served, _ = server
    (served / 'weights.npz').write_bytes(b'abc')
    path = get_file(base + 'weights.npz', 'renamed.npz')
    assert path == str(cache / 'renamed.npz')
    assert (cache / 'renamed.npz').read_bytes() == b'abc'


def test_existing_file_is_left_intact(cache, server):
    base, served, requests = server
    (served / 'a.txt').write_text('new contents')
    cache.mkdir()
    (cache / 'a.txt').write_text('placed by hand')
    assert get_file(base + 'a.txt') == str(cache / 'a.txt')
    assert (cache / 'a.txt').read_text() == 'placed by hand'
    assert requests == []


def test_http_404_names_url_and_target_and_leaves_nothing(cache, server):
    base, _, _ = server
    url = base + 'missing.gz'
    with pytest.raises(DownloadError) as info:
        get_file(url)
    message = str(info.value)
    assert url in message
    assert str(cache / 'missing.gz') in message
    assert '404' in message
    assert isinstance(info.value, OSError)
    assert info.value.url == url and info.value.path == str(cache / 'missing.gz')
    assert isinstance(info.value.__cause__, urllib.error.HTTPError)
    assert leftovers(cache) == []


def test_offline_error_names_url_and_target(cache):
    # a port that nobody listens on: connection refused, as when offline
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        port = s.getsockname()[1]
    url = f'http://127.0.0.1:{port}/train.gz'
    with pytest.raises(DownloadError, match='could not download') as info:
        get_file(url, timeout=5)
    assert url in str(info.value) and str(cache / 'train.gz') in str(info.value)
    assert leftovers(cache) == []


# ---------------------------------------------------------------------------------------------
# interrupted downloads (fake responses)
# ---------------------------------------------------------------------------------------------
class _FakeResponse:
    """Sends `chunks` (bytes) one per read, then raises `error` (if any) or ends."""

    def __init__(self, chunks, length, error=None):
        self.chunks = list(chunks)
        self.headers = {'Content-Length': str(length)}
        self.error = error

    def read(self, n=-1):
        if self.chunks:
            return self.chunks.pop(0)
        if self.error is not None:
            raise self.error
        return b''

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _fake_urlopen(monkeypatch, response):
    def urlopen(url, timeout=None):
        return response
    monkeypatch.setattr(urllib.request, 'urlopen', urlopen)


def test_connection_reset_mid_stream_leaves_no_file(cache, monkeypatch):
    _fake_urlopen(monkeypatch, _FakeResponse([b'x' * 1000], 5000, ConnectionResetError('reset')))
    with pytest.raises(DownloadError, match='reset') as info:
        get_file('http://example.invalid/big.tar.gz')
    assert str(cache / 'big.tar.gz') in str(info.value)
    assert leftovers(cache) == []


def test_short_body_is_not_accepted(cache, monkeypatch):
    _fake_urlopen(monkeypatch, _FakeResponse([b'x' * 100, b'y' * 100], 1000))
    with pytest.raises(DownloadError, match='200 of 1000 bytes'):
        get_file('http://example.invalid/short.bin')
    assert leftovers(cache) == []


def test_keyboard_interrupt_removes_temporary_file(cache, monkeypatch, capsys):
    _fake_urlopen(monkeypatch, _FakeResponse([b'x' * 100], 1000, KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        get_file('http://example.invalid/slow.bin')
    assert leftovers(cache) == []
    assert 'interrupted' in capsys.readouterr().err


def test_unknown_length_shows_bytes(cache, monkeypatch):
    pytest.importorskip('tqdm')
    response = _FakeResponse([b'ab', b'cd'], 0)
    response.headers = {}
    _fake_urlopen(monkeypatch, response)
    terminal = _Terminal()
    monkeypatch.setattr(sys, 'stderr', terminal)
    path = get_file('http://example.invalid/nolen.txt')
    assert open(path, 'rb').read() == b'abcd'
    assert 'nolen.txt' in terminal.getvalue() and '4.00B' in terminal.getvalue()


# ---------------------------------------------------------------------------------------------
# bad arguments
# ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize('url, name', [
    ('http://example.invalid/dir/', None),
    ('http://example.invalid/a.txt', '../escape.txt'),
    ('http://example.invalid/a.txt', 'sub/a.txt'),
])
def test_bad_file_names_are_value_errors(cache, url, name):
    with pytest.raises(ValueError, match='get_file'):
        get_file(url, name)
    assert leftovers(cache) == []


def test_url_must_be_a_string(cache):
    with pytest.raises(TypeError, match='get_file: url'):
        get_file(None)
