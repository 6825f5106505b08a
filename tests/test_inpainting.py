"""Inpainting: gated convolutions, masks, InpaintingGAN, evaluation, train.py + export."""

import json
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
from keras_gan.data import masks as masks_lib
from keras_gan.evaluation import inpainting as inpainting_evaluation
from keras_gan.metrics import inpainting_quality as iq

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = 32


def tiny_inpainting(two_stage=False, **kwargs):
    model = keras_gan.InpaintingGAN.deepfill(
        image_size=SIZE, filters=4, dilations=(2,), two_stage=two_stage, seed=1, **kwargs
    )
    model.compile(
        generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        loss="hinge",
    )
    return model


def inpainting_batch(batch_size):
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (batch_size, SIZE, SIZE, 3)).astype("float32")
    masks = np.zeros((batch_size, SIZE, SIZE, 1), "float32")
    for i in range(batch_size):
        top, left = rng.integers(0, SIZE // 2, 2)
        masks[i, top : top + SIZE // 2, left : left + SIZE // 3] = 1.0
    return {"image": images, "mask": masks}


def test_gated_conv_shapes_and_config():
    x = np.random.default_rng(0).normal(size=(2, 16, 12, 5)).astype("float32")
    layer = keras_gan.layers.GatedConv2D(8, 3, strides=2)
    y = keras.ops.convert_to_numpy(layer(x))
    assert y.shape == (2, 8, 6, 8)
    assert layer.compute_output_shape((2, 16, 12, 5)) == (2, 8, 6, 8)
    assert layer.conv.kernel.shape == (3, 3, 5, 16)  # features and gates in one conv
    dilated = keras_gan.layers.GatedConv2D(4, 3, dilation_rate=4, activation=None)
    assert keras.ops.convert_to_numpy(dilated(x)).shape == (2, 16, 12, 4)
    # output = features * sigmoid(gates), gates in (0, 1): |y| <= |elu(features)|
    features, gates = np.split(keras.ops.convert_to_numpy(layer.conv(x)), 2, axis=-1)
    expected = keras.ops.convert_to_numpy(keras.activations.elu(features)) / (1 + np.exp(-gates))
    np.testing.assert_allclose(y, expected, rtol=1e-5, atol=1e-6)
    clone = keras_gan.layers.GatedConv2D.from_config(layer.get_config())
    assert clone.get_config() == layer.get_config()
    with pytest.raises(ValueError, match="filters"):
        keras_gan.layers.GatedConv2D(0)


@pytest.mark.parametrize("two_stage,skips", [(False, True), (True, True), (False, False)])
def test_hole_pixels_are_ignored_and_known_pixels_kept(two_stage, skips):
    generator = keras_gan.networks.gated_generator(
        filters=4, dilations=(2,), two_stage=two_stage, skip_connections=skips
    )
    assert [t.name for t in generator.inputs] == ["image", "mask"]
    batch = inpainting_batch(3)
    images, masks = batch["image"], batch["mask"]
    other = np.where(masks > 0, np.random.default_rng(5).uniform(-1, 1, images.shape), images)
    out_a = keras.ops.convert_to_numpy(generator([images, masks]))
    out_b = keras.ops.convert_to_numpy(generator([other.astype("float32"), masks]))
    np.testing.assert_array_equal(out_a, out_b)  # different fillings, same output
    known = np.broadcast_to(masks == 0, images.shape)
    np.testing.assert_array_equal(out_a[known], images[known])  # bit exact
    assert np.any(out_a[~known] != images[~known])
    assert out_a.dtype == np.float32 and np.all(np.abs(out_a) <= 1)
    # any size divisible by 8, not only the training size
    wide = generator([np.zeros((1, 24, 40, 3), "float32"), np.ones((1, 24, 40, 1), "float32")])
    assert wide.shape == (1, 24, 40, 3)


def test_sn_patchgan_shapes():
    d = keras_gan.networks.sn_patchgan_discriminator(filters=4, num_layers=3)
    batch = inpainting_batch(2)
    scores = d([batch["image"], batch["mask"]])
    assert scores.shape == (2, 4, 4, 16)
    assert sum(isinstance(layer, keras.layers.SpectralNormalization) for layer in d.layers) == 3


def _masks(spec, seed, n=24, size=SIZE):
    return np.stack([m.numpy() for m in masks_lib.mask_dataset(spec, size, seed=seed).take(n)])


@pytest.fixture(scope="module")
def mask_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("masks")
    for i in range(3):  # white = hole: a 32 x 16 block of a 64 x 64 image (ratio 1/8)
        pixels = np.zeros((64, 64), np.uint8)
        pixels[8 * i : 8 * i + 32, 16:32] = 255
        Image.fromarray(pixels).save(folder / f"{i}.png")
    return str(folder)


@pytest.mark.parametrize("kind", ["rect", "free_form", "mixed", "folder", "mixed_folder"])
def test_mask_generators_ratios_and_determinism(kind, mask_folder):
    spec = {"folder": f"folder:{mask_folder}", "mixed_folder": f"mixed:{mask_folder}"}.get(
        kind, kind
    )
    a, b, c = _masks(spec, 0), _masks(spec, 0), _masks(spec, 1)
    assert a.shape == (24, SIZE, SIZE, 1) and a.dtype == np.float32
    assert set(np.unique(a)) <= {0.0, 1.0}
    np.testing.assert_array_equal(a, b)  # same seed, same masks
    assert not np.array_equal(a, c)
    ratios = masks_lib.hole_ratio(a)
    if kind == "rect":  # sides in [8, 24] px of 32
        assert ratios.min() >= (8 * 8) / SIZE**2 and ratios.max() <= (24 * 24) / SIZE**2
        assert len(np.unique(ratios)) > 5
    elif kind == "folder":  # every mask is one of the files, flipped / transposed
        np.testing.assert_allclose(ratios, 1 / 8)
    else:
        assert ratios.min() > 0.0 and ratios.max() < 0.75 and 0.03 < ratios.mean() < 0.45


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "LA"])
def test_folder_masks_in_color_or_with_alpha(mode, tmp_path):
    # white = hole, pure blue (or black for LA) = kept: a 32 x 16 block of 64 x 64 (ratio 1/8)
    hole = np.zeros((64, 64), bool)
    hole[8:40, 16:32] = True
    if mode == "LA":
        pixels = np.stack([np.where(hole, 255, 0), np.full((64, 64), 255)], -1)
    else:
        pixels = np.zeros((64, 64, len(mode)), np.int64)
        pixels[..., :3] = np.where(hole[..., None], 255, [0, 0, 255])
        pixels[..., 3:] = 255
    Image.fromarray(pixels.astype(np.uint8), mode).save(tmp_path / "0.png")
    mask = masks_lib._read_mask(str(tmp_path / "0.png"), SIZE).numpy()
    assert mask.shape == (SIZE, SIZE, 1)
    expected = np.zeros((SIZE, SIZE, 1), np.float32)
    expected[4:20, 8:16] = 1.0
    np.testing.assert_array_equal(mask, expected)
    np.testing.assert_allclose(masks_lib.hole_ratio(_masks(f"folder:{tmp_path}", 0, n=4)), 1 / 8)


