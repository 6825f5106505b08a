"""keras_gan: GANs for Keras 3 / TensorFlow, trained with `model.fit`.

Public API:
    keras_gan.GAN, keras_gan.CycleGAN, keras_gan.SRGAN, keras_gan.InpaintingGAN
    keras_gan.AdversarialModel  the thin base class of every family
    keras_gan.layers     reflection padding, pixel shuffle, gated convolution
    keras_gan.networks   network factories
    keras_gan.losses     adversarial losses and penalties
    keras_gan.data       dataset specs and tf.data pipelines
    keras_gan.metrics    FID, KID, inception score, PSNR/SSIM, inpainting quality
    keras_gan.schedules  learning-rate schedules (CycleGAN's linear decay)
    keras_gan.callbacks  sample grids, generative metrics
    keras_gan.distribution  strategies and logical CPU replicas
"""

__version__ = "0.1.0"

from keras_gan import callbacks, data, distribution, layers, losses, metrics, networks, schedules
from keras_gan.models import (
    GAN,
    SRGAN,
    AdversarialModel,
    CycleGAN,
    InpaintingGAN,
)

__all__ = [
    "GAN",
    "SRGAN",
    "AdversarialModel",
    "CycleGAN",
    "InpaintingGAN",
    "callbacks",
    "data",
    "distribution",
    "layers",
    "losses",
    "metrics",
    "networks",
    "schedules",
]
