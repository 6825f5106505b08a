"""Resuming killed runs (BackupAndRestore) and stopping on NaN/Inf losses."""

import csv
import json
import os
import shutil
import subprocess
import sys
import types

import gan_test_helper as helper
import keras
import numpy as np
import pytest
import tensorflow as tf

import keras_gan
from keras_gan.callbacks.backup_and_restore import BackupAndRestore
from keras_gan.callbacks.terminate_on_non_finite import TerminateOnNonFinite
from keras_gan.recipes import get_recipe
from keras_gan.schedules import LinearDecay
from keras_gan.training import TrainConfig, run

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSTRUMENTED = os.path.join(REPO, "tests", "train_instrumented.py")
GAN_FLAGS = helper.tiny_gan_train_flags(epochs=3, steps_per_epoch=3)


def train_subprocess(output_dir, *flags):
    """train.py (instrumented: op determinism, step count) in a subprocess."""
    return subprocess.run(
        [sys.executable, INSTRUMENTED, *GAN_FLAGS, f"--output_dir={output_dir}", *flags],
        capture_output=True, text=True, timeout=600, cwd=REPO,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )


def steps_trained(proc):
    lines = [line for line in proc.stdout.splitlines() if line.startswith("STEPS_TRAINED=")]
    assert lines, proc.stdout[-2000:] + proc.stderr[-3000:]
    return int(lines[-1].split("=")[1])


def training_state(model):
    """Every variable of the model (networks, EMA, pools, rng) and of both optimizers."""
    variables = list(model.weights) + list(model.generator_optimizer.variables)
    variables += list(model.discriminator_optimizer.variables)
    return {f"{i}:{v.name}": np.array(keras.ops.convert_to_numpy(v)) for i, v in enumerate(variables)}


def assert_same_state(a, b, rtol=1e-5, atol=1e-6):
    state_a, state_b = training_state(a), training_state(b)
    assert list(state_a) == list(state_b)
    for key in state_a:
        np.testing.assert_allclose(state_a[key], state_b[key], rtol=rtol, atol=atol, err_msg=key)


def history_epochs(output_dir):
    with open(os.path.join(output_dir, "history.csv")) as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


# ---------------------------------------------------------------- kill -9 (GAN)
@pytest.mark.slow
def test_kill_9_mid_epoch_then_resume_equals_an_uninterrupted_run(tmp_path):
    killed, reference = tmp_path / "killed", tmp_path / "reference"
    # Killed right after the backup of step 5 (epoch 2, step 2 of 3) is on disk.
    proc = train_subprocess(killed, "--kill_after_backup=5")
    assert proc.returncode == -9, proc.stderr[-3000:]
    with open(killed / "backup" / "latest" / "state.json") as f:
        assert json.load(f)["step"] == 5
    assert history_epochs(killed) == [1]

    resumed = train_subprocess(killed)  # the same command again
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert steps_trained(resumed) == 4  # steps 6..9 only
    assert "Epoch 1/3" not in resumed.stdout and "Epoch 2/3" in resumed.stdout  # partial
    assert history_epochs(killed) == [1, 2, 3]
    assert not (killed / "backup").exists()  # removed once the run completed

    proc = train_subprocess(reference)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert steps_trained(proc) == 9

    a = keras.saving.load_model(killed / "model.keras")
    b = keras.saving.load_model(reference / "model.keras")
    for model in (a, b):
        assert int(model.generator_optimizer.iterations.numpy()) == 9
        assert int(model.discriminator_optimizer.iterations.numpy()) == 9
        assert list(model.rng_state.numpy()) == [0, 9]
    assert a.ema_generator is not None
    assert_same_state(a, b)


# ------------------------------------------------------- in-process interruption
class _Crash(Exception):
    pass


@pytest.fixture
def crash_after_backup(monkeypatch):
    """`crash_after_backup(step)`: the next run raises right after backing up `step`;
    returns a dict whose "steps" counts the train steps run."""
    counter = {"steps": 0, "crash_at": -1}
    save, batch_end = BackupAndRestore._save_model, BackupAndRestore.on_train_batch_end

    def _save_model(self):
        save(self)
        if counter["crash_at"] == self.saved_step:
            counter["crash_at"] = -1
            raise _Crash(self.saved_step)

    def on_train_batch_end(self, batch, logs=None):
        counter["steps"] += 1
        batch_end(self, batch, logs)

    monkeypatch.setattr(BackupAndRestore, "_save_model", _save_model)
    monkeypatch.setattr(BackupAndRestore, "on_train_batch_end", on_train_batch_end)

    def arm(step):
        counter["crash_at"], counter["steps"] = -1 if step is None else step, 0
        return counter

    return arm


