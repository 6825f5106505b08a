"""CycleGAN's ResNet generator (Johnson et al. 2016 layout, reflection padding)."""

import keras

from keras_gan.layers.reflection_padding import ReflectionPadding2D
from keras_gan.networks.arch_util import check_int, normal_init

NORMS = ("instance", "batch", "none")
OUTPUTS = ("tanh", "colour_residual")
COLOUR_UNITS = 32
"""Hidden width of the per-pixel colour MLP of `output="colour_residual"`."""
COLOUR_GAIN = 10.0
"""Constant gain on the colour MLP's (zero-initialised) output: a per-layer learning-rate
multiplier, as ProGAN's equalized rate. Adam moves every weight by about the learning
rate per step, so at 2e-4 the colour map would need thousands of steps to reach an
O(1) colour change; with the gain it moves 10x faster than the spatial path."""


def normalization(norm, name, affine=False):
    """The normalization layer of CycleGAN's networks (the reference's `--norm`).

    Args:
        norm: `"instance"` (`GroupNormalization(groups=-1)`, default of the
            reference, without learned scale/offset unless `affine`), `"batch"`
            (synchronized `BatchNormalization`) or `"none"` (identity).
        name: layer name.
        affine: learned scale and offset for instance normalization.

    Returns:
        A `keras.layers.Layer`.
    """
    if norm == "instance":
        return keras.layers.GroupNormalization(
            groups=-1,
            epsilon=1e-5,
            center=affine,
            scale=affine,
            name=name,
            gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02),
        )
    if norm == "batch":
        return keras.layers.BatchNormalization(
            momentum=0.9,
            epsilon=1e-5,
            synchronized=True,
            name=name,
            gamma_initializer=keras.initializers.RandomNormal(1.0, 0.02),
        )
    if norm == "none":
        return keras.layers.Identity(name=name)
    raise ValueError(f"`norm` must be one of {NORMS}. Received: norm={norm!r}")


