"""Apply a trained generator to your own images, from any format it was exported to.

`load_runner` loads `generator.keras`, a SavedModel (version folder, or model base path:
newest version), a `.tflite` (float or int8) or an `.onnx` file behind one `Runner`
interface; `predict_image` runs an image-to-image or inpainting generator on one image
of any size (reflect padding, overlapping blended tiles); `predict_files` does it for
files and folders; `sample` draws images from a `gan` generator. The CLI is
`keras-gan-predict` (or `python predict.py`).

Example:
```python
import keras_gan.predict as kp

runner = kp.load_runner("saved_models/srgan")
image = kp.read_image("photo.jpg")
sr = kp.predict_image(runner, image, tile=128, tile_overlap=16)
kp.write_image("photo_x4.png", sr)
```
"""

from keras_gan.predict.geometry import probe_geometry
from keras_gan.predict.images import (
    generated_mask,
    list_inputs,
    make_grid,
    read_image,
    read_mask,
    write_image,
)
from keras_gan.predict.inference import predict_files, sample, write_samples
from keras_gan.predict.loading import FORMATS, detect_format, load_runner
from keras_gan.predict.progress import Progress
from keras_gan.predict.runner import Runner
from keras_gan.predict.tiling import predict_image, tile_plan, tile_spans

__all__ = [
    "FORMATS",
    "Progress",
    "Runner",
    "detect_format",
    "generated_mask",
    "list_inputs",
    "load_runner",
    "make_grid",
    "predict_files",
    "predict_image",
    "probe_geometry",
    "read_image",
    "read_mask",
    "sample",
    "tile_plan",
    "tile_spans",
    "write_image",
    "write_samples",
]
