"""Tests of keras_gan.metrics, GenerativeMetricsCallback and keras_gan.evaluation."""

import gzip
import json
import struct

import keras
import numpy as np
import pytest
import scipy.linalg
import tensorflow as tf

import keras_gan
from keras_gan import evaluation, metrics
from keras_gan.callbacks.generative_metrics_callback import GenerativeMetricsCallback
from keras_gan.metrics import features as features_module

# ---------------------------------------------------------------------------
# FID


def _scipy_fid(mu1, sigma1, mu2, sigma2):
    """Textbook FID with scipy's sqrtm, as in the reference implementation."""
    covmean = scipy.linalg.sqrtm(sigma1 @ sigma2).real
    diff = mu1 - mu2
    return diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2 * np.trace(covmean)


def test_fid_of_identical_feature_sets_is_zero():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(500, 16))
    assert metrics.frechet_distance(features, features) == pytest.approx(0.0, abs=1e-8)


def test_fid_from_moments_matches_closed_form_for_diagonal_covariances():
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.normal(size=6), rng.normal(size=6)
    var1, var2 = rng.uniform(0.1, 3.0, size=6), rng.uniform(0.1, 3.0, size=6)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum(var1 + var2 - 2 * np.sqrt(var1 * var2))
    got = metrics.frechet_distance_from_moments(mu1, np.diag(var1), mu2, np.diag(var2))
    assert got == pytest.approx(expected, rel=1e-10)


def test_fid_from_moments_matches_scipy_for_full_covariances():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(8, 8)), rng.normal(size=(8, 8))
    sigma1, sigma2 = a @ a.T + 0.1 * np.eye(8), b @ b.T + 0.1 * np.eye(8)
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    got = metrics.frechet_distance_from_moments(mu1, sigma1, mu2, sigma2)
    assert got == pytest.approx(_scipy_fid(mu1, sigma1, mu2, sigma2), rel=1e-8)
    # The distance is symmetric.
    assert metrics.frechet_distance_from_moments(mu2, sigma2, mu1, sigma1) == pytest.approx(
        got, rel=1e-8
    )


def test_fid_of_gaussian_samples_approaches_closed_form():
    rng = np.random.default_rng(3)
    mu1, mu2 = np.zeros(4), np.array([1.0, -0.5, 0.0, 2.0])
    std1, std2 = np.array([1.0, 2.0, 0.5, 1.0]), np.array([1.5, 1.0, 0.5, 0.2])
    real = mu1 + std1 * rng.normal(size=(50000, 4))
    fake = mu2 + std2 * rng.normal(size=(50000, 4))
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((std1 - std2) ** 2)  # = 6.89
    assert metrics.frechet_distance(real, fake) == pytest.approx(expected, rel=0.02)


def test_fid_is_finite_with_singular_covariances():
    rng = np.random.default_rng(4)
    # Fewer samples than dimensions, as with 2048-d Inception features.
    real, fake = rng.normal(size=(20, 64)), rng.normal(size=(20, 64)) + 1.0
    fid = metrics.frechet_distance(real, fake)
    assert np.isfinite(fid) and fid > 50.0


def test_fid_rejects_bad_shapes():
    with pytest.raises(ValueError):
        metrics.frechet_distance(np.zeros((10, 3)), np.zeros((10, 4)))
    with pytest.raises(ValueError):
        metrics.frechet_distance(np.zeros((1, 3)), np.zeros((10, 3)))


# ---------------------------------------------------------------------------
# KID


def _brute_force_mmd2(x, y):
    d = x.shape[1]

    def k(a, b):
        return (a @ b / d + 1.0) ** 3

    m, n = len(x), len(y)
    xx = sum(k(x[i], x[j]) for i in range(m) for j in range(m) if i != j) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i in range(n) for j in range(n) if i != j) / (n * (n - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(n)) / (m * n)
    return xx + yy - 2 * xy


def test_kid_matches_brute_force_unbiased_mmd():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(12, 3)), rng.normal(size=(12, 3)) + 0.5
    # With subsets of the full size every subset is a permutation: exact value, std 0.
    mean, std = metrics.kernel_inception_distance(x, y, num_subsets=3, subset_size=100)
    assert mean == pytest.approx(_brute_force_mmd2(x, y), rel=1e-10)
    assert std == pytest.approx(0.0, abs=1e-10)


def test_kid_is_near_zero_for_same_distribution_and_positive_for_shift():
    rng = np.random.default_rng(6)
    real = rng.normal(size=(2000, 8))
    same = rng.normal(size=(2000, 8))
    shifted = rng.normal(size=(2000, 8)) + 1.0
    kid_same, _ = metrics.kernel_inception_distance(real, same, num_subsets=10, subset_size=500)
    kid_shift, std_shift = metrics.kernel_inception_distance(
        real, shifted, num_subsets=10, subset_size=500
    )
    assert abs(kid_same) < 0.01
    assert kid_shift > 0.5 and kid_shift > 10 * std_shift
    # Deterministic for a given seed.
    assert metrics.kernel_inception_distance(
        real, same, num_subsets=10, subset_size=500
    ) == metrics.kernel_inception_distance(real, same, num_subsets=10, subset_size=500)


