"""`load_runner`: pick the runner for a generator file or folder."""

import glob
import os

FORMATS = ("keras", "saved_model", "tflite", "onnx")


def detect_format(path):
    """The format of `path` by its file type: `.keras`, `.tflite`, `.onnx` or a SavedModel.

    Args:
        path: a generator file, a SavedModel version folder or a model base path.

    Returns:
        One of `FORMATS`.

    Raises:
        ValueError: when `path` does not exist or is none of them.

    Example:
    ```python
    detect_format("saved_models/srgan/tflite/srgan_int8.tflite")  # "tflite"
    ```
    """
    if not os.path.exists(path):
        raise ValueError(f"Generator not found. Received: generator={path!r}")
    if os.path.isdir(path):
        from keras_gan.export.saved_model import list_versions

        if os.path.isfile(os.path.join(path, "saved_model.pb")) or list_versions(path):
            return "saved_model"
        raise ValueError(
            "A generator folder must be a SavedModel version folder or a model "
            f"base path with version folders. Received: generator={path!r}"
        )
    extension = os.path.splitext(path)[1].lower()
    by_extension = {".keras": "keras", ".tflite": "tflite", ".onnx": "onnx"}
    if extension not in by_extension:
        raise ValueError(
            f"A generator file must be .keras, .tflite or .onnx. Received: generator={path!r}"
        )
    return by_extension[extension]


def _in_export_folder(path, fmt):
    """An export base folder + a file format: its float32 TFLite file, or its ONNX file."""
    if not os.path.isdir(path) or fmt not in ("tflite", "onnx"):
        return path
    pattern = "tflite/*_float32.tflite" if fmt == "tflite" else "onnx/*.onnx"
    found = sorted(glob.glob(os.path.join(path, pattern)))
    if not found:
        raise ValueError(
            f"No {pattern} in the export folder: pass the file itself. "
            f"Received: generator={path!r}, format={fmt!r}"
        )
    return found[0]


def load_runner(path, format="auto", threads=None, resize_inputs=False):
    """Load a generator from any format it was exported to.

    Args:
        path: `generator.keras`, a SavedModel version folder or model base path (newest
            version), a `.tflite` file (float or int8) or an `.onnx` file. With
            `format="tflite"` or `"onnx"`, an export base folder picks its float32
            TFLite file or its ONNX file.
        format: `"auto"` (by file type) or one of `FORMATS`.
        threads: threads for the runtime (`None` = its default).
        resize_inputs: TFLite only: resize the fixed input tensors to each image's
            size instead of tiling (see `TFLiteRunner`).

    Returns:
        A `Runner`.

    Raises:
        ValueError: for a missing or unrecognised generator, or an unknown format.

    Example:
    ```python
    runner = keras_gan.predict.load_runner("saved_models/srgan")
    ```
    """
    path = os.fspath(path)
    if format not in ("auto", *FORMATS):
        raise ValueError(
            f"`format` must be auto or one of {', '.join(FORMATS)}. Received: format={format!r}"
        )
    if format == "auto":
        format = detect_format(path)
    elif not os.path.exists(path):
        raise ValueError(f"Generator not found. Received: generator={path!r}")
    path = _in_export_folder(path, format)
    if format == "keras":
        from keras_gan.predict.keras_runner import KerasRunner

        return KerasRunner(path)
    if format == "saved_model":
        from keras_gan.predict.saved_model_runner import SavedModelRunner

        return SavedModelRunner(path, threads=threads)
    if format == "tflite":
        from keras_gan.predict.tflite_runner import TFLiteRunner

        return TFLiteRunner(path, threads=threads, resize_inputs=resize_inputs)
    from keras_gan.predict.onnx_runner import OnnxRunner

    return OnnxRunner(path, threads=threads)
