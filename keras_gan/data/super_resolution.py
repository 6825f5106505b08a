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

Paired folders: a `folder:<path>` whose `<path>` has `LR/` and `HR/` subfolders (as
DIV2K ships them) gives its own LR images instead: each HR file is matched with the
LR file of the same stem, optionally suffixed `x{scale}` (`HR/0001.png` with
`LR/0001x4.png` or `LR/0001.png`), and aligned crops of both are taken. Both
`super_resolution_dataset` and `load_benchmark` accept them.
"""

import functools
import os
import warnings

import numpy as np
import tensorflow as tf

from keras_gan.data.pipeline import CACHE_AUTO_MAX_BYTES, ImageData
from keras_gan.data.pixels import drop_alpha, to_rgb
from keras_gan.data.sources import (
    decode_image_file,
    is_directory,
    list_directory,
    list_image_files,
    load_source,
    tf_paths,
)
from keras_gan.data.specs import parse_dataset_spec
from keras_gan.data.unreadable_files_warning import UnreadableFilesWarning

CACHE_AUTO_MAX_IMAGES = 1000
"""`cache="auto"` keeps decoded uint8 images in memory for datasets up to this size."""

PAIRED_SUBFOLDERS = ("LR", "HR")
"""Subfolders (any case) that make a `folder:` dataset a paired LR/HR one."""


def _cubic(x):
    """Keys cubic kernel, a = -0.5 (MATLAB `imresize` 'bicubic')."""
    ax = np.abs(x)
    ax2, ax3 = ax * ax, ax * ax * ax
    return (1.5 * ax3 - 2.5 * ax2 + 1.0) * (ax <= 1) + (-0.5 * ax3 + 2.5 * ax2 - 4.0 * ax + 2.0) * (
        (ax > 1) & (ax <= 2)
    )


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


# ------------------------------------------------------------------ paired folders


def paired_subfolders(dataset):
    """The `(lr_dir, hr_dir)` of a paired `folder:` dataset, or `None` for any other.

    A folder is paired when it has both an `LR` and an `HR` subfolder (any case).

    Args:
        dataset: a dataset spec string or `DatasetSpec`.

    Returns:
        `(lr_dir, hr_dir)` paths, or `None` (other specs, folders without both
        subfolders, missing folders: those load as before).

    Example:
    ```python
    paired_subfolders("folder:/data/DIV2K")  # ("/data/DIV2K/LR", "/data/DIV2K/HR")
    ```
    """
    spec = parse_dataset_spec(dataset)
    if spec.kind != "folder":
        return None
    directory = os.path.expanduser(spec.path)
    if not is_directory(directory):
        return None
    subdirs = {}
    for entry in sorted(list_directory(directory)):
        name = entry.rstrip("/")
        if name.upper() in PAIRED_SUBFOLDERS and is_directory(os.path.join(directory, name)):
            subdirs.setdefault(name.upper(), os.path.join(directory, name))
    if len(subdirs) < len(PAIRED_SUBFOLDERS):
        return None
    return subdirs["LR"], subdirs["HR"]


def _stem(path):
    return os.path.splitext(os.path.basename(path))[0]


def _match_pairs(lr_dir, hr_dir, scale, dataset):
    """`(lr_path, hr_path)` for every HR file, matched by stem (LR may add `x{scale}`)."""
    hr_files = list_image_files(hr_dir)
    if not hr_files:
        raise ValueError(
            f"The HR folder {hr_dir!r} contains no image files. Received: dataset={dataset!r}"
        )
    by_stem = {}
    for path in hr_files:
        if _stem(path) in by_stem:
            raise ValueError(
                f"Two HR images have the stem {_stem(path)!r}: {by_stem[_stem(path)]!r} and "
                f"{path!r}; LR images are matched by stem. Received: dataset={dataset!r}"
            )
        by_stem[_stem(path)] = path
    candidates = {}
    suffix = f"x{scale}"
    for path in list_image_files(lr_dir):
        stem = _stem(path)
        if stem.lower().endswith(suffix) and stem[: -len(suffix)] in by_stem:
            candidates.setdefault(stem[: -len(suffix)], []).append(path)
        elif stem in by_stem:
            candidates.setdefault(stem, []).append(path)
    pairs, missing = [], []
    for stem, hr_path in by_stem.items():
        found = candidates.get(stem, [])
        if len(found) > 1:
            raise ValueError(
                f"The HR image {hr_path!r} matches several LR images: "
                f"{', '.join(map(repr, found))}. Received: dataset={dataset!r}, scale={scale}"
            )
        if found:
            pairs.append((found[0], hr_path))
        else:
            missing.append(hr_path)
    if missing:
        named = ", ".join(map(repr, missing[:5])) + (
            f" and {len(missing) - 5} more" if len(missing) > 5 else ""
        )
        raise ValueError(
            f"No LR image in {lr_dir!r} for the HR image(s) {named} (expected the same stem, "
            f"optionally suffixed {suffix!r}, e.g. 0001.png -> 0001{suffix}.png). "
            f"Received: dataset={dataset!r}, scale={scale}"
        )
    return pairs


def _file_key(path):
    """`(path, size, mtime, inode)`: local files to the nanosecond, others (gs://, ...) as gfile can."""
    if "://" not in path:
        stat = os.stat(path)
        return path, stat.st_size, stat.st_mtime_ns, stat.st_ino
    stat = tf.io.gfile.stat(path)
    return path, stat.length, stat.mtime_nsec, None


@functools.lru_cache(maxsize=8)
def _decoded_shapes(files):
    """`{path: (height, width)}` of the files that decode; `files` = `_file_key`s.

    Decodes every file once, in parallel, with the pipeline's decoder (as
    `readable_image_files` does); cached on the paths, sizes and modification times.
    """
    paths = [key[0] for key in files]
    checked = (
        tf.data.Dataset.from_tensor_slices(tf_paths(paths))
        .map(
            lambda path: (path, tf.shape(decode_image_file(path))[:2]),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=False,
        )
        .ignore_errors()
    )
    return {os.fsdecode(path): (int(hw[0]), int(hw[1])) for path, hw in checked.as_numpy_iterator()}


def _paired_files(dataset, scale, limit=None):
    """The readable, size-checked pairs of a paired folder, in sorted HR order.

    Returns:
        A list of `(lr_path, hr_path, (lr_h, lr_w))`, or `None` when `dataset` is not
        a paired folder. HR images are used mod-cropped (top-left) to
        `(lr_h * scale, lr_w * scale)`.

    Raises:
        ValueError: an HR image without its LR image, an ambiguous match, or an LR
            image whose size is not the HR size divided by `scale` (rounded down).
    """
    subfolders = paired_subfolders(dataset)
    if subfolders is None:
        return None
    lr_dir, hr_dir = subfolders
    pairs = _match_pairs(lr_dir, hr_dir, scale, str(dataset))
    if limit is not None:
        pairs = pairs[:limit]
    files = sorted({path for pair in pairs for path in pair})
    shapes = _decoded_shapes(tuple(_file_key(path) for path in files))
    unreadable = [path for path in files if path not in shapes]
    if unreadable:
        warnings.warn(UnreadableFilesWarning(os.path.dirname(hr_dir), unreadable), stacklevel=3)
    out = []
    for lr_path, hr_path in pairs:
        if lr_path not in shapes or hr_path not in shapes:
            continue
        (lr_h, lr_w), (hr_h, hr_w) = shapes[lr_path], shapes[hr_path]
        if (lr_h, lr_w) != (hr_h // scale, hr_w // scale):
            raise ValueError(
                f"The LR image {lr_path!r} is {lr_h}x{lr_w} (HxW) but its HR image {hr_path!r} is "
                f"{hr_h}x{hr_w}: the LR size must be the HR size / {scale}, i.e. "
                f"{hr_h // scale}x{hr_w // scale}. Received: scale={scale}"
            )
        out.append((lr_path, hr_path, (lr_h, lr_w)))
    if not out:
        raise ValueError(
            f"The paired folder {os.path.dirname(hr_dir)!r} has no readable LR/HR pair. "
            f"Received: dataset={dataset!r}"
        )
    return out


def _decode_rgb_uint8(path):
    """An image file as uint8 RGB `(H, W, 3)` (gray tiled, alpha dropped), in-graph."""
    image = to_rgb(drop_alpha(decode_image_file(path)))
    return tf.image.convert_image_dtype(tf.clip_by_value(image, 0.0, 1.0), tf.uint8, saturate=True)


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
    """Random HR crops and their LR, batched, as a `tf.data` pipeline.

    Pipeline: decode -> RGB (gray tiled, alpha dropped) -> uint8 -> images smaller
    than the crop are upscaled (bicubic) to fit -> cache -> shuffle -> repeat ->
    random `image_size` crop -> random flip / 90-degree rotation -> LR =
    MATLAB-bicubic downscale by `scale`, rounded to 8 bits -> both to [-1, 1] ->
    batch -> prefetch.

    Paired folders (`folder:<path>` with `LR/` and `HR/` subfolders, as DIV2K ships
    them) use their own LR images, not bicubic: each HR file is matched with the LR
    file of the same stem, optionally suffixed `x{scale}` (`HR/0001.png` with
    `LR/0001x4.png` or `LR/0001.png`; LR files matching no HR file are ignored, so
    one LR folder may hold several scales). The LR size must be the HR size /
    `scale` (rounded down; the HR image is then mod-cropped, top-left). Pipeline:
    decode both -> RGB uint8 -> cache -> shuffle -> repeat -> a random
    `image_size / scale` LR crop and the HR crop at the same place -> the same
    random flip / rotation of both -> [-1, 1] -> batch -> prefetch. Every file is
    decoded once when loading to check it: unreadable pairs are skipped with an
    `UnreadableFilesWarning`.

    Args:
        dataset: `folder:<path>` (paired when it has `LR/` and `HR/`),
            `builtin:photos`, `tfds:<name>[:split]` (its `hr` feature when it has no
            `image` one, e.g. `tfds:div2k/bicubic_x4`), or a `DatasetSpec`.
        image_size: HR crop side; a multiple of `scale`.
        scale: 2 or 4 (any integer >= 2 works).
        batch_size: global batch size.
        crops_per_image: random crops per image per epoch (sets `steps_per_epoch`).
        shuffle: shuffle images.
        augment: random horizontal flips and 90-degree rotations.
        cache: `"auto"` (in memory, uint8, up to 1,000 images; paired folders also
            only when their decoded images fit in 2 GiB), `True` or `False`.
        repeat: repeat forever.
        seed: int seed of shuffling, crops and augmentation.
        limit: use only the first `limit` images (pairs, in sorted HR order).

    Returns:
        A `SuperResolutionData`.

    Raises:
        ValueError: for invalid arguments; for a paired folder, an HR image without
            an LR image, an HR image matching several, an LR image whose size is not
            the HR size / `scale`, or an image smaller than the crop (each naming
            the file).

    Example:
    ```python
    data = super_resolution_dataset("folder:/data/T91", image_size=96, scale=4)
    batch = next(iter(data.dataset))  # {"lr": (16, 24, 24, 3), "hr": (16, 96, 96, 3)}
    div2k = super_resolution_dataset("folder:/data/DIV2K_train", image_size=96, scale=4)
    # /data/DIV2K_train/HR/0001.png, /data/DIV2K_train/LR/0001x4.png, ...
    ```

    Reference:
        Ledig et al. 2017 (96 x 96 HR crops, x4 bicubic LR); Agustsson and Timofte
        2017 (DIV2K, its HR and LR folders).
    """
    if isinstance(scale, bool) or not isinstance(scale, int) or scale < 2:
        raise ValueError(f"`scale` must be an integer >= 2. Received: scale={scale!r}")
    if not isinstance(image_size, int) or image_size < scale * 4 or image_size % scale:
        raise ValueError(
            f"`image_size` (the HR crop) must be a multiple of scale={scale} and at least "
            f"{4 * scale}. Received: image_size={image_size!r}"
        )
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(
            f"`batch_size` must be an integer >= 1. Received: batch_size={batch_size!r}"
        )
    if not isinstance(crops_per_image, int) or crops_per_image < 1:
        raise ValueError(
            f"`crops_per_image` must be an integer >= 1. Received: crops_per_image={crops_per_image!r}"
        )
    if cache not in ("auto", True, False):
        raise ValueError(f'`cache` must be "auto", True or False. Received: cache={cache!r}')
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 1):
        raise ValueError(f"`limit` must be None or an integer >= 1. Received: limit={limit!r}")
    deterministic = not shuffle or seed is not None
    pairs = _paired_files(dataset, scale, limit)
    if pairs is not None:
        ds, num_examples, fits, crop = _paired_examples(
            pairs, image_size, scale, augment, deterministic
        )
    else:
        ds, num_examples, fits, crop = _bicubic_examples(
            dataset, image_size, scale, augment, limit, deterministic
        )
    if cache is True or (
        cache == "auto"
        and fits
        and num_examples is not None
        and num_examples <= CACHE_AUTO_MAX_IMAGES
    ):
        ds = ds.cache()
    if shuffle:
        ds = ds.shuffle(min(num_examples or 1000, 1000), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        ds = ds.repeat()

    seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)
    ds = tf.data.Dataset.zip((ds, seeds)).map(
        crop, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic
    )
    ds = ds.batch(batch_size, drop_remainder=True).prefetch(tf.data.AUTOTUNE)
    options = tf.data.Options()
    options.deterministic = deterministic
    ds = ds.with_options(options)
    steps = max(1, num_examples * crops_per_image // batch_size) if num_examples else None
    return SuperResolutionData(
        dataset=ds, num_examples=num_examples, num_classes=None, steps_per_epoch=steps
    )


def _bicubic_examples(dataset, image_size, scale, augment, limit, deterministic):
    """`(uint8 images, num_examples, fits_in_memory, crop)`: HR crops, LR by `imresize`."""
    source = load_source(dataset, labels=False)
    ds = source.dataset
    num_examples = source.num_examples
    if limit is not None:
        ds = ds.take(limit)
        num_examples = min(num_examples, limit) if num_examples is not None else None

    def prepare(element):
        image = to_rgb(drop_alpha(source.decode(element)["image"]))
        shape = tf.shape(image)
        short = tf.minimum(shape[0], shape[1])
        factor = tf.maximum(1.0, image_size / tf.cast(short, tf.float32))
        size = tf.cast(tf.math.ceil(tf.cast(shape[:2], tf.float32) * factor), tf.int32)
        image = tf.cond(
            short < image_size,
            lambda: tf.image.resize(image, tf.maximum(size, image_size), method="bicubic"),
            lambda: image,
        )
        return tf.image.convert_image_dtype(
            tf.clip_by_value(image, 0.0, 1.0), tf.uint8, saturate=True
        )

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

    ds = ds.map(prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic)
    return ds, num_examples, True, crop


def _paired_examples(pairs, image_size, scale, augment, deterministic):
    """`(uint8 LR/HR pairs, num_examples, fits_in_memory, crop)`: aligned crops of given pairs."""
    lr_size = image_size // scale
    for lr_path, hr_path, (lr_h, lr_w) in pairs:
        if min(lr_h, lr_w) < lr_size:
            raise ValueError(
                f"The HR image {hr_path!r} ({lr_h * scale}x{lr_w * scale} used) is smaller than the "
                f"{image_size} px crop (its LR image {lr_path!r} is {lr_h}x{lr_w}, the LR crop "
                f"{lr_size} px). Received: image_size={image_size}, scale={scale}"
            )
    num_bytes = sum(lr_h * lr_w * 3 * (1 + scale * scale) for _, _, (lr_h, lr_w) in pairs)

    def prepare(element):
        lr = _decode_rgb_uint8(element["lr"])
        hr = _decode_rgb_uint8(element["hr"])
        lr_hw = tf.shape(lr)[:2] * scale
        return {"lr": lr, "hr": hr[: lr_hw[0], : lr_hw[1]]}  # HR mod-cropped to the LR

    def crop(pair, seed_pair):
        y_seed, x_seed, flip_seed, rot_seed = tf.unstack(tf.random.split(seed_pair, num=4))
        lr, hr = pair["lr"], pair["hr"]
        shape = tf.shape(lr)
        y = tf.random.stateless_uniform([], y_seed, 0, shape[0] - lr_size + 1, dtype=tf.int32)
        x = tf.random.stateless_uniform([], x_seed, 0, shape[1] - lr_size + 1, dtype=tf.int32)
        lr = tf.cast(lr[y : y + lr_size, x : x + lr_size], tf.float32) / 255.0
        hr = (
            tf.cast(
                hr[y * scale : y * scale + image_size, x * scale : x * scale + image_size],
                tf.float32,
            )
            / 255.0
        )
        if augment:
            flip = tf.random.stateless_uniform([], flip_seed) < 0.5
            lr = tf.where(flip, tf.reverse(lr, [1]), lr)
            hr = tf.where(flip, tf.reverse(hr, [1]), hr)
            k = tf.random.stateless_uniform([], rot_seed, 0, 4, dtype=tf.int32)
            lr, hr = tf.image.rot90(lr, k), tf.image.rot90(hr, k)
        lr = tf.ensure_shape(lr, [lr_size, lr_size, 3])
        hr = tf.ensure_shape(hr, [image_size, image_size, 3])
        return {"lr": lr * 2.0 - 1.0, "hr": hr * 2.0 - 1.0}

    elements = {"lr": tf_paths(lr for lr, _, _ in pairs), "hr": tf_paths(hr for _, hr, _ in pairs)}
    ds = tf.data.Dataset.from_tensor_slices(elements).map(
        prepare, num_parallel_calls=tf.data.AUTOTUNE, deterministic=deterministic
    )
    return ds, len(pairs), num_bytes <= CACHE_AUTO_MAX_BYTES, crop


def load_benchmark(dataset, scale):
    """Load an SR benchmark (Set5, Set14, ...) the way SR papers evaluate it.

    Each HR image is mod-cropped to a multiple of `scale` (gray images tiled to
    RGB) and its LR is `imresize(hr, 1 / scale)` in uint8. A paired folder (`LR/`
    and `HR/` subfolders, matched as in `super_resolution_dataset`) gives its own LR
    images instead; each must be the HR size / `scale` (rounded down; the HR image
    is mod-cropped to `scale` times the LR size, top-left).

    Args:
        dataset: a dataset spec of HR images, e.g. `folder:/data/sr/Set5` or
            `tfds:div2k/bicubic_x4:validation` (its `hr` images), or of a paired
            folder, e.g. `folder:/data/DIV2K_valid` with `HR/0801.png`, `LR/0801x4.png`.
        scale: integer factor.

    Returns:
        A list of `(lr, hr)` uint8 numpy pairs `(h, w, 3)`, `(h*scale, w*scale, 3)`,
        in sorted (HR) file order.

    Raises:
        ValueError: for a paired folder, an HR image without an LR image or with
            several, or an LR image of the wrong size (naming the file).

    Example:
    ```python
    pairs = load_benchmark("folder:/data/sr/Set5", 4)
    ```
    """
    paired = _paired_files(dataset, scale)
    if paired is not None:
        pairs = []
        for lr_path, hr_path, (lr_h, lr_w) in paired:
            lr = _decode_rgb_uint8(lr_path).numpy()
            hr = _decode_rgb_uint8(hr_path).numpy()[: lr_h * scale, : lr_w * scale]
            pairs.append((lr, hr))
        return pairs
    source = load_source(dataset, labels=False)
    pairs = []
    for element in source.dataset:
        image = to_rgb(drop_alpha(source.decode(element)["image"])).numpy()
        hr = mod_crop(np.clip(np.round(image * 255.0), 0, 255).astype(np.uint8), scale)
        pairs.append((imresize(hr, 1.0 / scale), hr))
    return pairs
