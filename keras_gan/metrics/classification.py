"""Classifier-based metrics of generated samples: Inception Score and class coverage."""

from __future__ import annotations

import numpy as np

from keras_gan.metrics.features import compute_features

_EPS = 1e-12


def to_probabilities(outputs, atol=1e-3):
    """Returns class probabilities from classifier outputs (probabilities or logits).

    Rows that are non-negative and sum to 1 (within ``atol``) are taken as
    probabilities; otherwise the outputs are treated as logits and softmaxed.

    Args:
        outputs: array ``(N, K)`` of classifier outputs.
        atol: tolerance on the row sums.

    Returns:
        A float64 array ``(N, K)`` whose rows sum to 1.

    Example:

    ```python
    to_probabilities(np.array([[2.0, 0.0]]))  # softmax: [[0.88, 0.12]]
    ```
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    if outputs.ndim != 2:
        raise ValueError(f"Expected (N, num_classes) outputs, got shape {outputs.shape}.")
    if np.all(outputs >= 0.0) and np.allclose(outputs.sum(axis=1), 1.0, atol=atol):
        return outputs
    shifted = outputs - outputs.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def inception_score(probabilities, splits=1):
    """Inception Score (IS): ``exp(E_x KL(p(y|x) || p(y)))``.

    High when every sample is classified confidently (low entropy of
    ``p(y|x)``) and the classes are used evenly (high entropy of the marginal
    ``p(y)``). It ranges from 1 (all predictions equal) to the number of classes
    (confident predictions spread uniformly over all classes). With a domain
    classifier instead of Inception (e.g. an MNIST CNN), this is the usual
    "classifier score" for that domain.

    Args:
        probabilities: array ``(N, K)`` of class probabilities ``p(y|x)`` (use
            `to_probabilities` for logits).
        splits: number of disjoint splits; the score is computed on each, as in
            the reference implementation (which uses 10 splits of 50,000 samples).

    Returns:
        ``(mean, std)`` of the score over the splits, as Python floats (std is 0
        for ``splits=1``).

    Example:

    ```python
    inception_score(np.eye(10))  # (10.0, 0.0)
    ```

    Reference:
        Salimans et al., "Improved Techniques for Training GANs", NeurIPS 2016.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2:
        raise ValueError(f"Expected (N, num_classes) probabilities, got {probabilities.shape}.")
    if splits < 1 or splits > probabilities.shape[0]:
        raise ValueError(f"splits must be in [1, {probabilities.shape[0]}], got {splits}.")
    scores = []
    for part in np.array_split(probabilities, splits, axis=0):
        marginal = part.mean(axis=0, keepdims=True)
        kl = part * (np.log(np.clip(part, _EPS, None)) - np.log(np.clip(marginal, _EPS, None)))
        scores.append(np.exp(kl.sum(axis=1).mean()))
    return float(np.mean(scores)), float(np.std(scores))


def class_coverage(probabilities, num_classes=None, confidence_threshold=0.5):
    """Which classes the samples cover, according to a classifier.

    Detects mode collapse: a generator that produces only a few digits has few
    classes hit, or a very uneven distribution of predicted classes.

    Args:
        probabilities: array ``(N, K)`` of class probabilities (or logits: only the
            argmax is used for the counts; the confident fraction needs
            probabilities).
        num_classes: number of classes; defaults to ``K``.
        confidence_threshold: a sample is "confident" when its max probability
            exceeds this.

    Returns:
        A dict with
        ``counts`` (int array ``(num_classes,)`` of argmax predictions per class),
        ``fractions`` (float array, counts / N),
        ``classes_hit`` (number of classes predicted at least once),
        ``num_classes``,
        ``confident_fraction`` (fraction of samples with max probability above
        ``confidence_threshold``),
        ``max_fraction`` and ``min_fraction`` (of the per-class fractions).

    Example:

    ```python
    class_coverage(np.eye(10)[[0, 0, 1]])["classes_hit"]  # 2
    ```
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if probabilities.ndim != 2 or probabilities.shape[0] == 0:
        raise ValueError(f"Expected non-empty (N, K) probabilities, got {probabilities.shape}.")
    num_classes = int(num_classes or probabilities.shape[1])
    predictions = probabilities.argmax(axis=1)
    counts = np.bincount(predictions, minlength=num_classes)[:num_classes]
    fractions = counts / probabilities.shape[0]
    return {
        "counts": counts,
        "fractions": fractions,
        "classes_hit": int(np.count_nonzero(counts)),
        "num_classes": num_classes,
        "confident_fraction": float(np.mean(probabilities.max(axis=1) > confidence_threshold)),
        "max_fraction": float(fractions.max()),
        "min_fraction": float(fractions.min()),
    }


def classifier_probabilities(classifier, images, batch_size=64):
    """Runs a classifier over images and returns class probabilities.

    Images are adapted to the classifier input like in `compute_features`
    (resize, channel tiling); logits are detected and softmaxed
    (see `to_probabilities`).

    Args:
        classifier: a `keras.Model` returning ``(N, K)`` probabilities or logits.
        images: NHWC images in ``[-1, 1]`` (array, tensor or `tf.data.Dataset`).
        batch_size: batch size of the forward passes.

    Returns:
        A float64 array ``(N, K)`` of probabilities.

    Example:

    ```python
    probabilities = classifier_probabilities(mnist_classifier, generated_images)
    score, _ = inception_score(probabilities)
    ```
    """
    return to_probabilities(compute_features(classifier, images, batch_size=batch_size))