def test_free_form_mask_is_a_pure_function_of_the_seed():
    seed = tf.constant([3, 4], tf.int64)
    first = masks_lib.free_form_mask(64, seed).numpy()
    np.testing.assert_array_equal(first, masks_lib.free_form_mask(64, seed).numpy())
    thin = masks_lib.free_form_mask(64, seed, min_width=1, max_width=2).numpy()
    assert 0 < thin.mean() < first.mean()


def test_bad_mask_specs():
    for spec in ["circles", "folder:", "rect:/x", 3]:
        with pytest.raises(ValueError, match="mask"):
            masks_lib.parse_mask_spec(spec)
    with pytest.raises(ValueError, match="does not exist"):
        masks_lib.mask_function("folder:/no/such/folder", 32)


def test_evaluation_masks_are_fixed_and_bucketed(mask_folder):
    sets = keras_gan.data.evaluation_masks(SIZE, per_bucket=3, seed=0)
    assert list(sets) == list(keras_gan.data.EVAL_BUCKETS)
    for (low, high), masks in sets.items():
        ratios = masks_lib.hole_ratio(masks)
        assert masks.shape == (3, SIZE, SIZE, 1) and np.all((ratios >= low) & (ratios < high))
    again = keras_gan.data.evaluation_masks(SIZE, per_bucket=3, seed=0)
    for key in sets:
        np.testing.assert_array_equal(sets[key], again[key])
    folder = keras_gan.data.evaluation_masks(
        SIZE, per_bucket=2, buckets=[(0.1, 0.2)], source=f"folder:{mask_folder}"
    )
    np.testing.assert_allclose(masks_lib.hole_ratio(folder[(0.1, 0.2)]), 1 / 8)
    with pytest.raises(ValueError, match="Not enough masks"):
        keras_gan.data.evaluation_masks(SIZE, per_bucket=2, source=f"folder:{mask_folder}")


