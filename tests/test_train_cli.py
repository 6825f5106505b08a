"""train.py end to end, in subprocesses (as a user runs it)."""

import csv
import json
import os
import subprocess
import sys

import gan_test_helper as helper
import keras
import numpy as np
import pytest

import keras_gan.cli

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = [
    "--dataset=builtin:digits",
    "--image_size=16",
    "--channels=1",
    "--filters=4",
    "--latent_dim=8",
    "--batch_size=8",
    "--epochs=2",
    "--steps_per_epoch=2",
    "--samples=4",
    "--verbose=2",
    "--export=none",
]


def train(*flags, check=True):
    proc = subprocess.run(
        [sys.executable, os.path.join(REPO, "train.py"), *TINY, *flags],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=REPO,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    if check:
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc


@pytest.mark.slow
def test_train_writes_every_artifact(tmp_path):
    out = tmp_path / "run"
    train(f"--output_dir={out}", "--conditional")
    for name in ("generator.keras", "model.keras", "config.json", "history.csv"):
        assert (out / name).is_file(), name
    assert sorted(os.listdir(out / "samples")) == ["epoch_001.png", "epoch_002.png"]
    assert os.listdir(out / "logs")  # TensorBoard event files
    config = json.loads((out / "config.json").read_text())
    assert config["image_size"] == 16 and config["conditional"] is True and config["model"] == "gan"
    rows = list(csv.DictReader(open(out / "history.csv")))
    assert [r["epoch"] for r in rows] == ["1", "2"]
    assert all(np.isfinite(float(r["g_loss"])) for r in rows)

    import keras_gan  # noqa: F401  (registers the custom objects)

    generator = keras.saving.load_model(out / "generator.keras")
    assert [i.name for i in generator.inputs] == ["z", "label"]
    images = keras.ops.convert_to_numpy(
        generator([np.zeros((3, 8), "float32"), np.array([0, 1, 2], "int32")])
    )
    assert images.shape == (3, 16, 16, 1) and np.all(np.abs(images) <= 1)
    model = keras.saving.load_model(out / "model.keras")
    assert int(model.generator_optimizer.iterations.numpy()) == 4  # 2 epochs x 2 steps


@pytest.mark.slow
def test_train_mirrored_on_two_logical_cpus(tmp_path):
    proc = train(f"--output_dir={tmp_path}", "--strategy=mirrored", "--cpu_replicas=2")
    assert "Done." in proc.stdout
    assert (tmp_path / "generator.keras").is_file()


@pytest.mark.parametrize(
    "flag, message",
    [
        ("--model=nope", "Unknown model"),
        ("--dataset=nope:x", "Received: dataset"),
        ("--image_size=30", "Received: image_size=30"),
        ("--batch_size=7 --cpu_replicas=2", "divisible"),
    ],
)
def test_bad_flags_give_one_clear_line(flag, message, tmp_path):
    # --cpu_replicas splits the CPU before TensorFlow initialises: that case runs train.py in
    # a fresh process (and so covers the script's exit status). The others run its `main` in
    # this process, as absl.app.run calls it: a subprocess would import TensorFlow again.
    if "--cpu_replicas" in flag:
        proc = train(f"--output_dir={tmp_path}", *flag.split(), check=False)
        code, stderr = proc.returncode, proc.stderr
    else:
        train_py = keras_gan.cli._load("train.py")
        with helper.absl_flags(train_py.define_flags):
            code, stderr, _ = helper.run_main(
                train_py.main, "train.py", [*TINY, f"--output_dir={tmp_path}", *flag.split()]
            )
    assert code == 2
    lines = [line for line in stderr.splitlines() if line.startswith("train.py: error:")]
    assert len(lines) == 1 and message in lines[0], stderr[-3000:]
    assert "Traceback" not in stderr
    assert not os.listdir(tmp_path)  # refused before anything was written
