"""Tests of scripts/learning_curve.py: overrides, the checkpoint callback, the CSV and the plot."""

import csv
import importlib.util
import json
import os
import subprocess
import sys
import time
import types

import gan_test_helper as helper
import keras
import numpy as np
import pytest
from PIL import Image

from keras_gan import evaluation
from keras_gan.training import TrainConfig

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "scripts", "learning_curve.py")
ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "CUDA_VISIBLE_DEVICES": ""}

_spec = importlib.util.spec_from_file_location("learning_curve", SCRIPT)
lc = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(lc)  # defines no flags: they are defined only when run as a script


def options(**values):
    """The evaluation flags of the script with their defaults, as a namespace."""
    defaults = dict(
        eval_sets=None,
        classifier=None,
        num_samples=10000,
        real_data=None,
        num_real=10000,
        target_data=None,
        eval_image_size=64,
        eval_crops="resize",
        eval_masks="free_form",
        masks_per_bucket=0,
        eval_seed=0,
        eval_batch_size=256,
    )
    return types.SimpleNamespace(**{**defaults, **values})


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


# ----------------------------------------------------------------- configuration


def test_overrides_are_typed_by_the_train_config_fields():
    values = lc.parse_overrides(
        [
            "batch_size=16",
            "learning_rate=1e-3",
            "mask=mixed",
            "flip=false",
            "ema_decay=none",
            "jit_compile=auto",
            "--seed=3",
        ]
    )
    assert values == {
        "batch_size": 16,
        "learning_rate": 1e-3,
        "mask": "mixed",
        "flip": False,
        "ema_decay": None,
        "jit_compile": "auto",
        "seed": 3,
    }
    assert isinstance(values["batch_size"], int) and isinstance(values["learning_rate"], float)
    for bad, match in (
        ("batch_size", "Received: set='batch_size'"),
        ("bogus=1", "Received: set='bogus=1'"),
        ("batch_size=big", "Received: batch_size='big'"),
        ("resume=true", "curve starts at step 0"),
        ("dataset=folder:x", "use --dataset"),
    ):
        with pytest.raises(ValueError, match=match):
            lc.parse_overrides([bad])
    config = lc.build_config("srgan", "folder:/data/T91", ["export=tflite", "filters=8"], None)
    assert isinstance(config, TrainConfig) and config.resume is False
    assert (config.export, config.filters, config.verbose) == ("tflite", 8, 2)
    assert config.resolved_output_dir() == os.path.join("runs", "curve_srgan")


def test_evaluation_calls_need_each_familys_data():
    for model, message in (
        ("gan", "--classifier"),
        ("srgan", "--eval_sets"),
        ("inpainting", "--real_data"),
        ("cyclegan", "--target_data"),
        ("vae", "Received: model='vae'"),
    ):
        with pytest.raises(ValueError, match=message):
            lc.evaluation_calls(model, options())
    calls = lc.evaluation_calls(
        "inpainting", options(real_data="folder:x", eval_crops="resize,native")
    )
    assert [c["crops"] for c in calls] == ["resize", "native"]
    command = lc.evaluate_command("inpainting", "run/generator.keras", calls[1])
    assert command.startswith(
        "python evaluate.py --model=inpainting --generator=run/generator.keras"
    )
    assert "--eval_crops=native" in command and "--real_data=folder:x" in command
    [call] = lc.evaluation_calls("srgan", options(eval_sets="folder:a,folder:b"), scale=2)
    assert lc.evaluate_command("srgan", "g.keras", call).endswith(
        "--dataset=folder:a,folder:b --scale=2"
    )


def test_merge_headlines_joins_series_of_the_same_metric():
    resize = [
        evaluation.headline_panel(
            "hole_psnr",
            "hole PSNR (dB)",
            "telea",
            {"BSD100_resize": {"model": 20.0, "baseline": 21.0}},
        )
    ]
    native = [
        evaluation.headline_panel(
            "hole_psnr",
            "hole PSNR (dB)",
            "telea",
            {"BSD100_native": {"model": 19.0, "baseline": 19.5}},
        )
    ]
    [panel] = lc.merge_headlines([resize, native])
    assert list(panel["series"]) == ["BSD100_resize", "BSD100_native"]
    assert list(evaluation.headline_columns([panel])) == [
        "BSD100_resize_hole_psnr",
        "BSD100_resize_hole_psnr_telea",
        "BSD100_native_hole_psnr",
        "BSD100_native_hole_psnr_telea",
    ]


# ----------------------------------------------------------------- the callback


def test_callback_counts_steps_across_fits_and_leaves_evaluations_out_of_the_time():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", steps_per_execution=2)
    x, y = np.ones((64, 3), np.float32), np.ones((64, 1), np.float32)
    seen = []

    def evaluate(network):
        assert network is model  # a plain model is its own generator
        seen.append(time.perf_counter())
        time.sleep(0.2)
        return [
            evaluation.headline_panel(
                "loss", "loss", "zero", {"": {"model": len(seen), "baseline": 0.0}}
            )
        ]

    callback = lc.CurveCallback(evaluate, every=3)
    start = time.perf_counter()
    # Two fits, as SRGAN's phases: steps 2, 4, 6, 8, then 10, 12 (2 per execution).
    model.fit(x, y, batch_size=4, epochs=2, steps_per_epoch=4, callbacks=[callback], verbose=0)
    model.fit(
        x,
        y,
        batch_size=4,
        initial_epoch=2,
        epochs=3,
        steps_per_epoch=4,
        callbacks=[callback],
        verbose=0,
    )
    wall = time.perf_counter() - start
    assert [r["step"] for r in callback.rows] == [0, 4, 6, 10, 12]
    assert [r["loss"] for r in callback.rows] == [1, 2, 3, 4, 5]
    assert all(r["eval_seconds"] >= 0.2 for r in callback.rows)
    seconds = [r["train_seconds"] for r in callback.rows]
    assert seconds == sorted(seconds) and seconds[0] < 0.05
    assert callback.train_seconds_at_end <= wall - 5 * 0.2
    with pytest.raises(ValueError, match="Received: every=0"):
        lc.CurveCallback(evaluate, every=0)