# ---------------------------------------------------------------------------
# Inception score, coverage, probabilities


def test_mean_psnr_caps_each_image_at_the_8_bit_rounding_psnr():
    # The cap is the PSNR of rounding noise: an error uniform over one 8-bit level.
    assert metrics.PSNR_CAP == pytest.approx(10 * np.log10(255.0**2 / (1 / 12)))
    assert metrics.PSNR_CAP == pytest.approx(58.92, abs=0.01)
    assert metrics.mean_psnr([30.0, np.inf]) == pytest.approx((30.0 + metrics.PSNR_CAP) / 2)
    assert metrics.mean_psnr(tf.constant([20.0, 40.0])) == pytest.approx(30.0)
    identical = np.zeros((2, 8, 8, 3), np.float32)
    assert metrics.mean_psnr(metrics.psnr(identical, identical)) == pytest.approx(metrics.PSNR_CAP)


def test_inception_score_extremes():
    confident_uniform = np.tile(np.eye(10), (20, 1))
    assert metrics.inception_score(confident_uniform)[0] == pytest.approx(10.0)
    mean, std = metrics.inception_score(confident_uniform, splits=4)
    assert mean == pytest.approx(10.0) and std == pytest.approx(0.0, abs=1e-12)
    constant = np.tile([[0.7, 0.2, 0.1]], (50, 1))
    assert metrics.inception_score(constant)[0] == pytest.approx(1.0)
    # Confident but only 2 of 10 classes: score 2.
    two_modes = np.eye(10)[[0, 1] * 25]
    assert metrics.inception_score(two_modes)[0] == pytest.approx(2.0)


def test_inception_score_matches_kl_definition():
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.ones(5) * 0.3, size=200)
    marginal = p.mean(axis=0)
    expected = np.exp(np.mean(np.sum(p * np.log(p / marginal), axis=1)))
    assert metrics.inception_score(p)[0] == pytest.approx(expected, rel=1e-6)


def test_class_coverage_counts():
    probabilities = np.array(
        [[0.9, 0.05, 0.05, 0.0], [0.8, 0.1, 0.1, 0.0], [0.4, 0.35, 0.25, 0.0], [0.1, 0.1, 0.8, 0.0]]
    )
    coverage = metrics.class_coverage(probabilities)
    np.testing.assert_array_equal(coverage["counts"], [3, 0, 1, 0])
    np.testing.assert_allclose(coverage["fractions"], [0.75, 0.0, 0.25, 0.0])
    assert coverage["classes_hit"] == 2
    assert coverage["num_classes"] == 4
    assert coverage["confident_fraction"] == pytest.approx(0.75)
    assert coverage["max_fraction"] == 0.75 and coverage["min_fraction"] == 0.0


def test_to_probabilities_detects_logits():
    probabilities = np.array([[0.25, 0.75], [1.0, 0.0]])
    np.testing.assert_array_equal(metrics.to_probabilities(probabilities), probabilities)
    logits = np.array([[0.0, np.log(3.0)], [5.0, 5.0]])
    np.testing.assert_allclose(metrics.to_probabilities(logits), [[0.25, 0.75], [0.5, 0.5]])


# ---------------------------------------------------------------------------
# compute_features and feature extractors


def _flatten_model(height, width, channels):
    inputs = keras.Input(shape=(height, width, channels))
    return keras.Model(inputs, keras.layers.Flatten()(inputs))


def test_compute_features_resizes_and_tiles_channels():
    rng = np.random.default_rng(8)
    images = rng.uniform(-1, 1, size=(5, 4, 4, 1)).astype("float32")
    features = metrics.compute_features(_flatten_model(8, 8, 3), images, batch_size=2)
    expected = tf.tile(tf.image.resize(images, (8, 8), method="bilinear"), [1, 1, 1, 3])
    assert features.shape == (5, 8 * 8 * 3)
    np.testing.assert_allclose(features, expected.numpy().reshape(5, -1), atol=1e-6)


def test_compute_features_averages_rgb_for_gray_models_and_keeps_sizes():
    images = np.random.default_rng(9).uniform(-1, 1, size=(3, 6, 6, 3)).astype("float32")
    features = metrics.compute_features(_flatten_model(6, 6, 1), images)
    np.testing.assert_allclose(features, images.mean(axis=-1).reshape(3, -1), atol=1e-6)


