"""Tests of keras_gan.evaluation's family evaluators (what evaluate.py and the curves call)."""

import json
import os
import types

import gan_test_helper as helper
import keras
import numpy as np
import pytest
from PIL import Image

import keras_gan.cli
from keras_gan import evaluation


def smooth_image(height, width, seed):
    """A smooth uint8 RGB test image (gradients and waves, different per seed)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    channels = [
        0.5
        + 0.5 * np.sin(x / rng.uniform(3, 9) + rng.uniform(0, 6)) * np.cos(y / rng.uniform(3, 9))
        for _ in range(3)
    ]
    return np.clip(np.stack(channels, -1) * 255, 0, 255).astype(np.uint8)


def image_folder(path, count, height, width, seed=0, transform=None):
    os.makedirs(path, exist_ok=True)
    for i in range(count):
        pixels = smooth_image(height, width, seed + i)
        Image.fromarray(transform(pixels) if transform else pixels).save(
            os.path.join(path, f"{i:03d}.png")
        )
    return f"folder:{path}"


def bilinear_upsampler(scale=4):
    x = keras.Input((None, None, 3))
    return keras.Model(x, keras.layers.UpSampling2D(scale, interpolation="bilinear")(x))


def hole_zeroing_inpainter(size=16):
    """Returns the input with the hole set to mid-gray (0): worse than any real fill."""
    x = keras.Input((size, size, 3))
    m = keras.Input((size, size, 1))
    keep = keras.layers.Concatenate()([1.0 - m] * 3)
    return keras.Model([x, m], keras.layers.Multiply()([x, keep]))


def identity_translator(size=16):
    x = keras.Input((size, size, 3))
    return keras.Model(x, keras.layers.Activation("linear")(x))


# ----------------------------------------------------------------------- srgan


def test_evaluate_srgan_headline_matches_the_sets_and_writes_a_grid(tmp_path):
    spec = image_folder(str(tmp_path / "Tiny5"), 2, 24, 32)
    grid = str(tmp_path / "grid.png")
    results = evaluation.evaluate_srgan(
        bilinear_upsampler(), f" {spec}, ", scale=4, sample_grid=grid, grid_images=[1], grid_crop=16
    )
    assert list(results["sets"]) == ["Tiny5"] and results["scale"] == 4
    [panel] = results["headline"]
    assert panel["key"] == "psnr" and panel["baseline"] == "bicubic"
    tiny = results["sets"]["Tiny5"]
    assert panel["series"]["Tiny5"] == {
        "model": tiny["model"]["psnr"],
        "baseline": tiny["bicubic"]["psnr"],
    }
    assert os.path.isfile(grid) and "Tiny5 images [1]" in results["sample_grid"]["description"]
    assert evaluation.headline_columns(results["headline"]) == {
        "Tiny5_psnr": tiny["model"]["psnr"],
        "Tiny5_psnr_bicubic": tiny["bicubic"]["psnr"],
    }
    report = evaluation.get_evaluator("srgan").report(results)
    assert report.startswith("x4, PSNR (dB) / SSIM on Y, 4 px border shaved") and "Tiny5" in report
    json.dumps(results)
    with pytest.raises(ValueError, match="Received: datasets="):
        evaluation.evaluate_srgan(bilinear_upsampler(), " , ")


# ------------------------------------------------------------------ inpainting


def test_load_native_crops_are_seeded_native_pixels(tmp_path):
    spec = image_folder(str(tmp_path / "photos"), 3, 40, 56)
    image_folder(str(tmp_path / "photos"), 1, 10, 12, seed=9)  # overwrites 000.png: smaller than 16
    crops = evaluation.load_native_crops(spec, 16, 3, seed=3)
    assert crops.shape == (3, 16, 16, 3) and crops.dtype == np.float32
    np.testing.assert_array_equal(crops, evaluation.load_native_crops(spec, 16, 3, seed=3))
    assert not np.array_equal(crops[1:], evaluation.load_native_crops(spec, 16, 3, seed=4)[1:])
    # Image i's crop depends only on (seed, i): the same with a limit.
    np.testing.assert_array_equal(
        crops[:2], evaluation.load_native_crops(spec, 16, 3, limit=2, seed=3)
    )
    # The crop is the file's own pixels (no resampling): found at some offset.
    pixels = np.asarray(Image.open(tmp_path / "photos" / "001.png"), np.float32) / 127.5 - 1.0
    windows = np.lib.stride_tricks.sliding_window_view(pixels, (16, 16, 3))[..., 0, :, :, :]
    assert np.any(np.all(np.abs(windows - crops[1]) < 1e-6, axis=(-3, -2, -1)))
    # Resized thumbnails are a different image set; gray output has one channel.
    assert not np.allclose(evaluation.load_eval_images(spec, 16, 3)[1], crops[1])
    assert evaluation.load_eval_images(spec, 16, 1, crops="native", seed=3).shape == (3, 16, 16, 1)
    with pytest.raises(ValueError, match="Received: crops='tiles'"):
        evaluation.load_eval_images(spec, 16, 3, crops="tiles")


@pytest.mark.parametrize("crops", ["resize", "native"])
def test_evaluate_inpainting_headline_is_the_mean_hole_psnr_vs_telea(tmp_path, crops):
    spec = image_folder(str(tmp_path / "photos"), 4, 40, 56)
    grid = str(tmp_path / "grid.png")
    results = evaluation.evaluate_inpainting(
        hole_zeroing_inpainter(), spec, image_size=16, crops=crops, seed=1, sample_grid=grid
    )
    assert results["eval_crops"] == crops and results["num_images"] == 4
    assert set(results["buckets"]) == {"10-20%", "20-30%", "30-40%", "40-50%"}
    [panel] = results["headline"]
    series = panel["series"][f"photos_{crops}"]
    buckets = results["buckets"].values()
    assert series["model"] == pytest.approx(np.mean([b["model"]["hole_psnr"] for b in buckets]))
    assert series["baseline"] == pytest.approx(
        np.mean([b["opencv_telea"]["hole_psnr"] for b in buckets])
    )
    assert series["baseline"] > series["model"]  # Telea beats a gray hole on smooth images
    assert os.path.isfile(grid)
    report = evaluation.get_evaluator("inpainting").report(results)
    assert ("native-resolution 16 px crops" in report) == (crops == "native")
    assert "| 10-20% | model |" in report
    json.dumps(results)


# -------------------------------------------------------------------- cyclegan


def test_evaluate_cyclegan_scores_against_the_target_with_unchanged_as_baseline(tmp_path):
    source = image_folder(str(tmp_path / "testA"), 3, 16, 16)
    target = image_folder(str(tmp_path / "testA_target"), 3, 16, 16, transform=lambda p: 255 - p)
    results = evaluation.evaluate_cyclegan(
        identity_translator(), source, target, image_size=16, sample_grid=str(tmp_path / "grid.png")
    )
    scores = results["vs_target"]
    assert scores["model"] == pytest.approx(scores["unchanged"])  # the identity learned nothing
    [panel] = results["headline"]
    assert panel["baseline"] == "unchanged"
    assert panel["series"]["testA"]["model"] == scores["model"]["psnr"]
    assert "rows: input, translation, target" == results["sample_grid"]["description"]
    assert "unchanged" in evaluation.get_evaluator("cyclegan").report(results)
    alone = evaluation.evaluate_cyclegan(identity_translator(), source, image_size=16)
    assert alone["headline"] == [] and evaluation.get_evaluator("cyclegan").report(alone) == ""
    short = image_folder(str(tmp_path / "short"), 2, 16, 16)
    with pytest.raises(ValueError, match="has 2 images"):
        evaluation.evaluate_cyclegan(identity_translator(), source, short, image_size=16)


def test_evaluate_cyclegan_caps_identical_images_at_the_8_bit_psnr(tmp_path):
    from keras_gan.evaluation.cyclegan import PSNR_CAP

    source = image_folder(str(tmp_path / "testA"), 2, 16, 16)
    target = image_folder(str(tmp_path / "testA_target"), 2, 16, 16)  # the same images
    results = evaluation.evaluate_cyclegan(identity_translator(), source, target, image_size=16)
    assert results["vs_target"]["model"]["psnr"] == pytest.approx(PSNR_CAP)
    assert PSNR_CAP == pytest.approx(58.92, abs=0.01)


# ------------------------------------------------------------------------- gan


def _latent_generator(latent_dim=4, size=10):
    z = keras.Input((latent_dim,))
    pixels = keras.layers.Dense(size * size, activation="tanh")(z)
    return keras.Model(z, keras.layers.Reshape((size, size, 1))(pixels))


def _classifier(num_classes=4, size=10):
    return keras.Sequential(
        [
            keras.Input((size, size, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(6, activation="relu", name="features"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    )


def test_evaluate_gan_scores_real_data_as_the_baseline(tmp_path):
    keras.utils.set_random_seed(0)
    generator, classifier = _latent_generator(), _classifier()
    real = np.random.default_rng(0).uniform(-1, 1, (120, 10, 10, 1)).astype(np.float32)
    results = evaluation.evaluate_gan(
        generator, classifier, num_samples=100, real_data=real, batch_size=64
    )
    real_scores = results["real_scores"]
    assert real_scores["num_images"] == 120 and 1.0 <= real_scores["inception_score"] <= 4.0
    score, share = results["headline"]
    assert score["key"] == "classifier_score" and share["key"] == "min_class_share"
    assert score["series"][""] == {
        "model": results["inception_score"],
        "baseline": real_scores["inception_score"],
    }
    assert share["series"][""]["model"] == results["coverage"]["min_fraction"]
    assert set(evaluation.headline_columns(results["headline"])) == {
        "classifier_score",
        "classifier_score_real",
        "min_class_share",
        "min_class_share_real",
    }
    assert "fid" in results and results["classifier"] is None
    assert "Real data (120 images)" in evaluation.get_evaluator("gan").report(results)
    json.dumps(results)
    # Without real data: no baseline; a classifier path is loaded in safe mode.
    path = str(tmp_path / "classifier.keras")
    classifier.save(path)
    alone = evaluation.evaluate_gan(generator, path, num_samples=20)
    assert alone["classifier"] == path and "real_scores" not in alone
    assert alone["headline"][0]["series"][""]["baseline"] is None
    with pytest.raises(ValueError, match="Received: classifier=None"):
        evaluation.evaluate_gan(generator, None)


def test_registry_names_every_family():
    assert list(evaluation.EVALUATORS) == ["gan", "inpainting", "srgan", "cyclegan"]
    functions = {
        "gan": (evaluation.evaluate_gan, evaluation.format_gan_report),
        "inpainting": (evaluation.evaluate_inpainting, evaluation.format_inpainting_report),
        "srgan": (evaluation.evaluate_srgan, evaluation.format_srgan_report),
        "cyclegan": (evaluation.evaluate_cyclegan, evaluation.format_cyclegan_report),
    }
    for name, (evaluate, report) in functions.items():
        evaluator = evaluation.get_evaluator(name)
        assert isinstance(evaluator, evaluation.Evaluator) and evaluator.name == name
        assert (evaluator.evaluate, evaluator.report) == (evaluate, report)
        assert evaluator.usage.startswith(f"{name}: ")
        # Every flag a keyword comes from is declared by the family (or is evaluate.py's --seed).
        declared = {option.name for option in evaluator.options} | {"seed"}
        assert set(evaluator.keywords.values()) <= declared and set(evaluator.required) <= declared
    flags = [option.name for option in evaluation.all_options()]
    assert len(flags) == len(set(flags)) and {"real_data", "dataset", "eval_crops"} <= set(flags)
    with pytest.raises(ValueError, match="Received: model='vae'"):
        evaluation.get_evaluator("vae")
    with pytest.raises(ValueError, match="Received: key="):
        evaluation.headline_panel("hole psnr", "x", "telea", {})


def _flag_values(**values):
    """evaluate.py's flags at their defaults (and `values`), as a namespace."""
    defaults = {option.name: option.default for option in evaluation.all_options()}
    return types.SimpleNamespace(**{**defaults, "seed": 0, **values})


