"""SN-PatchGAN discriminator (DeepFill v2) on image + mask."""

import keras


def sn_patchgan_discriminator(
    image_size=None,
    channels=3,
    filters=64,
    num_layers=6,
    name="sn_patchgan",
):
    """Build the spectral-normalized PatchGAN discriminator of DeepFill v2.

    Inputs `image` `(N, H, W, C)` in [-1, 1] and `mask` `(N, H, W, 1)`; their
    concatenation goes through `num_layers` 5x5 stride-2 convolutions, each
    wrapped in `keras.layers.SpectralNormalization`, with leaky ReLU (0.2)
    between them. Every element of the output map is the score of one
    overlapping patch; DeepFill v2 applies the hinge loss to each of them.

    Args:
        image_size: static H = W, or `None` (any size divisible by 2**num_layers).
        channels: image channels.
        filters: width of the first layer; widths are f, 2f, 4f, 4f, ...
        num_layers: number of stride-2 layers (DeepFill v2: 6 at 256 px; 4 at 64 px).
        name: model name.

    Returns:
        A functional `keras.Model` `[image, mask] -> (N, H/2**L, W/2**L, 4f)` float32.

    Example:
    ```python
    d = sn_patchgan_discriminator(filters=32, num_layers=4)
    scores = d([images, masks])  # (N, 4, 4, 128) at 64 px
    ```

    Reference:
        Yu et al. 2019 (DeepFill v2), section 3.2 and eq. (3);
        Miyato et al. 2018 (spectral normalization).
    """
    if not isinstance(num_layers, int) or num_layers < 1:
        raise ValueError(f"`num_layers` must be an int >= 1. Received: num_layers={num_layers!r}")
    if image_size is not None and image_size % (2**num_layers):
        raise ValueError(
            f"`image_size` must be divisible by 2**num_layers = {2**num_layers}. "
            f"Received: image_size={image_size}"
        )
    image = keras.Input((image_size, image_size, channels), name="image")
    mask = keras.Input((image_size, image_size, 1), name="mask")
    x = keras.ops.concatenate([image, mask], axis=-1)
    for i in range(num_layers):
        width = filters * min(2**i, 4)
        conv = keras.layers.Conv2D(width, 5, strides=2, padding="same", name=f"conv{i + 1}")
        x = keras.layers.SpectralNormalization(conv, name=f"sn_conv{i + 1}")(x)
        x = keras.layers.LeakyReLU(0.2, name=f"lrelu{i + 1}")(x)
    x = keras.layers.Activation("linear", dtype="float32", name="patch_scores")(x)
    return keras.Model([image, mask], x, name=name)
