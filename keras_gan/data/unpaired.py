"""Unpaired two-domain image datasets (CycleGAN): `{"a": images, "b": images}` batches.

Specs:

* `folder:<path>`: `<path>/trainA`, `<path>/trainB` (and `testA`, `testB`), the
  layout of the public CycleGAN datasets (horse2zebra, monet2photo, ...);
* `tfds:cycle_gan/<name>`: the TFDS `cycle_gan` configs, splits `trainA`,
  `trainB`, `testA`, `testB`;
* `builtin:photos`: an offline pair from scikit-learn's two sample photos:
  A = square crops of `china.jpg`, B = square crops of `flower.jpg`. The left
  480 columns of each photo give the train crops, the right 160 the test crops.

Training pipeline per domain (the reference's `resize_and_crop`): decode ->
channels -> resize to `load_size` x `load_size` -> [-1, 1] -> cache -> shuffle
-> repeat -> random `image_size` crop -> random horizontal flip. A and B are
shuffled independently (different seeds) and zipped: the pairs are random.
"""

import dataclasses
import functools
import os

import numpy as np
import tensorflow as tf

from keras_gan.data.pipeline import SHUFFLE_BUFFER_MAX, should_cache
from keras_gan.data.pixels import convert_and_resize
from keras_gan.data.sources import Source, builtin_arrays, is_directory, load_source
from keras_gan.data.specs import DatasetSpec, parse_dataset_spec

DOMAINS = ("a", "b")
SPLITS = ("train", "test")
LOAD_RATIO = 286 / 256
"""The reference resizes to 286 px and crops 256 px: `load_size = round(LOAD_RATIO * size)`."""

_PHOTO_CROP = 160  # side of the builtin crops, in photo pixels
_PHOTO_TRAIN_COLUMNS = 480  # train crops come from columns [0, 480), test from [480, 640)


@dataclasses.dataclass(frozen=True)
class UnpairedData:
    """A batched unpaired dataset.

    Attributes:
        dataset: `tf.data.Dataset` of dicts `{"a": float32 (B, S, S, C), "b": ...}`
            in [-1, 1], static shapes.
        num_examples: `{"a": n_a, "b": n_b}` (`None` where unknown).
        steps_per_epoch: `max(n_a, n_b) // batch_size` (an epoch sees the larger
            domain once, as in the reference), or `None` if unknown.
    """

    dataset: tf.data.Dataset
    num_examples: dict
    steps_per_epoch: int | None


def default_load_size(image_size):
    """The reference's resize-before-crop size: 286 for 256, 143 for 128."""
    return int(round(image_size * LOAD_RATIO))


@functools.cache
def _photo_crops(split):
    """Builtin pair: `{"a": uint8 (N, 160, 160, 3), "b": ...}` crops of the two photos."""
    photos, _ = builtin_arrays("photos")  # scikit-learn's sorted files: china.jpg, flower.jpg
    out = {}
    for domain, photo in zip(DOMAINS, photos):
        height = photo.shape[0]
        if split == "train":
            region, stride = photo[:, :_PHOTO_TRAIN_COLUMNS], 40
        else:
            region, stride = photo[:, _PHOTO_TRAIN_COLUMNS:], 80
        rows = range(0, height - _PHOTO_CROP + 1, stride)
        cols = range(0, region.shape[1] - _PHOTO_CROP + 1, stride)
        out[domain] = np.stack(
            [region[r : r + _PHOTO_CROP, c : c + _PHOTO_CROP] for r in rows for c in cols]
        )
    return out


