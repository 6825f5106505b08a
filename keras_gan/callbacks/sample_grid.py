"""Save a grid of generated samples at the end of every epoch."""

import os

import keras
import numpy as np
from PIL import Image

from keras_gan.data import to_uint8


def make_grid(images, columns=None, padding=2):
    """Tile images `(N, H, W, C)` in [-1, 1] into one uint8 image.

    Args:
        images: array `(N, H, W, C)`, C in (1, 3).
        columns: images per row; default ceil(sqrt(N)).
        padding: pixels between tiles.

    Returns:
        uint8 array `(rows*(H+p)+p, columns*(W+p)+p, C)`.
    """
    images = to_uint8(images).numpy()
    n, h, w, c = images.shape
    columns = columns or int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / columns))
    grid = np.full(
        (rows * (h + padding) + padding, columns * (w + padding) + padding, c), 255, "uint8"
    )
    for i in range(n):
        r, col = divmod(i, columns)
        y, x = padding + r * (h + padding), padding + col * (w + padding)
        grid[y : y + h, x : x + w] = images[i]
    return grid


def grid_scale(image_size):
    """Nearest-neighbour upscaling that makes small tiles readable: 128 // size, at least 1."""
    return max(1, 128 // image_size)


def save_grid(images, path, columns=None, scale=1):
    """Write `make_grid(images)` as a PNG, optionally upscaled (nearest)."""
    grid = make_grid(images, columns)
    if scale > 1:
        grid = grid.repeat(scale, axis=0).repeat(scale, axis=1)
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    Image.fromarray(grid[..., 0] if grid.shape[-1] == 1 else grid).save(path)
    return path


class EpochGridCallback(keras.callbacks.Callback):
    """Base of the grid callbacks: write `output_dir/epoch_NNN.png` after each epoch.

    Subclasses implement `grid()`, which returns `(images, columns)` for
    `save_grid`; the path of the last grid written is kept in `last_path`.

    Args:
        output_dir: folder that receives `epoch_NNN.png`.
        scale: nearest-neighbour upscaling of the saved grid.
    """

    def __init__(self, output_dir, scale=1):
        super().__init__()
        self.output_dir = output_dir
        self.scale = scale
        self.last_path = None

    def grid(self):
        """Return `(images (N, H, W, C) in [-1, 1], columns)` of the grid to save."""
        raise NotImplementedError

    def on_epoch_end(self, epoch, logs=None):
        images, columns = self.grid()
        self.last_path = save_grid(
            images, os.path.join(self.output_dir, f"epoch_{epoch + 1:03d}.png"), columns, self.scale
        )


class SampleGridCallback(EpochGridCallback):
    """Write `samples/epoch_NNN.png` from fixed latents after each epoch.

    The same latents (and, for conditional models, labels cycling through the
    classes row by row) are used every epoch, so the grids show progress.

    Args:
        output_dir: folder that receives `epoch_NNN.png`.
        num_samples: images in the grid (default 64).
        seed: seed of the fixed latents.
        scale: nearest-neighbour upscaling of the saved grid.

    Example:
    ```python
    model.fit(ds, callbacks=[keras_gan.callbacks.SampleGridCallback("runs/gan/samples")])
    ```
    """

    def __init__(self, output_dir, num_samples=64, seed=0, scale=1):
        super().__init__(output_dir, scale)
        self.num_samples = num_samples
        self.seed = seed

    def grid(self):
        model = self.model
        z = np.random.default_rng(self.seed).standard_normal((self.num_samples, model.latent_dim))
        labels = None
        columns = None
        if model.num_classes is not None:
            columns = model.num_classes
            labels = np.arange(self.num_samples) % model.num_classes
        return model.sample(self.num_samples, labels=labels, z=z), columns
