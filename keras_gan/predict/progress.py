"""`Progress`: a one-line progress bar on stderr over files and tiles."""

import sys
import time


class Progress:
    """A progress bar over files (and the tiles of the current file) on one stderr line.

    On a terminal the line is redrawn in place; otherwise one line per finished file
    is printed.

    Args:
        total: number of files.
        stream: where to write (default `sys.stderr`); `None` silences it.

    Returns:
        A `Progress`; call `tiles(done, total)` while a file runs, `file_done(name)`
        after it.

    Example:
    ```python
    progress = Progress(len(files))
    predict_image(runner, image, progress=progress.tiles)
    progress.file_done("a.png")
    ```
    """

    def __init__(self, total, stream=sys.stderr, width=24):
        self.total = total
        self.stream = stream
        self.width = width
        self.done = 0
        self.start = time.monotonic()
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())

    def _bar(self, fraction):
        filled = int(round(fraction * self.width))
        return "[" + "#" * filled + "." * (self.width - filled) + "]"

    def tiles(self, done, total):
        """Report `done` of `total` tiles of the current file."""
        if self.stream is None or not self.tty:
            return
        fraction = (self.done + done / total) / self.total
        self.stream.write(
            f"\r{self._bar(fraction)} files {self.done}/{self.total}, tiles {done}/{total}   "
        )
        self.stream.flush()

    def file_done(self, name):
        """Report one more finished file, `name`."""
        self.done += 1
        if self.stream is None:
            return
        elapsed = time.monotonic() - self.start
        line = (
            f"{self._bar(self.done / self.total)} files {self.done}/{self.total} "
            f"{elapsed:.1f}s {name}"
        )
        if self.tty:
            self.stream.write("\r" + line + ("\n" if self.done == self.total else "   "))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
