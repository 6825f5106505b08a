"""Find generator layers that will not quantize or convert cleanly, before converting."""

import dataclasses

import keras

from keras_gan.export.signatures import iter_layers


@dataclasses.dataclass(frozen=True)
class LintFinding:
    """One layer that may not convert or quantize cleanly.

    Attributes:
        layer: the layer's name.
        layer_type: its class name.
        severity: `"info"` (converts, worth knowing) or `"warning"` (may fail to
            convert, or lose accuracy when quantized).
        message: what happens to it on conversion.
        replacement: what to use instead (empty when nothing needs to change).
    """

    layer: str
    layer_type: str
    severity: str
    message: str
    replacement: str

    def __str__(self):
        text = f"[{self.severity}] {self.layer} ({self.layer_type}): {self.message}"
        return text + (f" Use instead: {self.replacement}" if self.replacement else "")

    def to_json(self):
        """Return a JSON-serializable dict."""
        return dataclasses.asdict(self)


def _check_layer(layer):
    layers = keras.layers
    kind = type(layer).__name__
    if isinstance(layer, layers.Lambda):
        return (
            "warning",
            "a Lambda's Python function is saved as bytecode: it may not reload in another "
            "Python version, and TFLite/ONNX see only what it traces to.",
            "a registered custom layer (@keras.saving.register_keras_serializable) built "
            "from keras.ops, or a built-in layer",
        )
    if isinstance(layer, layers.GroupNormalization):
        return (
            "warning",
            "GroupNormalization does not fold into the convolution: its per-image "
            "statistics do not fit int8. The int8 export keeps instance norms in float "
            "between int8 ops (trained CycleGANs keep >= 30 dB) but this is not "
            "guaranteed for every network, so quantize='auto' leaves int8 out.",
            "request int8 explicitly and read its verified PSNR, or use "
            "BatchNormalization (folds into the preceding convolution at inference)",
        )
    if isinstance(layer, layers.LayerNormalization):
        return (
            "warning",
            "LayerNormalization stays as mean/variance/rsqrt ops; int8 quantizes them poorly.",
            "BatchNormalization where the architecture allows",
        )
    if isinstance(layer, layers.BatchNormalization):
        if getattr(layer, "synchronized", False):
            return (
                "info",
                "synchronized BatchNormalization only differs in training: at inference it "
                "is a per-channel scale and shift (folded or a MUL/ADD).",
                "",
            )
        return None
    if isinstance(layer, layers.Conv2DTranspose):
        return (
            "info",
            "converts to TRANSPOSE_CONV, which quantizes to int8 (per-channel); some "
            "accelerator delegates (older NNAPI, Edge TPU) lack it, and it can cause "
            "checkerboard artifacts.",
            "UpSampling2D(interpolation='nearest') + Conv2D for the widest delegate support",
        )
    if isinstance(layer, layers.UpSampling2D) and getattr(layer, "interpolation", "") not in (
        "nearest",
        "bilinear",
    ):
        return (
            "warning",
            f"UpSampling2D(interpolation={layer.interpolation!r}) has no TFLite builtin.",
            "interpolation='nearest' or 'bilinear'",
        )
    if isinstance(layer, layers.Embedding):
        return ("info", "becomes GATHER: the int32 label input stays int32 in the int8 model.", "")
    module = type(layer).__module__
    if not module.startswith(("keras.", "keras_gan.")) and not isinstance(
        layer, (keras.Model, layers.InputLayer)
    ):
        return (
            "warning",
            f"custom layer {module}.{kind}: converts only if its call() uses "
            "keras.ops/TF ops that have TFLite builtins and ONNX equivalents.",
            "built-in Keras layers, or a custom layer registered with "
            "@keras.saving.register_keras_serializable that uses keras.ops only",
        )
    return None


def lint_generator(generator):
    """List the generator's layers that may not quantize or convert cleanly.

    Args:
        generator: a `keras.Model`.

    Returns:
        A list of `LintFinding` (one per layer that deserves a note), in layer order.

    Example:
    ```python
    for finding in lint_generator(generator):
        print(finding)
    ```
    """
    findings = []
    for layer in iter_layers(generator):
        result = _check_layer(layer)
        if result is not None:
            severity, message, replacement = result
            findings.append(
                LintFinding(layer.name, type(layer).__name__, severity, message, replacement)
            )
    return findings
