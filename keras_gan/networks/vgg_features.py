"""VGG19 feature maps for perceptual (content) losses, with an offline-friendly loader."""

import os

import keras
import numpy as np

VGG19_NOTOP_FILE = "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"
VGG19_NOTOP_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/vgg19/" + VGG19_NOTOP_FILE
)
_CAFFE_MEAN_BGR = (103.939, 116.779, 123.68)


def _missing_weights_error(detail):
    return ValueError(
        "VGG19 weights are not available, so the VGG content loss cannot be built. "
        "Either let `keras.applications.VGG19(weights='imagenet')` download them (needs "
        f"network access; cached as ~/.keras/models/{VGG19_NOTOP_FILE}), or download that "
        f"file ({VGG19_NOTOP_URL}) elsewhere and pass `--vgg_weights=PATH` "
        "(`weights=PATH`), or use a pixel content loss (`--content_loss=mse` or `l1`). "
        f"Received: {detail}"
    )


def resolve_vgg19_weights(weights="imagenet"):
    """Return the local path of the VGG19 (no top) weights, downloading if allowed.

    Args:
        weights: `"imagenet"` (Keras cache, downloaded when missing) or the path of a
            weights file (`.h5` or `.weights.h5`) for offline use.

    Returns:
        A file path.

    Raises:
        ValueError: naming both ways to get the weights when neither works.
    """
    if weights != "imagenet":
        if not weights or not os.path.isfile(os.fspath(weights)):
            raise _missing_weights_error(f"vgg_weights={weights!r} (no such file)")
        return os.fspath(weights)
    try:
        return keras.utils.get_file(
            VGG19_NOTOP_FILE,
            VGG19_NOTOP_URL,
            cache_subdir="models",
            file_hash="253f8cb515780f3b799900260a226db6",
        )
    except Exception as error:  # no network, proxy, bad cache ...
        raise _missing_weights_error(f"weights='imagenet' (download failed: {error})") from error


def vgg19_features(weights="imagenet", layer="block5_conv4", name="vgg19_features"):
    """A frozen VGG19 that maps images in [-1, 1] to one layer's feature map.

    The Caffe preprocessing of VGG19 (RGB -> BGR, x 255, minus the ImageNet mean)
    is a fixed 1x1 convolution in front of the network, so the model takes the
    project's image convention and serializes without custom code.

    Args:
        weights: `"imagenet"` (downloaded into the Keras cache when missing), a
            local weights file of `keras.applications.VGG19(include_top=False)`,
            or `None` for random weights (tests only).
        layer: the feature layer; `"block5_conv4"` is phi_5,4 of SRGAN (after ReLU,
            before the last max pooling).
        name: model name.

    Returns:
        A non-trainable functional `keras.Model`: `image` `(N, H, W, 3)` in [-1, 1]
        -> features `(N, H/16, W/16, 512)` for `block5_conv4`.

    Raises:
        ValueError: when the weights are unavailable (the message names
            `keras.applications` 'imagenet' and `--vgg_weights=PATH`).

    Example:
    ```python
    features = keras_gan.networks.vgg19_features(weights="/models/vgg19_notop.h5")
    phi = features(images)
    ```

    Reference:
        Simonyan & Zisserman 2015 (VGG); Ledig et al. 2017, eq. 5 (VGG loss).
    """
    path = resolve_vgg19_weights(weights) if weights is not None else None
    vgg = keras.applications.VGG19(include_top=False, weights=None, input_shape=(None, None, 3))
    if path is not None:
        try:
            vgg.load_weights(path)
        except Exception as error:
            raise _missing_weights_error(
                f"vgg_weights={path!r} (could not load: {error})"
            ) from error
    inputs = keras.Input((None, None, 3), name="image")
    # caffe preprocessing as a 1x1 conv: bgr[c] = 127.5 * rgb[2 - c] + 127.5 - mean[c]
    preprocess = keras.layers.Conv2D(3, 1, trainable=False, name="caffe_preprocess")
    preprocess.build((None, None, None, 3))
    kernel = np.zeros((1, 1, 3, 3), np.float32)
    for c in range(3):
        kernel[0, 0, 2 - c, c] = 127.5
    preprocess.set_weights([kernel, 127.5 - np.asarray(_CAFFE_MEAN_BGR, np.float32)])
    x = preprocess(inputs)
    for vgg_layer in vgg.layers[1:]:
        x = vgg_layer(x)
        if vgg_layer.name == layer:
            break
    else:
        names = [v.name for v in vgg.layers[1:]]
        raise ValueError(f"Unknown VGG19 layer. Expected one of {names}. Received: layer={layer!r}")
    model = keras.Model(inputs, x, name=name)
    model.trainable = False
    return model
