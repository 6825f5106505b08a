"""Evaluation of sampling generators with a domain classifier (IS, coverage, FID, KID).

Measures a saved generator the way the MNIST acceptance check does: sample
images from random latents, score them with a classifier (Inception Score,
per-class coverage) and, given real images, compute FID/KID in the feature space
of the classifier's penultimate layer.
"""

from __future__ import annotations

import gzip
import os
import struct

import keras
import numpy as np

from keras_gan.metrics.classification import (
    class_coverage,
    classifier_probabilities,
    inception_score,
)
from keras_gan.metrics.distances import frechet_distance, kernel_inception_distance
from keras_gan.metrics.features import compute_features

_MNIST_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path):
    """Reads an IDX file (the MNIST format), gzipped or not, into a numpy array.

    Args:
        path: path of the ``.idx*-ubyte`` or ``.idx*-ubyte.gz`` file.

    Returns:
        A uint8 array, e.g. ``(60000, 28, 28)`` for MNIST training images.

    Example:

    ```python
    images = read_idx("mnist/train-images-idx3-ubyte.gz")
    ```
    """
    opener = gzip.open if str(path).endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file.")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    array = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    return array.reshape(shape)


def load_mnist(mnist_dir, split="train"):
    """Loads MNIST from the original IDX files of a directory.

    Args:
        mnist_dir: directory with ``{train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]``.
        split: ``"train"`` (60,000) or ``"test"`` (10,000).

    Returns:
        ``(images, labels)``: uint8 ``(N, 28, 28)`` and uint8 ``(N,)``.

    Example:

    ```python
    x_test, y_test = load_mnist("../shared/data/mnist", "test")
    ```
    """
    if split not in _MNIST_FILES:
        raise ValueError(f"split must be 'train' or 'test', got {split!r}.")
    arrays = []
    for name in _MNIST_FILES[split]:
        path = os.path.join(mnist_dir, name)
        if not os.path.exists(path):
            path += ".gz"
        if not os.path.exists(path):
            raise FileNotFoundError(f"MNIST file {name}[.gz] not found in {mnist_dir}.")
        arrays.append(read_idx(path))
    return arrays[0], arrays[1]


def penultimate_feature_extractor(classifier, layer_name="features"):
    """Returns a model mapping a classifier's inputs to its penultimate features.

    Uses the layer named ``layer_name`` when the classifier has one (the MNIST
    classifier of ``scripts/train_mnist_classifier.py`` names its last hidden
    layer ``features``), otherwise the input of the last layer.

    Args:
        classifier: a built functional or sequential `keras.Model`.
        layer_name: name of the feature layer to prefer.

    Returns:
        A `keras.Model` with the classifier's inputs and ``(N, D)`` outputs.

    Example:

    ```python
    extractor = penultimate_feature_extractor(keras.saving.load_model("clf.keras", safe_mode=True))
    ```
    """
    names = [layer.name for layer in classifier.layers]
    if layer_name in names:
        outputs = classifier.get_layer(layer_name).output
    else:
        outputs = classifier.layers[-1].input
    return keras.Model(classifier.inputs, outputs, name=f"{classifier.name}_features")


def sample_generator(generator, num_samples, num_classes=None, seed=0, batch_size=256):
    """Draws images from a generator with random latents (and labels).

    Takes a `keras_gan` GAN model (anything with `sample(num_samples, labels=,
    batch_size=, seed=)`), or a generator network with the keras_gan input
    convention: a latent input `(None, latent_dim)` and, when conditional, an
    integer input named `label`. Latents are z ~ N(0, I); labels are uniform
    over `num_classes`.

    Args:
        generator: a GAN model or a generator `keras.Model`.
        num_samples: number of images.
        num_classes: classes of a conditional generator (required for a network
            with a `label` input; defaults to a GAN model's `num_classes`).
        seed: seed of the latents and labels.
        batch_size: generation batch size.

    Returns:
        `(images, labels)`: float32 NHWC images clipped to [-1, 1] and the int32
        labels used (`None` for an unconditional generator).

    Example:

    ```python
    images, labels = sample_generator(generator, 10000, num_classes=10)
    ```
    """
    rng = np.random.default_rng(seed)
    labels = None
    if hasattr(generator, "sample"):
        num_classes = num_classes or getattr(generator, "num_classes", None)
        if getattr(generator, "num_classes", None):
            labels = rng.integers(0, num_classes, size=num_samples).astype(np.int32)
        images = generator.sample(num_samples, labels=labels, batch_size=batch_size, seed=seed)
    else:
        inputs = list(generator.inputs)
        latent = [t for t in inputs if t.name != "label"]
        if len(latent) != 1 or len(latent[0].shape) != 2 or latent[0].shape[1] is None:
            raise ValueError(
                "Expected a generator with one latent input (None, latent_dim) and optionally "
                f"an int input named 'label'. Received: inputs={[(t.name, t.shape) for t in inputs]}"
            )
        z = rng.standard_normal((num_samples, latent[0].shape[1])).astype(np.float32)
        feeds = []
        for tensor in inputs:
            if tensor.name != "label":
                feeds.append(z)
                continue
            if not num_classes:
                raise ValueError("The generator is conditional: num_classes is required.")
            labels = rng.integers(0, num_classes, size=num_samples).astype(np.int32)
            feeds.append(labels.reshape((-1,) + (1,) * (len(tensor.shape) - 1)))
        images = generator.predict(
            feeds if len(feeds) > 1 else feeds[0], batch_size=batch_size, verbose=0
        )
    images = np.clip(np.asarray(keras.ops.convert_to_numpy(images), dtype=np.float32), -1, 1)
    return images, labels


