"""Constant learning rate, then a linear decay to zero (CycleGAN's schedule)."""

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="keras_gan")
class LinearDecay(keras.optimizers.schedules.LearningRateSchedule):
    """`initial_learning_rate` for `constant_steps`, then linearly to 0 over `decay_steps`.

    lr(step) = initial_learning_rate * min(1, max(0, 1 - (step - constant_steps) / decay_steps))

    so lr(constant_steps) = initial_learning_rate and lr(constant_steps +
    decay_steps) = 0 (and 0 after). CycleGAN trains 100 epochs at 2e-4 and 100
    epochs decaying: `LinearDecay(2e-4, 100 * steps_per_epoch, 100 * steps_per_epoch)`.
    The reference implementation steps the rate once per epoch; this schedule
    decays every step (the same line, sampled finely). Pass it to both
    optimizers; it is saved with them in `.keras` files.

    Args:
        initial_learning_rate: the constant rate.
        constant_steps: optimizer steps at the constant rate.
        decay_steps: steps of the linear decay (0: drop to 0 at `constant_steps`).

    Returns:
        A `keras.optimizers.schedules.LearningRateSchedule`.

    Example:
    ```python
    schedule = keras_gan.schedules.LinearDecay(2e-4, 100 * steps, 100 * steps)
    optimizer = keras.optimizers.Adam(schedule, beta_1=0.5)
    ```

    Reference:
        Zhu et al. 2017, "Unpaired Image-to-Image Translation using
        Cycle-Consistent Adversarial Networks", section 4 (training details).
    """

    def __init__(self, initial_learning_rate, constant_steps, decay_steps, name="LinearDecay"):
        super().__init__()
        if not initial_learning_rate >= 0:
            raise ValueError(
                "`initial_learning_rate` must be >= 0. "
                f"Received: initial_learning_rate={initial_learning_rate!r}"
            )
        for arg, value in (("constant_steps", constant_steps), ("decay_steps", decay_steps)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"`{arg}` must be an int >= 0. Received: {arg}={value!r}")
        self.initial_learning_rate = float(initial_learning_rate)
        self.constant_steps = constant_steps
        self.decay_steps = decay_steps
        self.name = name

    def __call__(self, step):
        step = ops.cast(step, "float32")
        past = step - float(self.constant_steps)
        if self.decay_steps == 0:
            factor = ops.where(past < 0, 1.0, 0.0)
        else:
            factor = ops.clip(1.0 - past / float(self.decay_steps), 0.0, 1.0)
        return self.initial_learning_rate * factor

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "constant_steps": self.constant_steps,
            "decay_steps": self.decay_steps,
            "name": self.name,
        }
