"""`kill -9` mid-epoch, resume, compare with an uninterrupted run: the check every family passes.

Every run is `train.py FLAGS` in a subprocess through `tests/train_instrumented.py`
(op determinism, a count of the steps the process trained, `--kill_after_backup=N`
to SIGKILL itself right after the backup of global step N is on disk):

    assert_kill_9_resume_equals_uninterrupted(tmp_path, FLAGS, kill_after_step=5,
                                              steps_per_epoch=3, epochs=3)

The uninterrupted reference run starts at the same time as the run that is killed
(two processes: the reference does not wait for the kill). Tests that compare
several kills with one reference (SRGAN's two phases) share a `ReferenceRun`.
"""

import csv
import json
import os
import re
import subprocess
import sys

import keras
import numpy as np

import keras_gan  # noqa: F401  (registers the custom objects model.keras needs)

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
INSTRUMENTED = os.path.join(REPO, "tests", "train_instrumented.py")
TIMEOUT = 600


def _command(output_dir, flags, extra):
    return [sys.executable, INSTRUMENTED, *flags, f"--output_dir={output_dir}", *extra]


def _env(env=None):
    return {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})}


def train_subprocess(output_dir, flags, *extra, env=None):
    """Run the instrumented train.py with `flags` (and `extra`) into `output_dir`; wait."""
    return subprocess.run(
        _command(output_dir, flags, extra),
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        cwd=REPO,
        env=_env(env),
    )


def start_train_subprocess(output_dir, flags, *extra, env=None):
    """`train_subprocess` without waiting: a `Popen` (wait with `finish`)."""
    return subprocess.Popen(
        _command(output_dir, flags, extra),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=_env(env),
    )


def finish(popen):
    """Wait for a `start_train_subprocess`; a `CompletedProcess` like `train_subprocess`'s."""
    try:
        out, err = popen.communicate(timeout=TIMEOUT)
    except BaseException:
        popen.kill()
        popen.communicate()
        raise
    return subprocess.CompletedProcess(popen.args, popen.returncode, out, err)


def steps_trained(proc):
    """The train steps the process ran (`STEPS_TRAINED=` of train_instrumented.py).

    Args:
        proc: a `CompletedProcess`, or the process's stdout.
    """
    out, err = (proc, "") if isinstance(proc, str) else (proc.stdout, proc.stderr)
    lines = [line for line in out.splitlines() if line.startswith("STEPS_TRAINED=")]
    assert lines, out[-2000:] + err[-3000:]
    return int(lines[-1].split("=")[1])


def epochs_shown(proc):
    """The epoch numbers of Keras' `Epoch k/n` lines (verbose >= 1), in order."""
    return [int(k) for k in re.findall(r"^Epoch (\d+)/\d+", proc.stdout, re.MULTILINE)]


def backup_step(output_dir):
    """The global step of the backup in `output_dir/backup/latest`."""
    with open(os.path.join(output_dir, "backup", "latest", "state.json")) as f:
        return json.load(f)["step"]


def history_epochs(output_dir):
    """The epoch column of `output_dir/history.csv` (`[]` before the first epoch ends)."""
    path = os.path.join(output_dir, "history.csv")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def training_state(model):
    """Every variable of the model (networks, EMA, pools, rng) and of both optimizers."""
    variables = list(model.weights) + list(model.generator_optimizer.variables)
    variables += list(model.discriminator_optimizer.variables)
    return {
        f"{i}:{v.name}": np.array(keras.ops.convert_to_numpy(v)) for i, v in enumerate(variables)
    }


def assert_same_state(a, b, rtol=1e-5, atol=1e-6):
    state_a, state_b = training_state(a), training_state(b)
    assert list(state_a) == list(state_b)
    for key in state_a:
        np.testing.assert_allclose(state_a[key], state_b[key], rtol=rtol, atol=atol, err_msg=key)


