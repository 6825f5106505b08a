"""Pixel-level image helpers shared by every data pipeline.

The pixel convention at every model boundary (float32 in [-1, 1] <-> uint8), and the
channel conversions and resizing that bring any decoded image, (H, W, C) float32 with
C in 1..4, to the channels and size a model trains on. The conversions are graph-safe
(`tf.data` maps) and work on images of unknown size and channel count.
"""

import numpy as np
import tensorflow as tf

_LUMINANCE = (0.299, 0.587, 0.114)  # ITU-R BT.601, sums to 1: white stays white


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

    data = image_dataset(
        spec,
        image_size=image_size,
        channels=channels,
        batch_size=1,
        shuffle=False,
        repeat=False,
        labels=False,
        limit=limit,
        cache=False,
    )
    batches = [batch["image"].numpy() for batch in data.dataset.unbatch().batch(256)]
    return np.concatenate(batches, axis=0)


def drop_alpha(image):
    """Drop the alpha channel of an image, if it has one.

    Args:
        image: `(H, W, C)` tensor, C in 1..4: gray, gray + alpha, RGB or RGBA.

    Returns:
        `(H, W, 1)` for C = 1 or 2, `(H, W, 3)` for C = 3 or 4 (the colour channels
        unchanged).

    Example:
    ```python
    rgb = drop_alpha(decode_image_file("logo.png"))  # RGBA -> RGB
    ```
    """
    num = tf.shape(image)[-1]
    return image[..., : num - (1 - num % 2)]


def to_gray(image):
    """Convert a gray or RGB image to one channel (RGB by BT.601 luminance).

    The weights are picked with `tf.where`, not `tf.cond`, so it maps over images of
    unknown channel count.

    Args:
        image: `(H, W, C)` tensor, C = 1 or 3 (see `drop_alpha`).

    Returns:
        `(H, W, 1)`: gray unchanged, RGB as `0.299 R + 0.587 G + 0.114 B`.

    Example:
    ```python
    gray = to_gray(drop_alpha(image))
    ```
    """
    num = tf.shape(image)[-1]
    weights = tf.where(tf.equal(num, 3), tf.constant(_LUMINANCE), tf.constant([1.0, 0.0, 0.0]))
    return tf.reduce_sum(image * weights[:num], axis=-1, keepdims=True)


def to_rgb(image):
    """Convert a gray or RGB image to three channels (gray by tiling).

    Args:
        image: `(H, W, C)` tensor, C = 1 or 3 (see `drop_alpha`).

    Returns:
        `(H, W, 3)`: RGB unchanged, gray broadcast to the three channels.

    Example:
    ```python
    rgb = to_rgb(drop_alpha(image))
    ```
    """
    shape = tf.shape(image)
    return tf.broadcast_to(image, tf.stack([shape[0], shape[1], 3]))


def resize_shorter_side(image, size):
    """Resize an image so its shorter side is `size`, keeping the aspect ratio.

    Antialiased bilinear; each side is rounded and at least `size`. An image already
    at that size is returned unchanged (bit exact).

    Args:
        image: `(H, W, C)` float32 tensor.
        size: the shorter side of the result (int or int32 scalar).

    Returns:
        `(H', W', C)` float32 tensor with `min(H', W') == size`.

    Example:
    ```python
    resize_shorter_side(tf.zeros([300, 400, 3]), 150).shape  # (150, 200, 3)
    ```
    """
    shape = tf.shape(image)
    height, width = shape[0], shape[1]
    short = tf.cast(tf.minimum(height, width), tf.float32)
    scale = tf.cast(size, tf.float32) / short
    new_height = tf.where(
        height <= width, size, tf.cast(tf.round(tf.cast(height, tf.float32) * scale), tf.int32)
    )
    new_width = tf.where(
        width < height, size, tf.cast(tf.round(tf.cast(width, tf.float32) * scale), tf.int32)
    )
    new_height, new_width = tf.maximum(new_height, size), tf.maximum(new_width, size)
    unchanged = tf.logical_and(tf.equal(new_height, height), tf.equal(new_width, width))
    return tf.cond(
        unchanged,
        lambda: image,
        lambda: tf.image.resize(
            image, tf.stack([new_height, new_width]), method="bilinear", antialias=True
        ),
    )


def convert_and_resize(image, size, channels, keep_aspect=True):
    """Drop alpha, convert to `channels` and resize (antialiased bilinear).

    Gray conversion happens before resizing and RGB tiling after, so only one channel
    is resized for gray output.

    Args:
        image: `(H, W, C)` float32 tensor, C in 1..4.
        size: with `keep_aspect`, the shorter side of the result (`resize_shorter_side`);
            without, its height and width (the image is stretched).
        channels: 1 (`to_gray`) or 3 (`to_rgb`).
        keep_aspect: keep the aspect ratio, or stretch to `size` x `size`.

    Returns:
        `(H', W', channels)` float32 tensor.

    Example:
    ```python
    image = convert_and_resize(decode_image_file(path), 64, channels=3)  # shorter side 64
    ```
    """
    image = drop_alpha(image)
    if channels == 1:
        image = to_gray(image)
    if keep_aspect:
        image = resize_shorter_side(image, size)
    else:
        image = tf.image.resize(image, [size, size], method="bilinear", antialias=True)
    if channels == 3:
        image = to_rgb(image)
    return image
