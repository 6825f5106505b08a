"""Learning-rate schedules usable with `model.fit` (saved with the optimizers)."""

from keras_gan.schedules.linear_decay import LinearDecay
from keras_gan.schedules.warmup_cosine import warmup_cosine_decay

__all__ = ["LinearDecay", "warmup_cosine_decay"]
