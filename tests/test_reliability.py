"""Reliability: bad image files, bad flags, export safety and safe loading (issue 8, items 3-6).

The CLI error paths run in subprocesses, as a user meets them; to keep the import
cost down, one subprocess calls `train.main` (or `export.main`) once per case with
freshly parsed flags, which is what `absl.app.run` does after parsing.
"""

import io
import json
import os
import re
import subprocess
import sys
import textwrap
import warnings

import keras
import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

import keras_gan
from keras_gan.data import UnreadableFilesWarning, image_dataset, mask_dataset, unpaired_dataset
from keras_gan.export import export_generator
from keras_gan.export import exporter as exporter_lib
from keras_gan.export.signatures import iter_layers

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}


# ------------------------------------------------------------------------ bad data


def _image_bytes(fmt, seed=0, size=24, mode="RGB"):
    rng = np.random.default_rng(seed)
    shape = (size, size, 3) if mode == "RGB" else (size, size)
    buffer = io.BytesIO()
    Image.fromarray((rng.random(shape) * 255).astype(np.uint8), mode).save(buffer, fmt)
    return buffer.getvalue()


def _write_good(folder, n, mode="RGB", start=0):
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(start, start + n):
        (folder / f"good_{i}.png").write_bytes(_image_bytes("PNG", i, mode=mode))


