"""Save a grid of super-resolved fixed images after every epoch."""

import keras
import numpy as np

from keras_gan.callbacks.sample_grid import EpochGridCallback
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
        float32 array `(4 N, h*scale, w*scale, 3)`, row-major: 4 images per row (the SR
        column unclipped; `save_grid` clips to [-1, 1]).
    """
    lr_images = np.asarray(lr_images, np.float32)
    nearest = lr_images.repeat(scale, axis=1).repeat(scale, axis=2)
    lr_u8 = to_uint8(lr_images).numpy()
    bicubic = from_uint8(np.stack([imresize(x, scale) for x in lr_u8])).numpy()
    sr = keras.ops.convert_to_numpy(generator(lr_images, training=False))
    columns = [nearest, bicubic, sr, np.asarray(hr_images, np.float32)]
    return np.stack(columns, axis=1).reshape((-1, *columns[-1].shape[1:]))


class SuperResolutionGridCallback(EpochGridCallback):
    """Write `epoch_NNN.png`: rows of LR (nearest-upscaled), bicubic, SR, HR.

    The same images are super-resolved every epoch, so the grids show progress.
    The epoch number continues across SRGAN's two phases (`initial_epoch`).

    Args:
        output_dir: folder that receives `epoch_NNN.png`.
        lr_images: `(N, h, w, 3)` LR images in [-1, 1].
        hr_images: `(N, h*scale, w*scale, 3)` their HR images in [-1, 1].
        sr_scale: the upscaling factor of the generator (kept as `sr_scale`).
        scale: nearest-neighbour upscaling of the saved grid (default 1).

    Example:
    ```python
    batch = next(iter(data.dataset))
    callback = SuperResolutionGridCallback("samples", batch["lr"][:4], batch["hr"][:4], 4)
    ```
    """

    def __init__(self, output_dir, lr_images, hr_images, sr_scale, scale=1):
        super().__init__(output_dir, scale)
        self.lr_images = np.asarray(lr_images, np.float32)
        self.hr_images = np.asarray(hr_images, np.float32)
        self.sr_scale = sr_scale

    def grid(self):
        return super_resolution_rows(
            self.model.generator, self.lr_images, self.hr_images, self.sr_scale
        ), 4
