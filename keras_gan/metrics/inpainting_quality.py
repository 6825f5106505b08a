"""Inpainting quality: hole-region L1 and PSNR, per image.

All images are NHWC float in [-1, 1]; masks `(N, H, W, 1)` with 1 on the hole.
Errors are reported on the [0, 1] pixel scale (L1 in [0, 1], PSNR with peak 1).
The evaluation that uses them (per hole-ratio bucket, against OpenCV's inpainting)
is `keras_gan.evaluation.inpainting`.

Example:
```python
from keras_gan.metrics import hole_l1, hole_psnr
hole_psnr(completed, images, masks)  # (N,) dB
```
"""

import numpy as np


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