def domain_source(dataset, domain, split="train"):
    """The raw images of one domain and split of an unpaired dataset spec.

    Args:
        dataset: `folder:<path>`, `tfds:cycle_gan/<name>` or `builtin:photos`.
        domain: `"a"` or `"b"`.
        split: `"train"` or `"test"`.

    Returns:
        A `keras_gan.data.Source` (no labels).

    Raises:
        ValueError: for another spec, domain or split, or a missing folder.

    Example:
    ```python
    source = domain_source("folder:/data/horse2zebra", "a", "test")
    source.num_examples  # 120
    ```
    """
    if domain not in DOMAINS:
        raise ValueError(f"`domain` must be 'a' or 'b'. Received: domain={domain!r}")
    if split not in SPLITS:
        raise ValueError(f"`split` must be 'train' or 'test'. Received: split={split!r}")
    spec = parse_dataset_spec(dataset)
    suffix = f"{split}{domain.upper()}"
    if spec.kind == "folder":
        return load_source(f"folder:{spec.path.rstrip('/')}/{suffix}", labels=False)
    if spec.kind == "tfds":
        return load_source(DatasetSpec(kind="tfds", name=spec.name, split=suffix), labels=False)
    if spec.name != "photos":
        raise ValueError(
            "Unpaired data needs folder:<path> (with trainA/ and trainB/), "
            f'tfds:cycle_gan/<name> or builtin:photos. Received: dataset="{spec}"'
        )
    crops = _photo_crops(split)[domain]
    return Source(
        dataset=tf.data.Dataset.from_tensor_slices({"image": crops}),
        decode=lambda e: {"image": tf.image.convert_image_dtype(e["image"], tf.float32)},
        num_examples=len(crops),
        image_hw=crops.shape[1:3],
    )


def _prepare(source, size, channels):
    """Decode, convert channels, resize to size x size (aspect not kept) and scale to [-1, 1]."""

    def prepare(element):
        image = convert_and_resize(
            source.decode(element)["image"], size, channels, keep_aspect=False
        )
        image = tf.clip_by_value(image * 2.0 - 1.0, -1.0, 1.0)
        return tf.ensure_shape(image, [size, size, channels])

    return prepare


def _domain_dataset(source, image_size, load_size, channels, flip, seed, cache):
    deterministic = seed is not None
    ds = source.dataset.map(
        _prepare(source, load_size, channels),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=deterministic,
    )
    n = source.num_examples
    if should_cache(cache, n, load_size, channels, False, None):  # square load_size images
        ds = ds.cache()
    buffer = min(n, SHUFFLE_BUFFER_MAX) if n else SHUFFLE_BUFFER_MAX
    ds = ds.shuffle(buffer, seed=seed, reshuffle_each_iteration=True)
    ds = ds.repeat()
    seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)

    def augment(image, seed_pair):
        crop_seed, flip_seed = tf.unstack(tf.random.split(seed_pair, num=2))
        image = tf.image.stateless_random_crop(image, [image_size, image_size, channels], crop_seed)
        if flip:
            image = tf.image.stateless_random_flip_left_right(image, flip_seed)
        return image

    return tf.data.Dataset.zip((ds, seeds)).map(
        augment, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic
    )


def _check_train_folders(dataset):
    """Raise one `ValueError` naming every missing `trainA`/`trainB` of a `folder:` spec."""
    spec = parse_dataset_spec(dataset)
    if spec.kind != "folder":
        return
    root = os.path.expanduser(spec.path)
    if not is_directory(root):
        raise ValueError(
            f"The image folder {root!r} does not exist or is not a directory. "
            f'Received: dataset="{spec}"'
        )
    missing = [
        f"train{d.upper()}"
        for d in DOMAINS
        if not is_directory(os.path.join(root, f"train{d.upper()}"))
    ]
    if missing:
        raise ValueError(
            f"The CycleGAN folder {root!r} has no {' and no '.join(missing)} subfolder "
            f"(expected trainA/ and trainB/ with the images of each domain). "
            f'Received: dataset="{spec}"'
        )


