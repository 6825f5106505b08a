"""Feature extractors and batched feature computation for generative metrics.

Images everywhere in this module are NHWC float32 in ``[-1, 1]``, the same
convention as the output of every generator in ``keras_gan``.
"""

from __future__ import annotations

import os
import socket

import keras
import numpy as np
import tensorflow as tf

_INCEPTION_SIZE = 299
_INCEPTION_WEIGHTS_FILE = "inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5"
_INCEPTION_WEIGHTS_URL = (
    "https://storage.googleapis.com/tensorflow/keras-applications/inception_v3/"
    + _INCEPTION_WEIGHTS_FILE
)
_INCEPTION_WEIGHTS_MD5 = "bcbd6486424b2319ff4ef7d526e38f63"

_OFFLINE_HINT = (
    "The InceptionV3 'imagenet' weights could not be obtained ({reason}). This happens "
    "on machines without internet access. Either copy "
    f"'{_INCEPTION_WEIGHTS_FILE}' (from {_INCEPTION_WEIGHTS_URL}) to ~/.keras/models/ or "
    "pass its path as `weights=`, or use any other Keras model as the feature extractor "
    "(every keras_gan.metrics function and GenerativeMetricsCallback accept one), e.g. "
    "the penultimate layer of a small classifier trained on your data: "
    "keras_gan.evaluation.penultimate_feature_extractor(classifier)."
)


@keras.saving.register_keras_serializable(package="keras_gan")
class _InceptionPreprocessing(keras.layers.Layer):
    """Resizes [-1, 1] images of any size to 299x299 and tiles gray to RGB."""

    def __init__(self, size=_INCEPTION_SIZE, **kwargs):
        super().__init__(**kwargs)
        self.size = int(size)

    def call(self, images):
        images = keras.ops.cast(images, "float32")
        images = keras.ops.image.resize(
            images, (self.size, self.size), interpolation="bilinear", antialias=False
        )
        # Broadcasting against a 3-channel tensor of ones tiles a single gray channel
        # to RGB and leaves RGB untouched, even when the channel count is only known
        # at run time.
        images = images * keras.ops.ones((1, 1, 1, 3), dtype="float32")
        # InceptionV3's own preprocessing maps [0, 255] to [-1, 1]: nothing else to do.
        return keras.ops.clip(images, -1.0, 1.0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.size, self.size, 3)

    def get_config(self):
        return {**super().get_config(), "size": self.size}


def _fetch_inception_weights(timeout):
    """Returns the local path of the InceptionV3 no-top weights, downloading them."""
    previous_timeout = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    try:
        return keras.utils.get_file(
            _INCEPTION_WEIGHTS_FILE,
            _INCEPTION_WEIGHTS_URL,
            cache_subdir="models",
            file_hash=_INCEPTION_WEIGHTS_MD5,
        )
    finally:
        socket.setdefaulttimeout(previous_timeout)


def inception_feature_extractor(weights="imagenet", download_timeout=30.0):
    """Builds the InceptionV3 pool-3 feature extractor used by FID and KID.

    The returned model accepts NHWC images in ``[-1, 1]`` of any spatial size with 1
    or 3 channels: it resizes them bilinearly to 299x299 and tiles gray images to
    RGB (InceptionV3's own preprocessing already expects ``[-1, 1]``), and returns
    the 2048-d global-average-pooled features.

    Note that the Keras ``imagenet`` weights differ slightly from the TF1 graph
    used by the reference FID code, so absolute values are not comparable with
    published FIDs; they are comparable between models measured with this
    function.

    Args:
        weights: ``"imagenet"`` to download (or reuse the cached) Keras weights,
            the path of a local copy of
            ``inception_v3_weights_tf_dim_ordering_tf_kernels_notop.h5``, or
            ``None`` for random weights (only meaningful for tests).
        download_timeout: socket timeout in seconds for the download, so that a
            machine without network access fails fast instead of hanging.

    Returns:
        A `keras.Model` mapping ``(N, H, W, C)`` images to ``(N, 2048)`` features.

    Raises:
        RuntimeError: when the weights cannot be downloaded or read (e.g.
            offline). The message explains how to pass another feature extractor.

    Example:

    ```python
    extractor = keras_gan.metrics.inception_feature_extractor()
    real = keras_gan.metrics.compute_features(extractor, real_images)
    fake = keras_gan.metrics.compute_features(extractor, generator_images)
    fid = keras_gan.metrics.frechet_distance(real, fake)
    ```

    Reference:
        Szegedy et al., "Rethinking the Inception Architecture for Computer
        Vision", CVPR 2016; Heusel et al., "GANs Trained by a Two Time-Scale
        Update Rule Converge to a Local Nash Equilibrium", NeurIPS 2017.
    """
    if weights == "imagenet":
        try:
            weights_path = _fetch_inception_weights(download_timeout)
        except (Exception, KeyboardInterrupt) as error:  # get_file raises bare Exception
            raise RuntimeError(
                _OFFLINE_HINT.format(reason=f"{type(error).__name__}: {error}")
            ) from error
    elif weights is None:
        weights_path = None
    else:
        weights_path = os.fspath(weights)
        if not os.path.exists(weights_path):
            raise RuntimeError(_OFFLINE_HINT.format(reason=f"file not found: {weights_path}"))
    try:
        backbone = keras.applications.InceptionV3(
            include_top=False,
            weights=weights_path,
            input_shape=(_INCEPTION_SIZE, _INCEPTION_SIZE, 3),
            pooling="avg",
        )
    except (OSError, ValueError) as error:
        raise RuntimeError(_OFFLINE_HINT.format(reason=f"unreadable weights: {error}")) from error
    inputs = keras.Input(shape=(None, None, None), name="image")
    features = backbone(_InceptionPreprocessing(name="inception_preprocessing")(inputs))
    return keras.Model(inputs, features, name="inception_v3_features")