# ----------------------------------------------------------------- end to end


def _classifier(path, size=16, num_classes=10):
    keras.utils.set_random_seed(1)
    keras.Sequential(
        [
            keras.Input((size, size, 1)),
            keras.layers.Flatten(),
            keras.layers.Dense(8, activation="relu", name="features"),
            keras.layers.Dense(num_classes, activation="softmax"),
        ]
    ).save(path)
    return path


def test_gan_curve_end_to_end_in_process(tmp_path):
    classifier = _classifier(str(tmp_path / "classifier.keras"))
    overrides = [
        "image_size=16",
        "channels=1",
        "filters=4",
        "latent_dim=8",
        "batch_size=8",
        "epochs=2",
        "steps_per_epoch=3",
        "samples=4",
        "verbose=0",
    ]
    config = lc.build_config("gan", "builtin:digits", overrides, str(tmp_path / "run"))
    calls = lc.evaluation_calls(
        "gan",
        options(classifier=classifier, num_samples=60, real_data="builtin:digits", num_real=100),
    )
    evaluator = lc.Evaluator("gan", calls)
    png, table = str(tmp_path / "curve.png"), str(tmp_path / "curve.csv")
    rows, difference = lc.learning_curve(config, evaluator, 3, png, table, overrides=overrides)
    assert [r["step"] for r in rows] == [0, 3, 6]
    assert [r["source"] for r in rows] == ["in_process", "in_process", "saved"]
    assert difference == 0.0  # the live generator and the saved file score the same
    written = read_csv(table)
    assert [int(r["step"]) for r in written] == [0, 3, 6]
    assert list(written[0])[:4] == ["step", "train_seconds", "eval_seconds", "source"]
    assert {
        "classifier_score",
        "classifier_score_real",
        "min_class_share",
        "min_class_share_real",
    } <= set(written[0])
    with Image.open(png) as image:
        assert image.format == "PNG" and image.size[0] > 600
    # The last row is what evaluate.py's evaluator gives the saved generator file.
    generator = keras.saving.load_model(str(tmp_path / "run" / "generator.keras"), safe_mode=True)
    direct = evaluation.evaluate_gan(
        generator, classifier, num_samples=60, real_data="builtin:digits", num_real=100
    )
    for column, value in evaluation.headline_columns(direct["headline"]).items():
        assert float(written[-1][column]) == pytest.approx(value, abs=1e-12)
    title = lc.curve_title(json.load(open(tmp_path / "run" / "config.json")), overrides)
    assert title.startswith("gan on digits: batch 8") and "filters=4" in title


@pytest.mark.slow
def test_srgan_curve_cli_matches_evaluate_py(tmp_path):
    from test_evaluation import image_folder

    train = image_folder(str(tmp_path / "hr"), 4, 40, 56)
    bench = image_folder(str(tmp_path / "Bench"), 2, 32, 48, seed=7)
    png = str(tmp_path / "sr.png")
    run = str(tmp_path / "run")
    proc = subprocess.run(
        [
            sys.executable,
            SCRIPT,
            "--model=srgan",
            f"--dataset={train}",
            f"--output_dir={run}",
            "--set=image_size=32",
            "--set=batch_size=2",
            "--set=pretrain_epochs=2",
            "--set=epochs=0",
            "--set=steps_per_epoch=2",
            "--set=residual_blocks=1",
            "--set=filters=8",
            "--set=content_loss=mse",
            "--eval_every=2",
            f"--eval_sets={bench}",
            f"--output={png}",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=str(tmp_path),
        env=ENV,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = read_csv(str(tmp_path / "sr.csv"))
    assert [int(r["step"]) for r in rows] == [0, 2, 4] and rows[-1]["source"] == "saved"
    assert "largest difference 0" in proc.stdout and os.path.isfile(png)
    command = next(
        line.strip()
        for line in proc.stdout.splitlines()
        if line.strip().startswith("python evaluate.py")
    )
    out = str(tmp_path / "metrics.json")
    proc = subprocess.run(
        [sys.executable, *command.split()[1:], f"--json={out}"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=ENV,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    with open(out) as f:
        bench_set = json.load(f)["sets"]["Bench"]
    assert float(rows[-1]["Bench_psnr"]) == pytest.approx(bench_set["model"]["psnr"], abs=1e-9)
    assert float(rows[-1]["Bench_psnr_bicubic"]) == pytest.approx(
        bench_set["bicubic"]["psnr"], abs=1e-9
    )
    # A bad --set: the script's main in this process (a third subprocess would import
    # TensorFlow again), as absl.app.run calls it.
    with helper.absl_flags(lc.define_flags):
        code, stderr, _ = helper.run_main(
            lc.main,
            "learning_curve.py",
            ["--model=srgan", "--eval_every=1", f"--output={png}", "--set=bogus=1"],
        )
    assert code == 2 and "Traceback" not in stderr
    lines = [line for line in stderr.splitlines() if line.startswith("learning_curve.py: error:")]
    assert len(lines) == 1 and "learning_curve.py: error: --set takes field=value" in lines[0]
