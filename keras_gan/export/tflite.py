"""TFLite conversion from a (batch-1) SavedModel: float32, float16, dynamic and int8."""

import warnings

import numpy as np
import tensorflow as tf

QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")


def convert_tflite(saved_model_dir, quantize, representative_dataset=None):
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

    Returns:
        The `.tflite` flatbuffer as `bytes`.

    Example:
    ```python
    data = convert_tflite("/tmp/batch1", "float16")
    ```
    """
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"`quantize` must be one of {QUANTIZATIONS}. Received: quantize={quantize!r}")
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
            raise ValueError("int8 quantization needs a representative dataset. "
                             "Received: representative_dataset=None")
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.representative_dataset = representative_dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    with warnings.catch_warnings():  # int8 calibration uses the deprecated tf.lite.Interpreter
        warnings.filterwarnings("ignore", message=".*tf.lite.Interpreter is deprecated.*")
        return converter.convert()


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
