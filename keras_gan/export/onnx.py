"""ONNX conversion through tf2onnx."""

DEFAULT_OPSET = 17


def convert_onnx(module, path, opset=DEFAULT_OPSET):
    """Convert a `ServingModule`'s `serving_default` to ONNX.

    Input names are the generator's input names (`z`, `label`, `image`,
    `mask`, ...); the output is named `generated` (an ONNX graph cannot use
    `image` for both an input and the output). Batch (and dynamic H/W) stay
    dynamic.

    Args:
        module: a `keras_gan.export.signatures.ServingModule`.
        path: destination `.onnx` file.
        opset: ONNX opset (17 or newer).

    Returns:
        `path`.

    Example:
    ```python
    convert_onnx(ServingModule(generator, spec), "/tmp/gan.onnx")
    ```
    """
    if not isinstance(opset, int) or opset < 17:
        raise ValueError(f"`opset` must be an int >= 17. Received: opset={opset!r}")
    import tensorflow as tf

    from keras_gan.optional import require

    tf2onnx = require("tf2onnx", "ONNX export")

    serve = module.serving_default
    signature = serve.input_signature

    @tf.function(input_signature=signature)
    def generated(*inputs):
        return {"generated": serve(*inputs)["image"]}

    tf2onnx.convert.from_function(
        generated, input_signature=signature, opset=opset, output_path=path
    )
    return path
