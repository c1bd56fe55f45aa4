"""Downloads into a cache directory: data sets and pretrained weights are fetched once, then reused.

The cache is `~/.dezero`, or the directory named by the environment variable `DEZERO_CACHE_DIR`
(read at each call). A download goes to a temporary file in the cache directory and is renamed
to its final name only once complete, so an interrupted or failed download never leaves a
partial file where a later call would take it for the real one. To work offline, place the file
at the path that the error message names. On a terminal, with tqdm installed, a bar shows the
download's progress; elsewhere nothing is printed.
"""
import os
import sys

from dezero.progress import progress

cache_dir = os.path.join(os.path.expanduser('~'), '.dezero')
_CHUNK = 1 << 16


class DownloadError(OSError):
    """Raised by `get_file` when a file cannot be downloaded; names the URL and the cache path."""

    def __init__(self, message, url=None, path=None):
        super().__init__(message)
        self.url = url
        self.path = path


def get_cache_dir():
    """Return the cache directory: `$DEZERO_CACHE_DIR` if set, else `cache_dir` (`~/.dezero`)."""
    env = os.environ.get('DEZERO_CACHE_DIR')
    return os.path.expanduser(env) if env else cache_dir


def _file_name_from_url(url):
    from urllib.parse import unquote, urlparse
    return unquote(urlparse(url).path.rsplit('/', 1)[-1])


def _fetch(url, tmp_path, name, timeout):
    import urllib.request
    with urllib.request.urlopen(url, timeout=timeout) as response:
        length = response.headers.get('Content-Length')
        total = int(length) if length and length.isdigit() else None
        done = 0
        # tqdm's bar on a terminal, nothing otherwise (see dezero.progress)
        with progress(total=total, desc=name, unit='B', unit_scale=True,
                      unit_divisor=1000) as bar, open(tmp_path, 'wb') as f:
            while True:
                chunk = response.read(_CHUNK)
                if not chunk:
                    break
                f.write(chunk)
                done += len(chunk)
                bar.update(len(chunk))
    if total is not None and done != total:
        raise OSError(f'the connection closed after {done} of {total} bytes')


def _reason(exc):
    import urllib.error
    if isinstance(exc, urllib.error.HTTPError):
        return f'HTTP error {exc.code} {exc.reason}'
    if isinstance(exc, urllib.error.URLError):
        return f'{exc.reason}'
    return f'{type(exc).__name__}: {exc}'


def get_file(url, file_name=None, timeout=60):
    """Return the local path of `url`'s file in the cache directory, downloading it if absent."""
    if not isinstance(url, str) or not url:
        raise TypeError(f'get_file: url must be a non-empty str, got {url!r}')
    if file_name is None:
        file_name = _file_name_from_url(url)
        if not file_name:
            raise ValueError(f'get_file: cannot take a file name from the URL {url!r} (its path '
                             f'ends in "/"); pass file_name')
    file_name = os.fspath(file_name)
    if os.path.basename(file_name) != file_name or file_name in ('.', '..'):
        raise ValueError(f'get_file: file_name must be a plain file name without directories, '
                         f'got {file_name!r}')

    directory = get_cache_dir()
    path = os.path.join(directory, file_name)
    if os.path.exists(path):
        return path

    import http.client
    import tempfile
    import urllib.error

    tmp_path = None
    try:
        os.makedirs(directory, exist_ok=True)
        # a unique temporary name in the same directory: os.replace is then an atomic rename
        fd, tmp_path = tempfile.mkstemp(prefix=file_name + '.part-', dir=directory)
        os.close(fd)
        _fetch(url, tmp_path, file_name, timeout)
        os.replace(tmp_path, path)
        tmp_path = None
    except (OSError, urllib.error.URLError, http.client.HTTPException) as e:
        raise DownloadError(
            f'get_file: could not download {url} ({_reason(e)}). To work offline, get that file '
            f'some other way and place it at {path}', url=url, path=path) from e
    except KeyboardInterrupt:
        sys.stderr.write(f'\nget_file: download of {url} interrupted; nothing was saved to {path}\n')
        raise
    finally:
        if tmp_path is not None:
            try:
                os.remove(tmp_path)
            except FileNotFoundError:
                pass
    return path
