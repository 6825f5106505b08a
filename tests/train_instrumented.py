"""Run `train.py FLAGS` with op determinism, count its steps, optionally `kill -9` itself.

Used by test_resume.py and test_multi_worker.py as a subprocess:

    python tests/train_instrumented.py [--kill_after_backup=N] [--nan_after_backup=N] FLAGS...

`--kill_after_backup=N`: SIGKILL the process right after the backup of global
step N is on disk (a crash at a known moment, nothing runs after it).
`--nan_after_backup=N`: then set a discriminator weight to NaN (a diverged
update), so step N + 1 has non-finite losses. At exit it prints
`STEPS_TRAINED=<steps this process ran>`.
"""

import atexit
import os
import runpy
import signal
import sys

import tensorflow as tf

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from keras_gan.callbacks import backup_and_restore  # noqa: E402

kill_at = nan_at = 0
args = []
for arg in sys.argv[1:]:
    if arg.startswith("--kill_after_backup="):
        kill_at = int(arg.split("=", 1)[1])
    elif arg.startswith("--nan_after_backup="):
        nan_at = int(arg.split("=", 1)[1])
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


backup_and_restore.BackupAndRestore._save_model = _save_model
backup_and_restore.BackupAndRestore.on_train_batch_end = _on_train_batch_end
atexit.register(lambda: print(f"STEPS_TRAINED={steps_trained}", flush=True))
sys.argv = [os.path.join(REPO, "train.py"), *args]
runpy.run_path(sys.argv[0], run_name="__main__")
