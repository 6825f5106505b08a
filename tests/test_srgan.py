"""SRGAN: networks, SR data, PSNR/SSIM, both training phases, export, train.py."""

import os
import subprocess
import sys

import gan_test_helper as helper
import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan
from keras_gan.data import super_resolution as sr_data
from keras_gan.metrics import psnr, rgb_to_y, ssim

REPO = helper.REPO
LR, HR = 8, 32  # tiny: x4 from 8 px to the 32 px the discriminator needs


def tiny_srgan(phase="pretrain", relativistic=False, scale=4, content_network=None, **kwargs):
    model = keras_gan.SRGAN.srresnet(
        scale=scale,
        image_size=LR * scale,
        residual_blocks=1,
        filters=4,
        discriminator_filters=2,
        phase=phase,
        relativistic=relativistic,
        seed=1,
        content_loss="vgg" if content_network is not None else "mse",
        content_network=content_network,
        **kwargs,
    )
    return compiled(model)


def compiled(model, optimizer=keras.optimizers.Adam, learning_rate=1e-3):
    model.compile(
        generator_optimizer=optimizer(learning_rate),
        discriminator_optimizer=optimizer(learning_rate),
    )
    return model


def tiny_pretrain():
    return tiny_srgan("pretrain")


def tiny_relativistic():
    # SGD: Adam's first step g / (|g| + eps) turns ~1e-8 float noise on the tiny
    # discriminator's near-zero gradients into ~1e-5 weight differences.
    model = keras_gan.SRGAN.srresnet(
        scale=4,
        image_size=32,
        residual_blocks=1,
        filters=4,
        discriminator_filters=2,
        phase="adversarial",
        relativistic=True,
        seed=1,
    )
    return compiled(model, keras.optimizers.SGD, 0.1)


def sr_batch(batch_size, scale=4):
    rng = np.random.default_rng(0)
    return {
        "lr": rng.uniform(-1, 1, (batch_size, LR, LR, 3)).astype("float32"),
        "hr": rng.uniform(-1, 1, (batch_size, LR * scale, LR * scale, 3)).astype("float32"),
    }


# -------------------------------------------------------------------- networks
@pytest.mark.parametrize("scale", [2, 4])
def test_generator_is_fully_convolutional(scale):
    generator = keras_gan.networks.srresnet_generator(scale=scale, residual_blocks=1, filters=4)
    assert [i.name for i in generator.inputs] == ["image"]
    for h, w in ((8, 8), (5, 7)):
        out = keras.ops.convert_to_numpy(generator(np.ones((2, h, w, 3), "float32")))
        assert out.shape == (2, h * scale, w * scale, 3) and out.dtype == np.float32
        assert np.all(np.abs(out) <= 1)
    disc = keras_gan.networks.srgan_discriminator(image_size=8 * scale, filters=2)
    assert disc(np.zeros((2, 8 * scale, 8 * scale, 3), "float32")).shape == (2, 1)


def test_pixel_shuffle_matches_depth_to_space():
    layer = keras_gan.layers.PixelShuffle(2)
    x = np.arange(2 * 3 * 5 * 8, dtype="float32").reshape(2, 3, 5, 8)
    np.testing.assert_array_equal(layer(x), tf.nn.depth_to_space(x, 2))
    assert keras_gan.layers.PixelShuffle.from_config(layer.get_config()).upscale_factor == 2
    with pytest.raises(ValueError, match="upscale_factor"):
        keras_gan.layers.PixelShuffle(1)


# --------------------------------------------------------------------- metrics
def test_psnr_ssim_known_values():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 246, (2, 24, 24, 3)).astype(np.uint8)
    # identical images: PSNR inf, SSIM 1
    assert np.all(np.isinf(psnr(a, a, max_val=255, y_channel=True)))
    np.testing.assert_allclose(ssim(a, a, max_val=255, y_channel=True), 1.0, atol=1e-6)
    # gray images + 10 levels: Y differs by 219 * 10 / 255 everywhere
    gray = np.repeat(a[..., :1], 3, axis=-1)
    expected = 20 * np.log10(255 / (219 * 10 / 255))  # 29.45 dB
    np.testing.assert_allclose(
        psnr(gray + 10, gray, max_val=255, y_channel=True), expected, atol=1e-3
    )
    # Gaussian noise (sigma 0.1) on [-1, 1] images: 10 log10(2^2 / MSE)
    x = rng.uniform(-0.5, 0.5, (2, 24, 24, 3)).astype("float32")
    y = x + rng.normal(0, 0.1, x.shape).astype("float32")
    mse = np.mean((x - y) ** 2, axis=(1, 2, 3))
    np.testing.assert_allclose(psnr(x, y), 10 * np.log10(4 / mse), rtol=1e-4)
    assert abs(float(np.mean(psnr(x, y))) - 26.02) < 0.2
    # constant images: SSIM = (2 m1 m2 + C1) / (m1^2 + m2^2 + C1), variances 0
    u1, u2 = np.full((1, 16, 16, 1), 100, np.uint8), np.full((1, 16, 16, 1), 120, np.uint8)
    m1, m2 = 16 + 219 * 100 / 255, 16 + 219 * 120 / 255
    c1 = (0.01 * 255) ** 2
    np.testing.assert_allclose(
        ssim(u1, u2, max_val=255, y_channel=True),
        (2 * m1 * m2 + c1) / (m1**2 + m2**2 + c1),
        rtol=5e-4,
    )  # float32 sums


