"""TFLite conversion from a (batch-1) SavedModel: float32, float16, dynamic and int8."""

import re
import warnings

import numpy as np
import tensorflow as tf

QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")


def convert_tflite(saved_model_dir, quantize, representative_dataset=None, float_scopes=None):
    """Convert the `serving_default` signature of a SavedModel to TFLite.

    Converting from the SavedModel (not from a Keras 3 model's concrete
    functions) freezes the variables; the SavedModel should have fixed shapes
    (batch 1).

    Args:
        saved_model_dir: SavedModel folder.
        quantize: `"float32"`, `"float16"` (float16 weights),
            `"dynamic"` (int8 weights, float activations) or `"int8"` (full
            integer: int8 float inputs/outputs and activations; int inputs such
            as labels stay int32).
        representative_dataset: for `"int8"`: a callable returning an iterable of
            `{input_name: array}` dicts (at least 100 samples).
        float_scopes: for `"int8"`: TF name scopes (e.g.
            `CenteredInstanceNorm.float_scope`) whose ops stay float32 between
            the int8 ops (selective quantization: the model is calibrated, then
            quantized with those ops denylisted); inputs and outputs stay int8.
            `None` or no matching op: every op int8.

    Returns:
        The `.tflite` flatbuffer as `bytes`.

    Example:
    ```python
    data = convert_tflite("/tmp/batch1", "float16")
    ```
    """
    if quantize not in QUANTIZATIONS:
        raise ValueError(
            f"`quantize` must be one of {QUANTIZATIONS}. Received: quantize={quantize!r}"
        )
    converter = tf.lite.TFLiteConverter.from_saved_model(
        saved_model_dir, signature_keys=["serving_default"]
    )
    if quantize == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    elif quantize == "dynamic":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    elif quantize == "int8":
        if representative_dataset is None:
            raise ValueError(
                "int8 quantization needs a representative dataset. "
                "Received: representative_dataset=None"
            )
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
        converter._experimental_calibrate_only = bool(float_scopes)  # noqa: SLF001
    with warnings.catch_warnings():  # int8 calibration uses the deprecated tf.lite.Interpreter
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
        content = converter.convert()
    if quantize == "int8" and float_scopes:
        content = _quantize_calibrated(content, float_scopes)
    return content


def _scoped_nodes(model_content, float_scopes):
    """Output tensor names of the ops whose (fused) name has a segment in `float_scopes`.

    A scope entered twice in one parent gets a suffix in the graph (`scope_1`).
    """
    from ai_edge_litert.interpreter import Interpreter  # tf.lite.Interpreter is deprecated

    pattern = re.compile(r"(^|/)(" + "|".join(re.escape(s) for s in float_scopes) + r")(_\d+)?/")
    interpreter = Interpreter(model_content=model_content)
    names = {t["index"]: t["name"] for t in interpreter.get_tensor_details()}
    nodes = []
    for op in interpreter._get_ops_details():  # noqa: SLF001 - the only op listing
        outputs = [names[i] for i in op["outputs"] if i >= 0]
        if outputs and any(pattern.search(part) for part in outputs[0].split(";")):
            nodes.append(outputs[0])
    return nodes


def _quantize_calibrated(calibrated, float_scopes):
    """Quantize a calibrated model to int8 (int8 inputs/outputs), the scoped ops kept float."""
    from tensorflow.lite.python import convert  # the quantizer the converter itself calls

    nodes = _scoped_nodes(calibrated, float_scopes)
    return convert.mlir_quantize(
        calibrated,
        input_data_type=tf.int8,
        output_data_type=tf.int8,
        denylisted_nodes=nodes or None,
    )


def tensor_dtypes(model_content):
    """Count the tensor dtypes of a TFLite model (float tensors left in an int8 model).

    Args:
        model_content: `.tflite` bytes.

    Returns:
        `{dtype_name: count}`.
    """
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover
        Interpreter = tf.lite.Interpreter
    interpreter = Interpreter(model_content=model_content)
    counts = {}
    for detail in interpreter.get_tensor_details():
        name = np.dtype(detail["dtype"]).name
        counts[name] = counts.get(name, 0) + 1
    return counts
