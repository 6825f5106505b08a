"""Training callbacks."""

from keras_gan.callbacks.generative_metrics_callback import GenerativeMetricsCallback
from keras_gan.callbacks.sample_grid import SampleGridCallback, make_grid, save_grid

__all__ = ["GenerativeMetricsCallback", "SampleGridCallback", "make_grid", "save_grid"]
