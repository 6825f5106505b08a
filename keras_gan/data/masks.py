"""Inpainting hole masks as seeded TensorFlow ops, for use inside `tf.data`.

Every mask is float32 `(size, size, 1)` with 1 on the hole and 0 on known
pixels. Each generator is a pure function of a stateless seed (an int
tensor of shape `(2,)`), so a seeded `tf.data` pipeline yields the same masks
on every run and with any number of parallel calls.

Mask specs (`--mask`):

* `rect`: one axis-aligned rectangle, sides uniform in [1/4, 3/4] of the
  image (hole ratio 6%-56%, mean 25%);
* `free_form`: DeepFill v2's brush strokes (1-3 strokes of 4-11 random
  vertices, angles and radii; widths scaled with the image size);
* `folder:<path>`: random images of a mask folder (white = hole), resized,
  randomly flipped and transposed;
* `mixed` (or `mixed:<path>`): per mask, one of rect, free_form and their
  union (DeepFill v2's training masks), plus folder masks when a path is given.

Example:

>>> masks = mask_dataset("free_form", size=64, seed=0)
>>> next(iter(masks)).shape
TensorShape([64, 64, 1])
"""

import math
import os

import numpy as np
import tensorflow as tf

from keras_gan.data.pixels import drop_alpha, to_gray
from keras_gan.data.sources import (
    decode_image_file,
    is_directory,
    list_image_files,
    readable_image_files,
    tf_paths,
)

MASK_KINDS = ("rect", "free_form", "folder", "mixed")
EVAL_BUCKETS = ((0.1, 0.2), (0.2, 0.3), (0.3, 0.4), (0.4, 0.5))
"""Hole-ratio buckets of the evaluation mask set (as in Liu et al. 2018)."""


def hole_ratio(masks):
    """Fraction of hole pixels of each mask: `(N, H, W, 1)` -> `(N,)` (numpy)."""
    masks = np.asarray(masks, np.float32)
    return masks.reshape(len(masks), -1).mean(axis=1)


def _split(seed, num):
    return tf.unstack(tf.random.experimental.stateless_split(tf.cast(seed, tf.int64), num))


def rect_mask(size, seed, min_side=0.25, max_side=0.75):
    """One random rectangular hole (DeepFill v1's bounding-box mask).

    Args:
        size: image height = width.
        seed: stateless seed, int tensor `(2,)`.
        min_side: smallest side as a fraction of `size`.
        max_side: largest side as a fraction of `size`.

    Returns:
        float32 `(size, size, 1)`, 1 on the hole.

    Example:
    ```python
    mask = rect_mask(64, tf.constant([0, 1]))
    ```
    """
    s_h, s_w, s_y, s_x = _split(seed, 4)
    lo, hi = max(1, int(round(min_side * size))), max(1, int(round(max_side * size)))
    height = tf.random.stateless_uniform([], s_h, lo, hi + 1, dtype=tf.int32)
    width = tf.random.stateless_uniform([], s_w, lo, hi + 1, dtype=tf.int32)
    top = tf.random.stateless_uniform([], s_y, 0, size - height + 1, dtype=tf.int32)
    left = tf.random.stateless_uniform([], s_x, 0, size - width + 1, dtype=tf.int32)
    coords = tf.range(size)
    rows = tf.logical_and(coords >= top, coords < top + height)
    cols = tf.logical_and(coords >= left, coords < left + width)
    mask = tf.logical_and(rows[:, None], cols[None, :])
    return tf.cast(mask, tf.float32)[..., None]


