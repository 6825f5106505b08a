"""Learning-rate schedules usable with `model.fit` (saved with the optimizers)."""

from keras_gan.schedules.linear_decay import LinearDecay

__all__ = ["LinearDecay"]
