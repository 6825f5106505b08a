"""The inpainting training recipe (gated-convolution generator, SN-PatchGAN)."""

import dataclasses
import os

from keras_gan import data as data_lib
from keras_gan.callbacks import InpaintingGridCallback
from keras_gan.callbacks.sample_grid import grid_scale
from keras_gan.data.masks import parse_mask_spec
from keras_gan.models.inpainting_gan import InpaintingGAN
from keras_gan.recipes.recipe import GeneratorArtifact, Recipe

PHOTOS_LOAD_FACTOR = 4
"""`builtin:photos` (two 427x640 photos) is resized to 4x the crop size before cropping."""

MIN_STEPS_PER_EPOCH = 50
"""Epoch length when one pass over the data is shorter (tiny datasets)."""


class InpaintingRecipe(Recipe):
    """Trains `keras_gan.InpaintingGAN`; defaults: 64 px crops of scikit-learn's photos.

    `--mask` picks the training masks (`free_form` by default), `--hole_weight`,
    `--valid_weight`, `--adversarial_weight` and `--perceptual_weight` (with
    `--vgg_weights`) the loss weights. The saved `generator.keras` takes
    `[image, mask]` at any size divisible by 8.

    Example:
    ```python
    from keras_gan.training import TrainConfig, run
    run(TrainConfig(model="inpainting", epochs=1, steps_per_epoch=20))
    ```
    """

    name = "inpainting"
    defaults = {
        "dataset": "builtin:photos", "image_size": 64, "channels": 3, "batch_size": 8,
        "epochs": 4, "loss": "hinge", "learning_rate": 1e-4, "filters": 16, "flip": True,
        "adversarial_weight": 0.01,
    }

    def validate(self, config):
        if config.image_size % 16:
            raise ValueError(
                f"Inpainting trains on sizes divisible by 16. Received: image_size={config.image_size}"
            )
        parse_mask_spec(config.mask)
        if config.perceptual_weight > 0 and not config.vgg_weights:
            raise ValueError(
                "--perceptual_weight needs --vgg_weights=PATH (VGG19 no-top weights; "
                f"keras.applications downloads are not assumed). Received: vgg_weights={config.vgg_weights!r}"
            )

    def make_data(self, config):
        load_size = config.image_size
        if (spec := data_lib.parse_dataset_spec(config.dataset)).kind == "builtin" and spec.name == "photos":
            load_size = PHOTOS_LOAD_FACTOR * config.image_size
        data = data_lib.inpainting_dataset(
            config.dataset, image_size=config.image_size, channels=config.channels,
            batch_size=config.batch_size, mask=config.mask, load_size=load_size,
            flip=config.flip, seed=config.seed,
        )
        if data.steps_per_epoch is None or data.steps_per_epoch < MIN_STEPS_PER_EPOCH:
            data = dataclasses.replace(data, steps_per_epoch=MIN_STEPS_PER_EPOCH)
        return data

    def build_model(self, config, data):
        model = InpaintingGAN.deepfill(
            image_size=config.image_size,
            channels=config.channels,
            filters=config.filters,
            hole_weight=config.hole_weight,
            valid_weight=config.valid_weight,
            adversarial_weight=config.adversarial_weight,
            perceptual_weight=config.perceptual_weight,
            vgg_weights=config.vgg_weights or None,
            seed=config.seed,
        )
        return self.compile(model, config)

    def callbacks(self, config, data, output_dir):
        batch = next(iter(data.dataset))
        n = max(1, min(8, config.samples, config.batch_size))
        scale = grid_scale(config.image_size)
        return [InpaintingGridCallback(os.path.join(output_dir, "samples"),
                                       batch["image"].numpy()[:n], batch["mask"].numpy()[:n],
                                       scale=scale)]

    def generators(self, model, config):
        return [GeneratorArtifact("generator", model.export_generator(), config.model,
                                  representative_data=config.dataset)]