def _srgan_config(output_dir):
    return TrainConfig(model="srgan", dataset="builtin:photos", image_size=16, scale=2,
                       filters=4, residual_blocks=1, batch_size=2, pretrain_epochs=2, epochs=1,
                       steps_per_epoch=2, content_loss="mse", samples=1, verbose=0,
                       export="none", backup_every_steps=1, output_dir=str(output_dir))


@pytest.mark.slow
def test_srgan_resumes_in_the_right_phase_and_epoch(tmp_path, crash_after_backup):
    # 2 pretraining epochs (steps 1-4), then 1 adversarial epoch (steps 5-6).
    config = _srgan_config(tmp_path / "resumed")
    counter = crash_after_backup(3)  # pretraining, epoch 2, mid-epoch
    with pytest.raises(_Crash):
        run(config)
    counter = crash_after_backup(5)  # adversarial, mid-epoch
    with pytest.raises(_Crash):
        run(config)
    assert counter["steps"] == 2  # steps 4 and 5
    assert history_epochs(config.output_dir) == [1, 2]
    counter = crash_after_backup(None)
    model, _ = run(config)
    assert counter["steps"] == 1  # step 6
    assert model.phase == "adversarial"
    assert int(model.generator_optimizer.iterations.numpy()) == 6
    assert int(model.discriminator_optimizer.iterations.numpy()) == 2
    assert history_epochs(config.output_dir) == [1, 2, 3]
    assert os.path.isfile(os.path.join(config.output_dir, "srresnet.keras"))

    reference, _ = run(_srgan_config(tmp_path / "reference"))
    assert_same_state(model, reference, rtol=1e-4, atol=1e-5)


def test_resume_false_starts_over_and_other_settings_are_refused(tmp_path, crash_after_backup):
    config = TrainConfig(dataset="builtin:digits", image_size=16, channels=1, filters=4,
                         latent_dim=8, batch_size=2, epochs=2, steps_per_epoch=2, samples=4,
                         verbose=0, export="none", backup_every_steps=1, output_dir=str(tmp_path))
    crash_after_backup(3)
    with pytest.raises(_Crash):
        run(config)
    other = TrainConfig(**{**config.__dict__, "steps_per_epoch": 3})
    with pytest.raises(ValueError, match="steps_per_epoch=2.*Received: steps_per_epoch=3"):
        run(other)
    counter = crash_after_backup(None)
    model, _ = run(TrainConfig(**{**config.__dict__, "resume": False}))
    assert counter["steps"] == 4
    assert int(model.generator_optimizer.iterations.numpy()) == 4
    assert not os.path.exists(tmp_path / "backup")


# ------------------------------------------------------ model-level round trips
def _round_trip(factory, batch, tmp_path, one_more_step=True):
    """Back up after 2 steps, restore into a fresh model (every variable equal); with
    `one_more_step` both then train a step and must still agree."""
    dataset = tf.data.Dataset.from_tensors(batch).repeat()
    trained = factory()
    backup = BackupAndRestore(str(tmp_path / "backup"), steps_per_epoch=2, save_freq=1,
                              delete_checkpoint=False)
    trained.fit(dataset, epochs=1, steps_per_epoch=2, callbacks=[backup], shuffle=False,
                verbose=0)
    restored = factory()
    assert int(restored.generator_optimizer.iterations.numpy()) == 0
    assert BackupAndRestore(str(tmp_path / "backup"), steps_per_epoch=2).restore(restored) == 2
    assert_same_state(trained, restored, rtol=0, atol=0)
    if not one_more_step:
        return trained, restored
    for model in (trained, restored):
        model.fit(dataset, epochs=1, steps_per_epoch=1, shuffle=False, verbose=0)
    assert_same_state(trained, restored)
    return trained, restored


def test_cyclegan_backup_has_pools_schedule_and_optimizers(tmp_path):
    size = 16

    def factory():
        model = keras_gan.CycleGAN.resnet(image_size=size, filters=4, residual_blocks=1,
                                          discriminator_layers=2, pool_size=3, seed=1)
        schedule = LinearDecay(1e-3, constant_steps=0, decay_steps=10)  # reads iterations
        model.compile(keras.optimizers.Adam(schedule, beta_1=0.5),
                      keras.optimizers.Adam(schedule, beta_1=0.5), loss="least_squares")
        return model

    rng = np.random.default_rng(0)
    batch = {k: rng.uniform(-1, 1, (2, size, size, 3)).astype("float32") for k in "ab"}
    trained, restored = _round_trip(factory, batch, tmp_path, one_more_step=False)
    assert int(restored.pool_a_count.numpy()) == 3  # full: 2 steps x 2 fakes offered
    assert np.any(keras.ops.convert_to_numpy(restored.pool_b_images) != 0)
    for model in (trained, restored):  # the schedule continues from the restored iterations
        assert float(model.generator_optimizer.learning_rate) == pytest.approx(1e-3 * 8 / 10)


