"""`inpainting_dataset`: images plus seeded hole masks, `{"image", "mask"}` batches."""

import dataclasses

import tensorflow as tf

from keras_gan.data.masks import mask_dataset
from keras_gan.data.pipeline import image_dataset


def inpainting_dataset(
    dataset,
    image_size=64,
    channels=3,
    batch_size=16,
    mask="free_form",
    load_size=None,
    flip=True,
    shuffle=True,
    repeat=True,
    seed=None,
    limit=None,
    cache="auto",
    random_scale=False,
    native_fraction=0.0,
):
    """Batches `{"image": (B, S, S, C) in [-1, 1], "mask": (B, S, S, 1)}` for inpainting.

    Images come from `keras_gan.data.image_dataset` (shorter side resized to
    `load_size`, random `load_size` square crop, optional flip), then a random
    `image_size` crop when `load_size > image_size` (with `random_scale`, a
    crop of log-uniform random side between `image_size` and `load_size` resized
    to `image_size`: the network sees both near-native detail and whole downscaled
    scenes, as a user's photos come at every scale); masks come from
    `keras_gan.data.masks.mask_dataset` (1 = hole). With a `seed` the batches
    are reproducible. Datasets smaller than a batch are fine (examples repeat).

    Args:
        dataset: image dataset spec (`folder:<path>`, `builtin:photos`, `tfds:...`).
        image_size: training crop size (height = width).
        channels: 1 or 3.
        batch_size: global batch size.
        mask: mask spec: `rect`, `free_form`, `folder:<path>`, `mixed[:<path>]`.
        load_size: shorter side the images are resized to before cropping;
            default `image_size` (whole images, downscaled).
        flip: random horizontal flips.
        shuffle: shuffle images.
        repeat: repeat forever.
        seed: int seed of shuffling, crops, flips and masks.
        limit: use only the first `limit` images.
        cache: see `image_dataset`.
        native_fraction: with `random_scale`, the share of crops taken at the
            loaded resolution (side = `image_size`, no resizing); the others
            have a log-uniform side.

    Returns:
        An `ImageData` (no labels); `steps_per_epoch` is `num_examples // batch_size`
        (`None` when unknown or 0).

    Example:
    ```python
    data = inpainting_dataset("builtin:photos", image_size=64, load_size=256,
                              batch_size=8, mask="mixed", seed=0)
    batch = next(iter(data.dataset))  # {"image": (8, 64, 64, 3), "mask": (8, 64, 64, 1)}
    ```
    """
    load_size = load_size or image_size
    if not isinstance(load_size, int) or load_size < image_size:
        raise ValueError(
            f"`load_size` must be an int >= image_size. Received: load_size={load_size!r}"
        )
    if not 0.0 <= native_fraction <= 1.0:
        raise ValueError(
            f"`native_fraction` must be in [0, 1]. Received: native_fraction={native_fraction!r}"
        )
    images = image_dataset(
        dataset,
        image_size=load_size,
        channels=channels,
        batch_size=1,
        shuffle=shuffle,
        flip=flip,
        crop="random",
        cache=cache,
        repeat=repeat,
        seed=seed,
        labels=False,
        limit=limit,
    )
    ds = images.dataset.unbatch().map(lambda e: e["image"])
    if load_size > image_size:
        crop_seeds = tf.data.Dataset.random(seed=None if seed is None else seed + 1).batch(2)

        def crop(image, s):
            side = image_size
            if random_scale:
                # Log-uniform side: every octave of scale between the loaded
                # resolution (side = image_size) and the whole crop is equally likely.
                log_side = tf.random.stateless_uniform(
                    [], s[::-1], tf.math.log(float(image_size)), tf.math.log(float(load_size))
                )
                side = tf.minimum(tf.cast(tf.round(tf.exp(log_side)), tf.int32), load_size)
                if native_fraction > 0:
                    native = tf.random.stateless_uniform([], s + 1) < native_fraction
                    side = tf.where(native, image_size, side)
            out = tf.image.stateless_random_crop(image, tf.stack([side, side, channels]), seed=s)
            if random_scale:
                out = tf.image.resize(out, [image_size, image_size], antialias=True)
                out = tf.ensure_shape(
                    tf.clip_by_value(out, -1.0, 1.0), [image_size, image_size, channels]
                )
            return out

        ds = tf.data.Dataset.zip((ds, crop_seeds)).map(
            crop, num_parallel_calls=tf.data.AUTOTUNE, deterministic=seed is not None
        )
    masks = mask_dataset(mask, image_size, seed=None if seed is None else seed + 2)
    ds = tf.data.Dataset.zip((ds, masks)).map(lambda image, m: {"image": image, "mask": m})
    ds = ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    steps = images.num_examples // batch_size if images.num_examples else None
    return dataclasses.replace(images, dataset=ds, num_classes=None, steps_per_epoch=steps or None)
