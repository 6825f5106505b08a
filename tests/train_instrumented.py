"""Run `train.py FLAGS` with op determinism, count its steps, optionally `kill -9` itself.

Used by test_resume.py and test_multi_worker.py as a subprocess:

    python tests/train_instrumented.py [--kill_after_backup=N] [--nan_after_backup=N]
        [--nan_in_batch=N [--nan_on_worker=K]] FLAGS...

`--kill_after_backup=N`: SIGKILL the process right after the backup of global
step N is on disk (a crash at a known moment, nothing runs after it).
`--nan_after_backup=N`: then set a discriminator weight to NaN (a diverged
update), so step N + 1 has non-finite losses.
`--nan_in_batch=N`: NaN in every float of the second half of the global batch of
step N (counted from the start of the data stream: single-phase families): under
`MirroredStrategy` on 2 replicas, the share of replica 1 only (the global batch is
split in order). With `--nan_on_worker=K` (multi-worker): the whole batch, only in
the input pipeline of worker K (`TF_CONFIG`'s task index); the other workers' data
stays finite.
At exit it prints `STEPS_TRAINED=<steps this process ran>`.
"""

import atexit
import dataclasses
import importlib
import json
import os
import runpy
import signal
import sys

import tensorflow as tf

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from keras_gan.callbacks import backup_and_restore  # noqa: E402
from keras_gan.recipes import RECIPES  # noqa: E402

kill_at = nan_at = nan_batch = 0
nan_worker = None
args = []
for arg in sys.argv[1:]:
    if arg.startswith("--kill_after_backup="):
        kill_at = int(arg.split("=", 1)[1])
    elif arg.startswith("--nan_after_backup="):
        nan_at = int(arg.split("=", 1)[1])
    elif arg.startswith("--nan_in_batch="):
        nan_batch = int(arg.split("=", 1)[1])
    elif arg.startswith("--nan_on_worker="):
        nan_worker = int(arg.split("=", 1)[1])
    else:
        args.append(arg)

tf.config.experimental.enable_op_determinism()
steps_trained = 0
save_model = backup_and_restore.BackupAndRestore._save_model
on_train_batch_end = backup_and_restore.BackupAndRestore.on_train_batch_end


def _save_model(self):
    save_model(self)
    if kill_at and self.saved_step == kill_at:
        os.kill(os.getpid(), signal.SIGKILL)
    if nan_at and self.saved_step == nan_at:
        weight = self.model.discriminator.weights[0]
        weight.assign(tf.fill(weight.shape, float("nan")))


def _on_train_batch_end(self, batch, logs=None):
    global steps_trained
    steps_trained += 1
    on_train_batch_end(self, batch, logs)


def _poison(batch_index, batch):
    """`batch` with NaN in the rows `--nan_in_batch` names when it is batch `nan_batch`."""

    def poison(x):
        if not x.dtype.is_floating:
            return x
        rows = tf.range(tf.shape(x)[0])
        bad = rows >= (0 if nan_worker is not None else tf.shape(x)[0] // 2)
        bad = tf.logical_and(bad, batch_index == nan_batch - 1)
        bad = tf.reshape(bad, [-1] + [1] * (x.shape.rank - 1))
        return tf.where(bad, tf.constant(float("nan"), x.dtype), x)

    return tf.nest.map_structure(poison, batch)


def _poisoned(make_data):
    def wrapper(self, config):
        data = make_data(self, config)
        return dataclasses.replace(data, dataset=data.dataset.enumerate().map(_poison))

    return wrapper


def _this_worker():
    tf_config = json.loads(os.environ.get("TF_CONFIG") or "{}")
    return tf_config.get("task", {}).get("index")


if nan_batch and (nan_worker is None or nan_worker == _this_worker()):
    for spec in RECIPES.values():
        module, name = spec.split(":")
        recipe = getattr(importlib.import_module(module), name)
        recipe.make_data = _poisoned(recipe.make_data)

backup_and_restore.BackupAndRestore._save_model = _save_model
backup_and_restore.BackupAndRestore.on_train_batch_end = _on_train_batch_end
atexit.register(lambda: print(f"STEPS_TRAINED={steps_trained}", flush=True))
sys.argv = [os.path.join(REPO, "train.py"), *args]
runpy.run_path(sys.argv[0], run_name="__main__")