def resnet_generator(
    image_size=None,
    channels=3,
    out_channels=None,
    filters=64,
    residual_blocks=9,
    norm="instance",
    norm_affine=False,
    output="tanh",
    name="resnet_generator",
):
    """The ResNet image-to-image generator of CycleGAN.

    `c7s1-f, d2f, d4f, R4f x residual_blocks, u2f, uf, c7s1-out` (Zhu et al.
    2017, appendix 7.2): a reflection-padded 7x7 convolution, two stride-2 3x3
    downsamplings, residual blocks of two reflection-padded 3x3 convolutions,
    two stride-2 3x3 transposed convolutions and a reflection-padded 7x7
    convolution with tanh. Every convolution but the last is followed by
    instance normalization (`GroupNormalization(groups=-1)`) and ReLU. Weights
    are initialised N(0, 0.02).

    Instance normalization removes each image's per-channel mean and contrast
    after the first convolution, so the network cannot see an image's global
    colour or brightness (it is what makes CycleGAN translate "style"); a task
    whose mapping depends on absolute colour needs `norm="batch"` or `"none"`,
    or `output="colour_residual"`.

    `output="colour_residual"` keeps absolute colour without giving up the norms:
    the output is `clip(x + colour(x) + spatial(x), -1, 1)` where `colour` is a
    per-pixel MLP (1x1 convolutions, no normalization, so it sees every pixel's
    absolute colour and can learn any fixed colour curve or mixing) and
    `spatial` is the network above with a linear last convolution. Both last
    layers start at zero, so an untrained generator is the identity: translation
    starts from the unchanged image and learns what to change. The colour MLP's
    output is multiplied by `COLOUR_GAIN` (10): a learning-rate multiplier for
    the colour path, which otherwise moves too slowly for a short run.

    Args:
        image_size: fixed input height = width, or `None` (default) for any
            size divisible by 4.
        channels: input channels.
        out_channels: output channels; default `channels`.
        filters: width of the first convolution (64 in the paper).
        residual_blocks: 9 for 256 px, 6 for 128 px and below in the paper.
        norm: `"instance"` (default), `"batch"` or `"none"` (the reference's
            `--norm`); convolutions followed by batch norm have no bias.
        norm_affine: learn a scale and offset in the instance normalization
            (the reference does not).
        output: `"tanh"` (the reference: a tanh image) or `"colour_residual"`
            (identity + per-pixel colour MLP + spatial residual, see above).
        name: model name.

    Returns:
        A functional `keras.Model`: input `image` `(N, H, W, channels)` float32 in
        [-1, 1], output `(N, H, W, out_channels)` in [-1, 1].

    Example:
    ```python
    generator = keras_gan.networks.resnet_generator(filters=64, residual_blocks=6)
    fake_b = generator(real_a)  # real_a: (N, 128, 128, 3) in [-1, 1]
    ```

    Reference:
        Zhu et al. 2017, "Unpaired Image-to-Image Translation using
        Cycle-Consistent Adversarial Networks"; Johnson et al. 2016,
        "Perceptual Losses for Real-Time Style Transfer and Super-Resolution".
    """
    for arg, value, low in (
        ("channels", channels, 1),
        ("filters", filters, 1),
        ("residual_blocks", residual_blocks, 0),
    ):
        check_int(arg, value, low)
    if image_size is not None and (
        not isinstance(image_size, int) or image_size < 4 or image_size % 4
    ):
        raise ValueError(
            "`image_size` must be None or a multiple of 4 (two stride-2 downsamplings). "
            f"Received: image_size={image_size!r}"
        )
    if norm not in NORMS:
        raise ValueError(f"`norm` must be one of {NORMS}. Received: norm={norm!r}")
    if output not in OUTPUTS:
        raise ValueError(f"`output` must be one of {OUTPUTS}. Received: output={output!r}")
    out_channels = out_channels or channels
    if output == "colour_residual" and out_channels != channels:
        raise ValueError(
            "output='colour_residual' needs out_channels == channels. "
            f"Received: channels={channels}, out_channels={out_channels}"
        )
    layers = keras.layers
    use_bias = norm != "batch"

    residual = output == "colour_residual"

    def conv(x, width, kernel, stride, block, pad="reflect"):
        if pad == "reflect":
            x = ReflectionPadding2D(kernel // 2, name=f"{block}_pad")(x)
        else:  # the reference's stride-2 convolutions zero-pad by 1
            x = layers.ZeroPadding2D(kernel // 2, name=f"{block}_pad")(x)
        zero = residual and block == "output"
        return layers.Conv2D(
            width,
            kernel,
            strides=stride,
            padding="valid",
            use_bias=use_bias or block == "output",
            kernel_initializer="zeros" if zero else normal_init(),
            name=f"{block}_conv",
        )(x)

    def norm_relu(x, block):
        x = normalization(norm, f"{block}_norm", norm_affine)(x)
        return layers.ReLU(name=f"{block}_relu")(x)

    inputs = keras.Input((image_size, image_size, channels), name="image")
    x = norm_relu(conv(inputs, filters, 7, 1, "c7s1"), "c7s1")
    for i, mult in enumerate((2, 4)):
        x = norm_relu(conv(x, filters * mult, 3, 2, f"down{i + 1}", pad="zero"), f"down{i + 1}")
    width = filters * 4
    for i in range(residual_blocks):
        block = f"res{i + 1}"
        y = norm_relu(conv(x, width, 3, 1, f"{block}a"), f"{block}a")
        y = normalization(norm, f"{block}b_norm", norm_affine)(conv(y, width, 3, 1, f"{block}b"))
        x = layers.Add(name=f"{block}_add")([x, y])
    for i, mult in enumerate((2, 1)):
        block = f"up{i + 1}"
        x = layers.Conv2DTranspose(
            filters * mult,
            3,
            strides=2,
            padding="same",
            use_bias=use_bias,
            kernel_initializer=normal_init(),
            name=f"{block}_conv",
        )(x)
        x = norm_relu(x, block)
    x = conv(x, out_channels, 7, 1, "output")
    if not residual:
        outputs = layers.Activation("tanh", dtype="float32", name="translated")(x)
        return keras.Model(inputs, outputs, name=name)
    colour = layers.Conv2D(COLOUR_UNITS, 1, activation="relu", name="colour1_conv")(inputs)
    colour = layers.Conv2D(COLOUR_UNITS, 1, activation="relu", name="colour2_conv")(colour)
    colour = layers.Conv2D(channels, 1, kernel_initializer="zeros", name="colour3_conv")(colour)
    colour = layers.Rescaling(COLOUR_GAIN, name="colour_gain")(colour)
    x = layers.Add(dtype="float32", name="residual_add")([inputs, colour, x])
    outputs = layers.Activation("hard_tanh", dtype="float32", name="translated")(x)
    return keras.Model(inputs, outputs, name=name)
