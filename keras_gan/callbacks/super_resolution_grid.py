"""Save a grid of super-resolved fixed images after every epoch."""

import os

import keras
import numpy as np

from keras_gan.callbacks.sample_grid import save_grid
from keras_gan.data.pixels import from_uint8, to_uint8
from keras_gan.data.super_resolution import imresize


def super_resolution_rows(generator, lr_images, hr_images, scale):
    """The 4-column rows LR (nearest), bicubic, SR, HR, one per image.

    Args:
        generator: LR -> SR `keras.Model` (e.g. `model.generator`).
        lr_images: `(N, h, w, 3)` float32 in [-1, 1].
        hr_images: `(N, h*scale, w*scale, 3)` float32 in [-1, 1].
        scale: the upscaling factor.

    Returns:
        float32 array `(4 N, h*scale, w*scale, 3)` in [-1, 1], row-major: 4 images per row.
    """
    lr_images = np.asarray(lr_images, np.float32)
    nearest = lr_images.repeat(scale, axis=1).repeat(scale, axis=2)
    lr_u8 = to_uint8(lr_images).numpy()
    bicubic = from_uint8(np.stack([imresize(x, scale) for x in lr_u8])).numpy()
    sr = keras.ops.convert_to_numpy(generator(lr_images, training=False)).astype("float32")
    columns = [nearest, bicubic, np.clip(sr, -1, 1), np.asarray(hr_images, np.float32)]
    return np.stack(columns, axis=1).reshape((-1, *columns[-1].shape[1:]))


class SuperResolutionGridCallback(keras.callbacks.Callback):
    """Write `epoch_NNN.png`: rows of LR (nearest-upscaled), bicubic, SR, HR.

    The same images are super-resolved every epoch, so the grids show progress.
    The epoch number continues across SRGAN's two phases (`initial_epoch`).

    Args:
        output_dir: folder that receives `epoch_NNN.png`.
        lr_images: `(N, h, w, 3)` LR images in [-1, 1].
        hr_images: `(N, h*scale, w*scale, 3)` their HR images in [-1, 1].
        scale: the upscaling factor.

    Example:
    ```python
    batch = next(iter(data.dataset))
    callback = SuperResolutionGridCallback("samples", batch["lr"][:4], batch["hr"][:4], 4)
    ```
    """

    def __init__(self, output_dir, lr_images, hr_images, scale):
        super().__init__()
        self.output_dir = output_dir
        self.lr_images = np.asarray(lr_images, np.float32)
        self.hr_images = np.asarray(hr_images, np.float32)
        self.scale = scale
        self.last_path = None

    def on_epoch_end(self, epoch, logs=None):
        rows = super_resolution_rows(self.model.generator, self.lr_images, self.hr_images, self.scale)
        self.last_path = save_grid(rows, os.path.join(self.output_dir, f"epoch_{epoch + 1:03d}.png"),
                                   columns=4)
