"""keras_gan.predict: every family from every exported format, any image size, tiling, CLI.

Tiny generators (4 filters, 16 px) of the four families are exported once per session
(SavedModel, TFLite float32, ONNX; int8 for SRGAN and the GAN) and their `.keras` files
saved; every test loads them back through `load_runner`.
"""

import os
import subprocess
import sys
import textwrap
import warnings

import gan_test_helper as helper
import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan.export import export_generator
from keras_gan.export.signatures import iter_layers
from keras_gan.networks import (
    dcgan_generator,
    gated_generator,
    resnet_generator,
    srresnet_generator,
)
from keras_gan.predict import cli as predict_cli
from keras_gan.predict import (
    load_runner,
    predict_files,
    predict_image,
    read_image,
    sample,
    tile_spans,
)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FAMILIES = ("gan", "cyclegan", "srgan", "inpainting")
FORMATS = ("keras", "saved_model", "tflite", "onnx")
SIZE = 16  # TFLite input size of the image generators (SRGAN: 8 px in, 16 px out)


def _spread(model, seed=0):
    """He-scaled kernels, so outputs span [-1, 1] (the default N(0, 0.02) gives ~0)."""
    rng = np.random.default_rng(seed)
    for layer in iter_layers(model):
        kernel = getattr(layer, "kernel", None)
        if kernel is not None and len(kernel.shape) >= 2:
            fan_in = int(np.prod(kernel.shape[:-1]))
            kernel.assign(rng.normal(0, np.sqrt(2.0 / fan_in), kernel.shape).astype("float32"))
        if isinstance(layer, keras.layers.Embedding):
            layer.embeddings.assign(rng.normal(0, 1, layer.embeddings.shape).astype("float32"))
    return model


def _build(family):
    keras.utils.set_random_seed(0)
    return _spread(
        {
            "gan": lambda: dcgan_generator(
                latent_dim=8, image_size=16, channels=3, filters=4, num_classes=3
            ),
            "cyclegan": lambda: resnet_generator(filters=4, residual_blocks=1),
            "srgan": lambda: srresnet_generator(scale=2, residual_blocks=1, filters=4),
            "inpainting": lambda: gated_generator(filters=4, dilations=(2,)),
        }[family]()
    )


