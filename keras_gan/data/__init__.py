"""Image datasets for GAN training: dataset spec strings to `tf.data` pipelines.

Specs: `builtin:<name>` (offline data shipped with installed packages, see
`BUILTIN_DATASETS`), `tfds:<name>[:split]` (TensorFlow Datasets) and `folder:<path>`
(image files, optionally one subdirectory per class).

Example:

>>> from keras_gan.data import image_dataset
>>> data = image_dataset("builtin:mnist", image_size=28, channels=1, batch_size=64)
>>> data.dataset.element_spec["image"]
TensorSpec(shape=(64, 28, 28, 1), dtype=tf.float32, name=None)
"""

from keras_gan.data.pipeline import ImageData, image_dataset
from keras_gan.data.pixels import from_uint8, load_images, to_uint8
from keras_gan.data.sources import IMAGE_EXTENSIONS, Source, list_image_files, load_source
from keras_gan.data.specs import BUILTIN_DATASETS, DatasetSpec, parse_dataset_spec

__all__ = [
    "BUILTIN_DATASETS",
    "IMAGE_EXTENSIONS",
    "DatasetSpec",
    "ImageData",
    "from_uint8",
    "Source",
    "image_dataset",
    "list_image_files",
    "load_images",
    "load_source",
    "parse_dataset_spec",
    "to_uint8",
]
