"""What sizes an image generator takes: its scale and the multiple its H and W need.

Found by running the generator on small probe images (any runtime: Keras, SavedModel,
TFLite with resizable inputs, ONNX), so it needs nothing but a callable.
"""

import math

import numpy as np

MULTIPLES = (1, 2, 4, 8, 16, 32, 64)
MIN_PROBE = 17  # CycleGAN's 7x7 reflection padding needs more than 3 px


def probe_size(multiple):
    """The probe side for `multiple`: an odd multiple of it, at least `MIN_PROBE` px."""
    k = max(1, math.ceil(MIN_PROBE / multiple))
    return multiple * (k if k % 2 else k + 1)


def probe_geometry(run, channels, with_mask=False, multiples=MULTIPLES):
    """Find the scale and size multiple of a fully convolutional image generator.

    The multiple is the smallest `m` in `multiples` for which an image whose side is an
    odd multiple of `m` runs and comes out an integer number of times larger (a
    generator with two stride-2 stages fails, or returns the wrong size, below 4).

    Args:
        run: callable `(image, mask_or_None) -> output`, NHWC numpy arrays.
        channels: input channels.
        with_mask: also pass a `(1, H, W, 1)` mask (inpainting).
        multiples: candidate multiples, in increasing order.

    Returns:
        `(scale, multiple)`.

    Raises:
        ValueError: when no candidate size works.

    Example:
    ```python
    scale, multiple = probe_geometry(lambda x, m: generator(x).numpy(), channels=3)
    ```
    """
    errors = []
    for multiple in multiples:
        side = probe_size(multiple)
        image = np.zeros((1, side, side, channels), np.float32)
        mask = np.zeros((1, side, side, 1), np.float32) if with_mask else None
        try:
            out = np.asarray(run(image, mask))
        except Exception as error:  # noqa: BLE001 - a size the network cannot take
            errors.append(f"{side} px: {type(error).__name__}")
            continue
        if out.ndim == 4 and out.shape[1] % side == 0 and out.shape[1] == out.shape[2]:
            return out.shape[1] // side, multiple
        errors.append(f"{side} px: output {tuple(out.shape)}")
    raise ValueError(
        "The generator runs on no probe size (an odd multiple of "
        f"{', '.join(map(str, multiples))}). Received: {'; '.join(errors)}"
    )
