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
from keras_gan.evaluation.evaluator import (
    BATCH_SIZE,
    IMAGE_SIZE,
    NUM_REAL,
    REAL_DATA,
    SAMPLE_GRID,
    Evaluator,
    Option,
    set_name,
)
from keras_gan.evaluation.headline import headline_panel
from keras_gan.metrics.image_quality import mean_psnr, psnr, ssim
from keras_gan.metrics.inpainting_quality import hole_l1, hole_psnr

EVAL_CROPS = ("resize", "native")
"""How evaluation images are made: `resize` the whole image (shorter side to the size,
center crop), or a seeded `native`-resolution crop of the original pixels."""

OPENCV_METHODS = ("telea", "navier_stokes")


def opencv_inpaint(images, masks, method="telea", radius=3):
    """Inpaint with OpenCV's Telea (fast marching) or Navier-Stokes method: the baselines.

    Args:
        images: `(N, H, W, C)` in [-1, 1], C in (1, 3).
        masks: `(N, H, W, 1)`, 1 = hole.
        method: `"telea"` or `"navier_stokes"`.
        radius: `inpaintRadius` in pixels.

    Returns:
        float32 `(N, H, W, C)` in [-1, 1] (uint8-quantized values).

    Reference:
        Telea 2004, "An Image Inpainting Technique Based on the Fast Marching
        Method"; Bertalmio et al. 2001 (Navier-Stokes).
    """
    import cv2

    if method not in OPENCV_METHODS:
        raise ValueError(f"`method` must be one of {OPENCV_METHODS}. Received: method={method!r}")
    flag = cv2.INPAINT_TELEA if method == "telea" else cv2.INPAINT_NS
    pixels = to_uint8(images).numpy()
    holes = (np.asarray(masks)[..., 0] > 0.5).astype(np.uint8) * 255
    out = np.stack(
        [cv2.inpaint(p, h, radius, flag).reshape(p.shape) for p, h in zip(pixels, holes)]
    )
    return from_uint8(out).numpy()


def bucket_scores(methods, images, mask_sets):
    """Hole L1, hole PSNR, PSNR and SSIM of each method, per hole-ratio bucket.

    Each bucket pairs image `i` with mask `i % len(masks)`. Every method sees
    the same uint8-quantized images and masks, and its output is quantized to
    uint8 (what would be saved) before scoring. Errors are on the [0, 1] scale
    (`keras_gan.metrics.hole_l1`, `hole_psnr`).

    Args:
        methods: dict name -> `fn(images, masks) -> completed` (arrays in [-1, 1]).
        images: `(N, H, W, C)` in [-1, 1].
        mask_sets: dict `(low, high)` -> masks `(M, H, W, 1)` (see
            `keras_gan.data.evaluation_masks`).

    Returns:
        dict `"low-high%"` -> method -> `{"hole_l1", "hole_psnr", "psnr", "ssim",
        "hole_ratio", "num_images"}` (means over images; each image's PSNRs capped
        at `keras_gan.metrics.PSNR_CAP`, see `mean_psnr`: a perfect fill is inf).

    Example:
    ```python
    methods = {"model": lambda x, m: generator.predict([x, m]),
               "telea": lambda x, m: opencv_inpaint(x, m, "telea")}
    results = bucket_scores(methods, images, keras_gan.data.evaluation_masks(64))
    print(format_inpainting_table(results))
    ```
    """
    images = from_uint8(to_uint8(images)).numpy()
    results = {}
    for (low, high), masks in mask_sets.items():
        masks = np.asarray(masks, np.float32)
        masks = masks[np.arange(len(images)) % len(masks)]
        label = f"{round(low * 100)}-{round(high * 100)}%"
        results[label] = {}
        for name, fn in methods.items():
            completed = from_uint8(to_uint8(np.asarray(fn(images, masks), np.float32))).numpy()
            results[label][name] = {
                "hole_l1": float(np.mean(hole_l1(completed, images, masks))),
                "hole_psnr": mean_psnr(hole_psnr(completed, images, masks)),
                "psnr": mean_psnr(psnr(completed, images, max_val=2.0)),
                "ssim": float(np.mean(ssim(completed, images, max_val=2.0))),
                "hole_ratio": float(masks.mean()),
                "num_images": len(images),
            }
    return results


def format_inpainting_table(results):
    """A Markdown table of `bucket_scores` results (one row per bucket and method)."""
    lines = [
        "| holes | method | hole L1 | hole PSNR (dB) | PSNR (dB) | SSIM |",
        "|---|---|---|---|---|---|",
    ]
    for bucket, by_method in results.items():
        for name, r in by_method.items():
            lines.append(
                f"| {bucket} | {name} | {r['hole_l1']:.4f} | {r['hole_psnr']:.2f} | "
                f"{r['psnr']:.2f} | {r['ssim']:.4f} |"
            )
    return "\n".join(lines)


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
        crop = image[top : top + image_size, left : left + image_size]
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


