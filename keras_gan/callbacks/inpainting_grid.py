"""Sample grids for inpainting: masked input, output, original."""

import keras
import numpy as np

from keras_gan.callbacks.sample_grid import EpochGridCallback


def inpainting_grid_images(images, masks, completed):
    """Stack rows masked input / output / original for `make_grid`.

    The hole of the masked input is drawn white so it is visible.

    Args:
        images: originals `(N, H, W, C)` in [-1, 1].
        masks: `(N, H, W, 1)`, 1 = hole.
        completed: model outputs `(N, H, W, C)` in [-1, 1].

    Returns:
        float32 `(3 * N, H, W, C)`: N masked inputs, N outputs, N originals.
    """
    images = np.asarray(images, np.float32)
    masks = np.asarray(masks, np.float32)
    masked = images * (1.0 - masks) + masks  # white (1.0) hole
    return np.concatenate([masked, np.asarray(completed, np.float32), images], axis=0)


class InpaintingGridCallback(EpochGridCallback):
    """Write `epoch_NNN.png` after each epoch: masked inputs, outputs, originals.

    Three rows of `N` columns with the same images and masks every epoch, so
    the grids show progress.

    Args:
        output_dir: folder that receives `epoch_NNN.png`.
        images: fixed images `(N, H, W, C)` in [-1, 1].
        masks: fixed masks `(N, H, W, 1)`, 1 = hole.
        scale: nearest-neighbour upscaling of the saved grid.

    Example:
    ```python
    batch = next(iter(data.dataset))
    callback = InpaintingGridCallback("runs/inpainting/samples", batch["image"][:8],
                                      batch["mask"][:8], scale=2)
    ```
    """

    def __init__(self, output_dir, images, masks, scale=1):
        super().__init__(output_dir, scale)
        self.images = np.asarray(images, np.float32)
        self.masks = np.asarray(masks, np.float32)

    def grid(self):
        completed = keras.ops.convert_to_numpy(
            self.model.generator([self.images, self.masks], training=False)
        )
        return inpainting_grid_images(self.images, self.masks, completed), len(self.images)