def evaluate_generator(
    generator,
    classifier,
    num_samples=10000,
    real_images=None,
    feature_extractor=None,
    seed=0,
    batch_size=256,
    kid_subset_size=1000,
    kid_num_subsets=100,
):
    """Samples a generator and measures IS, class coverage and optionally FID/KID.

    Args:
        generator: generator network or GAN model (see `sample_generator`).
        classifier: Keras classifier returning probabilities or logits; its
            output size sets the number of classes.
        num_samples: number of generated images.
        real_images: optional NHWC ``[-1, 1]`` real images for FID/KID.
        feature_extractor: feature model for FID/KID; defaults to the
            classifier's penultimate layer (`penultimate_feature_extractor`).
        seed: seed of the latents, labels and KID subsets.
        batch_size: batch size of generation and of the forward passes.
        kid_subset_size: KID subset size (capped by the sample counts).
        kid_num_subsets: number of KID subsets.

    Returns:
        A JSON-serialisable dict: ``num_samples``, ``inception_score``,
        ``inception_score_std`` (10 splits), ``coverage`` (see
        `keras_gan.metrics.class_coverage`, arrays as lists), and, when
        ``real_images`` is given, ``fid``, ``kid``, ``kid_std``,
        ``num_real``. For a conditional generator also ``label_accuracy``: the
        fraction of samples classified as their conditioning label.

    Example:

    ```python
    results = evaluate_generator(generator, classifier, 10000,
                                 real_images=load_images("builtin:mnist", 28, 1))
    ```
    """
    num_classes = int(classifier.outputs[0].shape[-1])
    images, labels = sample_generator(
        generator, num_samples, num_classes=num_classes, seed=seed, batch_size=batch_size
    )
    probabilities = classifier_probabilities(classifier, images, batch_size=batch_size)
    splits = 10 if num_samples >= 100 else 1
    score, score_std = inception_score(probabilities, splits=splits)
    coverage = class_coverage(probabilities, num_classes)
    results = {
        "num_samples": int(num_samples),
        "inception_score": score,
        "inception_score_std": score_std,
        "inception_score_splits": splits,
        "coverage": {
            key: value.tolist() if isinstance(value, np.ndarray) else value
            for key, value in coverage.items()
        },
    }
    if labels is not None:
        results["label_accuracy"] = float(np.mean(probabilities.argmax(axis=1) == labels))
    if real_images is not None:
        if feature_extractor is None:
            feature_extractor = penultimate_feature_extractor(classifier)
        real_features = compute_features(feature_extractor, real_images, batch_size=batch_size)
        fake_features = compute_features(feature_extractor, images, batch_size=batch_size)
        kid, kid_std = kernel_inception_distance(
            real_features,
            fake_features,
            num_subsets=kid_num_subsets,
            subset_size=kid_subset_size,
            seed=seed,
        )
        results.update(
            fid=frechet_distance(real_features, fake_features),
            kid=kid,
            kid_std=kid_std,
            num_real=int(real_features.shape[0]),
            feature_dim=int(real_features.shape[1]),
        )
    return results


def format_report(results):
    """Formats the dict of `evaluate_generator` as a human-readable text table."""
    coverage = results["coverage"]
    lines = [
        f"Samples: {results['num_samples']}",
        f"Inception score (classifier): {results['inception_score']:.4f} "
        f"± {results['inception_score_std']:.4f} "
        f"({results['inception_score_splits']} splits, max {coverage['num_classes']})",
        f"Classes hit: {coverage['classes_hit']}/{coverage['num_classes']}   "
        f"confident (max p > 0.5): {coverage['confident_fraction']:.2%}",
    ]
    if "label_accuracy" in results:
        lines.append(f"Conditioning label accuracy: {results['label_accuracy']:.2%}")
    lines.append("class   count  fraction")
    for index, (count, fraction) in enumerate(
        zip(coverage["counts"], coverage["fractions"], strict=True)
    ):
        lines.append(f"{index:>5} {count:>7}  {fraction:8.2%}")
    if "fid" in results:
        lines.append(
            f"FID (classifier features, {results['feature_dim']}-d, "
            f"{results['num_real']} real): {results['fid']:.4f}"
        )
        lines.append(f"KID: {results['kid']:.6f} ± {results['kid_std']:.6f}")
    return "\n".join(lines)
