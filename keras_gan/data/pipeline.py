"""`image_dataset`: any dataset spec to batched float32 images in [-1, 1] via `tf.data`.

Pipeline order: take(limit) -> parallel decode -> channel conversion -> resize the
shorter side (antialiased) -> center crop -> scale to [-1, 1] -> cache -> shuffle ->
repeat -> random crop / flip -> batch(drop_remainder=True) -> prefetch.

Everything up to the cache is deterministic, so it runs once when the cache is on.
Random augmentations use stateless ops fed by a seeded `tf.data.Dataset.random`
stream, so a given `seed` reproduces the same batches even with parallel maps.
"""

import dataclasses

import tensorflow as tf

from keras_gan.data.pixels import convert_and_resize
from keras_gan.data.sources import load_source
from keras_gan.data.specs import parse_dataset_spec

CACHE_AUTO_MAX_BYTES = 2 * 1024**3
"""`cache="auto"` caches in memory when the estimated cache size is at most this."""

SHUFFLE_BUFFER_MAX = 10_000

_ASSUMED_ASPECT = 2.0
"""Long/short side ratio assumed for the cache estimate when image sizes are unknown."""


@dataclasses.dataclass(frozen=True)
class ImageData:
    """A batched image dataset and what the model needs to know about it.

    Attributes:
        dataset: `tf.data.Dataset` of dicts `{"image": float32 (B, H, W, C) in [-1, 1],
            "label": int32 (B,)}`, `"label"` only when the source has labels and they
            were requested. All dimensions are static.
        num_examples: examples in one epoch (after `limit`), or `None` if unknown.
        num_classes: number of classes when the dataset has `"label"`, else `None`.
        steps_per_epoch: `num_examples // batch_size`, or `None` if unknown.
    """

    dataset: tf.data.Dataset
    num_examples: int | None
    num_classes: int | None
    steps_per_epoch: int | None


