"""Full-reference image quality: PSNR and SSIM, the way the SR literature measures them.

Functions (stable API, also used by other families, e.g. inpainting):

- `rgb_to_y(images, max_val)`: MATLAB-compatible `rgb2ycbcr` luma (ITU-R BT.601,
  studio swing): `Y = 16 + (65.481 R + 128.553 G + 24.966 B)` with RGB in [0, 1],
  so Y is in [16, 235] on the 0..255 scale.
- `psnr(a, b, max_val=2.0, crop_border=0, y_channel=False)` and
  `ssim(a, b, max_val=2.0, crop_border=0, y_channel=False)`: per-image values `(N,)`.
- `mean_psnr(values)`: the mean of per-image PSNRs, each capped at `PSNR_CAP`
  (58.92 dB), so that an image identical to its reference (PSNR inf) does not make
  the mean inf.

Pixel ranges: uint8 images are 0..255 (pass `max_val=255`); float images with
`max_val=2.0` (the default) are the project's [-1, 1] convention; float images with
any other `max_val` are taken as [0, max_val] (e.g. 1.0 or 255.0).

SR protocol (Ledig et al. 2017 and most SR papers): quantize the SR output to
uint8, convert SR and HR to Y, shave `scale` pixels from every border, then
PSNR/SSIM on Y with peak 255:

```python
from keras_gan.metrics import psnr, ssim
psnr(sr_uint8, hr_uint8, max_val=255, crop_border=4, y_channel=True)  # (N,) dB
ssim(sr, hr, crop_border=4, y_channel=True)  # [-1, 1] floats
```

SSIM is Wang et al. 2004: Gaussian window 11x11, sigma 1.5, K1 = 0.01, K2 = 0.03,
'valid' filtering (as MATLAB's `ssim_index.m`), averaged over the map (and channels).
"""

import keras
import numpy as np
import tensorflow as tf

from keras_gan.data import to_uint8

_Y_WEIGHTS = (65.481, 128.553, 24.966)  # ITU-R BT.601 x 219 (studio swing), RGB in [0, 1]

PSNR_CAP = float(10 * np.log10(12 * 255.0**2))
"""Per-image PSNR ceiling before averaging, 58.92 dB: the PSNR of 8-bit rounding noise
(uniform, one level wide, variance 1/12 level^2, peak 255 levels); identical images would
otherwise give inf. The same on every scale this module uses (uint8, Y on 0..255, [0, 1]):
each has 255 levels between 0 and the peak."""


def _to_unit_range(images, max_val):
    """Images in their convention -> float32 in [0, 1] (see the module docstring)."""
    images = tf.convert_to_tensor(images)
    if images.dtype == tf.uint8:
        return tf.cast(images, tf.float32) / 255.0
    images = tf.cast(images, tf.float32)
    if max_val == 2.0:
        return (images + 1.0) / 2.0
    return images / float(max_val)


def _check_max_val(images, max_val):
    if not isinstance(max_val, (int, float)) or isinstance(max_val, bool) or max_val <= 0:
        raise ValueError(f"`max_val` must be a positive number. Received: max_val={max_val!r}")
    dtype = getattr(images, "dtype", None)
    if dtype is not None and tf.as_dtype(dtype) == tf.uint8 and max_val != 255:
        raise ValueError(f"uint8 images need max_val=255. Received: max_val={max_val!r}")


