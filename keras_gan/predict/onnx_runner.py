"""`OnnxRunner`: an `.onnx` file in onnxruntime."""

import numpy as np

from keras_gan.export.signatures import spec_from_inputs
from keras_gan.optional import require
from keras_gan.predict.runner import Runner, report_num_classes

_ONNX_DTYPES = {"tensor(float)": "float32", "tensor(int32)": "int32", "tensor(int64)": "int64"}


class OnnxRunner(Runner):
    """Runs an exported ONNX generator (output `generated`) with onnxruntime on the CPU.

    Args:
        path: the `.onnx` file.
        threads: intra-op threads (`None` = onnxruntime's default).

    Returns:
        A `Runner`.

    Example:
    ```python
    runner = OnnxRunner("saved_models/cyclegan/onnx/cyclegan.onnx")
    ```
    """

    format = "onnx"

    def __init__(self, path, threads=None):
        ort = require("onnxruntime", "Running ONNX models")
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        try:
            self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        except Exception as error:  # onnxruntime's own classes (InvalidProtobuf, Fail, ...)
            raise ValueError(
                f"Cannot load {path!r} as an ONNX model ({type(error).__name__}: "
                f"{' '.join(str(error).split())}). Received: generator={path!r}"
            ) from None

        def shape(value):
            return tuple(d if isinstance(d, int) else None for d in value.shape)

        inputs = [
            (i.name, _ONNX_DTYPES.get(i.type, "float32"), shape(i))
            for i in self.session.get_inputs()
        ]
        order = {"z": 0, "label": 1, "image": 2, "mask": 3}
        inputs.sort(key=lambda item: order.get(item[0], 4))
        output = self.session.get_outputs()[0]
        super().__init__(spec_from_inputs(inputs, shape(output), report_num_classes(path)), path)

    def _run(self, inputs):
        feed = {
            i.name: np.asarray(inputs[i.name]).astype(i.dtype, copy=False) for i in self.spec.inputs
        }
        return self.session.run(None, feed)[0]