def test_rgb_to_y_and_border_crop():
    white = np.full((1, 2, 2, 3), 255, np.uint8)
    np.testing.assert_allclose(rgb_to_y(white, max_val=255), 235.0, rtol=1e-6)
    np.testing.assert_allclose(rgb_to_y(-np.ones((1, 2, 2, 3), "float32")), 16.0)
    red = np.zeros((1, 1, 1, 3), np.uint8)
    red[..., 0] = 255
    np.testing.assert_allclose(rgb_to_y(red, max_val=255), 16 + 65.481, rtol=1e-6)
    a = np.zeros((1, 20, 20, 3), np.uint8)
    b = a.copy()
    b[:, :4] = 200  # differs only within the 4 px border
    assert np.isinf(psnr(a, b, max_val=255, crop_border=4, y_channel=True)[0])
    assert np.isfinite(psnr(a, b, max_val=255, crop_border=3, y_channel=True)[0])
    with pytest.raises(ValueError, match="max_val=255"):
        psnr(a, b, max_val=2.0)
    metric = keras_gan.metrics.PSNR(crop_border=4)
    metric.update_state(from_u8(a), from_u8(b))
    assert np.isinf(float(metric.result()))


def from_u8(x):
    return keras_gan.data.from_uint8(x).numpy()


# ---------------------------------------------------------------- bicubic data
def test_imresize_matches_matlab_rules():
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (64, 48, 3))
    lr = sr_data.imresize(x, 1 / 4)
    assert lr.shape == (16, 12, 3)
    # interior: the antialiased Keys kernel (a = -0.5) of tf.image.resize
    tf_lr = tf.image.resize(x[None], (16, 12), method="bicubic", antialias=True).numpy()[0]
    np.testing.assert_allclose(lr[3:-3, 3:-3], tf_lr[3:-3, 3:-3], atol=1e-5)
    # a linear ramp stays exact away from the borders (the cubic reproduces lines);
    # MATLAB's symmetric padding makes the borders mirror images of each other
    ramp = np.tile(np.arange(64, dtype=np.float64)[:, None, None], (1, 8, 1))
    out = sr_data.imresize(ramp, 1 / 4)[:, 0, 0]
    np.testing.assert_allclose(out[2:-2], np.arange(2, 14) * 4 + 1.5, atol=1e-9)
    np.testing.assert_allclose(out + out[::-1], 63.0, atol=1e-9)
    assert abs(out[0] - 1.5) > 0.05  # not the zero-padded / extrapolated value
    np.testing.assert_allclose(sr_data.imresize(np.full((9, 9), 0.3), 1 / 3), 0.3)
    up = sr_data.imresize(np.full((4, 4, 3), 77, np.uint8), 4)
    assert up.dtype == np.uint8 and up.shape == (16, 16, 3) and np.all(up == 77)
    np.testing.assert_allclose(sr_data.bicubic_downscale(x, 4), lr, atol=1e-5)


def _write_images(folder, sizes):
    rng = np.random.default_rng(0)
    os.makedirs(folder, exist_ok=True)
    for i, (h, w) in enumerate(sizes):
        mode = "L" if i == 0 else "RGB"
        shape = (h, w) if mode == "L" else (h, w, 3)
        Image.fromarray(rng.integers(0, 256, shape).astype(np.uint8), mode).save(
            os.path.join(folder, f"img_{i}.png")
        )
    return folder