def unpaired_dataset(
    dataset,
    image_size=256,
    channels=3,
    batch_size=1,
    load_size=None,
    flip=True,
    seed=None,
    cache="auto",
):
    """Batches of unpaired A and B training images for CycleGAN.

    Args:
        dataset: `folder:<path>`, `tfds:cycle_gan/<name>` or `builtin:photos`
            (see the module docstring).
        image_size: crop size (height = width).
        channels: 1 or 3; both domains are converted.
        batch_size: global batch size (CycleGAN uses 1).
        load_size: size images are resized to before the random crop; default
            `round(image_size * 286 / 256)`; `image_size` disables cropping.
        flip: random horizontal flips.
        seed: seed of shuffling and augmentation (B uses `seed + 1`); `None`
            for nondeterministic pipelines.
        cache: `"auto"` (cache decoded images in memory when under 2 GiB),
            `True` or `False`.

    Returns:
        An `UnpairedData`.

    Raises:
        ValueError: for invalid arguments, specs or folders, or a domain with
            fewer images than one batch.

    Example:
    ```python
    data = unpaired_dataset("folder:/data/horse2zebra", image_size=128, batch_size=1)
    batch = next(iter(data.dataset))  # {"a": (1, 128, 128, 3), "b": (1, 128, 128, 3)}
    ```

    Reference:
        Zhu et al. 2017 (CycleGAN), section 4 and the reference implementation's
        `unaligned_dataset.py` / `--preprocess resize_and_crop`.
    """
    if not isinstance(image_size, int) or image_size < 4:
        raise ValueError(f"`image_size` must be an int >= 4. Received: image_size={image_size!r}")
    if channels not in (1, 3):
        raise ValueError(f"`channels` must be 1 or 3. Received: channels={channels!r}")
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"`batch_size` must be an int >= 1. Received: batch_size={batch_size!r}")
    load_size = default_load_size(image_size) if load_size is None else load_size
    if not isinstance(load_size, int) or load_size < image_size:
        raise ValueError(
            f"`load_size` must be an int >= image_size ({image_size}). Received: load_size={load_size!r}"
        )
    if cache not in ("auto", True, False):
        raise ValueError(f'`cache` must be "auto", True or False. Received: cache={cache!r}')
    _check_train_folders(dataset)
    parts, sizes = {}, {}
    for i, domain in enumerate(DOMAINS):
        source = domain_source(dataset, domain, "train")
        if source.num_examples is not None and source.num_examples < batch_size:
            raise ValueError(
                f"Domain {domain.upper()} of {dataset} has {source.num_examples} images, fewer "
                f"than one batch. Received: batch_size={batch_size}"
            )
        sizes[domain] = source.num_examples
        parts[domain] = _domain_dataset(
            source, image_size, load_size, channels, flip, None if seed is None else seed + i, cache
        )
    ds = tf.data.Dataset.zip(parts).batch(batch_size, drop_remainder=True)
    options = tf.data.Options()
    options.deterministic = seed is not None
    ds = ds.prefetch(tf.data.AUTOTUNE).with_options(options)
    known = [n for n in sizes.values() if n is not None]
    steps = max(known) // batch_size if len(known) == 2 else None
    return UnpairedData(dataset=ds, num_examples=sizes, steps_per_epoch=steps)


def load_domain_images(dataset, domain, split="test", image_size=256, channels=3, limit=None):
    """Read one domain's images into numpy, resized to `image_size` (no crop, no flip).

    Falls back on the train split when the dataset has no test split.

    Args:
        dataset: an unpaired spec (see `unpaired_dataset`).
        domain: `"a"` or `"b"`.
        split: `"test"` (default) or `"train"`.
        image_size: output height = width.
        channels: 1 or 3.
        limit: at most this many images (in file order).

    Returns:
        float32 array `(N, image_size, image_size, channels)` in [-1, 1].

    Example:
    ```python
    horses = load_domain_images("folder:/data/horse2zebra", "a", "test", 128, limit=8)
    ```
    """
    try:
        source = domain_source(dataset, domain, split)
    except ValueError:
        if split == "train":
            raise
        source = domain_source(dataset, domain, "train")
    ds = source.dataset.take(limit) if limit else source.dataset
    ds = ds.map(_prepare(source, image_size, channels)).batch(64)
    return np.concatenate([batch.numpy() for batch in ds], axis=0)
