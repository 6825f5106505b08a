"""Evaluation of a GAN generator: classifier score and class coverage, real data as baseline."""

import keras

from keras_gan.data.pixels import load_images
from keras_gan.evaluation.classifier import evaluate_generator, format_report
from keras_gan.evaluation.evaluator import BATCH_SIZE, NUM_REAL, REAL_DATA, Evaluator, Option
from keras_gan.evaluation.headline import headline_panel
from keras_gan.metrics.classification import (
    class_coverage,
    classifier_probabilities,
    inception_score,
)


def _load_classifier(classifier):
    if isinstance(classifier, keras.Model):
        return classifier
    if not classifier:
        raise ValueError(
            "The GAN evaluation needs a classifier (a saved .keras classifier, e.g. "
            f"from scripts/train_mnist_classifier.py). Received: classifier={classifier!r}"
        )
    from keras_gan.export.exporter import load_generator  # safe mode, one-line errors

    return load_generator(classifier)


def _load_real_images(generator, spec, num_real):
    """At most `num_real` images of `spec`, at the generator's output size and channels."""
    _, height, _, channels = generator.outputs[0].shape
    return load_images(spec, height, channels, limit=num_real)


def evaluate_gan(
    generator, classifier, num_samples=10000, real_data=None, num_real=10000, seed=0, batch_size=256
):
    """Classifier score, class coverage (and FID/KID) of a generator's samples.

    Samples `num_samples` images from latents z ~ N(0, I) (uniform labels for a
    conditional generator), scores them with the classifier (Inception Score
    computed with it, per-class shares) and, with real data, computes FID and
    KID in the classifier's penultimate features and the real images' own
    classifier score and smallest class share: the baseline a generator aims at.

    Args:
        generator: generator network (latent input, optional int `label` input)
            or a GAN model (see `sample_generator`).
        classifier: a `keras.Model` or the path of a saved `.keras` classifier.
        num_samples: generated images.
        real_data: optional real images: a dataset spec (`folder:DIR`,
            `builtin:mnist`, ...; read at the generator's output size) or an
            NHWC array in [-1, 1].
        num_real: at most this many real images from a spec.
        seed: seed of the latents, labels and KID subsets.
        batch_size: batch size of generation and classification.

    Returns:
        The dict of `evaluate_generator` plus `classifier` (its path, or `None`
        for a model), `real_data` (the spec, or `None`), `seed`, with real data
        `real_scores` (`inception_score`, `inception_score_std`,
        `min_fraction`, `num_images`), and `headline`: panels `classifier_score`
        and `min_class_share`, baseline `real` (`None` without real data).

    Example:
    ```python
    results = evaluate_gan(generator, "/tmp/mnist_classifier.keras", 10000,
                           real_data="folder:/tmp/mnist_png")
    results["inception_score"], results["real_scores"]["inception_score"]
    ```
    """
    model = _load_classifier(classifier)
    real_images = real_data
    if isinstance(real_data, str):
        real_images = _load_real_images(generator, real_data, num_real)
    results = evaluate_generator(
        generator,
        model,
        num_samples=num_samples,
        real_images=real_images,
        seed=seed,
        batch_size=batch_size,
    )
    results = {
        "classifier": classifier if isinstance(classifier, str) else None,
        "real_data": real_data if isinstance(real_data, str) else None,
        "seed": seed,
        **results,
    }
    real = {"inception_score": None, "min_fraction": None}
    if real_images is not None:
        probabilities = classifier_probabilities(model, real_images, batch_size=batch_size)
        splits = 10 if len(probabilities) >= 100 else 1
        score, score_std = inception_score(probabilities, splits=splits)
        coverage = class_coverage(probabilities, int(model.outputs[0].shape[-1]))
        real = results["real_scores"] = {
            "inception_score": score,
            "inception_score_std": score_std,
            "min_fraction": coverage["min_fraction"],
            "num_images": int(len(probabilities)),
        }
    results["headline"] = [
        headline_panel(
            "classifier_score",
            "classifier score (IS)",
            "real",
            {"": {"model": results["inception_score"], "baseline": real["inception_score"]}},
        ),
        headline_panel(
            "min_class_share",
            "smallest class share",
            "real",
            {"": {"model": results["coverage"]["min_fraction"], "baseline": real["min_fraction"]}},
        ),
    ]
    return results


def format_gan_report(results):
    """The text report of `evaluate_gan`: `format_report`, then the real data's scores.

    Args:
        results: an `evaluate_gan` dict.

    Returns:
        The report as a string.
    """
    lines = [format_report(results)]
    real = results.get("real_scores")
    if real:
        lines.append(
            f"Real data ({real['num_images']} images): inception score (classifier) "
            f"{real['inception_score']:.4f} ± {real['inception_score_std']:.4f}, "
            f"smallest class {real['min_fraction']:.2%}"
        )
    return "\n".join(lines)


class GANEvaluator(Evaluator):
    """`evaluate.py --model=gan`: `evaluate_gan` and `format_gan_report`."""

    name = "gan"
    usage = """\
gan: samples ``--num_samples`` images from random latents z ~ N(0, I) (and uniform
labels for a conditional generator), classifies them with ``--classifier`` (e.g.
the MNIST CNN of scripts/train_mnist_classifier.py) and prints the Inception
Score computed with that classifier, the per-class coverage table and, with
``--real_data``, FID and KID in the classifier's penultimate feature space."""
    options = (
        Option("string", "classifier", None, "Saved classifier (.keras) (gan)."),
        Option("integer", "num_samples", 10000, "Number of generated images."),
        REAL_DATA,
        NUM_REAL,
        BATCH_SIZE,
    )
    keywords = {
        "classifier": "classifier",
        "num_samples": "num_samples",
        "real_data": "real_data",
        "num_real": "num_real",
        "seed": "seed",
        "batch_size": "batch_size",
    }
    required = {"classifier": "a saved .keras classifier"}
    evaluate = staticmethod(evaluate_gan)
    report = staticmethod(format_gan_report)

    def prepare(self, generator, call):
        """The classifier and the real images loaded once (`evaluate_gan` takes both)."""
        call = dict(call)
        call["classifier"] = _load_classifier(call["classifier"])
        if isinstance(call.get("real_data"), str):
            call["real_data"] = _load_real_images(
                generator, call["real_data"], call.get("num_real", 10000)
            )
        return call

    def curve_arguments(self, options, scale):
        o = options
        if not o.classifier:
            raise ValueError(
                "A gan curve needs --classifier (scripts/train_mnist_classifier.py "
                f"makes one for MNIST). Received: classifier={o.classifier!r}"
            )
        return [
            {
                "classifier": o.classifier,
                "num_samples": o.num_samples,
                "real_data": o.real_data,
                "num_real": o.num_real,
                "seed": o.eval_seed,
                "batch_size": o.eval_batch_size,
            }
        ]
