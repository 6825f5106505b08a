"""Model families: `keras.Model` subclasses with their own `train_step`."""

from keras_gan.models.adversarial_model import AdversarialModel
from keras_gan.models.cycle_gan import CycleGAN
from keras_gan.models.gan import GAN
from keras_gan.models.inpainting_gan import InpaintingGAN
from keras_gan.models.srgan import SRGAN

MODELS = {"cyclegan": CycleGAN, "gan": GAN, "inpainting": InpaintingGAN, "srgan": SRGAN}


def get_model_class(name):
    """Return the model class registered under `name`.

    Args:
        name: a key of `MODELS` (e.g. `"gan"`).

    Returns:
        The model class.
    """
    if name not in MODELS:
        raise ValueError(f"Unknown model. Expected one of {sorted(MODELS)}. Received: model={name!r}")
    return MODELS[name]


__all__ = ["AdversarialModel", "CycleGAN", "GAN", "InpaintingGAN", "MODELS", "SRGAN", "get_model_class"]
