"""The SRGAN discriminator (Ledig et al. 2017, Figure 4)."""

import keras


def srgan_discriminator(
    image_size=96,
    channels=3,
    filters=64,
    batch_norm=True,
    dense_units=1024,
    name="srgan_discriminator",
):
    """The SRGAN discriminator: eight 3x3 conv blocks, dense 1024, one logit.

    Convolutions k3n64s1, k3n64s2, k3n128s1, k3n128s2, k3n256s1, k3n256s2,
    k3n512s1, k3n512s2 (widths scale with `filters`), each followed by batch
    normalization (all but the first) and LeakyReLU(0.2); then dense
    `dense_units`, LeakyReLU(0.2) and a dense logit (the paper's sigmoid is in
    the loss).

    Args:
        image_size: HR input height = width (the training crop, 96 in the paper);
            a multiple of 16.
        channels: image channels.
        filters: width of the first blocks (64 in the paper).
        batch_norm: batch normalization after blocks 2-8.
        dense_units: width of the hidden dense layer (1024 in the paper).
        name: model name.

    Returns:
        A functional `keras.Model`: input `image` `(N, image_size, image_size,
        channels)` in [-1, 1], output logits `(N, 1)`.

    Example:
    ```python
    discriminator = keras_gan.networks.srgan_discriminator(image_size=96)
    logits = discriminator(hr)  # (N, 1)
    ```

    Reference:
        Ledig et al. 2017, Figure 4 (following Radford et al. 2016).
    """
    if not isinstance(image_size, int) or image_size < 16 or image_size % 16:
        raise ValueError(
            f"`image_size` must be a multiple of 16. Received: image_size={image_size!r}"
        )
    if not isinstance(filters, int) or filters < 1:
        raise ValueError(f"`filters` must be an int >= 1. Received: filters={filters!r}")
    inputs = keras.Input((image_size, image_size, channels), name="image")
    x = inputs
    for i, (mult, stride) in enumerate(
        [(1, 1), (1, 2), (2, 1), (2, 2), (4, 1), (4, 2), (8, 1), (8, 2)]
    ):
        x = keras.layers.Conv2D(filters * mult, 3, strides=stride, padding="same", name=f"conv{i}")(
            x
        )
        if batch_norm and i > 0:
            x = keras.layers.BatchNormalization(
                momentum=0.9, epsilon=1e-5, synchronized=True, name=f"bn{i}"
            )(x)
        x = keras.layers.LeakyReLU(0.2, name=f"lrelu{i}")(x)
    x = keras.layers.Flatten(name="flatten")(x)
    x = keras.layers.Dense(dense_units, name="dense")(x)
    x = keras.layers.LeakyReLU(0.2, name="dense_lrelu")(x)
    outputs = keras.layers.Dense(1, dtype="float32", name="logits")(x)
    return keras.Model(inputs, outputs, name=name)
