"""Stop training at the first NaN/Inf loss, naming the step and the loss."""

import math

import keras

from keras_gan.callbacks.backup_and_restore import global_step


class TerminateOnNonFinite(keras.callbacks.Callback):
    """Raise `FloatingPointError` when a value in the batch logs is NaN or Inf.

    Unlike `keras.callbacks.TerminateOnNaN` (which only sets `stop_training`, so
    the epoch still ends and `on_train_end` runs), this raises: no later callback
    sees the bad state, so a `BackupAndRestore` keeps the last good backup, and
    the error names the global step, the epoch and every non-finite value.
    Place it first in the callback list.

    Args:
        steps_per_epoch: steps of every epoch, to number steps across epochs
            (and across resumed partial epochs); `None` numbers them per epoch.
        ignore: names of logged values that may be infinite (PSNR is +inf for a
            perfect reconstruction).

    Example:
    ```python
    model.fit(dataset, epochs=5, steps_per_epoch=100,
              callbacks=[keras_gan.callbacks.TerminateOnNonFinite(steps_per_epoch=100)])
    ```
    """

    def __init__(self, steps_per_epoch=None, ignore=("psnr",)):
        super().__init__()
        self.steps_per_epoch = steps_per_epoch
        self.ignore = tuple(ignore)
        self._epoch = 0

    def get_config(self):
        return {"steps_per_epoch": self.steps_per_epoch, "ignore": self.ignore}

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        bad = {
            name: float(value)
            for name, value in (logs or {}).items()
            if name not in self.ignore and not math.isfinite(float(value))
        }
        if not bad:
            return
        values = ", ".join(f"{name}={value}" for name, value in sorted(bad.items()))
        if self.steps_per_epoch:
            step = global_step(self._epoch, batch, self.steps_per_epoch, self.params.get("steps"))
            where = f"step {step} (epoch {self._epoch + 1})"
        else:
            where = f"epoch {self._epoch + 1}, batch {batch + 1}"
        raise FloatingPointError(f"Non-finite loss at {where}: {values}. Training stopped.")
