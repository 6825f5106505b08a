"""Training recipes: what `train.py --model=<name>` builds, trains and saves."""

import importlib

from keras_gan.recipes.recipe import GeneratorArtifact, Recipe

# name -> "module:Class", imported on use so `train.py --help` stays fast.
RECIPES = {
    "cyclegan": "keras_gan.recipes.cyclegan_recipe:CycleGANRecipe",
    "gan": "keras_gan.recipes.gan_recipe:GANRecipe",
    "inpainting": "keras_gan.recipes.inpainting_recipe:InpaintingRecipe",
    "srgan": "keras_gan.recipes.srgan_recipe:SRGANRecipe",
}


def get_recipe(name):
    """Return the `Recipe` instance for `--model=name`.

    Args:
        name: a key of `RECIPES`.

    Returns:
        A `Recipe`.
    """
    if name not in RECIPES:
        raise ValueError(
            f"Unknown model. Expected one of {sorted(RECIPES)}. Received: model={name!r}"
        )
    module, cls = RECIPES[name].split(":")
    return getattr(importlib.import_module(module), cls)()


__all__ = ["GeneratorArtifact", "RECIPES", "Recipe", "get_recipe"]
