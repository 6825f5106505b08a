"""The 70x70 PatchGAN discriminator of pix2pix and CycleGAN."""

import keras

from keras_gan.networks.arch_util import normal_init
from keras_gan.networks.resnet_generator import NORMS, normalization


def patchgan_discriminator(
    image_size=None,
    channels=3,
    filters=64,
    num_layers=3,
    norm="instance",
    norm_affine=False,
    name="patchgan_discriminator",
):
    """A PatchGAN: one real/fake logit per overlapping image patch.

    `C64-C128-C256-C512` 4x4 convolutions (stride 2, 2, 2, 1; no normalization
    on the first), LeakyReLU(0.2), then a stride-1 4x4 convolution to one
    channel. With `num_layers=3` each output logit sees a 70x70 patch. Padding
    is 1 pixel of zeros per convolution as in the reference, so a 256 px image
    gives a 30x30 logit map (14x14 at 128 px). Weights are initialised
    N(0, 0.02); the normalization is instance normalization
    (`GroupNormalization(groups=-1)`).

    Args:
        image_size: fixed input height = width, or `None` for any size >= 32
            (with the default `num_layers`).
        channels: image channels.
        filters: width of the first convolution (64 in the paper).
        num_layers: stride-2 convolutions (3 gives the 70x70 receptive field).
        norm: `"instance"` (default), `"batch"` or `"none"` (the reference's
            `--norm`).
        norm_affine: learn a scale and offset in the instance normalization.
        name: model name.

    Returns:
        A functional `keras.Model`: input `image` `(N, H, W, channels)` in
        [-1, 1], output logits `(N, h, w, 1)` (float32).

    Example:
    ```python
    discriminator = keras_gan.networks.patchgan_discriminator(filters=64)
    logits = discriminator(images)  # (N, 14, 14, 1) for 128 px
    ```

    Reference:
        Isola et al. 2017, "Image-to-Image Translation with Conditional
        Adversarial Networks" (pix2pix), section 3.2.2; Zhu et al. 2017
        (CycleGAN), appendix 7.2.
    """
    for arg, value in (("channels", channels), ("filters", filters), ("num_layers", num_layers)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"`{arg}` must be an int >= 1. Received: {arg}={value!r}")
    if norm not in NORMS:
        raise ValueError(f"`norm` must be one of {NORMS}. Received: norm={norm!r}")
    layers = keras.layers
    # One instance shared by every convolution (their kernels start from the same
    # random stream, see `normal_init`); kept so that seeded runs reproduce.
    init = normal_init()

    def conv(x, width, stride, block, use_bias=True):
        x = layers.ZeroPadding2D(1, name=f"{block}_pad")(x)
        return layers.Conv2D(
            width,
            4,
            strides=stride,
            padding="valid",
            kernel_initializer=init,
            use_bias=use_bias,
            name=f"{block}_conv",
        )(x)

    inputs = keras.Input((image_size, image_size, channels), name="image")
    x = layers.LeakyReLU(0.2, name="c1_lrelu")(conv(inputs, filters, 2, "c1"))
    for i in range(1, num_layers + 1):
        block = f"c{i + 1}"
        width = filters * min(2**i, 8)
        x = conv(x, width, 2 if i < num_layers else 1, block, use_bias=norm != "batch")
        x = normalization(norm, f"{block}_norm", norm_affine)(x)
        x = layers.LeakyReLU(0.2, name=f"{block}_lrelu")(x)
    x = conv(x, 1, 1, "logits")
    outputs = layers.Activation("linear", dtype="float32", name="patch_logits")(x)
    return keras.Model(inputs, outputs, name=name)