def test_compute_features_accepts_datasets_and_tensors():
    images = np.random.default_rng(10).uniform(-1, 1, size=(7, 4, 4, 1)).astype("float32")
    model = _flatten_model(4, 4, 1)
    expected = images.reshape(7, -1)
    labels = np.zeros(7, "int32")
    for source in (
        tf.constant(images),
        tf.data.Dataset.from_tensor_slices(images),
        tf.data.Dataset.from_tensor_slices(images).batch(3),
        tf.data.Dataset.from_tensor_slices({"image": images, "label": labels}),
        tf.data.Dataset.from_tensor_slices((images, labels)).batch(4),
    ):
        np.testing.assert_allclose(
            metrics.compute_features(model, source, batch_size=2), expected, atol=1e-6
        )


def test_inception_preprocessing_accepts_gray_and_rgb_of_any_size():
    layer = features_module._InceptionPreprocessing()
    gray = layer(np.zeros((2, 28, 28, 1), "float32"))
    rgb = layer(np.zeros((1, 32, 40, 3), "float32"))
    assert tuple(gray.shape) == (2, 299, 299, 3) and tuple(rgb.shape) == (1, 299, 299, 3)


def test_inception_feature_extractor_structure_with_random_weights():
    extractor = metrics.inception_feature_extractor(weights=None)
    assert extractor.output_shape == (None, 2048)
    gray = metrics.compute_features(extractor, np.zeros((2, 28, 28, 1), "float32"))
    rgb = metrics.compute_features(extractor, np.zeros((1, 32, 32, 3), "float32"))
    assert gray.shape == (2, 2048) and rgb.shape == (1, 2048)


def test_inception_feature_extractor_offline_error_is_clear(monkeypatch):
    def offline(timeout):
        raise Exception("URL fetch failure on https://storage.googleapis.com/...: None")

    monkeypatch.setattr(features_module, "_fetch_inception_weights", offline)
    with pytest.raises(RuntimeError) as error:
        metrics.inception_feature_extractor()
    message = str(error.value)
    assert "InceptionV3" in message and "could not be obtained" in message
    assert "feature extractor" in message and "penultimate_feature_extractor" in message


def test_inception_feature_extractor_without_network_fails_fast():
    """Really tries the download: fails here (offline); skipped where it works."""
    try:
        extractor = metrics.inception_feature_extractor(download_timeout=10)
    except RuntimeError as error:
        assert "could not be obtained" in str(error)
        assert "feature extractor" in str(error)
        return
    assert extractor.output_shape == (None, 2048)
    pytest.skip("InceptionV3 weights are available on this machine (online or cached).")


def test_inception_feature_extractor_missing_local_file():
    with pytest.raises(RuntimeError, match="file not found"):
        metrics.inception_feature_extractor(weights="/nonexistent/inception.h5")


# ---------------------------------------------------------------------------
# Callback


