"""`TFLiteRunner`: a `.tflite` file (float32/float16/dynamic, or int8 with its quantization)."""

import numpy as np

from keras_gan.export.signatures import spec_from_inputs
from keras_gan.optional import require
from keras_gan.predict.runner import Runner, report_num_classes


class TFLiteRunner(Runner):
    """Runs the `serving_default` signature of a TFLite model with LiteRT.

    The exported models have batch 1 and, for image generators, one image size:
    `predict_image` tiles larger images to that size. int8 models' float inputs are
    quantized and their outputs dequantized with the tensors' `quantization`
    parameters, so the runner takes and returns float32 like every other.

    Args:
        path: the `.tflite` file.
        threads: interpreter threads (`None` = 2).
        resize_inputs: treat the image size as free and let the interpreter resize
            its input tensors to each call's size (`resize_tensor_input`); only
            correct where the converted graph has no size-dependent constants.

    Returns:
        A `Runner`.

    Example:
    ```python
    runner = TFLiteRunner("saved_models/srgan/tflite/srgan_int8.tflite")
    ```
    """

    format = "tflite"
    max_batch = 1

    def __init__(self, path, threads=None, resize_inputs=False):
        litert = require("ai_edge_litert.interpreter", "Running TFLite models")
        try:
            self.interpreter = litert.Interpreter(model_path=path, num_threads=threads or 2)
            self._runner = self.interpreter.get_signature_runner("serving_default")
        except (ValueError, RuntimeError) as error:  # not a TFLite flatbuffer, no signature
            raise ValueError(
                f"Cannot load {path!r} as a TFLite model ({type(error).__name__}: "
                f"{' '.join(str(error).split())}). Received: generator={path!r}"
            ) from None
        self._inputs = self._runner.get_input_details()
        self._output_name, self._output = next(iter(self._runner.get_output_details().items()))
        inputs = []
        for name, detail in self._inputs.items():
            dtype = np.dtype(detail["dtype"])
            if dtype in (np.int8, np.uint8) and detail["quantization"][0]:
                dtype = np.dtype(np.float32)  # quantized floats: the runner converts
            shape = tuple(int(d) for d in detail["shape"])
            if resize_inputs and len(shape) == 4:
                shape = (shape[0], None, None, shape[3])
            inputs.append((name, dtype.name, shape))
        order = {"z": 0, "label": 1, "image": 2, "mask": 3}
        inputs.sort(key=lambda item: order.get(item[0], 4))
        output_shape = tuple(int(d) for d in self._output["shape"])
        if resize_inputs:
            output_shape = (output_shape[0], None, None, output_shape[3])
        self.resize_inputs = resize_inputs
        super().__init__(spec_from_inputs(inputs, output_shape, report_num_classes(path)), path)

    def geometry(self):
        """`(scale, multiple)`; with `resize_inputs`, probed on resized inputs (see `Runner`)."""
        try:
            return super().geometry()
        except ValueError as error:
            raise ValueError(
                "This TFLite model does not run at other sizes than its own (its converted "
                "graph has size-dependent constants, e.g. instance norms or reflection pads): "
                f"drop --tflite_resize (resize_inputs) to tile at its size. Received: "
                f"{' '.join(str(error).split())}"
            ) from None

    def _run(self, inputs):
        feed = {}
        for name, detail in self._inputs.items():
            value = np.asarray(inputs[name])
            dtype = np.dtype(detail["dtype"])
            scale, zero = detail["quantization"]
            if dtype in (np.int8, np.uint8) and value.dtype.kind == "f" and scale:
                info = np.iinfo(dtype)
                value = np.clip(np.round(value / scale + zero), info.min, info.max)
            feed[name] = value.astype(dtype)
        output = self._runner(**feed)[self._output_name]
        scale, zero = self._output["quantization"]
        if output.dtype.kind in "iu" and scale:
            output = (output.astype(np.float32) - zero) * scale
        return output
