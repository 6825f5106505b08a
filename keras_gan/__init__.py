"""keras_gan: GANs for Keras 3 / TensorFlow, trained with `model.fit`.

Public API:
    keras_gan.GAN, keras_gan.AdversarialModel
    keras_gan.networks   network factories
    keras_gan.losses     adversarial losses and penalties
    keras_gan.data       dataset specs and tf.data pipelines
    keras_gan.metrics    FID, KID, inception score
    keras_gan.callbacks  sample grids, generative metrics
    keras_gan.distribution  strategies and logical CPU replicas
"""

__version__ = "0.1.0"

from keras_gan import callbacks, data, distribution, losses, metrics, networks
from keras_gan.models import GAN, MODELS, AdversarialModel, get_model_class

__all__ = [
    "GAN",
    "MODELS",
    "AdversarialModel",
    "callbacks",
    "data",
    "distribution",
    "get_model_class",
    "losses",
    "metrics",
    "networks",
]