class FakeGAN(keras.Model):
    """A stand-in for a keras_gan GAN: trains a Dense layer, samples 8x8x1 images."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense = keras.layers.Dense(64, activation="tanh")

    def call(self, inputs):
        return self.dense(inputs)

    def sample(self, num_samples, labels=None, batch_size=None, seed=0):  # keras_gan.GAN.sample
        z = np.random.default_rng(seed).normal(size=(num_samples, 4)).astype("float32")
        images = self.predict(z, batch_size=batch_size or 32, verbose=0)
        return images.reshape(num_samples, 8, 8, 1)


def _tiny_gan():
    model = FakeGAN()
    model.compile(optimizer="sgd", loss="mse")
    return model


def _fit_data():
    rng = np.random.default_rng(11)
    return rng.normal(size=(16, 4)).astype("float32"), rng.normal(size=(16, 64)).astype("float32")


def test_callback_writes_fid_and_kid_into_logs(tmp_path, capsys):
    real = np.random.default_rng(12).uniform(-1, 1, size=(40, 8, 8, 1)).astype("float32")
    extractor = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(6)]
    )
    callback = GenerativeMetricsCallback(
        real, extractor, num_samples=30, batch_size=16, kid_subset_size=20, kid_num_subsets=5
    )
    csv_path = tmp_path / "log.csv"
    x, y = _fit_data()
    history = _tiny_gan().fit(
        x,
        y,
        batch_size=8,
        epochs=1,
        verbose=0,
        callbacks=[callback, keras.callbacks.CSVLogger(str(csv_path))],
    )
    assert set(history.history) >= {"loss", "fid", "kid"}
    assert np.isfinite(history.history["fid"][0]) and history.history["fid"][0] > 0
    assert np.isfinite(history.history["kid"][0])
    header = csv_path.read_text().splitlines()[0].split(",")
    assert "fid" in header and "kid" in header
    assert "fid:" in capsys.readouterr().out


def test_callback_with_classifier_and_every_n_epochs():
    real = np.random.default_rng(13).uniform(-1, 1, size=(20, 16, 16, 3)).astype("float32")
    extractor = keras.Sequential([keras.Input((16, 16, 3)), keras.layers.GlobalAveragePooling2D()])
    # A classifier returning logits (rows do not sum to 1): softmax is applied.
    classifier = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(3)]
    )
    callback = GenerativeMetricsCallback(
        real, extractor, num_samples=20, every_n_epochs=2, classifier=classifier, verbose=0
    )
    x, y = _fit_data()
    logs = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, epoch_logs: logs.append(dict(epoch_logs))
    )
    _tiny_gan().fit(x, y, batch_size=8, epochs=2, verbose=0, callbacks=[callback, record])
    assert "fid" not in logs[0]
    assert {"fid", "kid", "inception_score", "classes_hit"} <= set(logs[1])
    assert 1.0 <= logs[1]["inception_score"] <= 3.0
    assert 1 <= logs[1]["classes_hit"] <= 3


# ---------------------------------------------------------------------------
# evaluation helpers (evaluate.py)


def test_read_idx_and_load_mnist(tmp_path):
    images = np.arange(3 * 28 * 28, dtype=np.uint32).astype(np.uint8).reshape(3, 28, 28)
    labels = np.array([3, 1, 4], np.uint8)
    with gzip.open(tmp_path / "t10k-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">HBB3I", 0, 8, 3, 3, 28, 28) + images.tobytes())
    with open(tmp_path / "t10k-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">HBBI", 0, 8, 1, 3) + labels.tobytes())
    got_images, got_labels = evaluation.load_mnist(str(tmp_path), "test")
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)


def test_load_image_folder(tmp_path):
    from PIL import Image

    for i in range(3):
        Image.fromarray(np.full((5, 5), 255 * (i % 2), np.uint8)).save(tmp_path / f"{i:05d}.png")
    images = keras_gan.data.load_images(f"folder:{tmp_path}", image_size=5, channels=1)
    assert images.shape == (3, 5, 5, 1)
    np.testing.assert_allclose(images[:, 0, 0, 0], [-1.0, 1.0, -1.0])


def _conditional_generator(latent_dim=5, num_classes=4, label_shape=(1,)):
    z = keras.Input((latent_dim,), name="z")
    label = keras.Input(label_shape, name="label", dtype="int32")
    embedding = keras.layers.Flatten()(keras.layers.Embedding(num_classes, 8)(label))
    hidden = keras.layers.Concatenate()([z, embedding])
    images = keras.layers.Reshape((12, 12, 1))(keras.layers.Dense(144, activation="tanh")(hidden))
    return keras.Model([z, label], images)


def _small_classifier(num_classes=4):
    return keras.Sequential(
        [
            keras.Input((10, 10, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(7, activation="relu", name="features"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )


def test_evaluate_generator_end_to_end(tmp_path):
    generator = _conditional_generator()
    classifier = _small_classifier()
    images, labels = evaluation.sample_generator(generator, 50, num_classes=4, seed=1)
    assert images.shape == (50, 12, 12, 1) and labels.shape == (50,)
    assert set(labels) <= {0, 1, 2, 3}
    # Scalar label input, as in keras_gan.networks: Input((), dtype="int32", name="label").
    images, _ = evaluation.sample_generator(_conditional_generator(label_shape=()), 9, 4)
    assert images.shape == (9, 12, 12, 1)
    extractor = evaluation.penultimate_feature_extractor(classifier)
    assert extractor.output_shape == (None, 7)
    real = np.random.default_rng(14).uniform(-1, 1, size=(60, 10, 10, 1)).astype("float32")
    results = evaluation.evaluate_generator(
        generator, classifier, num_samples=120, real_images=real, kid_num_subsets=5
    )
    assert 1.0 <= results["inception_score"] <= 4.0
    assert results["coverage"]["num_classes"] == 4 and sum(results["coverage"]["counts"]) == 120
    assert results["fid"] >= 0 and results["feature_dim"] == 7 and results["num_real"] == 60
    assert 0.0 <= results["label_accuracy"] <= 1.0
    json.dumps(results)  # JSON-serialisable
    report = evaluation.format_report(results)
    assert "Inception score" in report and "FID" in report and "Classes hit" in report


def test_sample_generator_unconditional_and_sample_api():
    z = keras.Input((3,))
    generator = keras.Model(z, keras.layers.Reshape((2, 2, 1))(keras.layers.Dense(4)(z)))
    images, labels = evaluation.sample_generator(generator, 10)
    assert images.shape == (10, 2, 2, 1) and labels is None
    assert images.min() >= -1 and images.max() <= 1
    images, labels = evaluation.sample_generator(FakeGAN(), 6)
    assert images.shape == (6, 8, 8, 1) and labels is None
