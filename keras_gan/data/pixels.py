"""The pixel convention at every model boundary: float32 in [-1, 1] <-> uint8."""

import numpy as np
import tensorflow as tf


def to_uint8(images):
    """Map images in [-1, 1] to uint8 pixels in [0, 255] (rounded, clipped).

    Args:
        images: float array or tensor in [-1, 1].

    Returns:
        A uint8 tensor (graph-safe: used inside the `serving_uint8` signature).

    Example:
    ```python
    pixels = keras_gan.data.to_uint8(model.sample(4)).numpy()
    ```
    """
    images = tf.convert_to_tensor(images, tf.float32)
    return tf.cast(tf.round(tf.clip_by_value((images + 1.0) * 127.5, 0.0, 255.0)), tf.uint8)


def from_uint8(pixels):
    """Map uint8 pixels in [0, 255] to float32 images in [-1, 1].

    Args:
        pixels: uint8 array or tensor.

    Returns:
        A float32 tensor in [-1, 1].
    """
    return tf.cast(pixels, tf.float32) / 127.5 - 1.0


def load_images(spec, image_size, channels, limit=None):
    """Read the first `limit` images of a dataset spec into one numpy array.

    Same decoding, resizing and [-1, 1] scaling as training (`image_dataset`),
    in file order, without shuffling, flipping or caching.

    Args:
        spec: `builtin:<name>`, `tfds:<name>[:split]` or `folder:<path>`.
        image_size: output height = width.
        channels: output channels.
        limit: at most this many images; `None` for all.

    Returns:
        float32 array `(N, image_size, image_size, channels)` in [-1, 1].

    Example:
    ```python
    real = keras_gan.data.load_images("folder:/tmp/mnist_png", 28, 1, limit=10000)
    ```
    """
    from keras_gan.data.pipeline import image_dataset

    data = image_dataset(spec, image_size=image_size, channels=channels, batch_size=1,
                         shuffle=False, repeat=False, labels=False, limit=limit, cache=False)
    batches = [batch["image"].numpy() for batch in data.dataset.unbatch().batch(256)]
    return np.concatenate(batches, axis=0)
