"""Super-resolution data: HR crops with their LR made on the fly by MATLAB-style bicubic.

The SR literature makes low-resolution inputs with MATLAB's
`imresize(hr, 1/scale, 'bicubic')` (antialiased Keys cubic, a = -0.5, kernel
widened by the scale when downscaling, symmetric borders). `imresize` here is a
port of it, checked against the published bicubic baselines (Set5 x4: 28.43 dB);
`tf.image.resize(..., "bicubic", antialias=True)` uses a = -0.5 too but a
different border rule and normalization, and lands ~0.1-0.2 dB off.

`super_resolution_dataset` yields `{"lr": (B, s, s, 3), "hr": (B, s*scale, s*scale, 3)}`
float32 in [-1, 1]: random `image_size` HR crops (flipped / rotated), their LR by
`imresize`, quantized to 8 bits like a saved LR image.
"""

import functools

import numpy as np
import tensorflow as tf

from keras_gan.data.pipeline import ImageData, _drop_alpha, _to_rgb
from keras_gan.data.sources import load_source

CACHE_AUTO_MAX_IMAGES = 1000
"""`cache="auto"` keeps decoded uint8 images in memory for datasets up to this size."""


def _cubic(x):
    """Keys cubic kernel, a = -0.5 (MATLAB `imresize` 'bicubic')."""
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return ((1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1)
            + (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * ((ax > 1) & (ax <= 2)))


@functools.lru_cache(maxsize=256)
def imresize_matrix(in_length, out_length, scale):
    """The `(out_length, in_length)` matrix of MATLAB `imresize` along one axis.

    Args:
        in_length: input size along the axis.
        out_length: output size.
        scale: `out / in` factor (e.g. 0.25 to downscale by 4); antialiased when < 1.

    Returns:
        float64 numpy array; rows sum to 1.

    Reference:
        MATLAB `imresize.m`, `contributions()`.
    """
    kernel_width = 4.0
    if scale < 1:  # antialiasing: stretch the kernel by 1/scale
        def kernel(x):
            return scale * _cubic(scale * x)

        kernel_width /= scale
    else:
        kernel = _cubic
    x = np.arange(1, out_length + 1, dtype=np.float64)
    u = x / scale + 0.5 * (1.0 - 1.0 / scale)
    left = np.floor(u - kernel_width / 2.0)
    taps = int(np.ceil(kernel_width)) + 2
    indices = left[:, None] + np.arange(taps)[None, :]
    weights = kernel(u[:, None] - indices)
    weights /= weights.sum(axis=1, keepdims=True)
    mirror = np.concatenate([np.arange(in_length), np.arange(in_length - 1, -1, -1)])
    indices = mirror[np.mod(indices.astype(np.int64) - 1, len(mirror))]
    matrix = np.zeros((out_length, in_length), np.float64)
    np.add.at(matrix, (np.repeat(np.arange(out_length), taps), indices.ravel()), weights.ravel())
    return matrix


def _check_scale(scale):
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale <= 0:
        raise ValueError(f"`scale` must be a positive number. Received: scale={scale!r}")


def imresize(image, scale):
    """MATLAB-compatible bicubic `imresize(image, scale)` of one numpy image.

    Rows are resized first, then columns (MATLAB's order for equal scales), in
    float64; uint8 inputs are rounded and clipped back to uint8 at the end.

    Args:
        image: `(H, W)` or `(H, W, C)` numpy array, uint8 or float.
        scale: output / input size (0.25 = downscale by 4, 4 = upscale by 4); the
            output size is `ceil(H * scale) x ceil(W * scale)`.

    Returns:
        The resized image, same dtype.

    Example:
    ```python
    lr = imresize(mod_crop(hr, 4), 1 / 4)   # the benchmark LR image
    bicubic = imresize(lr, 4)               # the bicubic baseline
    ```

    Reference:
        MATLAB `imresize` (bicubic, antialiasing on); used by SRCNN, SRGAN, EDSR, ...
    """
    _check_scale(scale)
    array = np.asarray(image)
    height, width = array.shape[:2]
    out_h, out_w = int(np.ceil(height * scale - 1e-9)), int(np.ceil(width * scale - 1e-9))
    rows = imresize_matrix(height, out_h, float(scale))
    cols = imresize_matrix(width, out_w, float(scale))
    out = np.tensordot(rows, array.astype(np.float64), axes=(1, 0))
    out = np.moveaxis(np.tensordot(cols, out, axes=(1, 1)), 0, 1)
    if array.dtype == np.uint8:
        return np.clip(np.round(out), 0, 255).astype(np.uint8)
    return out.astype(array.dtype)


def mod_crop(image, scale):
    """Crop `(H, W, ...)` to the largest multiple of `scale` (top-left kept)."""
    height, width = image.shape[:2]
    return image[: height - height % scale, : width - width % scale]


def bicubic_downscale(images, scale):
    """MATLAB bicubic downscaling by an integer factor, in TensorFlow (graph-safe).

    Args:
        images: `(H, W, C)` or `(N, H, W, C)` float tensor with static H, W divisible
            by `scale`.
        scale: integer factor.

    Returns:
        float32 tensor `(..., H / scale, W / scale, C)` (not rounded).
    """
    images = tf.convert_to_tensor(images, tf.float32)
    height, width = images.shape[-3], images.shape[-2]
    if height is None or width is None or height % scale or width % scale:
        raise ValueError(
            "bicubic_downscale needs static H and W divisible by the scale. "
            f"Received: shape={images.shape}, scale={scale}"
        )
    rows = tf.constant(imresize_matrix(height, height // scale, 1.0 / scale), tf.float32)
    cols = tf.constant(imresize_matrix(width, width // scale, 1.0 / scale), tf.float32)
    out = tf.einsum("ih,...hwc->...iwc", rows, images)
    return tf.einsum("jw,...iwc->...ijc", cols, out)


SuperResolutionData = ImageData
"""`super_resolution_dataset`'s result: an `ImageData` whose `dataset` yields
`{"lr": (B, h, w, 3), "hr": (B, h*scale, w*scale, 3)}` float32 in [-1, 1] (static
shapes), `num_classes` always `None` and `steps_per_epoch`
`max(1, num_examples * crops_per_image // batch_size)` (`None` if the size is unknown)."""


def super_resolution_dataset(
    dataset,
    image_size=96,
    scale=4,
    batch_size=16,
    crops_per_image=16,
    shuffle=True,
    augment=True,
    cache="auto",
    repeat=True,
    seed=None,
    limit=None,
):
    """Random HR crops and their bicubic LR, batched, as a `tf.data` pipeline.

    Pipeline: decode -> RGB (gray tiled, alpha dropped) -> uint8 -> images smaller
    than the crop are upscaled (bicubic) to fit -> cache -> shuffle -> repeat ->
    random `image_size` crop -> random flip / 90-degree rotation -> LR =
    MATLAB-bicubic downscale by `scale`, rounded to 8 bits -> both to [-1, 1] ->
    batch -> prefetch.

    Args:
        dataset: `folder:<path>`, `builtin:photos`, `tfds:<name>[:split]` (its `hr`
            feature when it has no `image` one, e.g. `tfds:div2k/bicubic_x4`), or a
            `DatasetSpec`.
        image_size: HR crop side; a multiple of `scale`.
        scale: 2 or 4 (any integer >= 2 works).
        batch_size: global batch size.
        crops_per_image: random crops per image per epoch (sets `steps_per_epoch`).
        shuffle: shuffle images.
        augment: random horizontal flips and 90-degree rotations.
        cache: `"auto"` (in memory, uint8, up to 1,000 images), `True` or `False`.
        repeat: repeat forever.
        seed: int seed of shuffling, crops and augmentation.
        limit: use only the first `limit` images.

    Returns:
        A `SuperResolutionData`.

    Example:
    ```python
    data = super_resolution_dataset("folder:/data/T91", image_size=96, scale=4)
    batch = next(iter(data.dataset))  # {"lr": (16, 24, 24, 3), "hr": (16, 96, 96, 3)}
    ```

    Reference:
        Ledig et al. 2017 (96 x 96 HR crops, x4 bicubic LR).
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 2:
        raise ValueError(f"`scale` must be an integer >= 2. Received: scale={scale!r}")
    if not isinstance(image_size, int) or image_size < scale * 4 or image_size % scale:
        raise ValueError(
            f"`image_size` (the HR crop) must be a multiple of scale={scale} and at least "
            f"{4 * scale}. Received: image_size={image_size!r}"
        )
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be an integer >= 1. Received: batch_size={batch_size!r}")
    if not isinstance(crops_per_image, int) or crops_per_image < 1:
        raise ValueError(
            f"`crops_per_image` must be an integer >= 1. Received: crops_per_image={crops_per_image!r}"
        )
    if cache not in ("auto", True, False):
        raise ValueError(f'`cache` must be "auto", True or False. Received: cache={cache!r}')
    source = load_source(dataset, labels=False)
    ds = source.dataset
    num_examples = source.num_examples
    if limit is not None:
        ds = ds.take(limit)
        num_examples = min(num_examples, limit) if num_examples is not None else None
    deterministic = not shuffle or seed is not None

    def prepare(element):
        image = _to_rgb(_drop_alpha(source.decode(element)["image"]))
        shape = tf.shape(image)
        short = tf.minimum(shape[0], shape[1])
        factor = tf.maximum(1.0, image_size / tf.cast(short, tf.float32))
        size = tf.cast(tf.math.ceil(tf.cast(shape[:2], tf.float32) * factor), tf.int32)
        image = tf.cond(
            short < image_size,
            lambda: tf.image.resize(image, tf.maximum(size, image_size), method="bicubic"),
            lambda: image,
        )
        return tf.image.convert_image_dtype(tf.clip_by_value(image, 0.0, 1.0), tf.uint8, saturate=True)

    ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    if cache is True or (cache == "auto" and num_examples is not None
                         and num_examples <= CACHE_AUTO_MAX_IMAGES):
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(num_examples or 1000, 1000), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()

    seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)

    def crop(image, seed_pair):
        crop_seed, flip_seed, rot_seed = tf.unstack(tf.random.split(seed_pair, num=3))
        hr = tf.image.stateless_random_crop(image, [image_size, image_size, 3], seed=crop_seed)
        hr = tf.cast(hr, tf.float32) / 255.0
        if augment:
            hr = tf.image.stateless_random_flip_left_right(hr, seed=flip_seed)
            k = tf.random.stateless_uniform([], rot_seed, 0, 4, dtype=tf.int32)
            hr = tf.image.rot90(hr, k)
        hr = tf.ensure_shape(hr, [image_size, image_size, 3])
        lr = bicubic_downscale(hr, scale)
        lr = tf.round(tf.clip_by_value(lr, 0.0, 1.0) * 255.0) / 255.0  # an 8-bit LR image
        return {"lr": lr * 2.0 - 1.0, "hr": hr * 2.0 - 1.0}

    ds = tf.data.Dataset.zip((ds, seeds)).map(
        crop, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic
    )
    ds = ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.deterministic = deterministic
    ds = ds.with_options(options)
    steps = max(1, num_examples * crops_per_image // batch_size) if num_examples else None
    return SuperResolutionData(dataset=ds, num_examples=num_examples, num_classes=None,
                               steps_per_epoch=steps)


def load_benchmark(dataset, scale):
    """Load an SR benchmark (Set5, Set14, ...) the way SR papers evaluate it.

    Each HR image is mod-cropped to a multiple of `scale` (gray images tiled to
    RGB) and its LR is `imresize(hr, 1 / scale)` in uint8.

    Args:
        dataset: a dataset spec of HR images, e.g. `folder:/data/sr/Set5` or
            `tfds:div2k/bicubic_x4:validation` (its `hr` images).
        scale: integer factor.

    Returns:
        A list of `(lr, hr)` uint8 numpy pairs `(h, w, 3)`, `(h*scale, w*scale, 3)`.

    Example:
    ```python
    pairs = load_benchmark("folder:/data/sr/Set5", 4)
    ```
    """
    source = load_source(dataset, labels=False)
    pairs = []
    for element in source.dataset:
        image = _to_rgb(_drop_alpha(source.decode(element)["image"])).numpy()
        hr = mod_crop(np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8), scale)
        pairs.append((imresize(hr, 1.0 / scale), hr))
    return pairs
