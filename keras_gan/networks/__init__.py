"""Network factories: functional `keras.Model`s with no losses or optimizers."""

from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator, dcgan_geometry
from keras_gan.networks.edsr import edsr_generator
from keras_gan.networks.gated_generator import gated_generator
from keras_gan.networks.patchgan import patchgan_discriminator
from keras_gan.networks.resnet_generator import resnet_generator
from keras_gan.networks.sn_patchgan import sn_patchgan_discriminator
from keras_gan.networks.srgan_discriminator import srgan_discriminator
from keras_gan.networks.srresnet import srresnet_generator
from keras_gan.networks.vgg_features import vgg19_features

__all__ = [
    "dcgan_discriminator",
    "dcgan_generator",
    "dcgan_geometry",
    "gated_generator",
    "sn_patchgan_discriminator",
]
__all__ += ["patchgan_discriminator", "resnet_generator"]
__all__ += ["srgan_discriminator", "srresnet_generator", "vgg19_features", "edsr_generator"]
