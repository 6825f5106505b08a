"""Training callbacks."""

from keras_gan.callbacks.backup_and_restore import BackupAndRestore
from keras_gan.callbacks.generative_metrics_callback import GenerativeMetricsCallback
from keras_gan.callbacks.inpainting_grid import InpaintingGridCallback, inpainting_grid_images
from keras_gan.callbacks.sample_grid import SampleGridCallback, make_grid, save_grid
from keras_gan.callbacks.super_resolution_grid import (
    SuperResolutionGridCallback,
    super_resolution_rows,
)
from keras_gan.callbacks.terminate_on_non_finite import TerminateOnNonFinite
from keras_gan.callbacks.translation_grid import TranslationGridCallback, translation_rows

__all__ = ["GenerativeMetricsCallback", "SampleGridCallback", "make_grid", "save_grid"]
__all__ += ["InpaintingGridCallback", "inpainting_grid_images"]
__all__ += ["SuperResolutionGridCallback", "super_resolution_rows"]
__all__ += ["TranslationGridCallback", "translation_rows"]
__all__ += ["BackupAndRestore", "TerminateOnNonFinite"]