def test_inpainting_backup_round_trip(tmp_path):
    size = 32

    def factory():
        model = keras_gan.InpaintingGAN.deepfill(image_size=size, filters=4, dilations=(2,), seed=1)
        model.compile(keras.optimizers.Adam(1e-3, beta_1=0.5),
                      keras.optimizers.Adam(1e-3, beta_1=0.5), loss="hinge")
        return model

    rng = np.random.default_rng(0)
    masks = np.zeros((2, size, size, 1), "float32")
    masks[:, 8:20, 4:16] = 1.0
    batch = {"image": rng.uniform(-1, 1, (2, size, size, 3)).astype("float32"), "mask": masks}
    _round_trip(factory, batch, tmp_path)


def _tiny_gan():
    model = keras_gan.GAN.dcgan(latent_dim=8, image_size=16, channels=1, filters=4,
                                ema_decay=0.9, seed=2)
    model.compile(keras.optimizers.Adam(1e-3), keras.optimizers.Adam(1e-3))
    return model


def test_backup_never_writes_non_finite_weights_and_survives_a_kill_mid_swap(tmp_path):
    model = _tiny_gan()
    backup = BackupAndRestore(str(tmp_path), steps_per_epoch=2, save_freq=1)
    backup.set_model(model)
    backup.step = 1
    backup._save_model()
    weights = model.generator.weights[0]
    good = keras.ops.convert_to_numpy(weights)
    weights.assign(np.full(weights.shape, np.nan, "float32"))
    backup.step = 2
    backup._save_model()  # refused: a NaN weight
    assert backup.saved_step == 1

    # Killed between the two renames of a later save: only latest.new is left.
    weights.assign(good + 1.0)
    backup.step = 3
    backup._save_model()
    os.replace(backup.latest_dir, backup.latest_dir + ".new")
    fresh = _tiny_gan()
    assert BackupAndRestore(str(tmp_path), steps_per_epoch=2).restore(fresh) == 3
    np.testing.assert_array_equal(keras.ops.convert_to_numpy(fresh.generator.weights[0]), good + 1.0)
    # A backup written while another is half-written: the complete one is used.
    shutil.rmtree(backup.latest_dir)
    os.makedirs(backup.latest_dir + ".new")
    assert BackupAndRestore(str(tmp_path), steps_per_epoch=2).restore(_tiny_gan()) == 0


# ---------------------------------------------------------------------- NaN/Inf
def test_terminate_on_non_finite_names_the_step_and_the_loss():
    model = _tiny_gan()
    callback = TerminateOnNonFinite(steps_per_epoch=3)
    callback.set_model(model)
    callback.set_params({"steps": 2, "epochs": 4})  # a resumed epoch: its last 2 steps
    callback.on_epoch_begin(2)
    callback.on_train_batch_end(0, {"d_loss": 1.0, "g_loss": 0.5, "psnr": float("inf")})
    with pytest.raises(FloatingPointError, match=r"at step 9 \(epoch 3\): g_loss=inf"):
        callback.on_train_batch_end(1, {"d_loss": 1.0, "g_loss": float("inf")})


@pytest.mark.slow
def test_nan_loss_stops_train_py_with_one_line_and_keeps_the_last_good_backup(tmp_path):
    # A discriminator weight turns NaN right after the backup of step 4.
    proc = train_subprocess(tmp_path, "--nan_after_backup=4")
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr
    line = [x for x in proc.stderr.splitlines() if x.startswith("train.py: error:")]
    assert len(line) == 1, proc.stderr[-3000:]
    assert "Non-finite loss at step 5 (epoch 2): " in line[0] and "d_loss=nan" in line[0]
    assert "The last finite state (step 4) is kept in" in line[0]
    assert steps_trained(proc) == 4  # the backup callback never saw step 5
    with open(tmp_path / "backup" / "latest" / "state.json") as f:
        assert json.load(f)["step"] == 4
    # The model as the run's recipe builds it (optimizers with its schedules, R1 tracker).
    recipe = get_recipe("gan")
    config = recipe.resolve(TrainConfig(model="gan", dataset="builtin:digits", image_size=16,
                                        channels=1, filters=4, latent_dim=8, batch_size=4,
                                        epochs=3, steps_per_epoch=3))
    model = recipe.build_model(config, types.SimpleNamespace(steps_per_epoch=3, num_classes=None))
    assert BackupAndRestore(str(tmp_path / "backup"), steps_per_epoch=3).restore(model) == 4
    assert int(model.generator_optimizer.iterations.numpy()) == 4
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert not (tmp_path / "model.keras").exists()

