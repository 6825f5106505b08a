"""Measures a trained generator, the way its family's literature does.

`--model` picks the evaluation: `keras_gan.evaluation.get_evaluator(model)`, called with
this script's flags (the same evaluators draw `scripts/learning_curve.py`'s curves):

{families}

Example:
    python scripts/mnist_to_png.py --output_dir=/tmp/mnist_png --count=10000
    python scripts/train_mnist_classifier.py --output=/tmp/mnist_classifier.keras
    python evaluate.py --model=gan --generator=runs/gan/generator.keras \
        --classifier=/tmp/mnist_classifier.keras --num_samples=10000 \
        --real_data=folder:/tmp/mnist_png --json=runs/gan/metrics.json
"""

import json
import os
import sys

import keras
from absl import app, flags

import keras_gan  # noqa: F401  (registers the custom objects for loading)
from keras_gan import evaluation
from keras_gan.export.exporter import load_generator

if __doc__:  # {families}: each family's paragraph, from its keras_gan/evaluation/<family>.py
    __doc__ = __doc__.replace("{families}", evaluation.all_usage())

FLAGS = flags.FLAGS
flags.DEFINE_string("model", "gan", "Model family of the generator: picks the evaluation.")
flags.DEFINE_string("generator", None, "Saved generator (.keras).", required=True)
flags.DEFINE_integer("seed", 0, "Seed of the latents, labels and KID subsets.")
flags.DEFINE_string("json", None, "Write the figures to this JSON file.")
for option in evaluation.all_options():  # each family's flags, declared in its module
    getattr(flags, f"DEFINE_{option.kind}")(**option.define_arguments)


def main(argv):
    del argv
    if FLAGS.model not in evaluation.EVALUATORS:
        raise app.UsageError(
            f"Unknown --model. Expected one of {sorted(evaluation.EVALUATORS)}. "
            f"Received: {FLAGS.model!r}"
        )
    evaluator = evaluation.get_evaluator(FLAGS.model)
    keras.utils.set_random_seed(FLAGS.seed)
    try:
        # Safe mode; a file that is not a .keras model (truncated, a foreign config, a
        # Lambda layer) is a ValueError naming it.
        generator = load_generator(FLAGS.generator)
        print(f"Model: {FLAGS.model} ({FLAGS.generator})")
        try:
            arguments = evaluator.arguments(FLAGS)
        except evaluation.OptionError as error:  # a flag the family needs is missing
            raise app.UsageError(str(error)) from None
        results = evaluator(generator, **arguments)
        report = evaluator.report(results)
        if report:
            print(report)
        grid = results.pop("sample_grid", None)
        if grid:
            print(f"Wrote {grid['path']} ({grid['description']})")
        results = {"model": FLAGS.model, "generator": FLAGS.generator, **results}
    except ValueError as error:  # user errors (missing or unsafe files, bad specs): one line
        print(f"evaluate.py: error: {' '.join(str(error).split())}", file=sys.stderr)
        sys.exit(2)
    if FLAGS.json:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.json)), exist_ok=True)
        with open(FLAGS.json, "w") as f:
            json.dump(results, f, indent=2)
        print(f"Wrote {FLAGS.json}")


if __name__ == "__main__":
    app.run(main)
