"""Inference-equivalent rewrites of a generator for the int8 TFLite variant."""

import keras
import numpy as np

from keras_gan.layers.centered_instance_norm import CenteredInstanceNorm
from keras_gan.layers.relu_blend_prelu import ReluBlendPReLU


def _per_channel_alpha(layer):
    """The PReLU's slopes as `(C,)` when they are per channel over H, W and below 1."""
    alpha = keras.ops.convert_to_numpy(layer.alpha)
    if alpha.ndim != 3 or alpha.shape[:2] != (1, 1) or not np.all(alpha < 1.0):
        return None
    return alpha.reshape(-1)


def _is_instance_norm(layer):
    """Whether `layer` is a built `GroupNormalization` with one group per channel of NHWC maps."""
    if type(layer) is not keras.layers.GroupNormalization or not layer.built:
        return False
    spec = layer.input_spec  # set by build: the rank and the channel count
    if spec is None or spec.ndim != 4 or layer.axis not in (-1, 3):
        return False
    return layer.groups == spec.axes[layer.axis]


def _layer_inputs(layer):
    """The tensors `layer` is called on in the functional graph (`[]` when it is shared)."""
    try:
        return keras.tree.flatten(layer.input)
    except (AttributeError, ValueError):  # never called, or called more than once
        return []


def _equalizable_convs(generator):
    """`{norm name: conv}` for each instance norm fed only by a linear, biased convolution.

    Such a convolution's output channels can be shifted and scaled freely: the
    norm removes the shift, and a per-channel epsilon scaled with the channel
    keeps it exact.
    """
    consumers = {}
    for layer in generator.layers:
        for tensor in _layer_inputs(layer):
            consumers[id(tensor)] = consumers.get(id(tensor), 0) + 1
    outputs = {id(t) for t in keras.tree.flatten(generator.outputs)}
    producers = {}
    for layer in generator.layers:
        if (
            type(layer) in (keras.layers.Conv2D, keras.layers.Conv2DTranspose)
            and layer.use_bias
            and layer.activation is keras.activations.linear
            and len(_layer_inputs(layer)) == 1
        ):
            producers[id(layer.output)] = layer
    pairs = {}
    for layer in generator.layers:
        inputs = _layer_inputs(layer)
        if _is_instance_norm(layer) and len(inputs) == 1 and id(inputs[0]) in producers:
            if consumers.get(id(inputs[0])) == 1 and id(inputs[0]) not in outputs:
                pairs[layer.name] = producers[id(inputs[0])]
    return pairs


def _channel_ranges(generator, convs, calibration_inputs, batch_size=8):
    """Per-channel `(min, max)` of each conv's output over the calibration inputs."""
    probe = keras.Model(generator.inputs, [conv.output for conv in convs])
    arrays = [np.asarray(a) for a in keras.tree.flatten(calibration_inputs)]
    lows, highs = None, None
    for start in range(0, len(arrays[0]), batch_size):
        batch = [a[start : start + batch_size] for a in arrays]
        outputs = probe.predict_on_batch(batch if len(batch) > 1 else batch[0])
        outputs = [keras.ops.convert_to_numpy(o) for o in keras.tree.flatten(outputs)]
        low = [o.min(axis=(0, 1, 2)) for o in outputs]
        high = [o.max(axis=(0, 1, 2)) for o in outputs]
        lows = low if lows is None else [np.minimum(a, b) for a, b in zip(lows, low)]
        highs = high if highs is None else [np.maximum(a, b) for a, b in zip(highs, high)]
    return list(zip(lows, highs))


def _equalized(conv, low, high):
    """A copy of `conv` whose channel `c` is `(y - mid_c) / half_c`, and the `1 / half_c`.

    `mid_c` and `half_c` are the midpoint and half-width of the channel's calibration
    range, so every channel spans about [-1, 1] and the int8 output tensor's one scale
    suits them all.
    """
    half = (high - low) / 2.0
    scale = np.where(half > 0, 1.0 / np.where(half > 0, half, 1.0), 1.0).astype(np.float32)
    shift = np.where(half > 0, (high + low) / 2.0, 0.0).astype(np.float32)
    kernel, bias = (keras.ops.convert_to_numpy(w) for w in (conv.kernel, conv.bias))
    # Conv2D kernels are (kh, kw, in, out); Conv2DTranspose kernels (kh, kw, out, in).
    per_out = scale if type(conv) is keras.layers.Conv2D else scale[:, None]
    copy = type(conv).from_config(conv.get_config())
    copy.build(conv.input.shape)
    copy.set_weights([kernel * per_out, (bias - shift) * scale])
    return copy, scale