def rgb_to_y(images, max_val=2.0):
    """MATLAB `rgb2ycbcr` luma of RGB images, on the 0..255 scale.

    Gray images (C = 1) are treated as R = G = B.

    Args:
        images: `(..., H, W, C)`, C in (1, 3); uint8 or float (see the module
            docstring for `max_val`).
        max_val: 255 for uint8, 2.0 for [-1, 1] floats, else the float range [0, max_val].

    Returns:
        float32 `(..., H, W, 1)`: `Y = 16 + (65.481 R + 128.553 G + 24.966 B)`, RGB in
        [0, 1] (so Y is in [16, 235]). Not rounded.

    Example:
    ```python
    rgb_to_y(np.full((1, 2, 2, 3), 255, np.uint8), max_val=255)  # all 235.0
    ```

    Reference:
        ITU-R BT.601; MATLAB `rgb2ycbcr`.
    """
    _check_max_val(images, max_val)
    rgb = _to_unit_range(images, max_val)
    if rgb.shape[-1] == 1:
        return 16.0 + sum(_Y_WEIGHTS) * rgb
    if rgb.shape[-1] != 3:
        raise ValueError(f"rgb_to_y needs 1 or 3 channels. Received: shape={rgb.shape}")
    weights = tf.constant(_Y_WEIGHTS, tf.float32)
    return 16.0 + tf.reduce_sum(rgb * weights, axis=-1, keepdims=True)


def _prepare(a, b, max_val, crop_border, y_channel):
    """Both images as float32 4-D tensors, in Y (0..255) or in [0, peak], cropped."""
    _check_max_val(a, max_val)
    _check_max_val(b, max_val)
    if not isinstance(crop_border, int) or crop_border < 0:
        raise ValueError(
            f"`crop_border` must be an int >= 0. Received: crop_border={crop_border!r}"
        )
    if y_channel:
        a, b, peak = rgb_to_y(a, max_val), rgb_to_y(b, max_val), 255.0
    else:
        a, b = _to_unit_range(a, max_val), _to_unit_range(b, max_val)
        peak = 1.0
    if a.shape.rank == 3:
        a, b = a[None], b[None]
    if a.shape.rank != 4:
        raise ValueError(f"Images must be (N, H, W, C) or (H, W, C). Received: shape={a.shape}")
    if crop_border:
        a = a[:, crop_border:-crop_border, crop_border:-crop_border, :]
        b = b[:, crop_border:-crop_border, crop_border:-crop_border, :]
    return a, b, peak


def psnr(a, b, max_val=2.0, crop_border=0, y_channel=False):
    """Peak signal-to-noise ratio per image, in dB.

    `10 log10(peak^2 / MSE)`; with `y_channel=True` the MSE is on MATLAB Y values
    (0..255, peak 255), otherwise on all channels of the images (the peak is the
    full range given by `max_val`). Identical images give `inf`.

    Args:
        a: images `(N, H, W, C)` or `(H, W, C)`, uint8 or float.
        b: images of the same shape and convention.
        max_val: 2.0 for [-1, 1] floats (default), 255 for uint8, else float range.
        crop_border: pixels removed from every border first (the SR scale).
        y_channel: compare the BT.601 luma only (the SR protocol).

    Returns:
        float32 tensor `(N,)`.

    Example:
    ```python
    psnr(sr, hr, crop_border=4, y_channel=True)
    ```

    Reference:
        The SR benchmark protocol of Dong et al. 2014 / Ledig et al. 2017.
    """
    a, b, peak = _prepare(a, b, max_val, crop_border, y_channel)
    mse = tf.reduce_mean(tf.square(a - b), axis=[1, 2, 3])
    return 10.0 * tf.math.log(peak * peak / mse) / tf.math.log(10.0)


def mean_psnr(values):
    """Mean of per-image PSNRs (dB), each capped at `PSNR_CAP` first.

    An 8-bit image identical to its reference has PSNR inf, which would make the mean
    inf; capping it at the PSNR of 8-bit rounding noise keeps the mean finite and
    counts it as at least as good as any rounding of the reference.

    Args:
        values: per-image PSNRs, e.g. `psnr(a, b)` (a tensor, an array or a list).

    Returns:
        float.

    Example:
    ```python
    mean_psnr(psnr(translated, target))
    mean_psnr([30.0, float("inf")])  # (30 + 58.92) / 2
    ```
    """
    return float(np.mean(np.minimum(np.asarray(values), PSNR_CAP)))


