"""Fixed MATLAB-bicubic upsampling as one convolution and a `depth_to_space`."""

import keras
import numpy as np

TAPS = 5
"""Input pixels each output pixel reads along one axis (offsets -2..2) for any integer scale."""


def _cubic(x):
    """Keys cubic kernel, a = -0.5 (MATLAB `imresize` 'bicubic')."""
    ax = np.abs(x)
    return (1.5 * ax**3 - 2.5 * ax**2 + 1.0) * (ax <= 1) + (
        -0.5 * ax**3 + 2.5 * ax**2 - 4.0 * ax + 2.0
    ) * ((ax > 1) & (ax <= 2))


def bicubic_phase_weights(scale):
    """Weights `(scale, TAPS)` of output phase p over input offsets -2..2 along one axis.

    Output pixel `scale * k + p` sits at input coordinate `k + (p + 0.5) / scale - 0.5`
    (MATLAB's and TensorFlow's half-pixel rule); its bicubic value is the Keys cubic
    of the distance to each input pixel `k + o`, o in -2..2 (rows sum to 1).
    """
    offsets = np.arange(TAPS) - TAPS // 2
    shift = (np.arange(scale) + 0.5) / scale - 0.5
    weights = _cubic(shift[:, None] - offsets[None, :])
    return weights / weights.sum(axis=1, keepdims=True)


@keras.saving.register_keras_serializable(package="keras_gan")
class BicubicUpsampling(keras.layers.Layer):
    """Upsample `(N, h, w, C)` by an integer `scale` exactly as MATLAB `imresize(x, scale)`.

    The bicubic image that SR networks learn a residual over (Kim et al. 2016, VDSR),
    built from ops every export format runs: symmetric (mirror) border padding by
    slicing and concatenation, one fixed `Conv2D` whose `C * scale^2` outputs are the
    output phases, and `depth_to_space`. Float results equal
    `keras_gan.data.imresize(x, scale)` (the benchmark's bicubic baseline) up to
    float32 rounding; H and W may be dynamic (each >= 2). No trainable weights.

    Args:
        scale: the integer factor (>= 2).
        channels: the input channel count (3 for RGB).
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`, ...).

    Returns:
        A layer mapping `(N, h, w, C)` to `(N, scale * h, scale * w, C)`.

    Example:
    ```python
    bicubic = BicubicUpsampling(4)(lr)   # (N, 24, 24, 3) -> (N, 96, 96, 3)
    sr = keras.layers.Add()([bicubic, residual])
    ```

    Reference:
        MATLAB `imresize` (Keys cubic, a = -0.5); Kim et al. 2016, "Accurate Image
        Super-Resolution Using Very Deep Convolutional Networks" (residual over bicubic).
    """

    def __init__(self, scale=4, channels=3, **kwargs):
        super().__init__(**kwargs)
        if isinstance(scale, bool) or not isinstance(scale, int) or scale < 2:
            raise ValueError(f"`scale` must be an int >= 2. Received: scale={scale!r}")
        if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
            raise ValueError(f"`channels` must be an int >= 1. Received: channels={channels!r}")
        self.scale = scale
        self.channels = channels
        phases = bicubic_phase_weights(scale)  # (scale, TAPS)
        kernel = np.zeros((TAPS, TAPS, channels, scale * scale * channels), np.float32)
        for py in range(scale):
            for px in range(scale):
                tap = np.outer(phases[py], phases[px])
                for c in range(channels):  # depth_to_space reads channel (py * s + px) * C + c
                    kernel[:, :, c, (py * scale + px) * channels + c] = tap
        self._kernel = kernel

    def _mirror(self, x, axis):
        # MATLAB's border rule: index -1 -> 0, -2 -> 1 (and likewise at the far end).
        def take(start, stop):
            index = [slice(None)] * 4
            index[axis] = slice(start, stop)
            return x[tuple(index)]

        return keras.ops.concatenate(
            [take(1, 2), take(0, 1), x, take(-1, None), take(-2, -1)], axis=axis
        )

    def call(self, inputs):
        x = self._mirror(self._mirror(inputs, 1), 2)
        kernel = keras.ops.cast(self._kernel, x.dtype)
        x = keras.ops.conv(x, kernel, strides=1, padding="valid", data_format="channels_last")
        return keras.ops.depth_to_space(x, self.scale, data_format="channels_last")

    def compute_output_shape(self, input_shape):
        n, h, w, _ = input_shape
        s = self.scale
        return (
            n,
            h * s if h is not None else None,
            w * s if w is not None else None,
            self.channels,
        )

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "channels": self.channels}
