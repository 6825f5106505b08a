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

from keras_gan.data.inpainting_data import inpainting_dataset
from keras_gan.data.masks import (
    EVAL_BUCKETS,
    evaluation_masks,
    free_form_mask,
    hole_ratio,
    mask_dataset,
    rect_mask,
)
from keras_gan.data.pipeline import ImageData, image_dataset
from keras_gan.data.pixels import from_uint8, load_images, to_uint8
from keras_gan.data.sources import IMAGE_EXTENSIONS, Source, list_image_files, load_source
from keras_gan.data.specs import BUILTIN_DATASETS, DatasetSpec, parse_dataset_spec
from keras_gan.data.super_resolution import (
    SuperResolutionData,
    bicubic_downscale,
    imresize,
    load_benchmark,
    mod_crop,
    paired_subfolders,
    super_resolution_dataset,
)
from keras_gan.data.unpaired import (
    UnpairedData,
    domain_source,
    load_domain_images,
    unpaired_dataset,
)
from keras_gan.data.unreadable_files_warning import UnreadableFilesWarning

__all__ = [
    "BUILTIN_DATASETS",
    "EVAL_BUCKETS",
    "IMAGE_EXTENSIONS",
    "DatasetSpec",
    "evaluation_masks",
    "free_form_mask",
    "hole_ratio",
    "ImageData",
    "from_uint8",
    "Source",
    "image_dataset",
    "inpainting_dataset",
    "list_image_files",
    "load_images",
    "load_source",
    "mask_dataset",
    "parse_dataset_spec",
    "rect_mask",
    "SuperResolutionData",
    "bicubic_downscale",
    "imresize",
    "load_benchmark",
    "mod_crop",
    "paired_subfolders",
    "super_resolution_dataset",
    "to_uint8",
    "UnpairedData",
    "UnreadableFilesWarning",
    "domain_source",
    "load_domain_images",
    "unpaired_dataset",
]
