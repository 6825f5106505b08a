"""Evaluation of trained generators, one module per model family (used by evaluate.py).

Each family's module (`keras_gan/evaluation/<family>.py`) holds its evaluator
function, which takes the generator network and plain arguments and returns a
JSON-serialisable dict of figures, its text report, and an `Evaluator` subclass that
declares its `evaluate.py` flags; `EVALUATORS` registers it by `--model` name. The
dict's `"headline"` entry holds the metric the family is judged by next to the
classical baseline on the same images (see `keras_gan.evaluation.headline`):

| family | evaluator | headline | baseline |
|---|---|---|---|
| gan | `evaluate_gan` | classifier score, smallest class share | the real data |
| srgan | `evaluate_srgan` | PSNR (Y, `scale` px shaved) per set | bicubic |
| inpainting | `evaluate_inpainting` | hole PSNR, mean over hole buckets | OpenCV Telea |
| cyclegan | `evaluate_cyclegan` | PSNR vs the true translation | the unchanged images |

Example:
```python
import keras
from keras_gan import evaluation

generator = keras.saving.load_model("runs/srgan/generator.keras", safe_mode=True)
evaluator = evaluation.get_evaluator("srgan")
results = evaluator(generator, "folder:/data/sr/Set5", scale=4)  # evaluation.evaluate_srgan
print(evaluator.report(results))
```
"""

import importlib

from keras_gan.evaluation.classifier import (
    evaluate_generator,
    format_report,
    load_mnist,
    penultimate_feature_extractor,
    read_idx,
    sample_generator,
)
from keras_gan.evaluation.cyclegan import evaluate_cyclegan, format_cyclegan_report
from keras_gan.evaluation.evaluator import Evaluator, Option, OptionError, set_name
from keras_gan.evaluation.gan import evaluate_gan, format_gan_report
from keras_gan.evaluation.headline import headline_columns, headline_panel, series_column
from keras_gan.evaluation.inpainting import (
    EVAL_CROPS,
    evaluate_inpainting,
    format_inpainting_report,
    load_eval_images,
    load_native_crops,
)
from keras_gan.evaluation.srgan import evaluate_srgan, format_srgan_report

# `--model` name -> "module:Class" of its `Evaluator`, as `keras_gan.recipes.RECIPES`
# (in the order of evaluate.py's --help).
EVALUATORS = {
    "gan": "keras_gan.evaluation.gan:GANEvaluator",
    "inpainting": "keras_gan.evaluation.inpainting:InpaintingEvaluator",
    "srgan": "keras_gan.evaluation.srgan:SRGANEvaluator",
    "cyclegan": "keras_gan.evaluation.cyclegan:CycleGANEvaluator",
}


def get_evaluator(name):
    """Return the `Evaluator` of `--model=name`.

    Args:
        name: a key of `EVALUATORS`.

    Returns:
        An `Evaluator`: call it as `evaluator(generator, **kwargs)`; `report(results)`
        formats its figures.

    Example:
    ```python
    evaluator = get_evaluator("cyclegan")
    print(evaluator.report(evaluator(generator, "folder:testA", "folder:testA_target")))
    ```
    """
    if name not in EVALUATORS:
        raise ValueError(
            f"Unknown model. Expected one of {sorted(EVALUATORS)}. Received: model={name!r}"
        )
    module, cls = EVALUATORS[name].split(":")
    return getattr(importlib.import_module(module), cls)()


def all_options():
    """Every family's `Option`s, each flag once (in registry order): the flags of evaluate.py.

    Returns:
        A list of `Option`.

    Raises:
        ValueError: when two families declare the same flag differently.
    """
    seen = {}
    for name in EVALUATORS:
        for option in get_evaluator(name).options:
            if seen.setdefault(option.name, option) != option:
                raise ValueError(
                    f"--{option.name} is declared differently by two families. "
                    f"Received: {seen[option.name]} and {option} ({name})"
                )
    return list(seen.values())


def all_usage():
    """The families' paragraphs of `evaluate.py --help`, in registry order."""
    return "\n\n".join(get_evaluator(name).usage for name in EVALUATORS)


__all__ = [
    "EVALUATORS",
    "EVAL_CROPS",
    "Evaluator",
    "Option",
    "OptionError",
    "all_options",
    "all_usage",
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
    "get_evaluator",
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
