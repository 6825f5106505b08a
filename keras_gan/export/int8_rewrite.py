"""Inference-equivalent rewrites of a generator for the int8 TFLite variant."""

import keras
import numpy as np

from keras_gan.layers.relu_blend_prelu import ReluBlendPReLU


def _per_channel_alpha(layer):
    """The PReLU's slopes as `(C,)` when they are per channel over H, W and below 1."""
    alpha = keras.ops.convert_to_numpy(layer.alpha)
    if alpha.ndim != 3 or alpha.shape[:2] != (1, 1) or not np.all(alpha < 1.0):
        return None
    return alpha.reshape(-1)


def int8_friendly(generator):
    """Return a copy of `generator` whose layers stay in XNNPACK when quantized to int8.

    Top-level per-channel `PReLU` layers (`shared_axes=[1, 2]`, slopes below 1, as in
    SRResNet) become `ReluBlendPReLU` (the same function as depthwise 1x1 products
    with a fused relu); an int8 `PRELU` runs outside the XNNPACK delegate. Other
    layers, and their weights, are shared with `generator`, which is unchanged.

    Args:
        generator: a functional generator `keras.Model`.

    Returns:
        The rewritten `keras.Model`, or `generator` itself when no layer changes.

    Example:
    ```python
    int8_model = int8_friendly(generator)  # same outputs; converts to delegated int8 ops
    ```
    """
    prelus = [layer for layer in generator.layers  # top level: what clone_model replaces
              if isinstance(layer, keras.layers.PReLU) and _per_channel_alpha(layer) is not None]
    if not prelus:
        return generator

    def clone(layer):
        if isinstance(layer, keras.layers.PReLU) and _per_channel_alpha(layer) is not None:
            return ReluBlendPReLU(_per_channel_alpha(layer), name=layer.name)
        return layer  # shared: the same weights

    return keras.models.clone_model(generator, clone_function=clone)
