"""DeepFill v2-style gated-convolution inpainting generator."""

import keras

from keras_gan.layers.gated_conv2d import GatedConv2D
from keras_gan.layers.push_pull_fill import PushPullFill

RAW_OUTPUT_NAMES = ("coarse", "refined")
"""Layer names of the stages' raw (not composited) outputs, in stage order."""

FILLS = ("zeros", "push_pull")


def _encoder_decoder(x, filters, dilations, prefix, skip_connections):
    """Gated encoder (2 stride-2 downsamplings), dilated bottleneck, gated decoder."""
    c = filters
    x = full = GatedConv2D(c, 5, name=f"{prefix}_conv1")(x)
    x = GatedConv2D(2 * c, 3, strides=2, name=f"{prefix}_down1")(x)
    x = half = GatedConv2D(2 * c, 3, name=f"{prefix}_conv2")(x)
    x = GatedConv2D(4 * c, 3, strides=2, name=f"{prefix}_down2")(x)
    x = GatedConv2D(4 * c, 3, name=f"{prefix}_conv3")(x)
    x = GatedConv2D(4 * c, 3, name=f"{prefix}_conv4")(x)
    for rate in dilations:  # receptive field grows exponentially, resolution stays
        x = GatedConv2D(4 * c, 3, dilation_rate=rate, name=f"{prefix}_dilated{rate}")(x)
    x = GatedConv2D(4 * c, 3, name=f"{prefix}_conv5")(x)
    x = GatedConv2D(4 * c, 3, name=f"{prefix}_conv6")(x)
    # DeepFill v2's "gen_deconv": nearest upsampling then a gated 3x3 convolution.
    x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{prefix}_up1")(x)
    if skip_connections:
        x = keras.layers.Concatenate(name=f"{prefix}_skip1")([x, half])
    x = GatedConv2D(2 * c, 3, name=f"{prefix}_upconv1")(x)
    x = GatedConv2D(2 * c, 3, name=f"{prefix}_conv7")(x)
    x = keras.layers.UpSampling2D(2, interpolation="nearest", name=f"{prefix}_up2")(x)
    if skip_connections:
        x = keras.layers.Concatenate(name=f"{prefix}_skip2")([x, full])
    x = GatedConv2D(c, 3, name=f"{prefix}_upconv2")(x)
    x = GatedConv2D(max(c // 2, 1), 3, name=f"{prefix}_conv8")(x)
    return x


def gated_generator(
    image_size=None,
    channels=3,
    filters=32,
    dilations=(2, 4, 8, 16),
    two_stage=False,
    skip_connections=True,
    fill="zeros",
    name="gated_generator",
):
    """Build the gated-convolution inpainting generator.

    Inputs `image` `(N, H, W, C)` in [-1, 1] and `mask` `(N, H, W, 1)` with 1 on
    the hole. The network zeroes the hole itself (`image * (1 - mask)`), so the
    pixel values under the hole never reach it, feeds `[masked, ones, mask]`
    to a gated encoder-decoder with a dilated bottleneck (DeepFill v2's coarse
    network), and, when `two_stage`, refines the composited coarse result with
    a second gated encoder-decoder (DeepFill v2's refinement network, without
    the contextual-attention branch).

    With `fill="push_pull"` the hole is first filled smoothly from its
    surroundings (`keras_gan.layers.PushPullFill`: a pyramid fill plus harmonic
    smoothing, 0.5-0.8 dB above OpenCV's Telea on validation photos); the network sees that image instead of zeros and predicts a residual
    over it whose last convolution starts at zero, so an untrained generator
    returns the smooth fill and training starts from the classical baseline.

    The output, layer `inpainted`, is the
    composite `raw * mask + image * (1 - mask)`: known pixels come back
    unchanged. The stages' raw outputs are the layers named in
    `RAW_OUTPUT_NAMES` (what the reconstruction losses use).

    Args:
        image_size: static H = W, or `None` for any size divisible by 4.
        channels: image channels.
        filters: base width `c` (DeepFill v2 uses 48; widths c, 2c, 4c).
        dilations: dilation rates of the bottleneck (at 1/4 resolution).
        two_stage: add the coarse-to-fine refinement stage.
        skip_connections: concatenate the encoder's full- and half-resolution
            gated features into the decoder (U-Net style; not in DeepFill v2).
            At small sizes (64 px: a 16 x 16 bottleneck) the decoder otherwise
            cannot see the exact pixels around thin holes; `False` is DeepFill
            v2's plain encoder-decoder.
        fill: `"zeros"` (DeepFill v2: the network sees a zeroed hole and paints
            it) or `"push_pull"` (a smooth fill and a residual over it).
        name: model name.

    Returns:
        A functional `keras.Model` `[image, mask] -> inpainted` (NHWC, [-1, 1]).

    Example:
    ```python
    generator = gated_generator(filters=16)
    completed = generator([images, masks])  # masks: 1 = hole
    ```

    Reference:
        Yu et al. 2019, "Free-Form Image Inpainting with Gated Convolution"
        (DeepFill v2); Yu et al. 2018 (DeepFill v1, coarse-to-fine).
    """
    if image_size is not None and (not isinstance(image_size, int) or image_size % 4):
        raise ValueError(
            f"`image_size` must be None or a multiple of 4. Received: image_size={image_size!r}"
        )
    if not isinstance(filters, int) or filters < 2:
        raise ValueError(f"`filters` must be an int >= 2. Received: filters={filters!r}")
    if fill not in FILLS:
        raise ValueError(f"`fill` must be one of {FILLS}. Received: fill={fill!r}")
    image = keras.Input((image_size, image_size, channels), name="image")
    mask = keras.Input((image_size, image_size, 1), name="mask")
    known = 1.0 - mask
    masked = image * known  # the hole's pixel values are dropped here
    ones = keras.ops.ones_like(mask)

    def stage(start, prefix, raw_name):
        """One encoder-decoder on `[start, ones, mask]`; its raw output image."""
        x = keras.ops.concatenate([start, ones, mask], axis=-1)
        x = _encoder_decoder(x, filters, dilations, prefix, skip_connections)
        if fill == "zeros":
            return keras.layers.Conv2D(
                channels, 3, padding="same", activation="tanh", name=raw_name
            )(x)
        residual = keras.layers.Conv2D(
            channels, 3, padding="same", kernel_initializer="zeros", name=f"{prefix}_residual"
        )(x)
        return keras.layers.Activation("hard_tanh", name=raw_name)(start + residual)

    start = masked if fill == "zeros" else PushPullFill(name="push_pull_fill")([image, mask])
    raw = stage(start, "coarse", RAW_OUTPUT_NAMES[0])
    if two_stage:
        raw = stage(raw * mask + masked, "refine", RAW_OUTPUT_NAMES[1])
    out = keras.layers.Activation("linear", dtype="float32", name="inpainted")(raw * mask + masked)
    return keras.Model([image, mask], out, name=name)
