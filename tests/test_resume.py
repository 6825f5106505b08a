"""Resuming killed runs (BackupAndRestore) and stopping on NaN/Inf losses."""

import os
import shutil
import types

import gan_test_helper as helper
import keras
import numpy as np
import pytest
import resume_test_helper as resume_helper
import tensorflow as tf
from resume_test_helper import (
    assert_kill_9_resume_equals_uninterrupted,
    assert_same_state,
    history_epochs,
    steps_trained,
)

import keras_gan
from keras_gan.callbacks.backup_and_restore import BackupAndRestore
from keras_gan.callbacks.terminate_on_non_finite import TerminateOnNonFinite
from keras_gan.recipes import get_recipe
from keras_gan.schedules import LinearDecay
from keras_gan.training import TrainConfig, run

GAN_FLAGS = helper.tiny_gan_train_flags(epochs=3, steps_per_epoch=3)


def train_subprocess(output_dir, *flags):
    """train.py (instrumented: op determinism, step count) of the tiny GAN in a subprocess."""
    return resume_helper.train_subprocess(output_dir, GAN_FLAGS, *flags)


# ---------------------------------------------------------- kill -9, every family
RUN_SETTINGS = {"verbose": 2, "export": "none", "backup_every_steps": 1, "samples": 1}


def _flags(settings):
    """train.py flags of `TrainConfig` fields."""
    return [f"--{name}={value}" for name, value in settings.items()]


def _model_from_backup(settings, run_dir):
    """The model as the run of `settings` builds it (its recipe), with its backup loaded."""
    recipe = get_recipe(settings["model"])
    config = recipe.resolve(TrainConfig(**settings))
    data = types.SimpleNamespace(steps_per_epoch=config.steps_per_epoch, num_classes=None)
    model = recipe.build_model(config, data)
    backup = BackupAndRestore(str(run_dir / "backup"), steps_per_epoch=config.steps_per_epoch)
    assert backup.restore(model) == resume_helper.backup_step(run_dir)
    return model


@pytest.mark.slow
def test_kill_9_mid_epoch_then_resume_equals_an_uninterrupted_run(tmp_path):
    # Killed right after the backup of step 5 (epoch 2, step 2 of 3) is on disk;
    # the resumed run trains steps 6..9 only.
    a, b, _ = assert_kill_9_resume_equals_uninterrupted(
        tmp_path, GAN_FLAGS, kill_after_step=5, steps_per_epoch=3, epochs=3
    )
    for model in (a, b):
        assert int(model.generator_optimizer.iterations.numpy()) == 9
        assert int(model.discriminator_optimizer.iterations.numpy()) == 9
        assert list(model.rng_state.numpy()) == [0, 9]
    assert a.ema_generator is not None


CYCLEGAN = {
    "model": "cyclegan",
    "dataset": "builtin:photos",
    "image_size": 32,
    "filters": 4,
    "residual_blocks": 1,
    "batch_size": 1,
    "epochs": 2,
    "steps_per_epoch": 2,
    "pool_size": 2,
    "decay_epochs": 1,
    "learning_rate": 1e-3,
    **RUN_SETTINGS,
}


