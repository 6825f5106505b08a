"""Inpainting quality: hole-region L1 and PSNR, and OpenCV baselines, per hole-ratio bucket.

All images are NHWC float in [-1, 1]; masks `(N, H, W, 1)` with 1 on the hole.
Errors are reported on the [0, 1] pixel scale (L1 in [0, 1], PSNR with peak 1).

Example:
```python
from keras_gan.metrics import inpainting_quality as iq
methods = {"model": lambda x, m: generator.predict([x, m]),
           "telea": lambda x, m: iq.opencv_inpaint(x, m, "telea")}
results = iq.evaluate_inpainting(methods, images, keras_gan.data.evaluation_masks(64))
print(iq.format_inpainting_table(results))
```
"""

import numpy as np

from keras_gan.data.pixels import from_uint8, to_uint8
from keras_gan.metrics.image_quality import psnr, ssim

OPENCV_METHODS = ("telea", "navier_stokes")


def _unit(images):
    return (np.asarray(images, np.float64) + 1.0) / 2.0


def _hole_mean(errors, masks):
    """Per-image mean of `errors` `(N, H, W, C)` over the hole pixels (all channels)."""
    masks = np.asarray(masks, np.float64)
    total = (errors * masks).reshape(len(errors), -1).sum(1)
    return total / np.maximum(masks.reshape(len(masks), -1).sum(1) * np.shape(errors)[-1], 1)


def hole_l1(completed, target, masks):
    """Mean absolute error over hole pixels (all channels), per image, on [0, 1].

    Args:
        completed: `(N, H, W, C)` in [-1, 1].
        target: `(N, H, W, C)` in [-1, 1].
        masks: `(N, H, W, 1)`, 1 = hole.

    Returns:
        float64 `(N,)`.
    """
    return _hole_mean(np.abs(_unit(completed) - _unit(target)), masks)


def hole_psnr(completed, target, masks):
    """PSNR (dB, peak 1 on [0, 1]) of the hole pixels only, per image.

    Args:
        completed: `(N, H, W, C)` in [-1, 1].
        target: `(N, H, W, C)` in [-1, 1].
        masks: `(N, H, W, 1)`, 1 = hole.

    Returns:
        float64 `(N,)`; `inf` for a perfect fill.
    """
    mse = _hole_mean(np.square(_unit(completed) - _unit(target)), masks)
    with np.errstate(divide="ignore"):
        return 10.0 * np.log10(1.0 / mse)


def opencv_inpaint(images, masks, method="telea", radius=3):
    """Inpaint with OpenCV's Telea (fast marching) or Navier-Stokes method.

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
    out = np.stack([cv2.inpaint(p, h, radius, flag).reshape(p.shape) for p, h in zip(pixels, holes)])
    return from_uint8(out).numpy()


def evaluate_inpainting(methods, images, mask_sets):
    """Hole L1, hole PSNR, PSNR and SSIM of each method, per hole-ratio bucket.

    Each bucket pairs image `i` with mask `i % len(masks)`. Every method sees
    the same uint8-quantized images and masks, and its output is quantized to
    uint8 (what would be saved) before scoring.

    Args:
        methods: dict name -> `fn(images, masks) -> completed` (arrays in [-1, 1]).
        images: `(N, H, W, C)` in [-1, 1].
        mask_sets: dict `(low, high)` -> masks `(M, H, W, 1)` (see
            `keras_gan.data.evaluation_masks`).

    Returns:
        dict `"low-high%"` -> method -> `{"hole_l1", "hole_psnr", "psnr", "ssim",
        "hole_ratio", "num_images"}` (means over images).
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
                "hole_psnr": float(np.mean(hole_psnr(completed, images, masks))),
                "psnr": float(np.mean(psnr(completed, images, max_val=2.0))),
                "ssim": float(np.mean(ssim(completed, images, max_val=2.0))),
                "hole_ratio": float(masks.mean()),
                "num_images": len(images),
            }
    return results


def format_inpainting_table(results):
    """A Markdown table of `evaluate_inpainting` results (one row per bucket and method)."""
    lines = ["| holes | method | hole L1 | hole PSNR (dB) | PSNR (dB) | SSIM |",
             "|---|---|---|---|---|---|"]
    for bucket, by_method in results.items():
        for name, r in by_method.items():
            lines.append(f"| {bucket} | {name} | {r['hole_l1']:.4f} | {r['hole_psnr']:.2f} | "
                         f"{r['psnr']:.2f} | {r['ssim']:.4f} |")
    return "\n".join(lines)
