"""EDSR-style SR generator that learns the residual over a bicubic upsampling."""

import keras

from keras_gan.layers.bicubic_upsampling import BicubicUpsampling
from keras_gan.layers.pixel_shuffle import PixelShuffle
from keras_gan.networks.arch_util import check_int

UPSAMPLERS = ("direct", "stages")


def edsr_generator(
    scale=4,
    residual_blocks=8,
    filters=64,
    residual_scaling=1.0,
    upsampler="direct",
    channels=3,
    name="edsr",
):
    """An EDSR-style super-resolution generator over a bicubic baseline.

    `conv3x3` head; `residual_blocks` blocks of conv3x3-ReLU-conv3x3 with no batch
    norm, the branch scaled by `residual_scaling`, and an identity skip; conv3x3 and
    a global skip from the head; an upsampler to a residual image; the output is
    `clip(bicubic(lr) + residual, -1, 1)`. The residual's last convolution starts at
    zero, so an untrained generator returns exactly MATLAB's bicubic upsampling (the
    benchmark baseline) and training can only start from it. Fully convolutional.

    `upsampler="direct"` predicts the residual at LR resolution as
    `channels * scale^2` maps rearranged by one `depth_to_space` (ESPCN's sub-pixel
    layer): about half the FLOPs of EDSR's `"stages"` (x2 conv + `depth_to_space`
    stages at growing resolution, then a conv3x3 to `channels`), which the bicubic
    skip makes affordable (the network adds detail, it does not paint the image).

    Args:
        scale: upscaling factor, 2, 3, 4 or 8.
        residual_blocks: number of residual blocks (EDSR baseline: 16).
        filters: width of every body convolution (EDSR baseline: 64).
        residual_scaling: factor on each block's branch (EDSR: 0.1 for wide
            networks; 1.0 is stable at 64 filters).
        upsampler: `"direct"` or `"stages"` (see above).
        channels: image channels.
        name: model name.

    Returns:
        A functional `keras.Model`: input `image` `(N, h, w, channels)` float32 in
        [-1, 1], output `sr_image` `(N, h * scale, w * scale, channels)` in [-1, 1].

    Example:
    ```python
    generator = keras_gan.networks.edsr_generator(scale=4, residual_blocks=8)
    sr = generator(lr)  # (N, 24, 24, 3) -> (N, 96, 96, 3); bicubic before training
    ```

    Reference:
        Lim et al. 2017, "Enhanced Deep Residual Networks for Single Image
        Super-Resolution" (EDSR); Kim et al. 2016 (VDSR: residual over bicubic);
        Shi et al. 2016 (ESPCN: sub-pixel convolution).
    """
    if scale not in (2, 3, 4, 8):
        raise ValueError(f"`scale` must be 2, 3, 4 or 8. Received: scale={scale!r}")
    check_int("residual_blocks", residual_blocks, 0)
    check_int("filters", filters, 1)
    if not residual_scaling > 0:
        raise ValueError(
            f"`residual_scaling` must be > 0. Received: residual_scaling={residual_scaling!r}"
        )
    if upsampler not in UPSAMPLERS:
        raise ValueError(
            f"`upsampler` must be one of {UPSAMPLERS}. Received: upsampler={upsampler!r}"
        )

    def conv(x, width, layer_name, activation=None, zero=False):
        return keras.layers.Conv2D(
            width,
            3,
            padding="same",
            activation=activation,
            name=layer_name,
            kernel_initializer="zeros" if zero else "glorot_uniform",
        )(x)

    inputs = keras.Input((None, None, channels), name="image")
    head = x = conv(inputs, filters, "head_conv")
    for i in range(residual_blocks):
        y = conv(conv(x, filters, f"res{i}_conv1", "relu"), filters, f"res{i}_conv2")
        if residual_scaling != 1.0:
            y = keras.layers.Rescaling(residual_scaling, name=f"res{i}_scale")(y)
        x = keras.layers.Add(name=f"res{i}_add")([x, y])
    x = keras.layers.Add(name="global_skip")([head, conv(x, filters, "body_conv")])
    if upsampler == "direct":
        x = conv(x, channels * scale * scale, "tail_conv", zero=True)
        residual = PixelShuffle(scale, name="tail_shuffle")(x)
    else:
        factors = [3] if scale == 3 else [2] * (scale.bit_length() - 1)
        for i, factor in enumerate(factors):
            x = PixelShuffle(factor, name=f"up{i}_shuffle")(
                conv(x, filters * factor * factor, f"up{i}_conv")
            )
        residual = conv(x, channels, "tail_conv", zero=True)
    bicubic = BicubicUpsampling(scale, channels, dtype="float32", name="bicubic")(inputs)
    x = keras.layers.Add(dtype="float32", name="add_bicubic")([bicubic, residual])
    outputs = keras.layers.Activation("hard_tanh", dtype="float32", name="sr_image")(x)
    return keras.Model(inputs, outputs, name=name)