def free_form_mask(
    size,
    seed,
    max_strokes=3,
    min_vertices=4,
    max_vertices=12,
    min_width=None,
    max_width=None,
    mean_angle=2 * math.pi / 5,
    angle_range=2 * math.pi / 15,
):
    """Free-form brush-stroke mask, DeepFill v2's algorithm as TensorFlow ops.

    For each of 1..`max_strokes` strokes: `randint(min_vertices, max_vertices)`
    vertices; alternating angles around `2*pi - a` and `a` with `a` uniform in
    `[mean_angle - u1, mean_angle + u2]`, `u1, u2 ~ U(0, angle_range)`; step
    lengths `clip(N(r, r/2), 0, 2r)` with `r = sqrt(H^2 + W^2) / 8`; vertices
    clipped to the image; a line of random width through them with round
    joints; then random horizontal and vertical flips of the whole mask.
    Widths default to DeepFill v2's 12-40 px at 256 px, scaled to `size`.

    Args:
        size: image height = width.
        seed: stateless seed, int tensor `(2,)`.
        max_strokes: strokes are drawn uniformly in 1..max_strokes.
        min_vertices, max_vertices: vertices per stroke in [min, max).
        min_width, max_width: brush width range in pixels.
        mean_angle, angle_range: stroke angle parameters.

    Returns:
        float32 `(size, size, 1)`, 1 on the hole.

    Example:
    ```python
    mask = free_form_mask(64, tf.constant([3, 4]))
    ```

    Reference:
        Yu et al. 2019 (DeepFill v2), Algorithm 1 (supplementary material).
    """
    min_width = max(1.0, 12.0 * size / 256) if min_width is None else float(min_width)
    max_width = max(min_width + 1.0, 40.0 * size / 256) if max_width is None else float(max_width)
    radius = math.sqrt(2.0 * size * size) / 8.0
    seeds = _split(seed, 10)
    strokes, steps = max_strokes, max_vertices - 1  # steps per stroke at most
    num_strokes = tf.random.stateless_uniform([], seeds[0], 1, max_strokes + 1, dtype=tf.int32)
    num_steps = tf.random.stateless_uniform(
        [strokes], seeds[1], min_vertices, max_vertices, dtype=tf.int32
    )
    angle_min = mean_angle - tf.random.stateless_uniform([strokes, 1], seeds[2], 0, angle_range)
    angle_max = mean_angle + tf.random.stateless_uniform([strokes, 1], seeds[3], 0, angle_range)
    u = tf.random.stateless_uniform([strokes, steps], seeds[4])
    angles = angle_min + u * (angle_max - angle_min)
    even = tf.range(steps) % 2 == 0
    angles = tf.where(even[None, :], 2 * math.pi - angles, angles)
    lengths = tf.clip_by_value(
        radius + (radius // 2) * tf.random.stateless_normal([strokes, steps], seeds[5]),
        0.0,
        2 * radius,
    )
    start = tf.floor(tf.random.stateless_uniform([strokes, 2], seeds[6], 0, size))
    widths = tf.floor(tf.random.stateless_uniform([strokes], seeds[7], min_width, max_width))

    # Vertices: each step from the previous vertex, clipped to the image, truncated to int.
    vertices = [start]
    for i in range(steps):
        delta = tf.stack(
            [lengths[:, i] * tf.cos(angles[:, i]), lengths[:, i] * tf.sin(angles[:, i])], axis=-1
        )
        vertices.append(tf.floor(tf.clip_by_value(vertices[-1] + delta, 0.0, float(size))))
    vertices = tf.stack(vertices, axis=1)  # (strokes, steps + 1, 2) as (x, y)
    p0, p1 = vertices[:, :-1], vertices[:, 1:]  # segments (strokes, steps, 2)

    # Pixels within width/2 of a segment (a line with round caps = PIL's line
    # plus the ellipses DeepFill draws at every vertex).
    ys, xs = tf.meshgrid(
        tf.range(size, dtype=tf.float32), tf.range(size, dtype=tf.float32), indexing="ij"
    )
    pixels = tf.stack([tf.reshape(xs, [-1]), tf.reshape(ys, [-1])], axis=-1)[:, None, None, :]
    seg = p1 - p0
    seg_len2 = tf.reduce_sum(seg * seg, axis=-1)
    t = tf.reduce_sum((pixels - p0) * seg, axis=-1) / tf.maximum(seg_len2, 1e-6)
    closest = p0 + tf.clip_by_value(t, 0.0, 1.0)[..., None] * seg
    dist2 = tf.reduce_sum(tf.square(pixels - closest), axis=-1)  # (P, strokes, steps)
    valid = tf.logical_and(
        tf.range(steps)[None, :] < num_steps[:, None], tf.range(strokes)[:, None] < num_strokes
    )
    inside = tf.logical_and(valid, dist2 <= tf.square(widths / 2.0)[:, None])
    mask = tf.reshape(tf.cast(tf.reduce_any(inside, axis=[1, 2]), tf.float32), [size, size, 1])
    flip = tf.random.stateless_uniform([2], seeds[8])
    mask = tf.where(flip[0] > 0.5, tf.reverse(mask, [1]), mask)
    mask = tf.where(flip[1] > 0.5, tf.reverse(mask, [0]), mask)
    return mask


def folder_mask(files, size, seed):
    """A random mask image of `files` (white = hole), resized and augmented.

    The file is picked by the seed, converted to gray, resized to
    `size` x `size` (area-averaged), thresholded at 0.5, then randomly
    flipped and transposed.

    Args:
        files: 1-D string tensor (or list) of mask image paths.
        size: output height = width.
        seed: stateless seed, int tensor `(2,)`.

    Returns:
        float32 `(size, size, 1)`, 1 on the hole.
    """
    files = tf.convert_to_tensor(tf_paths(files) if isinstance(files, list) else files, tf.string)
    s_pick, s_aug = _split(seed, 2)
    index = tf.random.stateless_uniform([], s_pick, 0, tf.shape(files)[0], dtype=tf.int32)
    mask = _read_mask(files[index], size)
    flips = tf.random.stateless_uniform([3], s_aug)
    mask = tf.where(flips[0] > 0.5, tf.reverse(mask, [1]), mask)
    mask = tf.where(flips[1] > 0.5, tf.reverse(mask, [0]), mask)
    return tf.where(flips[2] > 0.5, tf.transpose(mask, [1, 0, 2]), mask)


def _read_mask(path, size):
    image = decode_image_file(path)
    image = to_gray(drop_alpha(image))  # gray, RGB or with alpha -> (H, W, 1) luminance
    image = tf.image.resize(image, [size, size], method="area")
    return tf.cast(image > 0.5, tf.float32)


def parse_mask_spec(spec):
    """Split a mask spec into `(kind, path)`; see the module docstring.

    Args:
        spec: `"rect"`, `"free_form"`, `"folder:<path>"`, `"mixed"` or `"mixed:<path>"`.

    Returns:
        `(kind, path or None)`.
    """
    if not isinstance(spec, str):
        raise ValueError(f"The mask spec must be a string. Received: mask={spec!r}")
    kind, _, path = spec.strip().partition(":")
    kind = kind.strip().lower()
    path = path.strip() or None
    if (
        kind not in MASK_KINDS
        or (kind == "folder" and not path)
        or (kind in ("rect", "free_form") and path)
    ):
        raise ValueError(
            "Unknown mask spec. Expected rect, free_form, folder:<path>, mixed or "
            f"mixed:<path>. Received: mask={spec!r}"
        )
    return kind, path


def _mask_files(path, spec):
    directory = os.path.expanduser(path)
    if not is_directory(directory):
        raise ValueError(f"The mask folder {directory!r} does not exist. Received: mask={spec!r}")
    files = list_image_files(directory)
    if not files:
        raise ValueError(
            f"The mask folder {directory!r} has no image files. Received: mask={spec!r}"
        )
    readable = readable_image_files(files, directory)
    if not readable:
        raise ValueError(
            f"The mask folder {directory!r} has no readable image: all {len(files)} files are "
            f"corrupt, truncated or not images. Received: mask={spec!r}"
        )
    return readable


def mask_function(spec, size):
    """Return `fn(seed) -> mask (size, size, 1)` for a mask spec.

    Args:
        spec: a mask spec (see `parse_mask_spec`).
        size: image height = width.

    Returns:
        A function of a stateless seed (int tensor `(2,)`), usable in `tf.data.map`.

    Example:
    ```python
    fn = mask_function("mixed", 64)
    mask = fn(tf.constant([0, 7]))
    ```
    """
    kind, path = parse_mask_spec(spec)
    if not isinstance(size, int) or size < 8:
        raise ValueError(f"`size` must be an int >= 8. Received: size={size!r}")
    files = _mask_files(path, spec) if path else None
    if kind == "rect":
        return lambda seed: rect_mask(size, seed)
    if kind == "free_form":
        return lambda seed: free_form_mask(size, seed)
    if kind == "folder":
        return lambda seed: folder_mask(files, size, seed)

    def mixed(seed):
        s_pick, s_rect, s_free, s_folder = _split(seed, 4)
        branches = [
            lambda: rect_mask(size, s_rect),
            lambda: free_form_mask(size, s_free),
            lambda: tf.maximum(rect_mask(size, s_rect), free_form_mask(size, s_free)),
        ]
        if files:
            branches.append(lambda: folder_mask(files, size, s_folder))
        pick = tf.random.stateless_uniform([], s_pick, 0, len(branches), dtype=tf.int32)
        return tf.ensure_shape(tf.switch_case(pick, branches), [size, size, 1])

    return mixed


def mask_dataset(spec, size, seed=None):
    """An infinite `tf.data.Dataset` of masks `(size, size, 1)` float32.

    Args:
        spec: mask spec (`rect`, `free_form`, `folder:<path>`, `mixed[:<path>]`).
        size: image height = width.
        seed: int seed; the same seed gives the same mask sequence.

    Returns:
        A `tf.data.Dataset` of float32 masks, 1 on the hole.

    Example:
    ```python
    masks = mask_dataset("rect", 64, seed=0).batch(16)
    ```
    """
    fn = mask_function(spec, size)
    seeds = tf.data.Dataset.random(seed=seed).batch(2, drop_remainder=True)
    return seeds.map(
        lambda s: tf.ensure_shape(fn(s), [size, size, 1]),
        num_parallel_calls=tf.data.AUTOTUNE,
        deterministic=True,
    )


def evaluation_masks(size, per_bucket=100, buckets=EVAL_BUCKETS, source="free_form", seed=0):
    """A fixed evaluation mask set with `per_bucket` masks in each hole-ratio bucket.

    `source="free_form"` grows each mask stroke by stroke (DeepFill v2
    strokes) until its hole ratio reaches the bucket's lower bound and keeps
    it if it is still below the upper bound (else starts again), all from
    seeds derived from `seed`: the set is the same on every machine.
    `source="folder:<path>"` reads the folder's masks in a seeded order,
    resizes them to `size` and files each in the bucket of its hole ratio
    (e.g. NVIDIA's irregular mask test set).

    Args:
        size: mask height = width.
        per_bucket: masks per bucket.
        buckets: `(low, high)` hole-ratio ranges, low inclusive, high exclusive.
        source: `"free_form"`, `"rect"` or `"folder:<path>"`.
        seed: int seed.

    Returns:
        dict `(low, high) -> float32 array (per_bucket, size, size, 1)`.

    Example:
    ```python
    sets = evaluation_masks(64, per_bucket=100)
    sets[(0.1, 0.2)].shape  # (100, 64, 64, 1)
    ```
    """
    buckets = [tuple(float(v) for v in b) for b in buckets]
    kind, path = parse_mask_spec(source)
    if kind == "folder":
        return _bucket_folder_masks(_mask_files(path, source), size, per_bucket, buckets, seed)
    if kind not in ("rect", "free_form"):
        raise ValueError(
            f"Evaluation masks come from rect, free_form or folder:<path>. "
            f"Received: source={source!r}"
        )
    if kind == "rect":
        stroke = tf.function(lambda s: rect_mask(size, s, min_side=0.1, max_side=0.4))
    else:
        stroke = tf.function(lambda s: free_form_mask(size, s, max_strokes=1))
    out = {}
    for b, (low, high) in enumerate(buckets):
        masks, attempt = [], 0
        while len(masks) < per_bucket:
            mask = np.zeros((size, size, 1), np.float32)
            for k in range(64):
                s = tf.constant([seed, ((b * 1_000_000 + attempt) * 64 + k)], tf.int64)
                mask = np.maximum(mask, stroke(s).numpy())
                if mask.mean() >= low:
                    break
            if low <= mask.mean() < high:
                masks.append(mask)
            attempt += 1
            if attempt > 1000 * per_bucket:
                raise ValueError(f"Cannot fill the hole-ratio bucket {(low, high)} at size {size}.")
        out[(low, high)] = np.stack(masks)
    return out


def _bucket_folder_masks(files, size, per_bucket, buckets, seed):
    order = np.random.default_rng(seed).permutation(len(files))
    read = tf.function(lambda p: _read_mask(p, size))
    out = {b: [] for b in buckets}
    for i in order:
        mask = read(tf.constant(os.fsencode(files[i]))).numpy()
        ratio = mask.mean()
        for low, high in buckets:
            if low <= ratio < high and len(out[(low, high)]) < per_bucket:
                out[(low, high)].append(mask)
        if all(len(v) == per_bucket for v in out.values()):
            break
    short = {b: len(v) for b, v in out.items() if len(v) < per_bucket}
    if short:
        raise ValueError(
            f"Not enough masks per hole-ratio bucket in the folder: {short}. "
            f"Received: per_bucket={per_bucket}"
        )
    return {b: np.stack(v) for b, v in out.items()}
