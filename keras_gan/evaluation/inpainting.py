"""Evaluation of an inpainting generator: hole PSNR of the model vs OpenCV, per hole-ratio bucket."""

import numpy as np

from keras_gan.callbacks.sample_grid import save_grid
from keras_gan.data.masks import evaluation_masks
from keras_gan.data.pixels import (
    drop_alpha,
    from_uint8,
    load_images,
    resize_shorter_side,
    to_gray,
    to_rgb,
    to_uint8,
)
from keras_gan.data.sources import load_source
from keras_gan.evaluation.headline import headline_panel
from keras_gan.evaluation.srgan import set_name
from keras_gan.metrics import inpainting_quality

EVAL_CROPS = ("resize", "native")
"""How evaluation images are made: `resize` the whole image (shorter side to the size,
center crop), or a seeded `native`-resolution crop of the original pixels."""


def load_native_crops(spec, image_size, channels, limit=None, seed=0):
    """One seeded `image_size` square crop of each image, at its native resolution.

    Unlike `keras_gan.data.load_images` (which shrinks the whole image to a
    thumbnail), the pixels are the file's own: a user's photo inpainted at the
    scale it was taken. The crop of image `i` is placed by
    `np.random.default_rng([seed, i])`, so it does not depend on `limit` or on
    other images. An image with a side shorter than `image_size` is first
    upscaled (shorter side to `image_size`, as training data is).

    Args:
        spec: dataset spec (`folder:<path>`, `builtin:<name>`, `tfds:<name>[:split]`).
        image_size: crop height = width.
        channels: 1 (gray) or 3 (RGB); images are converted as in training.
        limit: at most this many images (file order); `None` for all.
        seed: int seed of the crop positions.

    Returns:
        float32 array `(N, image_size, image_size, channels)` in [-1, 1].

    Example:
    ```python
    crops = load_native_crops("folder:/data/sr/BSD100", 64, 3, seed=0)
    ```
    """
    if channels not in (1, 3):
        raise ValueError(f"channels must be 1 or 3. Received: channels={channels}")
    if not isinstance(image_size, (int, np.integer)) or image_size < 1:
        raise ValueError(f"image_size must be a positive int. Received: image_size={image_size!r}")
    source = load_source(spec, labels=False)
    dataset = source.dataset if limit is None else source.dataset.take(limit)
    crops = []
    for index, element in enumerate(dataset):
        image = drop_alpha(source.decode(element)["image"])
        if channels == 1:
            image = to_gray(image)
        if min(image.shape[0], image.shape[1]) < image_size:
            image = resize_shorter_side(image, image_size)
        height, width = int(image.shape[0]), int(image.shape[1])
        rng = np.random.default_rng([seed, index])
        top = int(rng.integers(0, height - image_size + 1))
        left = int(rng.integers(0, width - image_size + 1))
        crop = image[top:top + image_size, left:left + image_size]
        if channels == 3:
            crop = to_rgb(crop)
        crops.append(np.clip(np.asarray(crop, np.float32) * 2.0 - 1.0, -1.0, 1.0))
    if not crops:
        raise ValueError(f"No images to crop. Received: spec={spec!r}, limit={limit}")
    return np.stack(crops)


def load_eval_images(spec, image_size, channels, limit=None, crops="resize", seed=0):
    """Evaluation images of a spec, resized whole (`"resize"`) or cropped natively (`"native"`).

    Args:
        spec: dataset spec.
        image_size: output height = width.
        channels: 1 or 3.
        limit: at most this many images.
        crops: one of `EVAL_CROPS`.
        seed: seed of the native crop positions.

    Returns:
        float32 array `(N, image_size, image_size, channels)` in [-1, 1].

    Example:
    ```python
    thumbnails = load_eval_images("folder:/data/sr/BSD100", 64, 3)
    native = load_eval_images("folder:/data/sr/BSD100", 64, 3, crops="native")
    ```
    """
    if crops not in EVAL_CROPS:
        raise ValueError(f"crops must be one of {EVAL_CROPS}. Received: crops={crops!r}")
    if crops == "native":
        return load_native_crops(spec, image_size, channels, limit=limit, seed=seed)
    return load_images(spec, image_size, channels, limit=limit)