def _centered_instance_norm(layer, scale=None):
    """`layer` as a `CenteredInstanceNorm` of its input times `scale` (per channel)."""

    def weight(name, used):
        return keras.ops.convert_to_numpy(getattr(layer, name)) if used else None

    epsilon = layer.epsilon if scale is None else layer.epsilon * scale**2
    return CenteredInstanceNorm(
        epsilon,
        gamma=weight("gamma", layer.scale),
        beta=weight("beta", layer.center),
        name=layer.name,
    )


def int8_friendly(generator, calibration_inputs=None):
    """Return a copy of `generator` that keeps its accuracy and XNNPACK speed in int8.

    Top-level per-channel `PReLU` layers (`shared_axes=[1, 2]`, slopes below 1, as in
    SRResNet) become `ReluBlendPReLU` (the same function as depthwise 1x1 products
    with a fused relu); an int8 `PRELU` runs outside the XNNPACK delegate.

    With `calibration_inputs`, top-level instance normalization (`GroupNormalization`
    with one group per channel of NHWC maps, as in CycleGAN) becomes
    `CenteredInstanceNorm` (the same function with the mean removed first, on 4-D
    ops; the exporter keeps them float in the int8 model, see
    `CenteredInstanceNorm.float_scope`), and a linear, biased convolution feeding
    only that norm is range-equalized: each output channel is shifted and scaled so
    that it spans about [-1, 1] on the calibration inputs (the norm removes the
    shift; its epsilon is scaled per channel with the channel, so the function is
    unchanged). In int8 every channel then uses the whole range of its tensor's
    single scale, where before a channel 50x narrower than the widest kept a few
    levels that the norm then magnified. Without calibration inputs the norms are kept (the centred
    form alone is not more accurate in int8).

    The rescaled convolutions are copies; other layers, and their weights, are shared
    with `generator`, which is unchanged.

    Args:
        generator: a functional generator `keras.Model`.
        calibration_inputs: inputs as `generator.predict` takes them (an array, or
            a list in the order of `generator.inputs`), e.g. the int8
            representative samples; `None` to leave normalizations alone.

    Returns:
        The rewritten `keras.Model`, or `generator` itself when no layer changes.

    Example:
    ```python
    int8_model = int8_friendly(generator, images)  # same outputs; accurate, delegated int8
    ```
    """
    replacements = {}  # layer name -> new layer; top level only: what clone_model replaces
    for layer in generator.layers:
        if isinstance(layer, keras.layers.PReLU) and _per_channel_alpha(layer) is not None:
            replacements[layer.name] = ReluBlendPReLU(_per_channel_alpha(layer), name=layer.name)
    if calibration_inputs is not None:
        if not all(len(a) for a in keras.tree.flatten(calibration_inputs)):
            raise ValueError(
                "`calibration_inputs` must hold at least one example. Received: "
                f"shapes={[np.shape(a) for a in keras.tree.flatten(calibration_inputs)]}"
            )
        pairs = _equalizable_convs(generator)
        norms = [layer for layer in generator.layers if layer.name in pairs]
        if norms:
            ranges = _channel_ranges(generator, [pairs[n.name] for n in norms], calibration_inputs)
            for norm, (low, high) in zip(norms, ranges):
                conv, scale = _equalized(pairs[norm.name], low, high)
                replacements[conv.name] = conv
                replacements[norm.name] = _centered_instance_norm(norm, scale)
        for layer in generator.layers:  # instance norms after anything else: centred only
            if _is_instance_norm(layer) and layer.name not in replacements:
                replacements[layer.name] = _centered_instance_norm(layer)
    if not replacements:
        return generator

    def clone(layer):
        return replacements.get(layer.name, layer)  # kept layers are shared: the same weights

    return keras.models.clone_model(generator, clone_function=clone)