def _input_spec(feature_extractor):
    """Returns the (H, W, C) expected by a model, entries None when unknown."""
    shape = None
    inputs = getattr(feature_extractor, "inputs", None)
    if inputs:
        shape = tuple(inputs[0].shape)
    else:
        try:
            shape = tuple(feature_extractor.input_shape)
        except (AttributeError, ValueError, TypeError):
            shape = None
    if shape is None or len(shape) != 4:
        return None, None, None
    return shape[1], shape[2], shape[3]


def _adapt_images(images, height, width, channels):
    """Casts, resizes and tiles/averages channels of a batch to fit a model input."""
    images = tf.convert_to_tensor(images)
    if images.dtype != tf.float32:
        images = tf.cast(images, tf.float32)
    if images.shape.rank == 3:  # (N, H, W): gray without channel axis.
        images = images[..., tf.newaxis]
    if images.shape.rank != 4:
        raise ValueError(f"Expected NHWC images, got shape {images.shape}.")
    in_channels = images.shape[-1]
    if channels is not None and in_channels != channels:
        if in_channels == 1:
            images = tf.tile(images, [1, 1, 1, channels])
        elif channels == 1:
            images = tf.reduce_mean(images, axis=-1, keepdims=True)
        else:
            raise ValueError(
                f"Cannot feed {in_channels}-channel images to a feature extractor "
                f"expecting {channels} channels."
            )
    if height is not None and width is not None:
        if images.shape[1] != height or images.shape[2] != width:
            images = tf.image.resize(images, (height, width), method="bilinear")
            images = tf.clip_by_value(images, -1.0, 1.0)
    return images


def _iterate_batches(images, batch_size):
    """Yields numpy/tensor batches from an array, a tensor or a tf.data.Dataset."""
    if isinstance(images, tf.data.Dataset):
        spec = images.element_spec
        if isinstance(spec, dict):
            if "image" not in spec:
                raise ValueError(
                    f"Dataset elements are dicts without an 'image' key: {list(spec)}."
                )
            images = images.map(lambda element: element["image"])
            spec = spec["image"]
        elif isinstance(spec, tuple):  # (image, label) pairs.
            images = images.map(lambda *element: element[0])
            spec = spec[0]
        if spec.shape.rank is not None and spec.shape.rank <= 3:
            images = images.batch(batch_size)
        yield from images
        return
    if isinstance(images, dict):
        images = images["image"]
    if not tf.is_tensor(images):
        images = np.asarray(images)
    for start in range(0, int(images.shape[0]), batch_size):
        yield images[start : start + batch_size]


def compute_features(feature_extractor, images, batch_size=64):
    """Runs a feature extractor over images in batches and returns the features.

    Images are cast to float32, resized bilinearly to the extractor's input height
    and width when it has a fixed one that differs, and gray images are tiled to
    RGB (RGB images are averaged to gray) to match its input channels. Outputs of
    rank > 2 are flattened per sample.

    Args:
        feature_extractor: a `keras.Model` (or any callable on a batch) returning
            features, e.g. `inception_feature_extractor()` or the penultimate layer
            of a classifier.
        images: NHWC images in ``[-1, 1]``: a numpy array, a tensor, or a
            `tf.data.Dataset` yielding images, ``(image, label)`` tuples or dicts
            with an ``"image"`` key, batched or not.
        batch_size: batch size for arrays and unbatched datasets.

    Returns:
        A float32 ``np.ndarray`` of shape ``(N, D)``.

    Example:

    ```python
    features = compute_features(extractor, np.zeros((10, 28, 28, 1), "float32"))
    ```
    """
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}.")
    height, width, channels = _input_spec(feature_extractor)
    run = getattr(feature_extractor, "predict_on_batch", None) or feature_extractor
    outputs = []
    first_count = None
    for batch in _iterate_batches(images, batch_size):
        batch = _adapt_images(batch, height, width, channels)
        count = int(batch.shape[0])
        if count == 0:
            continue
        if first_count is None:
            first_count = count
        elif count < first_count:
            # Pad a short last batch to the first batch's size so that the extractor's
            # compiled predict function is not retraced for it.
            padding = [[0, first_count - count]] + [[0, 0]] * (batch.shape.rank - 1)
            batch = tf.pad(batch, padding)
        features = run(batch)
        if isinstance(features, (list, tuple)):
            features = features[0]
        features = np.asarray(keras.ops.convert_to_numpy(features), dtype=np.float32)[:count]
        outputs.append(features.reshape(count, -1))
    if not outputs:
        raise ValueError("No images to compute features for.")
    return np.concatenate(outputs, axis=0)
