"""Measures a trained generator, the way its family's literature does.

`--model` picks the evaluation (each family adds its own `_evaluate_<model>`):

gan: samples ``--num_samples`` images from random latents z ~ N(0, I) (and uniform
labels for a conditional generator), classifies them with ``--classifier`` (e.g.
the MNIST CNN of scripts/train_mnist_classifier.py) and prints the Inception
Score computed with that classifier, the per-class coverage table and, with
``--real_data``, FID and KID in the classifier's penultimate feature space.

Example:
    python scripts/mnist_to_png.py --output_dir=/tmp/mnist_png --count=10000
    python scripts/train_mnist_classifier.py --output=/tmp/mnist_classifier.keras
    python evaluate.py --model=gan --generator=runs/gan/generator.keras \
        --classifier=/tmp/mnist_classifier.keras --num_samples=10000 \
        --real_data=folder:/tmp/mnist_png --json=runs/gan/metrics.json
"""

import json
import os

import keras
from absl import app, flags

import keras_gan  # registers the custom objects for loading
from keras_gan import evaluation

FLAGS = flags.FLAGS
flags.DEFINE_string("model", "gan", "Model family of the generator: picks the evaluation.")
flags.DEFINE_string("generator", None, "Saved generator (.keras).", required=True)
flags.DEFINE_string("classifier", None, "Saved classifier (.keras) (gan).")
flags.DEFINE_integer("num_samples", 10000, "Number of generated images.")
flags.DEFINE_string(
    "real_data",
    None,
    "Real images for FID/KID: any dataset spec (folder:DIR, builtin:NAME, tfds:NAME[:split]).",
)
flags.DEFINE_integer("num_real", 10000, "Maximum number of real images used.")
flags.DEFINE_integer("seed", 0, "Seed of the latents, labels and KID subsets.")
flags.DEFINE_integer("batch_size", 256, "Batch size of generation and classification.")
flags.DEFINE_string("json", None, "Write the figures to this JSON file.")


def _evaluate_gan(generator):
    if not FLAGS.classifier:
        raise app.UsageError("--model=gan needs --classifier (a saved .keras classifier).")
    classifier = keras.saving.load_model(FLAGS.classifier, compile=False)
    real_images = None
    if FLAGS.real_data:
        _, height, _, channels = generator.outputs[0].shape
        real_images = keras_gan.data.load_images(
            FLAGS.real_data, image_size=height, channels=channels, limit=FLAGS.num_real
        )
    results = evaluation.evaluate_generator(
        generator,
        classifier,
        num_samples=FLAGS.num_samples,
        real_images=real_images,
        seed=FLAGS.seed,
        batch_size=FLAGS.batch_size,
    )
    results = {
        "model": FLAGS.model,
        "generator": FLAGS.generator,
        "classifier": FLAGS.classifier,
        "real_data": FLAGS.real_data,
        "seed": FLAGS.seed,
        **results,
    }
    print(f"Model: {FLAGS.model} ({FLAGS.generator})")
    print(evaluation.format_report(results))
    return results


EVALUATORS = {"gan": _evaluate_gan}


def main(argv):
    del argv
    if FLAGS.model not in EVALUATORS:
        raise app.UsageError(f"Unknown --model. Expected one of {sorted(EVALUATORS)}. Received: {FLAGS.model!r}")
    keras.utils.set_random_seed(FLAGS.seed)
    generator = keras.saving.load_model(FLAGS.generator, compile=False)
    results = EVALUATORS[FLAGS.model](generator)
    if FLAGS.json:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.json)), exist_ok=True)
        with open(FLAGS.json, "w") as f:
            json.dump(results, f, indent=2)
        print(f"Wrote {FLAGS.json}")


if __name__ == "__main__":
    app.run(main)