class ReferenceRun:
    """An uninterrupted run of `flags` into `output_dir`, started now, checked once on `wait`."""

    def __init__(self, output_dir, flags, total_steps):
        self.output_dir, self.total_steps = output_dir, total_steps
        self._popen = start_train_subprocess(output_dir, flags)
        self._model = None

    def wait(self):
        """The trained `model.keras` (loaded once) after checking the run completed."""
        if self._model is None:
            proc = finish(self._popen)
            assert proc.returncode == 0, proc.stderr[-3000:]
            assert steps_trained(proc) == self.total_steps
            self._model = keras.saving.load_model(os.path.join(self.output_dir, "model.keras"))
        return self._model

    def stop(self):
        """Kill the run if it is still going (a test failed before waiting for it)."""
        if self._popen.poll() is None:
            self._popen.kill()
            self._popen.communicate()


def assert_kill_9_resume_equals_uninterrupted(
    tmp_path,
    flags,
    kill_after_step,
    steps_per_epoch,
    epochs,
    reference=None,
    after_kill=None,
    rtol=1e-5,
    atol=1e-6,
):
    """`kill -9` train.py mid-epoch, run the same command again: the uninterrupted run's model.

    Checks: the killed run dies by SIGKILL with the backup of `kill_after_step` on
    disk and history.csv holding the epochs it completed; the same command again
    (the resumed run) trains only the remaining steps, restarting in the killed
    epoch, completes every epoch of history.csv and removes the backup; its
    `model.keras` equals the reference's in every variable (networks, EMA, image
    pools, rng, both optimizers' slots and iteration counters).

    Args:
        tmp_path: the test's folder (runs go to `killed/` and `reference/`).
        flags: train.py flags, the same for every run (with `--backup_every_steps=1`
            and `--verbose=2`, without `--output_dir`).
        kill_after_step: the global step whose backup is the last (not an epoch end).
        steps_per_epoch: the run's steps per epoch.
        epochs: the run's epochs, every phase (SRGAN: pretraining + adversarial).
        reference: a `ReferenceRun` of `flags` to compare with (shared between
            tests); `None` starts one in `tmp_path / "reference"`, alongside the
            killed run.
        after_kill: optional `after_kill(killed_dir)`, called between the kill
            and the resume (checks of the backup).
        rtol, atol: tolerances of the variables' comparison.

    Returns:
        `(resumed_model, reference_model, resumed_proc)`.
    """
    assert kill_after_step % steps_per_epoch, "kill mid-epoch: not at an epoch end"
    total = epochs * steps_per_epoch
    killed = tmp_path / "killed"
    own_reference = reference is None
    if own_reference:
        reference = ReferenceRun(tmp_path / "reference", flags, total)
    try:
        proc = train_subprocess(killed, flags, f"--kill_after_backup={kill_after_step}")
        assert proc.returncode == -9, proc.stderr[-3000:]
        assert "STEPS_TRAINED=" not in proc.stdout  # nothing ran after the kill, atexit neither
        assert backup_step(killed) == kill_after_step
        done_epochs = kill_after_step // steps_per_epoch
        assert history_epochs(killed) == list(range(1, done_epochs + 1))
        if after_kill:
            after_kill(killed)

        resumed = train_subprocess(killed, flags)  # the same command again
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert steps_trained(resumed) == total - kill_after_step
        shown = epochs_shown(resumed)
        assert shown and shown[0] == done_epochs + 1, shown  # the killed epoch, partly
        assert shown == sorted(set(shown)), shown  # each once, in order
        assert history_epochs(killed) == list(range(1, epochs + 1))
        assert not (killed / "backup").exists()  # removed once the run completed
        b = reference.wait()
    finally:
        if own_reference:
            reference.stop()

    a = keras.saving.load_model(killed / "model.keras")
    assert_same_state(a, b, rtol=rtol, atol=atol)
    assert list(keras.ops.convert_to_numpy(a.rng_state))[1] == total
    return a, b, resumed