def test_super_resolution_dataset_makes_bicubic_lr(tmp_path):
    folder = _write_images(str(tmp_path / "hr"), [(40, 50), (33, 36), (20, 24)])  # 20 px < crop
    data = sr_data.super_resolution_dataset(
        f"folder:{folder}", image_size=32, scale=4, batch_size=2, crops_per_image=2, seed=3
    )
    assert data.steps_per_epoch == 3 and data.num_examples == 3
    batch = next(iter(data.dataset))
    assert batch["lr"].shape == (2, 8, 8, 3) and batch["hr"].shape == (2, 32, 32, 3)
    hr01 = (batch["hr"].numpy() + 1) / 2
    expected = np.round(np.clip(sr_data.bicubic_downscale(hr01, 4).numpy(), 0, 1) * 255) / 255
    np.testing.assert_allclose((batch["lr"].numpy() + 1) / 2, expected, atol=1e-6)
    again = next(
        iter(
            sr_data.super_resolution_dataset(
                f"folder:{folder}", image_size=32, scale=4, batch_size=2, crops_per_image=2, seed=3
            ).dataset
        )
    )
    np.testing.assert_array_equal(batch["hr"], again["hr"])
    with pytest.raises(ValueError, match="multiple of scale"):
        sr_data.super_resolution_dataset(f"folder:{folder}", image_size=30, scale=4)


def test_tfds_div2k_mock():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=3):
        data = sr_data.super_resolution_dataset(
            "tfds:div2k/bicubic_x4", image_size=32, scale=4, batch_size=2, seed=0
        )
        batch = next(iter(data.dataset))
    assert data.num_examples == 3
    assert batch["lr"].shape == (2, 8, 8, 3) and batch["hr"].shape == (2, 32, 32, 3)


def test_benchmark_protocol_on_gray_image(tmp_path):
    from keras_gan.evaluation import srgan as sr_evaluation

    folder = _write_images(str(tmp_path / "set"), [(30, 27), (24, 32)])  # gray first, not mod 4
    pairs = sr_data.load_benchmark(f"folder:{folder}", 4)
    assert [p[1].shape for p in pairs] == [(28, 24, 3), (24, 32, 3)]
    assert [p[0].shape for p in pairs] == [(7, 6, 3), (6, 8, 3)]
    generator = keras.Sequential(
        [
            keras.Input((None, None, 3), name="image"),
            keras.layers.UpSampling2D(4, interpolation="bilinear"),
        ]
    )
    result = sr_evaluation.evaluate_super_resolution(generator, f"folder:{folder}", 4)
    assert result["num_images"] == 2 and np.isfinite(result["model"]["psnr"])
    assert "tiny" in sr_evaluation.format_super_resolution_table([result], ["tiny"])


