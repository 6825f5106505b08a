"""Evaluation of trained generators, one function per model family (used by evaluate.py).

Each family's evaluator takes the generator network and plain arguments and
returns a JSON-serialisable dict of figures; its `"headline"` entry holds the
metric the family is judged by next to the classical baseline on the same
images (see `keras_gan.evaluation.headline`):

| family | evaluator | headline | baseline |
|---|---|---|---|
| gan | `evaluate_gan` | classifier score, smallest class share | the real data |
| srgan | `evaluate_srgan` | PSNR (Y, `scale` px shaved) per set | bicubic |
| inpainting | `evaluate_inpainting` | hole PSNR, mean over hole buckets | OpenCV Telea |
| cyclegan | `evaluate_cyclegan` | PSNR vs the true translation | the unchanged images |

`EVALUATORS` maps `--model` names to them and `REPORTS` to the functions that
format their results as the text `evaluate.py` prints.

Example:
```python
import keras
from keras_gan import evaluation

generator = keras.saving.load_model("runs/srgan/generator.keras", safe_mode=True)
results = evaluation.EVALUATORS["srgan"](generator, "folder:/data/sr/Set5", scale=4)
print(evaluation.REPORTS["srgan"](results))
```
"""

from keras_gan.evaluation.classifier import (
    evaluate_generator,
    format_report,
    load_mnist,
    penultimate_feature_extractor,
    read_idx,
    sample_generator,
)
from keras_gan.evaluation.cyclegan import evaluate_cyclegan, format_cyclegan_report
from keras_gan.evaluation.gan import evaluate_gan, format_gan_report
from keras_gan.evaluation.headline import headline_columns, headline_panel, series_column
from keras_gan.evaluation.inpainting import (
    EVAL_CROPS,
    evaluate_inpainting,
    format_inpainting_report,
    load_eval_images,
    load_native_crops,
)
from keras_gan.evaluation.srgan import evaluate_srgan, format_srgan_report, set_name

EVALUATORS = {
    "cyclegan": evaluate_cyclegan,
    "gan": evaluate_gan,
    "inpainting": evaluate_inpainting,
    "srgan": evaluate_srgan,
}
"""`--model` name -> evaluator `fn(generator, ...) -> dict` (see each function)."""

REPORTS = {
    "cyclegan": format_cyclegan_report,
    "gan": format_gan_report,
    "inpainting": format_inpainting_report,
    "srgan": format_srgan_report,
}
"""`--model` name -> `fn(results) -> str`, the text evaluate.py prints."""

__all__ = [
    "EVALUATORS",
    "EVAL_CROPS",
    "REPORTS",
    "evaluate_cyclegan",
    "evaluate_gan",
    "evaluate_generator",
    "evaluate_inpainting",
    "evaluate_srgan",
    "format_cyclegan_report",
    "format_gan_report",
    "format_inpainting_report",
    "format_report",
    "format_srgan_report",
    "headline_columns",
    "headline_panel",
    "load_eval_images",
    "load_mnist",
    "load_native_crops",
    "penultimate_feature_extractor",
    "read_idx",
    "sample_generator",
    "series_column",
    "set_name",
]
