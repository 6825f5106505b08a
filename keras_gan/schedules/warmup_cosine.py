"""Linear warm-up, then a cosine decay to zero, over the steps of the whole run."""

import keras

DEFAULT_WARMUP_FRACTION = 0.02
"""Warm-up length as a fraction of the run when none is given (at most 1,000 steps)."""


def warmup_cosine_decay(peak_learning_rate, total_steps, warmup_steps=None):
    """A learning-rate schedule that fits a run of any length.

    The rate rises linearly from `peak / warmup_steps` to `peak_learning_rate` over
    `warmup_steps` optimizer steps, then follows half a cosine to 0 at `total_steps`
    (and stays there). Because it is a function of the optimizer's step counter,
    a 1,000-step and a 200,000-step run both use their whole length, and a run
    resumed from a backup (which restores the counter) continues the same curve.
    It is Keras's `CosineDecay`, so it is saved with the optimizer in `.keras` files.

    Args:
        peak_learning_rate: the rate after warm-up.
        total_steps: optimizer steps of the whole run (`epochs * steps_per_epoch`).
        warmup_steps: steps of linear warm-up; default 2 % of the run, at most 1,000.

    Returns:
        A `keras.optimizers.schedules.CosineDecay`.

    Example:
    ```python
    schedule = keras_gan.schedules.warmup_cosine_decay(1e-3, total_steps=10 * 100)
    optimizer = keras.optimizers.Adam(schedule, beta_1=0.9)
    ```

    Reference:
        Loshchilov & Hutter 2017, "SGDR: Stochastic Gradient Descent with Warm
        Restarts" (cosine decay); Goyal et al. 2017 (linear warm-up).
    """
    if not peak_learning_rate > 0:
        raise ValueError(
            f"`peak_learning_rate` must be > 0. Received: peak_learning_rate={peak_learning_rate!r}"
        )
    if isinstance(total_steps, bool) or not isinstance(total_steps, int) or total_steps < 1:
        raise ValueError(
            f"`total_steps` must be an int >= 1. Received: total_steps={total_steps!r}"
        )
    if warmup_steps is None:
        warmup_steps = min(1000, int(DEFAULT_WARMUP_FRACTION * total_steps))
    if (
        isinstance(warmup_steps, bool)
        or not isinstance(warmup_steps, int)
        or not 0 <= warmup_steps < total_steps
    ):
        raise ValueError(
            "`warmup_steps` must be an int in [0, total_steps). "
            f"Received: warmup_steps={warmup_steps!r}, total_steps={total_steps}"
        )
    if warmup_steps == 0:
        return keras.optimizers.schedules.CosineDecay(float(peak_learning_rate), total_steps)
    return keras.optimizers.schedules.CosineDecay(
        float(peak_learning_rate) / warmup_steps,
        total_steps - warmup_steps,
        warmup_target=float(peak_learning_rate),
        warmup_steps=warmup_steps,
    )