def _images(n, size, seed=0):
    """Smooth random images (a blurred noise field), like photos more than white noise."""
    rng = np.random.default_rng(seed)
    small = rng.uniform(-1, 1, (n, max(2, size // 4), max(2, size // 4), 3)).astype("float32")
    import tensorflow as tf

    return tf.image.resize(small, [size, size], method="bicubic").numpy().clip(-1, 1)


@pytest.fixture(scope="session")
def exported(build_once):
    """`{family: {format: path}}` of the tiny generators' exports (once per session, see
    `build_once` in conftest.py: also once for all pytest-xdist workers)."""
    return build_once("predict_exports", _export_all)


def _export_all(root):
    paths = {}
    for family in FAMILIES:
        generator = _build(family)
        keras_path = str(root / f"{family}.keras")
        generator.save(keras_path)
        int8 = family in ("gan", "srgan")
        size = SIZE // 2 if family == "srgan" else SIZE
        with warnings.catch_warnings():  # CycleGAN's instance-norm lint warnings
            warnings.simplefilter("ignore", UserWarning)
            export_generator(
                generator,
                family,
                output_dir=str(root),
                formats="saved_model,tflite,onnx",
                quantize="float32,int8" if int8 else "float32",
                image_size=None if family == "gan" else size,
                representative_data=None if family == "gan" else _images(100, size),
                verify=False,
                verbose=False,
            )
        base = root / family
        paths[family] = {
            "keras": keras_path,
            "saved_model": str(base),
            "onnx": str(base / "onnx" / f"{family}.onnx"),
            "tflite": str(base / "tflite" / f"{family}_float32.tflite"),
            "int8": str(base / "tflite" / f"{family}_int8.tflite") if int8 else None,
        }
    return paths


def _psnr(a, b):
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(4.0 / mse)


def _run(runner, family, image, mask, tile):
    if family == "gan":
        return sample(runner, 6, labels=[0, 1, 2], seed=3)
    return predict_image(
        runner, image, mask if family == "inpainting" else None, tile=tile, tile_overlap=4
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_every_format_gives_the_keras_answer(exported, family):
    """One image (23 x 37: not a multiple of anything, not square) through every format."""
    image = _images(1, 40, seed=1)[0, :23, :37]
    mask = np.zeros((23, 37, 1), np.float32)
    mask[4:15, 9:30] = 1
    if family == "srgan":
        image = image[:11, :19]
        mask = None
    tile = SIZE // 2 if family == "srgan" else SIZE  # the TFLite models' own size
    runners = {fmt: load_runner(exported[family][fmt]) for fmt in FORMATS}
    assert {r.format for r in runners.values()} == set(FORMATS)
    assert {r.kind for r in runners.values()} == {
        {"gan": "latent", "cyclegan": "image", "srgan": "image", "inpainting": "inpainting"}[family]
    }
    reference = _run(runners["keras"], family, image, mask, tile)
    if family != "gan":
        scale = 2 if family == "srgan" else 1
        assert reference.shape == (image.shape[0] * scale, image.shape[1] * scale, 3)
        assert reference.std() > 0.05  # not a constant image: the comparison means something
    for fmt in ("saved_model", "tflite", "onnx"):
        output = _run(runners[fmt], family, image, mask, tile)
        assert output.shape == reference.shape, fmt
        assert np.max(np.abs(output - reference)) <= 1e-3, fmt
    if exported[family]["int8"]:
        int8 = load_runner(exported[family]["int8"])
        assert _psnr(_run(int8, family, image, mask, tile), reference) >= 30.0
    if family == "inpainting":  # serving_default itself, a batch: known pixels bit-exact
        images = _images(2, 24, seed=2)[:, :, :16]
        masks = np.zeros((2, 24, 16, 1), np.float32)
        masks[0, 2:14, 3:11], masks[1, 10:22, 6:16] = 1, 1
        batch = {"image": images, "mask": masks}
        served = runners["saved_model"](batch)
        np.testing.assert_allclose(served, runners["keras"](batch), atol=1e-5)
        known = np.broadcast_to(masks == 0, images.shape)
        np.testing.assert_array_equal(served[known], images[known])
        assert np.abs(served[~known] - images[~known]).max() > 0.05  # the holes are filled


def test_tflite_resize_inputs_where_the_graph_allows_it(exported):
    """`resize_tensor_input`: SRGAN's fixed 8 px model runs a whole 11 x 19 image; CycleGAN's
    (instance norms) cannot, and says so in one line."""
    image = _images(1, 40, seed=1)[0, :11, :19]
    keras_out = predict_image(load_runner(exported["srgan"]["keras"]), image)
    resized = load_runner(exported["srgan"]["tflite"], resize_inputs=True)
    assert resized.fixed_size is None and resized.geometry() == (2, 1)
    assert np.max(np.abs(predict_image(resized, image) - keras_out)) <= 1e-3
    cyclegan = load_runner(exported["cyclegan"]["tflite"], resize_inputs=True)
    with pytest.raises(ValueError, match="drop --tflite_resize"):
        predict_image(cyclegan, _images(1, 24)[0])


def test_saved_model_base_path_takes_the_newest_version(exported, tmp_path):
    import shutil

    base = tmp_path / "srgan"
    shutil.copytree(os.path.join(exported["srgan"]["saved_model"], "1"), base / "1")
    shutil.copytree(os.path.join(exported["srgan"]["saved_model"], "1"), base / "10")
    runner = load_runner(str(base))
    assert runner.format == "saved_model" and runner.path.endswith("10")
    assert load_runner(str(base / "1")).path.endswith("1")


def test_tiles_match_whole_image_inference():
    """Tiled with overlap and blending vs one call on the whole image: >= 40 dB."""
    from keras_gan.predict.keras_runner import KerasRunner

    keras.utils.set_random_seed(1)
    runner = KerasRunner(_spread(srresnet_generator(scale=2, residual_blocks=2, filters=8)))
    image = _images(1, 96, seed=2)[0, :90, :77]
    whole = predict_image(runner, image, tile=128)
    ticks = []
    tiled = predict_image(
        runner,
        image,
        tile=40,
        tile_overlap=16,
        progress=lambda done, total: ticks.append((done, total)),
    )
    assert ticks[-1] == (12, 12)  # 4 x 3 tiles
    assert tiled.shape == whole.shape == (180, 154, 3)
    assert _psnr(tiled, whole) >= 40.0
    # uint8 output is the rounded float output
    pixels = predict_image(runner, image, tile=40, tile_overlap=16, dtype="uint8")
    assert np.max(np.abs(pixels.astype(int) - np.round((tiled + 1) * 127.5))) <= 1


def test_tile_spans_cover_with_overlap():
    spans = tile_spans(300, 128, 32)
    assert spans[0][0] == 0 and spans[-1][1] == 300
    assert all(b - a == 128 for a, b in spans)
    assert all(spans[i][1] - spans[i + 1][0] >= 32 for i in range(len(spans) - 1))
    assert tile_spans(100, 128, 32) == [(0, 100)]


def test_padding_to_the_networks_multiple(exported):
    """CycleGAN needs H, W divisible by 4: odd sizes are reflect-padded and cropped back."""
    runner = load_runner(exported["cyclegan"]["keras"])
    assert runner.geometry() == (1, 4)
    image = _images(1, 32, seed=4)[0, :21, :30]
    out = predict_image(runner, image, tile=64)
    padded = np.pad(image, [(0, 3), (0, 2), (0, 0)], mode="reflect")
    direct = runner({"image": padded[None]})[0, :21, :30]
    np.testing.assert_allclose(out, direct, atol=1e-5)


def test_predict_files_keeps_relative_paths_and_masks(exported, tmp_path):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    pixels = ((_images(2, 24, seed=5) + 1) * 127.5).astype("uint8")
    Image.fromarray(pixels[0][:20]).save(src / "a.png")
    Image.fromarray(pixels[1]).save(src / "sub" / "b.jpg")
    mask = np.zeros((50, 50), np.uint8)
    mask[10:30, 10:40] = 255
    Image.fromarray(mask).save(tmp_path / "mask.png")  # any size: resized to each image
    runner = load_runner(exported["inpainting"]["tflite"])
    written = predict_files(
        runner, str(src), str(tmp_path / "out"), mask=str(tmp_path / "mask.png"), progress=False
    )
    assert sorted(os.path.relpath(p, tmp_path / "out") for p in written) == ["a.png", "sub/b.jpg"]
    umask = os.umask(0)
    os.umask(umask)
    assert os.stat(written[0]).st_mode & 0o777 == 0o666 & ~umask  # not the temp file's 0600
    out = read_image(str(tmp_path / "out" / "a.png"))
    assert out.shape == (20, 24, 3)
    known = read_image(str(src / "a.png"))[:3]  # rows above the hole (from row 4) are kept
    assert np.max(np.abs(out[:3] - known)) <= 1.5 / 127.5
    # generated masks are seeded: same seed, same output
    a = predict_files(
        runner,
        str(src / "a.png"),
        str(tmp_path / "r1.png"),
        mask="free_form",
        seed=3,
        progress=False,
    )
    b = predict_files(
        runner,
        str(src / "a.png"),
        str(tmp_path / "r2.png"),
        mask="free_form",
        seed=3,
        progress=False,
    )
    np.testing.assert_array_equal(read_image(a[0]), read_image(b[0]))
    with pytest.raises(ValueError, match="exists"):
        predict_files(runner, str(src / "a.png"), a[0], mask="rect", progress=False)


def test_serving_image_bytes_in_a_tensorflow_only_process(exported, tmp_path):
    """`serving_image_bytes`: PNG/JPEG bytes of any size in, PNG bytes out, as predict gives."""
    expected = {}
    for family in ("srgan", "inpainting"):
        runner = load_runner(exported[family]["keras"])
        image = read_image_from_pixels(tmp_path / f"{family}.png", 21, 30, seed=6)
        mask = None
        if family == "inpainting":
            pixels = np.zeros((40, 40), np.uint8)
            pixels[5:25, 8:30] = 255
            Image.fromarray(pixels).save(tmp_path / "mask.png")
            from keras_gan.predict import read_mask

            mask = read_mask(str(tmp_path / "mask.png"), 21, 30)
        expected[family] = predict_image(runner, image, mask, tile=64, dtype="uint8")
        np.save(tmp_path / f"{family}_expected.npy", expected[family])
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        import tensorflow as tf
        root = {str(tmp_path)!r}
        for family, base in (("srgan", {exported["srgan"]["saved_model"]!r}),
                             ("inpainting", {exported["inpainting"]["saved_model"]!r})):
            model = tf.saved_model.load(base + "/1")
            fn = model.signatures["serving_image_bytes"]
            image = tf.io.read_file(root + "/" + family + ".png")
            kwargs = {{"image_bytes": tf.stack([image, image])}}
            if family == "inpainting":
                kwargs["mask_bytes"] = tf.stack([tf.io.read_file(root + "/mask.png")] * 2)
            out = fn(**kwargs)["image_bytes"].numpy()
            assert out.shape == (2,), out.shape
            decoded = tf.io.decode_png(out[1]).numpy()
            expected = np.load(root + "/" + family + "_expected.npy")
            assert decoded.shape == expected.shape, (decoded.shape, expected.shape)
            diff = np.abs(decoded.astype(int) - expected.astype(int)).max()
            assert diff <= 1, diff
        assert "keras_gan" not in sys.modules  # (importing TensorFlow imports keras itself)
        print("OK")
    """)
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "OK" in result.stdout


def read_image_from_pixels(path, height, width, seed):
    pixels = (_images(1, max(height, width), seed=seed)[0, :height, :width] + 1) * 127.5
    Image.fromarray(pixels.round().astype("uint8")).save(path)
    return read_image(str(path))


def test_wrong_family_and_bad_inputs_are_value_errors(exported, tmp_path):
    gan = load_runner(exported["gan"]["keras"])
    srgan = load_runner(exported["srgan"]["keras"])
    assert gan.spec.num_classes == 3
    with pytest.raises(ValueError, match="latent"):
        predict_files(gan, str(tmp_path), str(tmp_path / "out"), progress=False)
    with pytest.raises(ValueError, match="latent"):
        sample(srgan, 4)
    with pytest.raises(ValueError, match=r"Labels must be in \[0, 3\)"):
        sample(gan, 4, labels=[5])
    (tmp_path / "bad.png").write_bytes(b"not an image")
    with pytest.raises(ValueError, match="Cannot read"):
        predict_files(srgan, str(tmp_path / "bad.png"), str(tmp_path / "o.png"), progress=False)
    with pytest.raises(ValueError, match="Only inpainting"):
        predict_files(
            srgan, str(tmp_path / "bad.png"), str(tmp_path / "o.png"), mask="rect", progress=False
        )
    with pytest.raises(ValueError, match="not found"):
        load_runner(str(tmp_path / "missing.keras"))


def _cli(args, cwd):
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, os.path.join(REPO, "predict.py"), *args],
        capture_output=True,
        text=True,
        cwd=str(cwd),
        env=env,
        timeout=300,
    )
    return result


def _assert_one_error_line(result, expected):
    """`result`: a `subprocess.CompletedProcess`, or what `run_main` returns."""
    code, stderr = result[:2] if isinstance(result, tuple) else (result.returncode, result.stderr)
    assert code == 2, (code, stderr[-2000:])
    lines = [ln for ln in stderr.splitlines() if ln.startswith("keras-gan-predict: error:")]
    assert len(lines) == 1 and expected in lines[0], stderr[-2000:]
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_cli_folder_progress_and_gan_grid(exported, tmp_path, monkeypatch):
    src = tmp_path / "photos"
    (src / "trip").mkdir(parents=True)
    pixels = ((_images(2, 24, seed=7) + 1) * 127.5).astype("uint8")
    Image.fromarray(pixels[0][:, :13]).save(src / "a.png")
    Image.fromarray(pixels[1][:17]).save(src / "trip" / "b.jpg")
    result = _cli(
        [
            f"--generator={exported['srgan']['saved_model']}",
            f"--input={src}",
            "--output=out",
            "--output_format=png",
            "--tile=8",
            "--tile_overlap=2",
        ],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "files 2/2" in result.stderr  # the progress bar's last line
    assert read_image(str(tmp_path / "out" / "a.png")).shape == (48, 26, 3)
    assert read_image(str(tmp_path / "out" / "trip" / "b.png")).shape == (34, 48, 3)
    assert not [n for n in os.listdir(tmp_path / "out") if n.startswith(".")]  # no temp files
    # The GAN grid through predict.py's main in this process (a second subprocess would
    # import TensorFlow again).
    monkeypatch.chdir(tmp_path)
    with helper.absl_flags(predict_cli.define_flags):
        code, stderr, _ = helper.run_main(
            predict_cli.main,
            "keras-gan-predict",
            [
                f"--generator={exported['gan']['int8']}",
                "--num_samples=6",
                "--labels=2,0",
                "--grid",
                "--output=grid.png",
            ],
        )
    assert code == 0, stderr[-3000:]
    assert read_image(str(tmp_path / "grid.png")).shape == (32, 48, 3)  # 2 x 3 cells of 16 px


@pytest.mark.slow
def test_cli_errors_are_one_line_and_write_nothing(exported, tmp_path, monkeypatch):
    """The first case through predict.py in a subprocess, the others through its `main` in
    this process (each subprocess imports TensorFlow again: ~5 s of CPU)."""
    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((12, 12, 3), np.uint8)).save(good)
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 truncated")
    (tmp_path / "mask.txt").write_text("not an image")
    (tmp_path / "exists.png").write_bytes(b"keep me")
    srgan, inpaint = exported["srgan"]["saved_model"], exported["inpainting"]["keras"]
    cases = [
        (
            [f"--generator={srgan}", f"--input={good},{tmp_path / 'broken.jpg'}", "--output=o1"],
            "Cannot read",
        ),
        (
            [f"--generator={inpaint}", f"--input={good}", "--mask=mask.txt", "--output=o2.png"],
            "is not an image",
        ),
        ([f"--generator={srgan}", f"--input={good}", "--output=exists.png"], "--overwrite"),
        ([f"--generator={srgan}", "--num_samples=4", "--output=o3"], "takes --input"),
        (
            [f"--generator={exported['gan']['keras']}", f"--input={good}", "--output=o4"],
            "takes --num_samples",
        ),
    ]
    _assert_one_error_line(_cli(cases[0][0], tmp_path), cases[0][1])
    monkeypatch.chdir(tmp_path)  # the relative --mask and --output paths
    with helper.absl_flags(predict_cli.define_flags):
        for args, expected in cases[1:]:
            result = helper.run_main(predict_cli.main, "keras-gan-predict", args)
            _assert_one_error_line(result, expected)
    assert (tmp_path / "exists.png").read_bytes() == b"keep me"
    assert not any((tmp_path / name).exists() for name in ("o1", "o2.png", "o3", "o4"))