# -------------------------------------------------------------------- training
def test_pretrain_updates_only_the_generator():
    model = tiny_pretrain()
    disc_before = [w.copy() for w in model.discriminator.get_weights()]
    logs = helper.check_fit_step(model, sr_batch(2))
    assert logs["pixel_loss"] > 0 and logs["d_loss"] == 0
    for a, b in zip(disc_before, model.discriminator.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert int(model.discriminator_optimizer.iterations.numpy()) == 0


@pytest.mark.parametrize("relativistic", [False, True])
def test_adversarial_step_updates_both(relativistic):
    model = tiny_srgan("pretrain", relativistic=relativistic)
    helper.check_fit_step(model, sr_batch(2))
    model.set_phase("adversarial")  # switch between fits: the train function retraces
    logs = helper.check_fit_step(model, sr_batch(2))
    assert logs["d_loss"] > 0 and logs["content_loss"] > 0 and logs["pixel_loss"] == 0
    assert int(model.discriminator_optimizer.iterations.numpy()) == 1
    assert int(model.generator_optimizer.iterations.numpy()) == 2


@pytest.mark.slow
def test_replica_equivalence_pretrain_and_relativistic_adversarial():
    # Relativistic: E[C(x_f)] and E[C(x_r)] are over the global batch (all-reduced across
    # replicas). Both models in one subprocess (a second would import TensorFlow again).
    factories = ["test_srgan:tiny_pretrain", "test_srgan:tiny_relativistic"]
    results = helper.check_replica_equivalence(factories, "test_srgan:sr_batch")
    assert list(results) == factories


def test_save_load_keeps_phase_and_state(tmp_path):
    model = tiny_srgan("adversarial", relativistic=True)
    model.fit(helper.one_batch_dataset(sr_batch(2)), epochs=1, verbose=0)
    helper.check_config_round_trip(model)
    loaded = helper.check_save_load(model, sr_batch(2)["lr"], tmp_path)
    assert loaded.phase == "adversarial" and loaded.relativistic
    loaded.set_phase("pretrain")
    loaded.fit(helper.one_batch_dataset(sr_batch(2)), epochs=1, verbose=0)
    assert int(loaded.generator_optimizer.iterations.numpy()) == 2


def test_invalid_arguments():
    generator = keras_gan.networks.srresnet_generator(scale=4, residual_blocks=0, filters=2)
    discriminator = keras_gan.networks.srgan_discriminator(image_size=32, filters=2)
    with pytest.raises(ValueError, match="content_network"):
        keras_gan.SRGAN(generator, discriminator, content_loss="vgg")
    with pytest.raises(ValueError, match="phase"):
        keras_gan.SRGAN(generator, discriminator, phase="finetune")
    model = keras_gan.SRGAN.srresnet(
        scale=4,
        image_size=32,
        residual_blocks=0,
        filters=2,
        discriminator_filters=2,
        relativistic=True,
    )
    with pytest.raises(ValueError, match="relativistic"):
        model.compile(loss="hinge")


# ------------------------------------------------------------------------- VGG
def test_vgg_error_names_both_ways(monkeypatch, tmp_path):
    with pytest.raises(ValueError) as error:
        keras_gan.networks.vgg19_features(weights=str(tmp_path / "missing.h5"))
    assert "'imagenet'" in str(error.value) and "--vgg_weights=PATH" in str(error.value)

    def offline(*args, **kwargs):
        raise OSError("no network")

    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(ValueError) as error:
        keras_gan.networks.vgg19_features(weights="imagenet")
    message = str(error.value)
    assert (
        "keras.applications" in message
        and "--vgg_weights=PATH" in message
        and "no network" in message
    )

    from keras_gan.recipes import get_recipe
    from keras_gan.training import TrainConfig

    recipe = get_recipe("srgan")
    config = recipe.resolve(TrainConfig(model="srgan", content_loss="vgg"))
    with pytest.raises(ValueError, match="--vgg_weights=PATH"):
        recipe.build_model(config, None)


@pytest.mark.slow
def test_vgg_content_loss_from_local_weights(tmp_path):
    path = str(tmp_path / "vgg19_notop.weights.h5")
    keras.applications.VGG19(include_top=False, weights=None).save_weights(path)
    features = keras_gan.networks.vgg19_features(weights=path)
    assert features.output.shape[-1] == 512 and not features.trainable_weights
    model = tiny_srgan("adversarial", content_network=features)
    before = [w.copy() for w in features.get_weights()]
    logs = helper.check_fit_step(model, sr_batch(2))
    assert logs["content_loss"] > 0
    for a, b in zip(before, features.get_weights()):
        np.testing.assert_array_equal(a, b)


# -------------------------------------------------------------------- train.py
@pytest.mark.slow
def test_train_py_both_phases_and_export(tmp_path):
    folder = _write_images(str(tmp_path / "hr"), [(40, 40), (48, 36), (36, 44)])
    out = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "train.py"),
            "--model=srgan",
            f"--dataset=folder:{folder}",
            "--image_size=32",
            "--scale=4",
            "--residual_blocks=1",
            "--filters=4",
            "--batch_size=2",
            "--pretrain_epochs=1",
            "--epochs=1",
            "--steps_per_epoch=1",
            "--samples=2",
            "--verbose=0",
            f"--output_dir={out}",
            "--export=saved_model,tflite",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(tmp_path),
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": REPO},
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    for name in ("generator.keras", "srresnet.keras", "model.keras", "history.csv"):
        assert (out / name).is_file(), name
    assert sorted(os.listdir(out / "samples")) == ["epoch_001.png", "epoch_002.png"]
    generator = keras.saving.load_model(out / "generator.keras")
    assert generator(np.zeros((1, 5, 7, 3), "float32")).shape == (1, 20, 28, 3)
    model = keras.saving.load_model(out / "model.keras")
    assert model.phase == "adversarial" and int(model.generator_optimizer.iterations.numpy()) == 2
    exported = tmp_path / "saved_models" / "srgan"
    assert (exported / "tflite" / "srgan_float32.tflite").is_file()
    served = tf.saved_model.load(str(exported / "1")).signatures["serving_default"]
    result = list(served(image=tf.zeros((1, 6, 9, 3))).values())[0]
    assert result.shape == (1, 24, 36, 3)  # dynamic H and W


def test_tfds_hr_feature_is_the_image_when_there_is_no_image_feature():
    tfds = pytest.importorskip("tensorflow_datasets")
    from keras_gan.data.sources import load_source

    with tfds.testing.mock_data(num_examples=3):
        raw = next(iter(tfds.load("div2k/bicubic_x4", split="train")))
        source = load_source("tfds:div2k/bicubic_x4", labels=False)
        image = source.decode(next(iter(source.dataset)))["image"]
        np.testing.assert_array_equal(image, tf.image.convert_image_dtype(raw["hr"], tf.float32))
        data = keras_gan.data.super_resolution_dataset(
            "tfds:div2k/bicubic_x4", image_size=16, scale=4, batch_size=2, seed=0
        )
        batch = next(iter(data.dataset))
    assert batch["lr"].shape == (2, 4, 4, 3) and batch["hr"].shape == (2, 16, 16, 3)
    assert data.num_examples == 3


def test_xla_compiles_the_adversarial_step_once():
    helper.check_xla_compiles_once("test_srgan:tiny_relativistic", "test_srgan:sr_batch")
