"""Back up the whole training state during `fit`, and resume from it (mid-epoch too)."""

import json
import os
import shutil

import keras
import tensorflow as tf
from absl import logging

WEIGHTS_FILENAME = "state.weights.h5"
METADATA_FILENAME = "state.json"


def global_step(epoch, batch, steps_per_epoch, fit_steps=None):
    """The global step (1-based) that `batch` of `epoch` ends, across `fit` calls.

    A resumed, partial epoch runs `fit_steps` < `steps_per_epoch` steps: they are
    the epoch's last ones.

    Args:
        epoch: the epoch index (`on_epoch_begin`'s `epoch`).
        batch: the batch index within this `fit`'s epoch.
        steps_per_epoch: steps of a whole epoch.
        fit_steps: steps this `fit` runs per epoch (`callback.params["steps"]`);
            `None` = `steps_per_epoch`.

    Returns:
        int.
    """
    return (epoch + 1) * steps_per_epoch - (fit_steps or steps_per_epoch) + batch + 1


class BackupAndRestore(keras.callbacks.BackupAndRestore):
    """`keras.callbacks.BackupAndRestore` that resumes at the saved step, not the epoch.

    A backup is `model.save_weights` (every network, the EMA generator, the
    CycleGAN image pools, the noise seed variable `rng_state`, and both
    optimizers: slots, iteration counters, learning rate, so learning-rate
    schedules continue where they were) plus the global step, written every
    epoch and, with `save_freq=N`, every N steps. Differences from the Keras
    callback it extends:

    - the global step is counted across several `fit` calls (SRGAN's two
      phases) and `restore` returns it, so the caller resumes mid-epoch (see
      `keras_gan.recipes.recipe.fit_from_step`) instead of redoing the epoch;
    - a backup is written to a new folder which then replaces the old one, so
      `kill -9` during a save leaves the previous backup usable (and a save that
      fails, e.g. on a full disk, removes its new folder);
    - a state with a NaN/Inf weight is never written (the last finite one stays);
    - the backup is deleted only when the run completes all `epochs`, not when
      one `fit` ends or training stops early.

    Metric trackers are not saved: they restart at each epoch anyway, so the
    logs of a resumed epoch average the steps after the restart only.

    Args:
        backup_dir: folder of the backup (holds `latest/` while training runs).
        steps_per_epoch: steps of every epoch (fixed for the run).
        epochs: total epochs of the run, all phases; the backup is deleted once
            `fit` ends after `epochs * steps_per_epoch` steps. `None`: the `epochs`
            of the `fit` call.
        save_freq: `"epoch"`, or an int N: also save every N steps.
        delete_checkpoint: delete the backup when the run completes.

    Example:
    ```python
    backup = keras_gan.callbacks.BackupAndRestore("/tmp/run/backup", steps_per_epoch=100,
                                                  epochs=10, save_freq=50)
    step = backup.restore(model)  # 0 without a backup
    fit_from_step(model, make_dataset, epochs=10, steps_per_epoch=100, callbacks=[backup],
                  initial_step=step)
    ```
    """

    def __init__(
        self, backup_dir, steps_per_epoch, epochs=None, save_freq="epoch", delete_checkpoint=True
    ):
        super().__init__(backup_dir, save_freq=save_freq, delete_checkpoint=delete_checkpoint)
        if isinstance(save_freq, bool) or (isinstance(save_freq, int) and save_freq < 1):
            raise ValueError(
                f"`save_freq` must be 'epoch' or an int >= 1. Received: save_freq={save_freq!r}"
            )
        if not isinstance(steps_per_epoch, int) or steps_per_epoch < 1:
            raise ValueError(
                f"`steps_per_epoch` must be an int >= 1. Received: steps_per_epoch={steps_per_epoch!r}"
            )
        self.steps_per_epoch = steps_per_epoch
        self.epochs = epochs
        self.step = 0  # global steps done (restored by `restore`)
        self.saved_step = None  # the step of the backup on disk
        self._epoch = 0

    def get_config(self):
        return {
            "backup_dir": self.backup_dir,
            "steps_per_epoch": self.steps_per_epoch,
            "epochs": self.epochs,
            "save_freq": self.save_freq,
            "delete_checkpoint": self.delete_checkpoint,
        }

    @property
    def latest_dir(self):
        """The folder of the current backup."""
        return os.path.join(self.backup_dir, "latest")

    # ------------------------------------------------------------------ restore
    def restore(self, model):
        """Load the backup into `model` (built and compiled) and return its global step.

        Returns:
            The number of steps done when the backup was written; 0 (and `model`
            unchanged) when there is no backup.
        """
        self._recover_interrupted_swap()
        metadata_path = os.path.join(self.latest_dir, METADATA_FILENAME)
        if not os.path.isfile(metadata_path):
            self.step = 0
            return 0
        try:
            with open(metadata_path) as f:
                metadata = json.load(f)
            saved_steps_per_epoch, step = metadata["steps_per_epoch"], int(metadata["step"])
        except (OSError, ValueError, KeyError, TypeError) as error:  # not our state.json
            raise self._unreadable(error) from None
        if saved_steps_per_epoch != self.steps_per_epoch:
            raise ValueError(
                f"The backup in {self.backup_dir} was written with steps_per_epoch="
                f"{saved_steps_per_epoch}: rerun with the same settings, or start over "
                f"with --resume=false. Received: steps_per_epoch={self.steps_per_epoch}"
            )
        try:
            model.load_weights(os.path.join(self.latest_dir, WEIGHTS_FILENAME))
        except (OSError, ValueError, KeyError) as error:  # corrupt, or another model's
            raise self._unreadable(error) from None
        self.step = self.saved_step = step
        return self.step

    def _unreadable(self, error):
        message = " ".join(str(error).split())
        return ValueError(
            f"The backup in {self.latest_dir} cannot be restored ({type(error).__name__}: "
            f"{message}): start over with --resume=false, or restore it with the "
            f"settings it was written with. Received: backup_dir={self.backup_dir!r}"
        )

    def clear(self):
        """Delete the backup (start over)."""
        if os.path.exists(self.backup_dir):
            shutil.rmtree(self.backup_dir)

    def _recover_interrupted_swap(self):
        # Killed between the two renames of `_save_model`: the new backup is complete.
        new, old = self.latest_dir + ".new", self.latest_dir + ".old"
        if not os.path.isdir(self.latest_dir):
            for candidate in (new, old):
                if os.path.isfile(os.path.join(candidate, METADATA_FILENAME)):
                    os.replace(candidate, self.latest_dir)
                    break

    # ---------------------------------------------------------------- callbacks
    def on_train_begin(self, logs=None):
        """Nothing: `restore` runs before `fit` (it decides where `fit` starts)."""

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        previous = self.step
        self.step = global_step(self._epoch, batch, self.steps_per_epoch, self.params.get("steps"))
        if self.save_freq != "epoch" and self.step // self.save_freq > previous // self.save_freq:
            self._save_model()

    def on_epoch_end(self, epoch, logs=None):
        if self.saved_step != self.step:
            self._save_model()

    def on_train_end(self, logs=None):
        epochs = self.epochs or self.params["epochs"]
        if self.delete_checkpoint and self.step >= epochs * self.steps_per_epoch:
            self.clear()

    # --------------------------------------------------------------------- save
    def _all_finite(self):
        values = [v for v in self.model.weights if v.dtype.startswith(("float", "bfloat"))]
        return bool(
            tf.reduce_all(
                [tf.reduce_all(tf.math.is_finite(tf.cast(v, tf.float32))) for v in values]
            )
        )

    def _save_model(self):
        if not self._all_finite():
            logging.warning(
                "Step %d: a weight is NaN/Inf; the backup of step %s is kept.",
                self.step,
                self.saved_step,
            )
            return
        new, old = self.latest_dir + ".new", self.latest_dir + ".old"
        for path in (new, old):
            if os.path.exists(path):
                shutil.rmtree(path)
        os.makedirs(new)
        try:
            self.model.save_weights(os.path.join(new, WEIGHTS_FILENAME))
            with open(os.path.join(new, METADATA_FILENAME), "w") as f:
                json.dump(
                    {
                        "step": self.step,
                        "epoch": self.step // self.steps_per_epoch,
                        "steps_per_epoch": self.steps_per_epoch,
                    },
                    f,
                )
        except BaseException:  # a full disk: no half-written backup; the previous one stays
            shutil.rmtree(new, ignore_errors=True)
            raise
        if os.path.exists(self.latest_dir):
            os.replace(self.latest_dir, old)
        os.replace(new, self.latest_dir)
        if os.path.exists(old):
            shutil.rmtree(old)
        self.saved_step = self.step
