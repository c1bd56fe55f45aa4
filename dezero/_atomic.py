"""Atomic file writes: a file the user already has is replaced whole, or not at all.

Whatever writes the new content (NumPy, Graphviz's `dot`, matplotlib) writes it to a temporary
file beside the target; only when that succeeds is the temporary file renamed over the target,
an atomic step on one file system. A failure or Ctrl-C in between leaves the old file as it was
and no temporary file behind.
"""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def replacing(path):
    """Yield a temporary path in `path`'s directory; on success it becomes `path`.

    The temporary name ends in `path`'s extension, so writers that infer a format from it
    (matplotlib) infer the right one. The new file gets the old file's permissions, or those a
    newly created file would get.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path)
    fd, tmp = tempfile.mkstemp(prefix=f'.{base}.', suffix=os.path.splitext(base)[1] or '.tmp',
                               dir=directory)
    os.close(fd)
    try:
        yield tmp
        # the content reaches the disk before the rename; the handle is opened for writing
        # (appending nothing) because Windows refuses to flush a read-only one
        with open(tmp, 'ab') as f:
            os.fsync(f.fileno())
        os.chmod(tmp, new_file_mode(path))
        os.replace(tmp, path)
    except BaseException:  # also Ctrl-C: never leave the temporary file behind
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise


def new_file_mode(path):
    """Permissions for the written file: the old file's if any, else what umask allows."""
    try:
        return os.stat(path).st_mode & 0o777
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask
