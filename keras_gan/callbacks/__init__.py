"""Training callbacks."""

from keras_gan.callbacks.sample_grid import SampleGridCallback, make_grid, save_grid

__all__ = ["SampleGridCallback", "make_grid", "save_grid"]

try:  # written alongside; exported when present
    from keras_gan.callbacks.generative_metrics_callback import GenerativeMetricsCallback

    __all__.append("GenerativeMetricsCallback")
except ImportError:  # pragma: no cover
    pass
