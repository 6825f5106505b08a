"""Callback that measures FID/KID (and optionally IS/coverage) during training."""

from __future__ import annotations

import time

import keras
import numpy as np

from keras_gan.metrics.classification import (
    class_coverage,
    classifier_probabilities,
    inception_score,
)
from keras_gan.metrics.distances import (
    feature_moments,
    frechet_distance_from_moments,
    kernel_inception_distance,
)
from keras_gan.metrics.features import compute_features


class GenerativeMetricsCallback(keras.callbacks.Callback):
    """Computes FID and KID of the model's samples every few epochs.

    At the end of every ``every_n_epochs``-th epoch, draws ``num_samples`` images
    with ``self.model.sample(num_samples)`` (the `keras_gan` GAN API), extracts
    their features with ``feature_extractor`` and compares them with the features
    of ``real_images`` (computed once, on the first evaluation, and cached). The
    figures are written into the epoch ``logs`` as ``fid`` and ``kid`` (the KID
    mean), and, when a ``classifier`` is given, ``inception_score`` and
    ``classes_hit``, so that `History`, `CSVLogger`, `TensorBoard`,
    `EarlyStopping` or `ModelCheckpoint(monitor="fid", mode="min")` see them.
    Place this callback before the callbacks that read the logs in the
    ``callbacks`` list (History and the progress bar always come last).

    On epochs without evaluation the keys are absent (like ``val_*`` keys with
    ``validation_freq``); `CSVLogger` fixes its columns at the first epoch, so
    use ``every_n_epochs=1`` when logging to CSV.

    Args:
        real_images: NHWC real images in ``[-1, 1]``: an array, tensor or
            `tf.data.Dataset` (images, ``(image, label)`` or ``{"image": ...}``).
            Use as many as ``num_samples`` or more.
        feature_extractor: a Keras model mapping images to feature vectors, e.g.
            `keras_gan.metrics.inception_feature_extractor()` or the penultimate
            layer of a domain classifier. Images are resized and channel-tiled to
            its input when needed.
        num_samples: number of generated images per evaluation.
        every_n_epochs: evaluate at the end of epochs ``n-1, 2n-1, ...`` (0-based).
        batch_size: batch size for sampling and feature extraction.
        kid_subset_size: subset size of the KID estimate (capped by the sample
            counts).
        kid_num_subsets: number of KID subsets.
        classifier: optional Keras model returning class probabilities or logits
            (logits are detected and softmaxed); adds ``inception_score`` and
            ``classes_hit`` to the logs.
        verbose: 1 prints one line per evaluation, 0 is silent.

    Example:

    ```python
    callback = GenerativeMetricsCallback(
        real_images=x_test[:1000],
        feature_extractor=keras_gan.metrics.inception_feature_extractor(),
        num_samples=1000,
        every_n_epochs=5,
    )
    gan.fit(dataset, epochs=50, callbacks=[callback, keras.callbacks.CSVLogger("log.csv")])
    ```

    Reference:
        Heusel et al. 2017 (FID), Bińkowski et al. 2018 (KID), Salimans et al.
        2016 (Inception Score).
    """

    def __init__(
        self,
        real_images,
        feature_extractor,
        num_samples=1000,
        every_n_epochs=1,
        batch_size=64,
        kid_subset_size=1000,
        kid_num_subsets=100,
        classifier=None,
        verbose=1,
    ):
        super().__init__()
        if num_samples < 2:
            raise ValueError(f"num_samples must be >= 2, got {num_samples}.")
        if every_n_epochs < 1:
            raise ValueError(f"every_n_epochs must be >= 1, got {every_n_epochs}.")
        self.real_images = real_images
        self.feature_extractor = feature_extractor
        self.num_samples = int(num_samples)
        self.every_n_epochs = int(every_n_epochs)
        self.batch_size = int(batch_size)
        self.kid_subset_size = int(kid_subset_size)
        self.kid_num_subsets = int(kid_num_subsets)
        self.classifier = classifier
        self.verbose = verbose
        self._real_features = None
        self._real_moments = None

    def _real_statistics(self):
        if self._real_features is None:
            self._real_features = compute_features(
                self.feature_extractor, self.real_images, batch_size=self.batch_size
            )
            self._real_moments = feature_moments(self._real_features)
        return self._real_features, self._real_moments

    def evaluate(self):
        """Samples from the model and returns the metrics as a dict of floats."""
        if not hasattr(self.model, "sample"):
            raise TypeError(
                "GenerativeMetricsCallback needs a model with a "
                "`sample(num_samples, labels=None, batch_size=None)` method."
            )
        real_features, real_moments = self._real_statistics()
        images = self.model.sample(self.num_samples, batch_size=self.batch_size)
        images = np.asarray(keras.ops.convert_to_numpy(images), dtype=np.float32)
        fake_features = compute_features(self.feature_extractor, images, batch_size=self.batch_size)
        results = {
            "fid": frechet_distance_from_moments(*real_moments, *feature_moments(fake_features)),
            "kid": kernel_inception_distance(
                real_features,
                fake_features,
                num_subsets=self.kid_num_subsets,
                subset_size=self.kid_subset_size,
            )[0],
        }
        if self.classifier is not None:
            probabilities = classifier_probabilities(
                self.classifier, images, batch_size=self.batch_size
            )
            results["inception_score"] = inception_score(probabilities)[0]
            results["classes_hit"] = float(class_coverage(probabilities)["classes_hit"])
        return results

    def on_epoch_end(self, epoch, logs=None):
        if (epoch + 1) % self.every_n_epochs != 0:
            return
        start = time.perf_counter()
        results = self.evaluate()
        if logs is not None:
            logs.update(results)
        if self.verbose:
            figures = "  ".join(f"{key}: {value:.4g}" for key, value in results.items())
            print(
                f"Epoch {epoch + 1}: {figures}  "
                f"({self.num_samples} samples, {time.perf_counter() - start:.1f}s)"
            )
