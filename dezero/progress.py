"""Progress bars for long work (downloads, training loops): `from dezero.progress import progress`.

`progress(iterable)` is tqdm's bar when two things hold: tqdm is installed (it is optional:
`pip install dezero[progress]`) and standard error is a terminal. Otherwise it hands the items
through unchanged and draws nothing, so logs, pipes, notebooks' captured output and test runs
stay clean. The bar is tqdm's own rather than one written here: it already knows terminal
widths, rates, time estimates and how not to flood a slow terminal.
"""
import sys


def _tqdm():
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm


def _is_terminal(stream):
    isatty = getattr(stream, 'isatty', None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def progress(iterable=None, total=None, desc=None, leave=True, **tqdm_options):
    """A bar over `iterable` (or one moved by hand with `update(n)` when it is None).

    Without tqdm, or when sys.stderr is not a terminal, the result is a quiet stand-in with the
    same methods (`update`, `close`, `set_postfix`, `with`). `tqdm_options` go to tqdm
    (unit='B', unit_scale=True for byte counts, for instance).
    """
    tqdm = _tqdm()
    stream = sys.stderr
    if tqdm is None or not _is_terminal(stream):
        return Quiet(iterable, total)
    return tqdm(iterable, total=total, desc=desc, leave=leave, file=stream, **tqdm_options)


class Quiet:
    """What `progress` returns when no bar is drawn: iterates, counts, and prints nothing."""

    def __init__(self, iterable=None, total=None):
        self.iterable = iterable
        self.total = total
        self.n = 0

    def __iter__(self):
        if self.iterable is None:
            raise TypeError('progress: this bar has no iterable; call update(n) instead')
        for item in self.iterable:
            yield item
            self.n += 1

    def __len__(self):
        return len(self.iterable) if self.total is None else self.total

    def update(self, n=1):
        """Count n more units of work."""
        self.n += n

    def set_postfix(self, *args, **kwargs):
        """Ignored: nothing is shown."""

    def set_description(self, *args, **kwargs):
        """Ignored: nothing is shown."""

    def close(self):
        """Nothing to close."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False
