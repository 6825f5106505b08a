"""Atomic file writes: a temporary file beside the target, published by one `os.replace`.

A write that fails halfway (a full disk, an interrupted save) then leaves neither a
half-written file nor a temporary one, and the file it would have replaced stays whole.
"""

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, suffix=".tmp"):
    """Write `path` through a temporary file in its folder, published by `os.replace`.

    Yields the path of a new, empty temporary file beside `path`, named
    `.<name>.<random><suffix>` (hidden, unique to this write). The block writes it by
    name. When the block ends without an exception the file gets the permissions
    `open()` would have given it (mkstemp's are 0600) and replaces `path` in one
    `os.replace`: readers see the old file or the complete new one, never a part.
    When the block (or the replace) raises, `path` is left as it was. Either way the
    temporary file is removed.

    Args:
        path: the file to write; its folder must exist.
        suffix: end of the temporary file's name, e.g. `".keras"` for `model.save`,
            which picks the format by extension.

    Yields:
        The temporary file's path.

    Raises:
        OSError: when the temporary file cannot be created (a read-only or missing
            folder), or from the final `os.replace`. Exceptions of the block
            propagate unchanged.

    Example:
    ```python
    with atomic_write("runs/gan/report.json") as tmp:
        with open(tmp, "w") as f:
            json.dump(report, f)
    ```
    """
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.", suffix=suffix, dir=folder)
    os.close(fd)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
