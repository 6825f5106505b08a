"""SRResNet: the SRGAN generator (Ledig et al. 2017, Figure 4)."""

import keras

from keras_gan.layers.pixel_shuffle import PixelShuffle
from keras_gan.networks.arch_util import check_int


def _prelu(name):
    # One learned slope per channel, shared over space so H and W stay dynamic.
    return keras.layers.PReLU(
        alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2], name=name
    )


def _batch_norm(name):
    # synchronized: statistics over the global batch, so N replicas train like one device.
    # momentum 0.99: the inference statistics average ~100 batches; with 0.9 they
    # follow the last ~10 small-crop batches and shift colours on whole images.
    return keras.layers.BatchNormalization(
        momentum=0.99, epsilon=1e-5, synchronized=True, name=name
    )


def srresnet_generator(
    scale=4,
    residual_blocks=16,
    filters=64,
    batch_norm=True,
    channels=3,
    name="srresnet",
):
    """The SRResNet super-resolution generator.

    `k9n64s1` + PReLU head; `residual_blocks` blocks of
    conv3x3-BN-PReLU-conv3x3-BN with an identity skip; conv3x3-BN and a global
    skip from the head; `log2(scale)` upsampling stages conv3x3(4 * filters) ->
    `depth_to_space(2)` -> PReLU; a `k9n3s1` tail with tanh. Fully
    convolutional: any input H and W.

    Args:
        scale: 2, 4 or 8 (a power of two: `log2(scale)` upsampling stages).
        residual_blocks: B, the number of residual blocks (16 in the paper).
        filters: width of every convolution (64 in the paper).
        batch_norm: use batch normalization (ESRGAN-style generators drop it).
        channels: image channels.
        name: model name.

    Returns:
        A functional `keras.Model`: input `image` `(N, h, w, channels)` float32 in
        [-1, 1], output `sr_image` `(N, h * scale, w * scale, channels)` in [-1, 1].

    Example:
    ```python
    generator = keras_gan.networks.srresnet_generator(scale=4)
    sr = generator(lr)  # (N, 24, 24, 3) -> (N, 96, 96, 3)
    ```

    Reference:
        Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a
        Generative Adversarial Network", Figure 4.
    """
    if scale not in (2, 4, 8):
        raise ValueError(f"`scale` must be 2, 4 or 8. Received: scale={scale!r}")
    check_int("residual_blocks", residual_blocks, 0)
    check_int("filters", filters, 1)

    def conv(x, width, kernel, layer_name):
        return keras.layers.Conv2D(width, kernel, padding="same", name=layer_name)(x)

    def norm(x, layer_name):
        return _batch_norm(layer_name)(x) if batch_norm else x

    inputs = keras.Input((None, None, channels), name="image")
    x = _prelu("head_prelu")(conv(inputs, filters, 9, "head_conv"))
    head = x
    for i in range(residual_blocks):
        y = _prelu(f"res{i}_prelu")(norm(conv(x, filters, 3, f"res{i}_conv1"), f"res{i}_bn1"))
        y = norm(conv(y, filters, 3, f"res{i}_conv2"), f"res{i}_bn2")
        x = keras.layers.Add(name=f"res{i}_add")([x, y])
    x = norm(conv(x, filters, 3, "body_conv"), "body_bn")
    x = keras.layers.Add(name="global_skip")([head, x])
    for i in range(scale.bit_length() - 1):
        x = conv(x, filters * 4, 3, f"up{i}_conv")
        x = PixelShuffle(2, name=f"up{i}_shuffle")(x)
        x = _prelu(f"up{i}_prelu")(x)
    x = conv(x, channels, 9, "tail_conv")
    outputs = keras.layers.Activation("tanh", dtype="float32", name="sr_image")(x)
    return keras.Model(inputs, outputs, name=name)