def ssim(a, b, max_val=2.0, crop_border=0, y_channel=False):
    """Structural similarity per image (Wang et al. 2004), MATLAB-style valid window.

    Args:
        a: images `(N, H, W, C)` or `(H, W, C)`, uint8 or float; after cropping at
            least 11 x 11.
        b: images of the same shape and convention.
        max_val: 2.0 for [-1, 1] floats (default), 255 for uint8, else float range.
        crop_border: pixels removed from every border first (the SR scale).
        y_channel: compare the BT.601 luma only (the SR protocol).

    Returns:
        float32 tensor `(N,)`, 1 for identical images.

    Example:
    ```python
    ssim(sr, hr, crop_border=4, y_channel=True)
    ```

    Reference:
        Wang, Bovik, Sheikh, Simoncelli 2004, "Image quality assessment: from error
        visibility to structural similarity".
    """
    a, b, peak = _prepare(a, b, max_val, crop_border, y_channel)
    return tf.image.ssim(a, b, max_val=peak, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03)


class _ImageQualityMetric(keras.metrics.Mean):
    """Mean of a per-image quality function over everything seen."""

    fn = None

    def __init__(self, max_val=2.0, crop_border=0, y_channel=True, name=None, dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.max_val = max_val
        self.crop_border = crop_border
        self.y_channel = y_channel

    def update_state(self, y_true, y_pred, sample_weight=None):
        # Quantize like a saved image: the SR protocol measures 8-bit outputs.
        if self.max_val == 2.0 and not tf.as_dtype(y_pred.dtype).is_integer:
            y_true = tf.cast(to_uint8(y_true), tf.float32)
            y_pred = tf.cast(to_uint8(y_pred), tf.float32)
            values = type(self).fn(y_true, y_pred, 255.0, self.crop_border, self.y_channel)
        else:
            values = type(self).fn(y_true, y_pred, self.max_val, self.crop_border, self.y_channel)
        return super().update_state(values, sample_weight=sample_weight)

    def get_config(self):
        return {
            "max_val": self.max_val,
            "crop_border": self.crop_border,
            "y_channel": self.y_channel,
            "name": self.name,
            "dtype": self.dtype,
        }


@keras.saving.register_keras_serializable(package="keras_gan")
class PSNR(_ImageQualityMetric):
    """Mean PSNR (dB) as a Keras metric; by default the SR protocol (Y channel).

    `[-1, 1]` float images (`max_val=2.0`) are quantized to 8 bits first, as the
    saved images that SR papers measure.

    Args:
        max_val: 2.0 for [-1, 1] floats, 255 for uint8, else float range.
        crop_border: border shaved before measuring (the SR scale).
        y_channel: measure MATLAB Y (default) or all RGB channels.
        name: metric name.
        dtype: metric dtype.

    Example:
    ```python
    metric = keras_gan.metrics.PSNR(crop_border=4)
    metric.update_state(hr, sr)
    metric.result()
    ```

    Reference:
        Ledig et al. 2017, Section 3 (evaluation protocol).
    """

    fn = staticmethod(psnr)

    def __init__(self, max_val=2.0, crop_border=0, y_channel=True, name="psnr", dtype=None):
        super().__init__(max_val, crop_border, y_channel, name=name, dtype=dtype)


@keras.saving.register_keras_serializable(package="keras_gan")
class SSIM(_ImageQualityMetric):
    """Mean SSIM as a Keras metric; by default the SR protocol (Y channel).

    Args:
        max_val: 2.0 for [-1, 1] floats, 255 for uint8, else float range.
        crop_border: border shaved before measuring (the SR scale).
        y_channel: measure MATLAB Y (default) or all RGB channels.
        name: metric name.
        dtype: metric dtype.

    Example:
    ```python
    metric = keras_gan.metrics.SSIM(crop_border=4)
    metric.update_state(hr, sr)
    ```

    Reference:
        Wang et al. 2004.
    """

    fn = staticmethod(ssim)

    def __init__(self, max_val=2.0, crop_border=0, y_channel=True, name="ssim", dtype=None):
        super().__init__(max_val, crop_border, y_channel, name=name, dtype=dtype)