def test_each_family_turns_evaluate_py_flags_into_its_keyword_arguments():
    srgan = evaluation.get_evaluator("srgan")
    assert srgan.arguments(_flag_values(dataset="folder:a,folder:b", sr_grid_images="0, 2,")) == {
        "datasets": "folder:a,folder:b",
        "scale": 4,
        "grid_images": [0, 2],
        "grid_crop": 128,
        "sample_grid": None,
    }
    gan = evaluation.get_evaluator("gan").arguments(_flag_values(classifier="c.keras", seed=3))
    assert gan == {
        "classifier": "c.keras",
        "num_samples": 10000,
        "real_data": None,
        "num_real": 10000,
        "seed": 3,
        "batch_size": 256,
    }
    cyclegan = evaluation.get_evaluator("cyclegan").arguments(_flag_values(real_data="folder:a"))
    assert cyclegan["batch_size"] == 16 and cyclegan["image_size"] == 64
    inpainting = evaluation.get_evaluator("inpainting")
    call = inpainting.arguments(_flag_values(real_data="folder:a", eval_crops="native"))
    assert call["crops"] == "native" and call["image_size"] == 64
    assert "--eval_crops=native" in inpainting.command_line(call)
    assert srgan.command_line({"datasets": "folder:a", "grid_images": [0, 2]}) == [
        "--dataset=folder:a",
        "--sr_grid_images=0,2",
    ]
    for name, message in (
        ("gan", "--model=gan needs --classifier (a saved .keras classifier)."),
        ("srgan", "--model=srgan needs --dataset (comma list of HR image set specs)."),
        ("inpainting", "--model=inpainting needs --real_data."),
        ("cyclegan", "--model=cyclegan needs --real_data."),
    ):
        with pytest.raises(evaluation.OptionError) as error:
            evaluation.get_evaluator(name).arguments(_flag_values())
        assert str(error.value) == message