@pytest.fixture(scope="module")
def image_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    rng = np.random.default_rng(0)
    for i in range(4):
        pixels = (rng.uniform(0, 255, (40, 48, 3))).astype(np.uint8)
        Image.fromarray(pixels).save(folder / f"{i}.png")
    return str(folder)


def test_inpainting_dataset(image_folder):
    def first(seed):
        data = keras_gan.data.inpainting_dataset(
            f"folder:{image_folder}",
            image_size=SIZE,
            load_size=40,
            batch_size=6,
            mask="rect",
            seed=seed,
        )
        return data, next(iter(data.dataset))

    data, batch = first(3)
    assert batch["image"].shape == (6, SIZE, SIZE, 3) and batch["mask"].shape == (6, SIZE, SIZE, 1)
    assert data.steps_per_epoch is None  # 4 images, batch 6: fewer than one batch per pass
    assert np.all(np.abs(batch["image"].numpy()) <= 1)
    _, again = first(3)
    for key in ("image", "mask"):
        np.testing.assert_array_equal(batch[key].numpy(), again[key].numpy())


def test_native_fraction_takes_unresized_crops(tmp_path):
    # A 128 px image whose pixel values encode their column: an unresized 32 px crop
    # holds 32 consecutive columns (step 1/64 in [-1, 1]), a resized wider one larger steps.
    ramp = np.tile(np.arange(128, dtype=np.uint8)[None, :, None] * 2, (128, 1, 3))
    Image.fromarray(ramp).save(tmp_path / "ramp.png")

    def column_steps(fraction):
        data = keras_gan.data.inpainting_dataset(
            f"folder:{tmp_path}",
            image_size=SIZE,
            load_size=128,
            batch_size=16,
            mask="rect",
            flip=False,
            random_scale=True,
            native_fraction=fraction,
            seed=0,
        )
        images = next(iter(data.dataset))["image"].numpy()
        return np.round(np.median(np.diff(images[:, 0, :, 0], axis=-1), axis=-1) * 127.5 / 2)

    assert set(column_steps(1.0)) == {1.0}  # every crop at the loaded resolution
    assert max(column_steps(0.0)) > 1.0  # log-uniform sides: some crops resized
    with pytest.raises(ValueError, match="Received: native_fraction=1.5"):
        keras_gan.data.inpainting_dataset(
            "builtin:photos", image_size=SIZE, load_size=64, native_fraction=1.5
        )


def test_fit_step_changes_both_networks():
    model = tiny_inpainting()
    logs = helper.check_fit_step(model, inpainting_batch(4))
    assert {"d_loss", "g_loss", "hole_l1", "valid_l1", "g_adversarial"} <= set(logs)
    assert logs["hole_l1"] > 0 and logs["valid_l1"] > 0


def test_two_stage_fit_and_tuple_data():
    model = tiny_inpainting(two_stage=True, adversarial_weight=0.5)
    assert len(model.raw_generator.outputs) == 2  # coarse and refined raw outputs
    batch = inpainting_batch(2)
    helper.check_fit_step(model, (batch["image"], batch["mask"]))