def evaluate_inpainting(
    generator,
    real_data,
    image_size=64,
    num_real=10000,
    eval_masks="free_form",
    masks_per_bucket=0,
    crops="resize",
    seed=0,
    batch_size=256,
    sample_grid=None,
):
    """Hole L1, hole PSNR, PSNR and SSIM of a generator and of OpenCV inpainting, per bucket.

    Completes the images under a fixed evaluation mask set bucketed by hole
    ratio (10-20, 20-30, 30-40, 40-50 %), with the same images and masks for
    the model and for OpenCV's Telea and Navier-Stokes methods (see
    `bucket_scores`).

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
        images = load_eval_images(
            real_data, image_size, channels, limit=num_real, crops=crops, seed=seed
        )
    else:
        images = np.asarray(real_data, np.float32)[:num_real]
        image_size = images.shape[1]
    mask_sets = evaluation_masks(
        image_size, per_bucket=masks_per_bucket or len(images), source=eval_masks, seed=seed
    )
    methods = {
        "model": lambda x, m: generator.predict([x, m], batch_size=batch_size, verbose=0),
        "opencv_telea": lambda x, m: opencv_inpaint(x, m, "telea"),
        "opencv_navier_stokes": lambda x, m: opencv_inpaint(x, m, "navier_stokes"),
    }
    buckets = bucket_scores(methods, images, mask_sets)
    name = set_name(real_data) if isinstance(real_data, str) else "images"
    results = {
        "real_data": real_data if isinstance(real_data, str) else None,
        "num_images": len(images),
        "image_size": image_size,
        "eval_masks": eval_masks,
        "seed": seed,
        "eval_crops": crops,
        "buckets": buckets,
    }
    results["headline"] = [
        headline_panel(
            "hole_psnr",
            "hole PSNR (dB)",
            "telea",
            {
                f"{name}_{crops}": {
                    "model": float(np.mean([b["model"]["hole_psnr"] for b in buckets.values()])),
                    "baseline": float(
                        np.mean([b["opencv_telea"]["hole_psnr"] for b in buckets.values()])
                    ),
                }
            },
        )
    ]
    if sample_grid:
        (low, high), masks = list(mask_sets.items())[min(2, len(mask_sets) - 1)]
        n = min(8, len(images))
        x = from_uint8(to_uint8(images[:n])).numpy()
        m = masks[np.arange(n) % len(masks)]
        rows = [x * (1 - m) + m] + [fn(x, m) for fn in methods.values()] + [x]
        save_grid(np.concatenate(rows), sample_grid, columns=n, scale=2)
        results["sample_grid"] = {
            "path": sample_grid,
            "description": f"rows: masked input ({low:.0%}-{high:.0%} holes), "
            f"{', '.join(methods)}, original",
        }
    return results


def format_inpainting_report(results):
    """The text report of `evaluate_inpainting`: what was measured, then the bucket table.

    Args:
        results: an `evaluate_inpainting` dict.

    Returns:
        The report as a string.
    """
    how = (
        f"as native-resolution {results['image_size']} px crops (seed {results['seed']})"
        if results.get("eval_crops") == "native"
        else f"at {results['image_size']} px"
    )
    header = (
        f"{results['num_images']} images of {results['real_data']} {how}, "
        f"masks: {results['eval_masks']}"
    )
    return f"{header}\n{format_inpainting_table(results['buckets'])}"


class InpaintingEvaluator(Evaluator):
    """`evaluate.py --model=inpainting`: `evaluate_inpainting` and `format_inpainting_report`."""

    name = "inpainting"
    usage = """\
inpainting: completes ``--real_data`` images (``--eval_image_size`` px, at most
``--num_real``; whole images resized, or with ``--eval_crops=native`` one seeded crop of
each image at its native resolution) under a fixed evaluation mask set (``--eval_masks``) bucketed by hole
ratio (10-20, 20-30, 30-40, 40-50%) and prints hole L1, hole PSNR, PSNR and SSIM of
the generator against OpenCV's Telea and Navier-Stokes inpainting, per bucket."""
    options = (
        REAL_DATA,
        IMAGE_SIZE,
        NUM_REAL,
        Option(
            "string",
            "eval_masks",
            "free_form",
            "Evaluation mask set (inpainting): free_form, rect or folder:<path> (white = hole).",
        ),
        Option(
            "integer",
            "masks_per_bucket",
            0,
            "Masks per hole-ratio bucket (inpainting); 0 = one per image.",
        ),
        Option(
            "enum",
            "eval_crops",
            "resize",
            "Inpainting images: resize = whole images shrunk to --eval_image_size; "
            "native = one seeded --eval_image_size crop of each image at its own resolution.",
            EVAL_CROPS,
        ),
        BATCH_SIZE,
        SAMPLE_GRID,
    )
    keywords = {
        "real_data": "real_data",
        "image_size": "eval_image_size",
        "num_real": "num_real",
        "eval_masks": "eval_masks",
        "masks_per_bucket": "masks_per_bucket",
        "crops": "eval_crops",
        "seed": "seed",
        "batch_size": "batch_size",
        "sample_grid": "sample_grid",
    }
    required = {"real_data": ""}
    evaluate = staticmethod(evaluate_inpainting)
    report = staticmethod(format_inpainting_report)

    def curve_arguments(self, options, scale):
        """One evaluation per mode of the curve's comma list `--eval_crops`."""
        o = options
        if not o.real_data:
            raise ValueError(
                "An inpainting curve needs --real_data (images to complete). "
                f"Received: real_data={o.real_data!r}"
            )
        modes = [m.strip() for m in o.eval_crops.split(",") if m.strip()]
        if not modes:
            raise ValueError(f"--eval_crops names no mode. Received: eval_crops={o.eval_crops!r}")
        return [
            {
                "real_data": o.real_data,
                "image_size": o.eval_image_size,
                "num_real": o.num_real,
                "eval_masks": o.eval_masks,
                "masks_per_bucket": o.masks_per_bucket,
                "crops": mode,
                "seed": o.eval_seed,
                "batch_size": o.eval_batch_size,
            }
            for mode in modes
        ]