def evaluate_inpainting(generator, real_data, image_size=64, num_real=10000, eval_masks="free_form",
                        masks_per_bucket=0, crops="resize", seed=0, batch_size=256,
                        sample_grid=None):
    """Hole L1, hole PSNR, PSNR and SSIM of a generator and of OpenCV inpainting, per bucket.

    Completes the images under a fixed evaluation mask set bucketed by hole
    ratio (10-20, 20-30, 30-40, 40-50 %), with the same images and masks for
    the model and for OpenCV's Telea and Navier-Stokes methods (see
    `keras_gan.metrics.inpainting_quality.evaluate_inpainting`).

    Args:
        generator: `keras.Model` `[images, masks]` -> completed images, [-1, 1].
        real_data: dataset spec of the images, or an NHWC array in [-1, 1].
        image_size: evaluation size (divisible by 8 for the gated generator);
            ignored for an array.
        num_real: at most this many images.
        eval_masks: `"free_form"`, `"rect"` or `"folder:<path>"` (white = hole).
        masks_per_bucket: masks per hole-ratio bucket; 0 = one per image.
        crops: `"resize"`: whole images as thumbnails; `"native"`: a seeded
            native-resolution crop of each image (`load_native_crops`).
        seed: seed of the masks and of the native crops.
        batch_size: generator batch size.
        sample_grid: optional PNG path: rows of masked input, each method, original.

    Returns:
        dict: `real_data`, `num_images`, `image_size`, `eval_masks`, `seed`,
        `eval_crops`, `buckets` (bucket -> method -> scores) and `headline`:
        panel `hole_psnr` (mean over buckets; baseline `telea`), one series
        `<set>_<crops>`. With `sample_grid`, also `sample_grid`: `{"path", "description"}`.

    Example:
    ```python
    results = evaluate_inpainting(generator, "folder:/data/sr/BSD100", 64, crops="native")
    results["buckets"]["30-40%"]["model"]["hole_psnr"]
    ```
    """
    channels = generator.inputs[0].shape[-1]
    if isinstance(real_data, str):
        images = load_eval_images(real_data, image_size, channels, limit=num_real, crops=crops,
                                  seed=seed)
    else:
        images = np.asarray(real_data, np.float32)[:num_real]
        image_size = images.shape[1]
    mask_sets = evaluation_masks(image_size, per_bucket=masks_per_bucket or len(images),
                                 source=eval_masks, seed=seed)
    methods = {
        "model": lambda x, m: generator.predict([x, m], batch_size=batch_size, verbose=0),
        "opencv_telea": lambda x, m: inpainting_quality.opencv_inpaint(x, m, "telea"),
        "opencv_navier_stokes": lambda x, m: inpainting_quality.opencv_inpaint(x, m, "navier_stokes"),
    }
    buckets = inpainting_quality.evaluate_inpainting(methods, images, mask_sets)
    name = set_name(real_data) if isinstance(real_data, str) else "images"
    results = {"real_data": real_data if isinstance(real_data, str) else None,
               "num_images": len(images), "image_size": image_size, "eval_masks": eval_masks,
               "seed": seed, "eval_crops": crops, "buckets": buckets}
    results["headline"] = [headline_panel(
        "hole_psnr", "hole PSNR (dB)", "telea",
        {f"{name}_{crops}": {
            "model": float(np.mean([b["model"]["hole_psnr"] for b in buckets.values()])),
            "baseline": float(np.mean([b["opencv_telea"]["hole_psnr"] for b in buckets.values()])),
        }})]
    if sample_grid:
        (low, high), masks = list(mask_sets.items())[min(2, len(mask_sets) - 1)]
        n = min(8, len(images))
        x = from_uint8(to_uint8(images[:n])).numpy()
        m = masks[np.arange(n) % len(masks)]
        rows = [x * (1 - m) + m] + [fn(x, m) for fn in methods.values()] + [x]
        save_grid(np.concatenate(rows), sample_grid, columns=n, scale=2)
        results["sample_grid"] = {"path": sample_grid, "description":
                                  f"rows: masked input ({low:.0%}-{high:.0%} holes), "
                                  f"{', '.join(methods)}, original"}
    return results


def format_inpainting_report(results):
    """The text report of `evaluate_inpainting`: what was measured, then the bucket table.

    Args:
        results: an `evaluate_inpainting` dict.

    Returns:
        The report as a string.
    """
    how = (f"as native-resolution {results['image_size']} px crops (seed {results['seed']})"
           if results.get("eval_crops") == "native" else f"at {results['image_size']} px")
    header = (f"{results['num_images']} images of {results['real_data']} {how}, "
              f"masks: {results['eval_masks']}")
    return f"{header}\n{inpainting_quality.format_inpainting_table(results['buckets'])}"