def test_perceptual_loss(monkeypatch):
    import keras_gan.networks.vgg_features as vgg_features

    def fake_vgg(weights, layer):  # a small frozen feature net instead of VGG19
        inputs = keras.Input((None, None, 3))
        outputs = keras.layers.Conv2D(4, 3, padding="same", kernel_initializer="ones")(inputs)
        net = keras.Model(inputs, outputs)
        net.trainable = False
        return net

    monkeypatch.setattr(vgg_features, "vgg19_features", fake_vgg)
    model = tiny_inpainting(perceptual_weight=0.1, vgg_weights="local.h5")
    logs = helper.check_fit_step(model, inpainting_batch(2))
    assert logs["perceptual"] > 0
    with pytest.raises(ValueError, match="vgg_weights"):
        tiny_inpainting(perceptual_weight=0.1)


def test_bad_arguments():
    good_d = keras_gan.networks.sn_patchgan_discriminator(filters=4, num_layers=2)
    latent_g = keras_gan.networks.dcgan_generator(
        latent_dim=4, image_size=16, channels=3, filters=4
    )
    with pytest.raises(ValueError, match="inputs named"):
        keras_gan.InpaintingGAN(latent_g, good_d)
    with pytest.raises(ValueError, match="hole_weight"):
        keras_gan.InpaintingGAN(
            keras_gan.networks.gated_generator(filters=4, dilations=(2,)), good_d, hole_weight=-1
        )
    with pytest.raises(ValueError, match="image_size"):
        keras_gan.networks.gated_generator(image_size=30)


def test_config_round_trip_and_save_load(tmp_path):
    model = tiny_inpainting(two_stage=True, hole_weight=6.0)
    helper.check_fit_step(model, inpainting_batch(2))
    clone = helper.check_config_round_trip(model)
    assert clone.hole_weight == 6.0
    batch = inpainting_batch(2)
    loaded = helper.check_save_load(model, [batch["image"], batch["mask"]], tmp_path)
    assert len(loaded.raw_generator.outputs) == 2


def test_reconstruction_loss_mse_optimises_squared_error_and_logs_l1():
    """`reconstruction_loss="mse"`: g_loss uses squared errors, hole_l1 stays L1."""
    batch = inpainting_batch(2)
    logs = {}
    for kind in ("l1", "mse"):
        model = tiny_inpainting(reconstruction_loss=kind, adversarial_weight=0.0, fill="push_pull")
        logs[kind] = helper.check_fit_step(model, batch)
        assert model.get_config()["reconstruction_loss"] == kind
    # The residual starts at 0, so both generators return the same smooth fill at
    # step 0: the same L1 metric, different losses (|e| <= 1 here, so e^2 <= |e|).
    np.testing.assert_allclose(logs["mse"]["hole_l1"], logs["l1"]["hole_l1"], rtol=1e-5)
    assert 0 < logs["mse"]["g_loss"] < logs["l1"]["g_loss"]
    assert helper.check_config_round_trip(model).reconstruction_loss == "mse"
    with pytest.raises(ValueError, match="Received: reconstruction_loss='l2'"):
        tiny_inpainting(reconstruction_loss="l2")


@pytest.mark.slow
def test_replica_equivalence():
    # atol 5e-6: the last SN-PatchGAN bias has a near-zero hinge gradient (real and fake
    # patch counts cancel), and Adam's first step m / (sqrt(v) + eps) turns float summation
    # differences of ~1e-9 there into ~1e-6; every other weight agrees to 2e-7.
    helper.check_replica_equivalence(
        "test_inpainting:tiny_inpainting",
        "test_inpainting:inpainting_batch",
        global_batch=4,
        atol=5e-6,
    )


