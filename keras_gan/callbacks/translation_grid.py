"""Save a grid of CycleGAN translations of fixed images after every epoch."""

import keras
import numpy as np

from keras_gan.callbacks.sample_grid import EpochGridCallback


def _check_pairs(images_a, images_b):
    if len(images_a) != len(images_b):
        raise ValueError(
            "Give as many A images as B images. Received: "
            f"{len(images_a)} A and {len(images_b)} B images"
        )


def translation_rows(model, images_a, images_b):
    """The 6-column rows A, G(A), F(G(A)), B, F(B), G(F(B)), one per image pair.

    Args:
        model: a `keras_gan.CycleGAN` (or anything with `generator_ab`, A->B,
            the paper's G, and `generator_ba`, B->A, the paper's F).
        images_a: `(N, H, W, C)` domain A images in [-1, 1].
        images_b: `(N, H, W, C)` domain B images in [-1, 1] (same N).

    Returns:
        float32 array `(6 N, H, W, C)`, row-major: 6 images per row.
    """
    _check_pairs(images_a, images_b)

    def run(network, x):
        return keras.ops.convert_to_numpy(network(x, training=False))

    fake_b = run(model.generator_ab, images_a)
    rec_a = run(model.generator_ba, fake_b)
    fake_a = run(model.generator_ba, images_b)
    rec_b = run(model.generator_ab, fake_a)
    columns = [images_a, fake_b, rec_a, images_b, fake_a, rec_b]
    return np.stack([np.asarray(c, "float32") for c in columns], axis=1).reshape(
        (-1, *np.shape(images_a)[1:])
    )


class TranslationGridCallback(EpochGridCallback):
    """Write `epoch_NNN.png`: rows of A, G(A), F(G(A)) | B, F(B), G(F(B)).

    The same held-out images are translated every epoch, so the grids show
    progress. Column 2 is the A->B translation, column 3 its reconstruction
    (cycle consistency); columns 4-6 the same from B.

    Args:
        output_dir: folder that receives `epoch_NNN.png`.
        images_a: `(N, H, W, C)` domain A images in [-1, 1] (e.g. from testA).
        images_b: `(N, H, W, C)` domain B images in [-1, 1] (same N).
        scale: nearest-neighbour upscaling of the saved grid.

    Example:
    ```python
    a = keras_gan.data.load_domain_images(spec, "a", "test", 128, limit=4)
    b = keras_gan.data.load_domain_images(spec, "b", "test", 128, limit=4)
    model.fit(ds, callbacks=[keras_gan.callbacks.TranslationGridCallback("samples", a, b)])
    ```
    """

    def __init__(self, output_dir, images_a, images_b, scale=1):
        super().__init__(output_dir, scale)
        _check_pairs(images_a, images_b)  # fail now, not after the first epoch
        self.images_a = np.asarray(images_a, "float32")
        self.images_b = np.asarray(images_b, "float32")

    def grid(self):
        return translation_rows(self.model, self.images_a, self.images_b), 6
