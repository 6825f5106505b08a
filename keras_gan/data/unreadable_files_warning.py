"""The warning issued when image files in a folder cannot be decoded."""

MAX_NAMED = 20
"""At most this many paths are written into the warning's message; `paths` has them all."""


class UnreadableFilesWarning(UserWarning):
    """Image files that were skipped because they cannot be decoded.

    Folder datasets (`folder:<path>`, CycleGAN `trainA/`/`trainB/`, mask folders)
    decode every listed file once when loading; corrupt, truncated, empty and
    non-image files are left out and reported with one warning per folder.

    Args:
        directory: the folder that was listed.
        paths: the skipped files (all of them).

    Example:
    ```python
    import warnings
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        keras_gan.data.image_dataset("folder:/data/faces", image_size=64)
    skipped = [p for w in caught if issubclass(w.category, UnreadableFilesWarning)
               for p in w.message.paths]
    ```
    """

    def __init__(self, directory, paths):
        self.directory = str(directory)
        self.paths = [str(p) for p in paths]
        named = ", ".join(self.paths[:MAX_NAMED])
        more = f" and {len(self.paths) - MAX_NAMED} more" if len(self.paths) > MAX_NAMED else ""
        super().__init__(
            f"Skipped {len(self.paths)} unreadable image file(s) in {self.directory!r} "
            f"(corrupt, truncated or not an image): {named}{more}"
        )
