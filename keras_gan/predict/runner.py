"""`Runner`: one small interface over every format a generator is exported to."""

import json
import os

import numpy as np

from keras_gan.export.signatures import IMAGE, LATENT, MASK
from keras_gan.predict.geometry import probe_geometry


class Runner:
    """A loaded generator: call it on named NHWC float32 inputs, get images in [-1, 1].

    Subclasses (`KerasRunner`, `SavedModelRunner`, `TFLiteRunner`, `OnnxRunner`) set
    `spec` and implement `_run`. Quantized inputs and outputs (int8 TFLite) are
    converted inside the runner, so every runner takes and returns float32 in [-1, 1].

    Attributes:
        spec: the `GeneratorSpec` (kind `"latent"`, `"image"` or `"inpainting"`).
        format: `"keras"`, `"saved_model"`, `"tflite"` or `"onnx"`.
        path: the file or folder it was loaded from.
        max_batch: the largest batch one call takes (1 for TFLite), or `None`.

    Example:
    ```python
    runner = keras_gan.predict.load_runner("saved_models/srgan")
    sr = runner({"image": lr_batch})  # (N, 4h, 4w, 3) in [-1, 1]
    ```
    """

    format = None
    max_batch = None

    def __init__(self, spec, path):
        self.spec = spec
        self.path = path
        self._geometry = None

    @property
    def kind(self):
        """`"latent"`, `"image"` or `"inpainting"`."""
        return self.spec.kind

    @property
    def fixed_size(self):
        """`(H, W)` of a generator that takes one image size only, else `None`."""
        if self.kind == LATENT:
            return None
        shape = self.spec.input(IMAGE).shape
        return (shape[1], shape[2]) if shape[1] and shape[2] else None

    @property
    def channels(self):
        """Channels of the image input, or of the output for latent generators."""
        if self.kind == LATENT:
            return self.spec.output_shape[3]
        return self.spec.input(IMAGE).shape[3]

    def geometry(self):
        """`(scale, multiple)`: output size / input size, and what H and W must divide by.

        Fixed-size generators report their own size as the multiple; others are probed
        once on small images (`probe_geometry`).
        """
        if self._geometry is None:
            fixed = self.fixed_size
            if fixed is not None:
                out = self.spec.output_shape
                scale = out[1] // fixed[0] if out[1] else self._probe_fixed_scale(fixed)
                self._geometry = (scale, fixed[0])
            else:
                self._geometry = probe_geometry(
                    lambda image, mask: self(self._named(image, mask)),
                    self.channels,
                    with_mask=self.kind == "inpainting",
                )
        return self._geometry

    def _probe_fixed_scale(self, fixed):
        image = np.zeros((1, fixed[0], fixed[1], self.channels), np.float32)
        mask = np.zeros((1, fixed[0], fixed[1], 1), np.float32)
        return self(self._named(image, mask)).shape[1] // fixed[0]

    def _named(self, image, mask=None):
        inputs = {self.spec.input(IMAGE).name: image}
        if self.spec.input(MASK) is not None:
            inputs[self.spec.input(MASK).name] = mask
        return inputs

    def __call__(self, inputs):
        """Run the generator.

        Args:
            inputs: `{input name: numpy array}` with a batch axis: float32 latents,
                int labels, float32 NHWC images in [-1, 1], float32 masks (1 = hole).

        Returns:
            float32 NHWC images in [-1, 1].
        """
        batch = len(next(iter(inputs.values())))
        if self.max_batch is None or batch <= self.max_batch:
            return np.asarray(self._run(inputs), np.float32)
        parts = [
            self._run({k: v[i : i + self.max_batch] for k, v in inputs.items()})
            for i in range(0, batch, self.max_batch)
        ]
        return np.concatenate(parts).astype(np.float32, copy=False)

    def _run(self, inputs):
        raise NotImplementedError

    def __repr__(self):
        return f"<{type(self).__name__} {self.kind} {self.path!r}>"


def export_report_near(path):
    """The `export_report.json` of the export folder holding `path`, or `None`.

    Looks beside `path`, then one and two folders up (a version folder, `tflite/`,
    `onnx/`).
    """
    folder = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path))
    for _ in range(3):
        candidate = os.path.join(folder, "export_report.json")
        if os.path.isfile(candidate):
            try:
                with open(candidate) as f:
                    return json.load(f)
            except (OSError, ValueError):
                return None
        folder = os.path.dirname(folder)
    return None


def report_num_classes(path):
    """`num_classes` recorded by the export next to `path`, or `None`."""
    report = export_report_near(path)
    return (report or {}).get("generator", {}).get("num_classes")
