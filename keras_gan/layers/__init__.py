"""Small serializable layers shared by the networks (one public class per file)."""

from keras_gan.layers.bicubic_upsampling import BicubicUpsampling
from keras_gan.layers.centered_instance_norm import CenteredInstanceNorm
from keras_gan.layers.gated_conv2d import GatedConv2D
from keras_gan.layers.pixel_shuffle import PixelShuffle
from keras_gan.layers.push_pull_fill import PushPullFill
from keras_gan.layers.reflection_padding import ReflectionPadding2D
from keras_gan.layers.relu_blend_prelu import ReluBlendPReLU

__all__ = [
    "BicubicUpsampling",
    "CenteredInstanceNorm",
    "GatedConv2D",
    "PixelShuffle",
    "PushPullFill",
    "ReflectionPadding2D",
    "ReluBlendPReLU",
]