def test_srgan_mean_psnr_caps_an_exact_reconstruction(tmp_path):
    from keras_gan.metrics import PSNR_CAP

    os.makedirs(tmp_path / "Flat")
    for i in range(2):  # bilinear upsampling of a flat image is exact: PSNR inf
        Image.fromarray(np.full((32, 32, 3), 60 + 90 * i, np.uint8)).save(
            tmp_path / "Flat" / f"{i}.png"
        )
    results = evaluation.evaluate_srgan(
        bilinear_upsampler(), f"folder:{tmp_path / 'Flat'}", scale=4
    )
    flat = results["sets"]["Flat"]
    assert [image["model"]["psnr"] for image in flat["images"]] == [np.inf, np.inf]
    assert flat["model"]["psnr"] == flat["bicubic"]["psnr"] == pytest.approx(PSNR_CAP)


# -------------------------------------------------------------------- evaluate.py


@pytest.mark.slow
def test_evaluate_cli_prints_the_library_report_and_json(tmp_path):
    spec = image_folder(str(tmp_path / "photos"), 3, 40, 56)
    generator = str(tmp_path / "inpainter.keras")
    hole_zeroing_inpainter().save(generator)
    out = str(tmp_path / "metrics.json")
    # evaluate.py's main in this process, as absl.app.run calls it (a subprocess would import
    # TensorFlow again); the script itself runs in a subprocess in
    # tests/test_learning_curve.py::test_srgan_curve_cli_matches_evaluate_py.
    evaluate = {}
    with helper.absl_flags(lambda: evaluate.setdefault("py", keras_gan.cli._load("evaluate.py"))):
        code, stderr, stdout = helper.run_main(
            evaluate["py"].main,
            "evaluate.py",
            [
                "--model=inpainting",
                f"--generator={generator}",
                f"--real_data={spec}",
                "--eval_image_size=16",
                "--eval_crops=native",
                "--seed=2",
                f"--json={out}",
            ],
        )
    assert code in (0, None), stderr[-2000:]  # main returns None
    with open(out) as f:
        saved = json.load(f)
    assert {
        "model",
        "generator",
        "real_data",
        "num_images",
        "image_size",
        "eval_masks",
        "seed",
        "buckets",
    } <= set(saved) and saved["eval_crops"] == "native"
    loaded = keras.saving.load_model(generator, compile=False, safe_mode=True)
    direct = evaluation.evaluate_inpainting(loaded, spec, image_size=16, crops="native", seed=2)
    assert saved["buckets"] == direct["buckets"]
    assert evaluation.format_inpainting_report(direct) in stdout
