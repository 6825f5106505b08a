"""Model families: `keras.Model` subclasses with their own `train_step`.

`train.py --model=<name>` finds them through `keras_gan.recipes.RECIPES`.
"""

from keras_gan.models.adversarial_model import AdversarialModel
from keras_gan.models.cycle_gan import CycleGAN
from keras_gan.models.gan import GAN
from keras_gan.models.inpainting_gan import InpaintingGAN
from keras_gan.models.srgan import SRGAN

__all__ = ["AdversarialModel", "CycleGAN", "GAN", "InpaintingGAN", "SRGAN"]