def _write_bad(folder):
    """Every kind of unreadable file; returns their paths (what the warning must name)."""
    folder.mkdir(parents=True, exist_ok=True)
    png, jpg = _image_bytes("PNG", 90), _image_bytes("JPEG", 91)
    bad = {
        "truncated.png": png[: len(png) * 9 // 10],  # only the last rows missing
        "truncated.jpg": jpg[: len(jpg) * 9 // 10],
        "empty.png": b"",
        "text.png": b"this is not an image\n",
        "garbage.gif": bytes(range(256)) * 4,
    }
    for name, content in bad.items():
        (folder / name).write_bytes(content)
    (folder / "notes.txt").write_text("not an image extension: never listed")
    return sorted(str(folder / name) for name in bad)


def _skipped(caught):
    return sorted(
        p for w in caught if issubclass(w.category, UnreadableFilesWarning) for p in w.message.paths
    )


def test_bad_files_are_skipped_with_one_warning_naming_them(tmp_path):
    folder = tmp_path / "images"
    _write_good(folder, 3)
    bad = _write_bad(folder)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        data = image_dataset(
            f"folder:{folder}", image_size=16, channels=3, batch_size=1, shuffle=False, repeat=False
        )
    unreadable = [w for w in caught if issubclass(w.category, UnreadableFilesWarning)]
    assert len(unreadable) == 1
    assert _skipped(caught) == bad
    for path in bad:
        assert os.path.basename(path) in str(unreadable[0].message)
    assert "notes.txt" not in str(unreadable[0].message)
    assert data.num_examples == 3
    images = [batch["image"].numpy() for batch in data.dataset]  # a whole epoch, no error
    assert len(images) == 3 and all(np.isfinite(i).all() for i in images)


def test_bad_files_in_class_folders_keep_the_other_labels(tmp_path):
    _write_good(tmp_path / "cats", 2)
    _write_good(tmp_path / "dogs", 2, start=2)
    bad = _write_bad(tmp_path / "dogs")
    with pytest.warns(UnreadableFilesWarning) as caught:
        data = image_dataset(
            f"folder:{tmp_path}",
            image_size=16,
            channels=3,
            batch_size=1,
            shuffle=False,
            repeat=False,
        )
    assert _skipped(caught) == bad
    assert data.num_classes == 2
    assert [int(b["label"][0]) for b in data.dataset] == [0, 0, 1, 1]


def test_folder_without_a_readable_image_fails_with_one_line(tmp_path):
    _write_bad(tmp_path)
    with pytest.warns(UnreadableFilesWarning), pytest.raises(ValueError) as error:
        image_dataset(f"folder:{tmp_path}", image_size=16, channels=3, batch_size=1)
    assert "no readable image" in str(error.value) and "\n" not in str(error.value)


def test_mask_folders_skip_bad_files_and_fail_when_none_is_left(tmp_path):
    masks = tmp_path / "masks"
    _write_good(masks, 2, mode="L")
    bad = _write_bad(masks)
    with pytest.warns(UnreadableFilesWarning) as caught:
        ds = mask_dataset(f"folder:{masks}", 16, seed=0)
    assert _skipped(caught) == bad
    assert all(m.shape == (16, 16, 1) for m in ds.take(8).as_numpy_iterator())
    only_bad = tmp_path / "only_bad"
    _write_bad(only_bad)
    with pytest.warns(UnreadableFilesWarning), pytest.raises(ValueError, match="no readable image"):
        mask_dataset(f"folder:{only_bad}", 16, seed=0)


def test_cyclegan_folders(tmp_path):
    with pytest.raises(ValueError, match="no trainA and no trainB subfolder") as error:
        unpaired_dataset(f"folder:{tmp_path}", image_size=16)
    assert "\n" not in str(error.value)
    _write_good(tmp_path / "trainA", 2)
    with pytest.raises(ValueError, match="has no trainB subfolder"):
        unpaired_dataset(f"folder:{tmp_path}", image_size=16)
    _write_good(tmp_path / "trainB", 3)
    bad = _write_bad(tmp_path / "trainA")
    with pytest.warns(UnreadableFilesWarning) as caught:
        data = unpaired_dataset(f"folder:{tmp_path}", image_size=16, batch_size=1, seed=0)
    assert _skipped(caught) == bad
    assert data.num_examples == {"a": 2, "b": 3}
    batch = next(iter(data.dataset))
    assert batch["a"].shape == (1, 16, 16, 3)


def test_train_records_skipped_files(tmp_path, capsys):
    from keras_gan.training import TrainConfig, run

    folder = tmp_path / "images"
    _write_good(folder, 4, mode="L")
    bad = _write_bad(folder)
    config = TrainConfig(
        model="gan",
        dataset=f"folder:{folder}",
        image_size=8,
        channels=1,
        filters=4,
        latent_dim=4,
        batch_size=2,
        epochs=1,
        steps_per_epoch=1,
        samples=4,
        export="none",
        verbose=0,
        output_dir=str(tmp_path / "run"),
    )
    with pytest.warns(UnreadableFilesWarning):
        run(config)
    summary = json.loads((tmp_path / "run" / "skipped_files.json").read_text())
    assert summary == {"count": len(bad), "files": bad}
    assert f"Skipped {len(bad)} unreadable image files" in capsys.readouterr().out


# ----------------------------------------------------------------------- bad flags

_CLI_HARNESS = """
import contextlib, io, json, sys, traceback
sys.path.insert(0, {repo!r})
sys.argv = [{script!r}]
from absl import flags
import {module} as cli
{define}
results = []
for args in {cases!r}:
    flags.FLAGS.unparse_flags()
    flags.FLAGS([{script!r}, *args])
    stderr, code, trace = io.StringIO(), None, ""
    with contextlib.redirect_stderr(stderr):
        try:
            code = cli.main([{script!r}])
        except SystemExit as exit:
            code = exit.code
        except BaseException:
            trace = traceback.format_exc()
    results.append({{"args": args, "code": code, "stderr": stderr.getvalue(), "trace": trace}})
print("RESULTS=" + json.dumps(results))
"""


def _run_cli_cases(module, cases, define="", env=None, cwd=REPO):
    """Run `module.main` once per flag list in one subprocess; return the result dicts."""
    script = f"{module}.py"
    code = textwrap.dedent(_CLI_HARNESS).format(
        repo=REPO, script=script, module=module, define=define, cases=cases
    )
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env=env or ENV,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    line = next(ln for ln in proc.stdout.splitlines() if ln.startswith("RESULTS="))
    return json.loads(line[len("RESULTS=") :])


def _assert_one_error_line(result, prefix, expected):
    assert not result["trace"], result
    assert result["code"] not in (0, None), result
    lines = [ln for ln in result["stderr"].splitlines() if ln.startswith(prefix)]
    assert len(lines) == 1 and expected in lines[0], result
    assert "Traceback" not in result["stderr"], result


@pytest.mark.slow
def test_train_user_errors_are_one_line(tmp_path):
    only_bad = tmp_path / "only_bad"
    _write_bad(only_bad)
    (tmp_path / "no_domains").mkdir()
    common = [
        "--epochs=1",
        "--steps_per_epoch=1",
        "--verbose=0",
        "--export=none",
        f"--output_dir={tmp_path / 'out'}",
    ]
    cases = {
        "--model=nope": "Unknown model",
        "--dataset=nope:x": "Received: dataset",
        "--dataset=folder:/does/not/exist": "does not exist",
        f"--dataset=folder:{only_bad}": "no readable image",
        f"--model=cyclegan --dataset=folder:{tmp_path / 'no_domains'}": "no trainA and no trainB",
        "--model=gan --image_size=30": "Received: image_size=30",
        "--model=cyclegan --image_size=30": "Received: image_size=30",
        "--model=srgan --image_size=30": "Received: image_size=30",
        "--model=srgan --content_loss=vgg --vgg_weights=/missing.h5": "/missing.h5",
        "--model=srgan --content_loss=vgg": "VGG19 weights are not available",
        "--model=inpainting --mask=folder:/does/not/exist": "Received: mask=",
        "--export=bogus": "Received: export='bogus'",
    }  # --cpu_replicas=2 --batch_size=7 needs a fresh process: tests/test_train_cli.py
    # No VGG19 weights in an empty Keras home, and downloads fail fast (no proxy there).
    env = {
        **ENV,
        "KERAS_HOME": str(tmp_path / "keras_home"),
        "https_proxy": "http://127.0.0.1:9",
        "HTTPS_PROXY": "http://127.0.0.1:9",
    }
    results = _run_cli_cases(
        "train",
        [common + c.split() for c in cases],
        "cli.define_flags()",
        env=env,
        cwd=str(tmp_path),
    )
    for result, expected in zip(results, cases.values(), strict=True):
        _assert_one_error_line(result, "train.py: error:", expected)
        assert result["code"] == 2
    assert not (tmp_path / "out" / "history.csv").exists()  # all failed before training


@pytest.mark.slow
def test_train_export_verification_failure_is_one_line_after_saving(tmp_path):
    """A verification miss at the end of train.py: one line, exit 1, the run's files kept."""
    out = tmp_path / "out"
    args = [
        "--dataset=builtin:digits",
        "--image_size=16",
        "--channels=1",
        "--filters=4",
        "--latent_dim=8",
        "--batch_size=4",
        "--epochs=1",
        "--steps_per_epoch=1",
        "--verbose=0",
        "--export=tflite",
        f"--output_dir={out}",
    ]
    define = (
        "cli.define_flags()\n"
        "from keras_gan.export import verify\n"
        "verify.DEFAULT_TOLERANCES['dynamic'] = ('psnr', 1000.0)  # impossible"
    )
    [result] = _run_cli_cases("train", [args], define, cwd=str(tmp_path))
    _assert_one_error_line(result, "train.py: error:", "failed verification: tflite_dynamic")
    assert result["code"] == 1
    assert (out / "generator.keras").is_file() and (out / "model.keras").is_file()
    assert (tmp_path / "saved_models" / "gan" / "export_report.json").is_file()


@pytest.mark.slow
def test_absl_flag_errors_and_evaluate_errors_have_no_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, os.path.join(REPO, "train.py"), "--loss=bogus"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(tmp_path),
        env=ENV,
    )
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "--loss=bogus" in proc.stderr
    proc = subprocess.run(
        [
            sys.executable,
            os.path.join(REPO, "evaluate.py"),
            "--model=gan",
            f"--generator={tmp_path / 'missing.keras'}",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=str(tmp_path),
        env=ENV,
    )
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    errors = [ln for ln in proc.stderr.splitlines() if ln.startswith("evaluate.py: error:")]
    assert len(errors) == 1 and "missing.keras" in errors[0]


# ----------------------------------------------------------------- export safety


def _tiny_latent_generator():
    keras.utils.set_random_seed(0)
    return keras_gan.networks.dcgan_generator(latent_dim=8, image_size=16, channels=3, filters=4)


def test_failed_verification_publishes_nothing(tmp_path, monkeypatch):
    kwargs = dict(output_dir=str(tmp_path), formats="saved_model", verbose=False)
    export_generator(_tiny_latent_generator(), "m", verify=False, **kwargs)
    before = sorted(os.listdir(tmp_path / "m"))

    def failing(artifacts, data_path):
        return [{**a, "passed": False, "value": 9.0, "error": None} for a in artifacts], {}

    monkeypatch.setattr(exporter_lib.verify_lib, "run_verifier", failing)
    with pytest.raises(exporter_lib.verify_lib.ExportVerificationError):
        export_generator(_tiny_latent_generator(), "m", **kwargs)
    assert sorted(os.listdir(tmp_path / "m")) == before  # no version 2, no temp folder
    assert "2" not in before and "1" in before


def _call(signature, **inputs):
    return signature(**{k: tf.constant(v) for k, v in inputs.items()})


def test_saved_model_rejects_wrong_shapes_and_dtypes(tmp_path):
    kwargs = dict(output_dir=str(tmp_path), formats="saved_model", verify=False, verbose=False)
    export_generator(_tiny_latent_generator(), "latent", **kwargs)
    export_generator(
        keras_gan.networks.gated_generator(image_size=16, filters=4), "inpaint", **kwargs
    )  # all convolutions: the network itself takes any size
    latent = tf.saved_model.load(str(tmp_path / "latent" / "1")).signatures
    inpaint = tf.saved_model.load(str(tmp_path / "inpaint" / "1")).signatures
    errors = (ValueError, TypeError, tf.errors.InvalidArgumentError)

    # The right inputs work (so the failures below are about shape and dtype).
    z = np.zeros((2, 8), "float32")
    assert _call(latent["serving_default"], z=z)["image"].shape == (2, 16, 16, 3)
    x, m = np.zeros((1, 16, 16, 3), "float32"), np.zeros((1, 16, 16, 1), "float32")
    assert _call(inpaint["serving_default"], image=x, mask=m)["image"].shape == (1, 16, 16, 3)
    out = _call(inpaint["serving_uint8"], image=x.astype("uint8"), mask=m)["image"]
    assert out.dtype == tf.uint8

    shape_error = "is not compatible with expected shape"
    dtype_error = "expected to be a"
    bad_calls = [
        (latent["serving_default"], {"z": np.zeros((2, 9), "float32")}, shape_error),
        (latent["serving_default"], {"z": np.zeros((8,), "float32")}, shape_error),
        (latent["serving_default"], {"z": np.zeros((2, 8), "int32")}, dtype_error),
        (
            inpaint["serving_default"],
            {
                "image": np.zeros((1, 24, 24, 3), "float32"),
                "mask": np.zeros((1, 24, 24, 1), "float32"),
            },
            shape_error,
        ),
        (
            inpaint["serving_default"],
            {"image": np.zeros((16, 16, 3), "float32"), "mask": m},
            shape_error,
        ),
        (
            inpaint["serving_default"],
            {"image": np.zeros((1, 16, 16, 1), "float32"), "mask": m},
            shape_error,
        ),
        (inpaint["serving_default"], {"image": x.astype("uint8"), "mask": m}, dtype_error),
        (inpaint["serving_uint8"], {"image": x, "mask": m}, dtype_error),
        (
            inpaint["serving_uint8"],
            {"image": np.zeros((1, 17, 17, 3), "uint8"), "mask": m},
            shape_error,
        ),
    ]
    for signature, inputs, expected in bad_calls:
        with pytest.raises(errors, match=expected):
            _call(signature, **inputs)


def _non_generators(folder):
    """`.keras` files (and others) that are not keras_gan generators: name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    classifier = keras.Sequential(
        [
            keras.Input((16, 16, 3)),
            keras.layers.Conv2D(4, 3),
            keras.layers.Flatten(),
            keras.layers.Dense(10),
        ]
    )
    classifier.save(folder / "classifier.keras")
    keras_gan.networks.patchgan_discriminator(image_size=32, filters=4).save(
        folder / "patchgan.keras"
    )
    keras_gan.networks.dcgan_discriminator(image_size=16, filters=4).save(folder / "dcgan_d.keras")
    image = keras.Input((16, 16, 3), name="image")
    lambda_model = keras.Model(image, keras.layers.Lambda(lambda t: t * 2.0)(image))
    lambda_model.save(folder / "lambda.keras")
    (folder / "text.keras").write_text("not a zip archive")
    gan = keras_gan.GAN(
        keras_gan.networks.dcgan_generator(latent_dim=8, image_size=16, filters=4),
        keras_gan.networks.dcgan_discriminator(image_size=16, filters=4),
    )
    gan.compile()
    gan.save(folder / "model.keras")  # the whole training model train.py saves
    return {
        "model": (folder / "model.keras", "training model, not a generator"),
        "classifier": (folder / "classifier.keras", "must output NHWC images"),
        "patchgan": (folder / "patchgan.keras", "not an image generator"),
        "dcgan_d": (folder / "dcgan_d.keras", "must output NHWC images"),
        "lambda": (folder / "lambda.keras", "safe mode"),
        "text": (folder / "text.keras", "not a zip archive"),
        "missing": (folder / "missing.keras", "not found"),
    }


@pytest.mark.slow
def test_export_cli_refuses_files_that_are_not_generators(tmp_path):
    files = _non_generators(tmp_path / "models")
    cases = [
        [
            f"--generator={path}",
            f"--output_dir={tmp_path / 'out'}",
            "--formats=saved_model",
            "--noverify",
        ]
        for path, _ in files.values()
    ]
    results = _run_cli_cases("export", cases)
    for result, (_, expected) in zip(results, files.values(), strict=True):
        _assert_one_error_line(result, "export.py: error:", expected)
    assert not (tmp_path / "out").exists() or not any(
        name.isdigit() for _, _, names in os.walk(tmp_path / "out") for name in names
    )


# ----------------------------------------------------------------------- loading

_SOURCES = [os.path.join(REPO, name) for name in ("train.py", "export.py", "evaluate.py")] + [
    os.path.join(root, name)
    for top in ("keras_gan", "scripts")
    for root, _, names in os.walk(os.path.join(REPO, top))
    for name in names
    if name.endswith(".py")
]


def test_no_pickle_and_every_model_load_is_in_safe_mode():
    loads = 0
    for path in _SOURCES:
        text = open(path).read()
        assert not re.search(
            r"^\s*(import|from)\s+(c?pickle|dill|cloudpickle|joblib)\b", text, re.M
        ), path
        assert "allow_pickle=True" not in text and "safe_mode=False" not in text, path
        assert "enable_unsafe_deserialization" not in text, path
        for call in re.finditer(r"load_model\(([^)]*)\)", text):
            loads += 1
            assert "safe_mode=True" in call.group(1), f"{path}: {call.group(0)}"
        for call in re.finditer(r"np\.load\(([^)]*)\)", text):
            assert "allow_pickle=False" in call.group(1), f"{path}: {call.group(0)}"
    assert loads >= 3  # export, evaluate (generator and classifier): the scan saw them


def test_lambda_models_are_refused_and_our_networks_load_in_safe_mode(tmp_path):
    files = _non_generators(tmp_path)
    with pytest.raises(ValueError, match="safe mode") as error:
        export_generator(str(files["lambda"][0]), "m", output_dir=str(tmp_path / "out"))
    assert "Lambda" in str(error.value)
    networks = [
        _tiny_latent_generator(),
        keras_gan.networks.resnet_generator(image_size=16, filters=4, residual_blocks=1),
        keras_gan.networks.srresnet_generator(scale=2, residual_blocks=1, filters=4),
        keras_gan.networks.gated_generator(image_size=16, filters=4),
        keras_gan.networks.sn_patchgan_discriminator(image_size=16, filters=4, num_layers=2),
        keras_gan.networks.srgan_discriminator(image_size=16, filters=4, dense_units=8),
    ]
    for network in networks:
        assert not any(isinstance(layer, keras.layers.Lambda) for layer in iter_layers(network))
        path = tmp_path / f"{network.name}.keras"
        network.save(path)
        loaded = exporter_lib.load_generator(str(path))  # safe mode
        assert len(loaded.weights) == len(network.weights)
