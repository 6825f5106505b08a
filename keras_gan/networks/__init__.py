"""Network factories: functional `keras.Model`s with no losses or optimizers."""

from keras_gan.networks.dcgan import dcgan_discriminator, dcgan_generator, dcgan_geometry

__all__ = ["dcgan_discriminator", "dcgan_generator", "dcgan_geometry"]