def image_dataset(
    dataset,
    image_size=28,
    channels=1,
    batch_size=64,
    shuffle=True,
    flip=False,
    crop="center",
    cache="auto",
    repeat=True,
    seed=None,
    labels=True,
    limit=None,
):
    """Build a batched, prefetched `tf.data` pipeline of images in [-1, 1].

    Images are decoded in parallel, converted to `channels` (RGB to gray by
    luminance, gray to RGB by tiling, alpha dropped), resized so the shorter side is
    `image_size` (antialiased), cropped to `image_size` x `image_size` and scaled to
    [-1, 1]. That deterministic part is cached in memory when it fits (see `cache`),
    then examples are shuffled, augmented, repeated, batched and prefetched.

    Args:
        dataset: spec string (`builtin:<name>`, `tfds:<name>[:split]`,
            `folder:<path>`) or a `DatasetSpec`.
        image_size: output height and width, at least 4.
        channels: 1 (gray) or 3 (RGB); every source is converted to it.
        batch_size: global batch size; the last partial batch is always dropped.
        shuffle: shuffle examples (buffer `min(num_examples, 10000)`), reshuffled
            every epoch.
        flip: random horizontal flips (off by default: digits must not be flipped).
        crop: `"center"`, or `"random"` to take a random `image_size` square of the
            resized image each time an example is seen.
        cache: `"auto"` caches decoded, resized images in memory when their
            estimated size is at most 2 GiB (and the dataset size is known);
            `True` always caches, `False` never does.
        repeat: repeat forever (then pass `steps_per_epoch` to `fit`).
        seed: int seed for shuffling, cropping and flipping; `None` for
            nondeterministic (and somewhat faster) pipelines.
        labels: include `"label"` when the source has labels.
        limit: if set, use only the first `limit` examples (taken before shuffling).

    Returns:
        An `ImageData` with the dataset, `num_examples`, `num_classes` and
        `steps_per_epoch`.

    Raises:
        ValueError: for invalid arguments, an invalid or unknown dataset spec, or a
            dataset with fewer examples than `batch_size`.

    Example:

    >>> data = image_dataset("builtin:mnist", image_size=28, channels=1, batch_size=64)
    >>> batch = next(iter(data.dataset))
    >>> batch["image"].shape, batch["label"].shape, data.steps_per_epoch
    (TensorShape([64, 28, 28, 1]), TensorShape([64]), 78)
    """
    _validate_args(image_size, channels, batch_size, crop, cache, seed, limit)
    spec = parse_dataset_spec(dataset)
    source = load_source(spec, labels=labels)

    ds = source.dataset
    num_examples = source.num_examples
    if limit is not None:
        ds = ds.take(limit)
        num_examples = min(num_examples, limit) if num_examples is not None else None
    if num_examples is not None and num_examples < batch_size:
        raise ValueError(
            f'The dataset "{spec}" has only {num_examples} examples, fewer than one '
            f"batch (batches drop their remainder). Received: batch_size={batch_size}"
        )

    # Parallel map output order is nondeterministic only when nothing must be reproduced.
    deterministic = not shuffle or seed is not None
    random_crop = crop == "random"

    def prepare(element):
        out = source.decode(element)
        image = convert_and_resize(out["image"], image_size, channels)
        if not random_crop:
            image = _center_crop(image, image_size)
        image = tf.clip_by_value(image * 2.0 - 1.0, -1.0, 1.0)
        out["image"] = tf.ensure_shape(
            image, [image_size, image_size, channels] if not random_crop else [None, None, channels]
        )
        return out

    ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)

    if should_cache(cache, num_examples, image_size, channels, random_crop, source.image_hw):
        ds = ds.cache()
    if shuffle:
        buffer = min(num_examples, SHUFFLE_BUFFER_MAX) if num_examples else SHUFFLE_BUFFER_MAX
        ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()

    if random_crop or flip:
        # One stateless seed pair per example from a seeded stream: reproducible and
        # independent of how the parallel map schedules examples.
        seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)

        def augment(element, seed_pair):
            crop_seed, flip_seed = tf.unstack(tf.random.split(seed_pair, num=2))
            image = element["image"]
            if random_crop:
                image = tf.image.stateless_random_crop(
                    image, [image_size, image_size, channels], seed=crop_seed
                )
            if flip:
                image = tf.image.stateless_random_flip_left_right(image, seed=flip_seed)
            return {**element, "image": image}

        ds = tf.data.Dataset.zip((ds, seeds)).map(
            augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic
        )

    ds = ds.batch(batch_size, drop_remainder=True)
    ds = ds.prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.deterministic = deterministic
    ds = ds.with_options(options)

    return ImageData(
        dataset=ds,
        num_examples=num_examples,
        num_classes=source.num_classes if source.has_labels else None,
        steps_per_epoch=num_examples // batch_size if num_examples is not None else None,
    )


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _validate_args(image_size, channels, batch_size, crop, cache, seed, limit):
    """Raise a `ValueError` naming the first invalid argument of `image_dataset`."""
    if not _is_int(image_size) or image_size < 4:
        raise ValueError(
            f"`image_size` must be an integer >= 4. Received: image_size={image_size!r}"
        )
    if channels not in (1, 3) or isinstance(channels, bool):
        raise ValueError(f"`channels` must be 1 or 3. Received: channels={channels!r}")
    if not _is_int(batch_size) or batch_size < 1:
        raise ValueError(
            f"`batch_size` must be an integer >= 1. Received: batch_size={batch_size!r}"
        )
    if crop not in ("center", "random"):
        raise ValueError(f'`crop` must be "center" or "random". Received: crop={crop!r}')
    if cache not in ("auto", True, False):
        raise ValueError(f'`cache` must be "auto", True or False. Received: cache={cache!r}')
    if seed is not None and not _is_int(seed):
        raise ValueError(f"`seed` must be an integer or None. Received: seed={seed!r}")
    if limit is not None and (not _is_int(limit) or limit < 1):
        raise ValueError(f"`limit` must be None or an integer >= 1. Received: limit={limit!r}")


def should_cache(cache, num_examples, image_size, channels, random_crop, image_hw):
    """Apply the `cache` policy of `image_dataset` to a pipeline about to be cached.

    `True` and `False` decide alone. `"auto"` caches when the number of examples is
    known and their float32 images fit in `CACHE_AUTO_MAX_BYTES` (2 GiB). With
    `random_crop` the cache holds the uncropped images, whose long side is estimated
    from `image_hw` (twice the short side when `image_hw` is unknown).

    Args:
        cache: `"auto"`, `True` or `False`.
        num_examples: examples in the pipeline, or `None` when unknown.
        image_size: side of the cached images (their shorter side with `random_crop`).
        channels: channels of the cached images.
        random_crop: whether the cached images are still uncropped.
        image_hw: `(height, width)` of every source image, or `None` when they vary.

    Returns:
        Whether to call `Dataset.cache()`.

    Example:
    ```python
    should_cache("auto", 60_000, 28, 1, False, (28, 28))  # True: 188 MB of float32
    should_cache("auto", 70_000, 64, 3, False, None)  # False: 3.4 GB
    ```
    """
    if cache != "auto":
        return bool(cache)
    if num_examples is None:
        return False
    aspect = 1.0
    if random_crop:  # the cache holds the uncropped, shorter-side-resized images
        aspect = max(image_hw) / min(image_hw) if image_hw else _ASSUMED_ASPECT
    estimate = num_examples * image_size * image_size * aspect * channels * 4
    return estimate <= CACHE_AUTO_MAX_BYTES


def _center_crop(image, size):
    """Central `size` x `size` window of an image whose sides are both >= `size`."""
    shape = tf.shape(image)
    top, left = (shape[0] - size) // 2, (shape[1] - size) // 2
    return image[top : top + size, left : left + size]