@pytest.mark.slow
def test_cyclegan_kill_9_mid_epoch_then_resume_equals_an_uninterrupted_run(tmp_path):
    # 2 epochs of 2 steps, the second decaying (LinearDecay: 1e-3 for steps 1-2, then
    # linearly to 0 at step 4); pools of 2 fakes per domain, full after step 2, then each
    # new fake replaces a random one on a coin flip. Killed after step 3: step 4 needs the
    # restored pools, rng, optimizer slots and iterations (its rate: 5e-4).
    def after_kill(killed):  # the backup: full pools and the decayed rate the resume starts at
        model = _model_from_backup(CYCLEGAN, killed)
        assert int(model.pool_a_count.numpy()) == int(model.pool_b_count.numpy()) == 2
        for optimizer in (model.generator_optimizer, model.discriminator_optimizer):
            assert int(optimizer.iterations.numpy()) == 3
            assert float(optimizer.learning_rate) == pytest.approx(5e-4)

    a, b, _ = assert_kill_9_resume_equals_uninterrupted(
        tmp_path,
        _flags(CYCLEGAN),
        kill_after_step=3,
        steps_per_epoch=2,
        epochs=2,
        after_kill=after_kill,
    )
    for model in (a, b):
        assert int(model.pool_a_count.numpy()) == int(model.pool_b_count.numpy()) == 2
        for optimizer in (model.generator_optimizer, model.discriminator_optimizer):
            assert int(optimizer.iterations.numpy()) == 4
            assert float(optimizer.learning_rate) == 0.0  # the end of the decay
    for name in ("pool_a_images", "pool_b_images"):  # compared in assert_same_state too
        pool = keras.ops.convert_to_numpy(getattr(a, name))
        assert np.all(np.any(pool != 0, axis=(1, 2, 3))), name  # both slots hold fakes
        np.testing.assert_allclose(pool, keras.ops.convert_to_numpy(getattr(b, name)), atol=1e-6)


SRGAN = {
    "model": "srgan",
    "dataset": "builtin:photos",
    "image_size": 16,
    "scale": 2,
    "filters": 4,
    "residual_blocks": 1,
    "batch_size": 2,
    "pretrain_epochs": 2,
    "epochs": 1,
    "steps_per_epoch": 2,
    "content_loss": "mse",
    **RUN_SETTINGS,
}
SRGAN_STEPS = 6  # 2 pretraining epochs (steps 1-4), 1 adversarial epoch (steps 5-6)


@pytest.fixture(scope="module")
def srgan_reference(tmp_path_factory):
    """One uninterrupted SRGAN run, shared by the kills in each phase (started at first use)."""
    reference = resume_helper.ReferenceRun(
        tmp_path_factory.mktemp("srgan_reference"), _flags(SRGAN), SRGAN_STEPS
    )
    yield reference
    reference.stop()


@pytest.mark.slow
@pytest.mark.parametrize("kill_after_step, phase", [(3, "pretrain"), (5, "adversarial")])
def test_srgan_kill_9_in_each_phase_then_resume_equals_an_uninterrupted_run(
    tmp_path, srgan_reference, kill_after_step, phase
):
    def after_kill(killed):
        model = _model_from_backup(SRGAN, killed)
        assert int(model.generator_optimizer.iterations.numpy()) == kill_after_step
        assert int(model.discriminator_optimizer.iterations.numpy()) == max(0, kill_after_step - 4)
        assert (killed / "srresnet.keras").is_file() == (phase == "adversarial")

    a, b, resumed = assert_kill_9_resume_equals_uninterrupted(
        tmp_path,
        _flags(SRGAN),
        kill_after_step=kill_after_step,
        steps_per_epoch=2,
        epochs=3,
        reference=srgan_reference,
        after_kill=after_kill,
    )
    for model in (a, b):
        assert model.phase == "adversarial"
        assert int(model.generator_optimizer.iterations.numpy()) == 6
        assert int(model.discriminator_optimizer.iterations.numpy()) == 2
    # The SRResNet saved at the end of pretraining (by the resumed run after a kill in it).
    pretrained = [
        keras.saving.load_model(d / "srresnet.keras")
        for d in (tmp_path / "killed", srgan_reference.output_dir)
    ]
    for x, y in zip(*(m.get_weights() for m in pretrained), strict=True):
        np.testing.assert_allclose(x, y, rtol=1e-5, atol=1e-6)


INPAINTING = {
    "model": "inpainting",
    "dataset": "builtin:photos",
    "image_size": 32,
    "filters": 4,
    "batch_size": 2,
    "epochs": 2,
    "steps_per_epoch": 2,
    **RUN_SETTINGS,
}