def test_metrics_and_opencv_baselines():
    batch = inpainting_batch(3)
    images, masks = batch["image"], batch["mask"]
    shifted = images + 0.2 * masks  # error 0.1 on the [0, 1] scale, hole only
    np.testing.assert_allclose(iq.hole_l1(shifted, images, masks), 0.1, rtol=1e-5)
    np.testing.assert_allclose(iq.hole_psnr(shifted, images, masks), 20.0, rtol=1e-5)
    for method in inpainting_evaluation.OPENCV_METHODS:
        out = inpainting_evaluation.opencv_inpaint(images, masks, method)
        known = np.broadcast_to(masks == 0, images.shape)
        quantized = keras_gan.data.from_uint8(keras_gan.data.to_uint8(images)).numpy()
        np.testing.assert_array_equal(out[known], quantized[known])
    sets = {(0.1, 0.2): masks[:2], (0.2, 0.3): masks[2:]}
    results = inpainting_evaluation.bucket_scores(
        {
            "identity": lambda x, m: x,
            "telea": lambda x, m: inpainting_evaluation.opencv_inpaint(x, m),
        },
        images,
        sets,
    )
    assert list(results) == ["10-20%", "20-30%"]
    assert results["10-20%"]["identity"]["hole_l1"] == 0.0  # the original is a perfect fill
    assert results["10-20%"]["telea"]["hole_l1"] > 0.0
    # A perfect fill's PSNRs (inf per image) count as the 8-bit rounding PSNR in the means.
    identity = results["10-20%"]["identity"]
    assert identity["hole_psnr"] == pytest.approx(keras_gan.metrics.PSNR_CAP)
    assert identity["psnr"] == pytest.approx(keras_gan.metrics.PSNR_CAP)
    assert "| 20-30% | telea |" in inpainting_evaluation.format_inpainting_table(results)


def test_grid_callback(tmp_path):
    model = tiny_inpainting()
    batch = inpainting_batch(3)
    callback = keras_gan.callbacks.InpaintingGridCallback(
        str(tmp_path), batch["image"], batch["mask"], scale=2
    )
    callback.set_model(model)
    callback.on_epoch_end(0)
    grid = np.asarray(Image.open(callback.last_path))
    assert grid.shape == (2 * (3 * (SIZE + 2) + 2), 2 * (3 * (SIZE + 2) + 2), 3)


@pytest.mark.slow
def test_train_cli_and_export(image_folder, tmp_path):
    """train.py --model=inpainting, then the TFLite exports (every variant) take image + mask.

    --export=tflite: without a SavedModel the verifier does not import TensorFlow nor load
    SavedModels (about half this test's time). The inpainting SavedModel is exported and
    verified in test_mixed_precision.py (inpainting); test_predict.py checks its
    serving_default against Keras and its known pixels bit-exact.
    """
    out = tmp_path / "run"
    proc = subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "train.py"),
            "--model=inpainting",
            f"--dataset=folder:{image_folder}",
            "--image_size=32",
            "--batch_size=2",
            "--filters=4",
            "--epochs=1",
            "--steps_per_epoch=2",
            "--mask=mixed",
            "--verbose=2",
            "--export=tflite",
            f"--output_dir={out}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    assert (out / "samples" / "epoch_001.png").is_file()
    generator = keras.saving.load_model(out / "generator.keras")
    assert [t.name for t in generator.inputs] == ["image", "mask"]
    config = json.loads((out / "config.json").read_text())
    assert config["mask"] == "mixed" and config["loss"] == "hinge"

    base = tmp_path / "saved_models" / "inpainting"
    report = json.loads((base / "export_report.json").read_text())
    assert report["passed"] and report["generator"]["kind"] == "inpainting"
    assert [i["name"] for i in report["generator"]["inputs"]] == ["image", "mask"]
    # auto: all four variants (no group norm); int8 calibrated on the --dataset images
    assert [(a["variant"], a["passed"]) for a in report["artifacts"]] == [
        ("float32", True),
        ("float16", True),
        ("dynamic", True),
        ("int8", True),
    ]

    batch = inpainting_batch(2)
    images, masks = batch["image"], batch["mask"]
    expected = generator.predict([images[:1], masks[:1]], verbose=0)
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=str(base / "tflite" / "inpainting_float32.tflite"))
    interpreter.allocate_tensors()
    by_name = {d["name"]: d for d in interpreter.get_input_details()}
    for name, value in (("image", images[:1]), ("mask", masks[:1])):
        detail = next(d for key, d in by_name.items() if name in key)
        interpreter.set_tensor(detail["index"], value)
    interpreter.invoke()
    out_tfl = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
    np.testing.assert_allclose(out_tfl, expected, atol=1e-4)


def test_xla_compiles_the_step_once():
    helper.check_xla_compiles_once(
        "test_inpainting:tiny_inpainting", "test_inpainting:inpainting_batch"
    )
