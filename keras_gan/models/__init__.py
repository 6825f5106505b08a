"""Model families: `keras.Model` subclasses with their own `train_step`."""

from keras_gan.models.adversarial_model import AdversarialModel
from keras_gan.models.gan import GAN

MODELS = {"gan": GAN}


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


__all__ = ["AdversarialModel", "GAN", "MODELS", "get_model_class"]