@pytest.mark.slow
def test_inpainting_kill_9_mid_epoch_then_resume_equals_an_uninterrupted_run(tmp_path):
    a, b, _ = assert_kill_9_resume_equals_uninterrupted(
        tmp_path, _flags(INPAINTING), kill_after_step=3, steps_per_epoch=2, epochs=2
    )
    for model in (a, b):
        assert int(model.generator_optimizer.iterations.numpy()) == 4
        assert int(model.discriminator_optimizer.iterations.numpy()) == 4


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
    return TrainConfig(
        model="srgan",
        dataset="builtin:photos",
        image_size=16,
        scale=2,
        filters=4,
        residual_blocks=1,
        batch_size=2,
        pretrain_epochs=2,
        epochs=1,
        steps_per_epoch=2,
        content_loss="mse",
        samples=1,
        verbose=0,
        export="none",
        backup_every_steps=1,
        output_dir=str(output_dir),
    )


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
    config = TrainConfig(
        dataset="builtin:digits",
        image_size=16,
        channels=1,
        filters=4,
        latent_dim=8,
        batch_size=2,
        epochs=2,
        steps_per_epoch=2,
        samples=4,
        verbose=0,
        export="none",
        backup_every_steps=1,
        output_dir=str(tmp_path),
    )
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
    backup = BackupAndRestore(
        str(tmp_path / "backup"), steps_per_epoch=2, save_freq=1, delete_checkpoint=False
    )
    trained.fit(dataset, epochs=1, steps_per_epoch=2, callbacks=[backup], shuffle=False, verbose=0)
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
        model = keras_gan.CycleGAN.resnet(
            image_size=size,
            filters=4,
            residual_blocks=1,
            discriminator_layers=2,
            pool_size=3,
            seed=1,
        )
        schedule = LinearDecay(1e-3, constant_steps=0, decay_steps=10)  # reads iterations
        model.compile(
            keras.optimizers.Adam(schedule, beta_1=0.5),
            keras.optimizers.Adam(schedule, beta_1=0.5),
            loss="least_squares",
        )
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
        model.compile(
            keras.optimizers.Adam(1e-3, beta_1=0.5),
            keras.optimizers.Adam(1e-3, beta_1=0.5),
            loss="hinge",
        )
        return model

    rng = np.random.default_rng(0)
    masks = np.zeros((2, size, size, 1), "float32")
    masks[:, 8:20, 4:16] = 1.0
    batch = {"image": rng.uniform(-1, 1, (2, size, size, 3)).astype("float32"), "mask": masks}
    _round_trip(factory, batch, tmp_path)


def _tiny_gan():
    model = keras_gan.GAN.dcgan(
        latent_dim=8, image_size=16, channels=1, filters=4, ema_decay=0.9, seed=2
    )
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
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(fresh.generator.weights[0]), good + 1.0
    )
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


def _gan_model_from_backup(backup_dir, epochs=3, steps_per_epoch=3, recipe="default"):
    """The tiny GAN as `train.py` builds it (`GAN_FLAGS`; the multi-worker tests' with
    `epochs=2, steps_per_epoch=2, recipe="paper"`) with the backup in `backup_dir`
    loaded; returns `(model, step)`."""
    family = get_recipe("gan")
    config = family.resolve(
        TrainConfig(
            model="gan",
            recipe=recipe,
            dataset="builtin:digits",
            image_size=16,
            channels=1,
            filters=4,
            latent_dim=8,
            batch_size=4,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch,
        )
    )
    data = types.SimpleNamespace(steps_per_epoch=steps_per_epoch, num_classes=None)
    model = family.build_model(config, data)
    return model, BackupAndRestore(str(backup_dir), steps_per_epoch=steps_per_epoch).restore(model)


def _one_error_line(stderr):
    """The one `train.py: error:` line of `stderr`, which has no traceback."""
    assert "Traceback" not in stderr, stderr[-3000:]
    lines = [x for x in stderr.splitlines() if x.startswith("train.py: error:")]
    assert len(lines) == 1, stderr[-3000:]
    return lines[0]


@pytest.mark.slow
def test_nan_loss_stops_train_py_with_one_line_and_keeps_the_last_good_backup(tmp_path):
    # A discriminator weight turns NaN right after the backup of step 4.
    proc = train_subprocess(tmp_path, "--nan_after_backup=4")
    assert proc.returncode == 1, proc.stderr[-3000:]
    line = _one_error_line(proc.stderr)
    assert "Non-finite loss at step 5 (epoch 2): " in line and "d_loss=nan" in line
    assert "The last finite state (step 4) is kept in" in line
    assert steps_trained(proc) == 4  # the backup callback never saw step 5
    assert resume_helper.backup_step(tmp_path) == 4
    # The model as the run's recipe builds it (optimizers with its schedules, R1 tracker).
    model, step = _gan_model_from_backup(tmp_path / "backup")
    assert step == 4
    assert int(model.generator_optimizer.iterations.numpy()) == 4
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert not (tmp_path / "model.keras").exists()


@pytest.mark.slow
def test_nan_on_one_mirrored_replica_stops_train_py_with_one_line_then_resumes(tmp_path):
    # MirroredStrategy on 2 logical CPUs (train.py splits the CPU before TensorFlow
    # initialises): the batch of step 5 is NaN in replica 1's half only (2 of 4 images).
    flags = [*GAN_FLAGS, "--strategy=mirrored", "--cpu_replicas=2"]
    proc = resume_helper.train_subprocess(tmp_path, flags, "--nan_in_batch=5")
    assert proc.returncode == 1, proc.stderr[-3000:]
    line = _one_error_line(proc.stderr)
    # The all-reduced gradients and the replica-mean of the logged losses carry replica
    # 1's NaN: the step stops on every replica, before any callback saves its state.
    assert "Non-finite loss at step 5 (epoch 2): " in line and "d_loss=nan" in line, line
    assert "The last finite state (step 4) is kept in" in line, line
    assert steps_trained(proc) == 4
    assert resume_helper.backup_step(tmp_path) == 4
    model, step = _gan_model_from_backup(tmp_path / "backup")
    assert step == 4 and int(model.generator_optimizer.iterations.numpy()) == 4
    assert all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert not (tmp_path / "model.keras").exists()

    resumed = resume_helper.train_subprocess(tmp_path, flags)  # the same command, clean data
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert steps_trained(resumed) == 5  # steps 5..9
    assert history_epochs(tmp_path) == [1, 2, 3]
    assert not (tmp_path / "backup").exists()
    final = keras.saving.load_model(tmp_path / "model.keras")
    assert int(final.generator_optimizer.iterations.numpy()) == 9
    assert all(np.all(np.isfinite(w)) for w in final.get_weights())


@pytest.mark.slow
def test_nan_on_one_worker_stops_every_worker_with_one_line_then_resumes(tmp_path):
    # Two train.py processes (MultiWorkerMirroredStrategy, TF_CONFIG on 127.0.0.1), 2 epochs
    # of 2 steps: worker 1's input pipeline gives a NaN batch at step 3, worker 0's stays finite.
    from test_multi_worker import launch_cluster

    results = launch_cluster(tmp_path, "--nan_in_batch=3", "--nan_on_worker=1")
    for worker, (code, out, err) in enumerate(results):
        assert code == 1, (worker, err[-3000:])
        assert steps_trained(out) == 2  # neither worker's backup callback saw step 3
        line = _one_error_line(err)
        assert "Non-finite loss at step 3 (epoch 2): " in line and "d_loss=nan" in line, line
        assert "The last finite state (step 2) is kept in" in line, line
    for backup in (tmp_path / "backup", tmp_path / ".worker_1" / "backup"):  # each worker's
        assert resume_helper.backup_step(backup.parent) == 2
        model, step = _gan_model_from_backup(backup, epochs=2, steps_per_epoch=2, recipe="paper")
        assert step == 2 and all(np.all(np.isfinite(w)) for w in model.get_weights())
    assert not (tmp_path / "model.keras").exists()

    results = launch_cluster(tmp_path)  # the same command, clean data: both resume at step 3
    for code, out, err in results:
        assert code == 0, err[-3000:]
        assert steps_trained(out) == 2
    final = keras.saving.load_model(tmp_path / "model.keras")
    assert int(final.generator_optimizer.iterations.numpy()) == 4
    assert all(np.all(np.isfinite(w)) for w in final.get_weights())
    assert not (tmp_path / "backup").exists() and not (tmp_path / ".worker_1").exists()
