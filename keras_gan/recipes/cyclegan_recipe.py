"""The CycleGAN training recipe (reference defaults; a small offline default run)."""

import dataclasses
import os

import keras

from keras_gan.callbacks.sample_grid import grid_scale
from keras_gan.callbacks.translation_grid import TranslationGridCallback
from keras_gan.data.specs import parse_dataset_spec
from keras_gan.data.unpaired import load_domain_images, unpaired_dataset
from keras_gan.models.cycle_gan import CycleGAN
from keras_gan.recipes.recipe import GeneratorArtifact, Recipe
from keras_gan.schedules.linear_decay import LinearDecay

GRID_IMAGES = 4  # rows of the translation grid
REPRESENTATIVE_IMAGES = 100  # verification (and calibration) images per exported generator


class CycleGANRecipe(Recipe):
    """Trains `keras_gan.CycleGAN` on an unpaired dataset.

    Two default tables, chosen by the dataset:

    - `builtin:photos` (the default dataset, offline: crops of scikit-learn's
      china.jpg as A and flower.jpg as B): 64 px, 16 filters, 6 residual
      blocks, 20 epochs of 63 steps (last 10 decaying): a few minutes on a
      2-core CPU, enough to see colours move from one photo to the other;
    - any `folder:` or `tfds:` dataset: the reference recipe: 256 px,
      64 filters, 9 residual blocks (6 below 256 px), 200 epochs of which the
      last 100 decay linearly to 0, batch 1.

    Both: least-squares loss, Adam(2e-4, beta_1=0.5) for G+F and for D_A+D_B,
    lambda_cycle 10, identity 0.5 lambda_cycle, pool 50, random flips,
    resize to 286/256 of the crop size then random crop.

    Example:
    ```python
    from keras_gan.training import TrainConfig, run
    run(TrainConfig(model="cyclegan", dataset="folder:/data/horse2zebra", image_size=128,
                    epochs=10))
    ```
    """

    name = "cyclegan"
    defaults = {
        "dataset": "builtin:photos", "image_size": 64, "channels": 3, "batch_size": 1,
        "epochs": 20, "loss": "least_squares", "learning_rate": 2e-4, "filters": 16,
        "flip": True, "residual_blocks": 6,
    }
    dataset_defaults = {
        "image_size": 256, "channels": 3, "batch_size": 1, "epochs": 200,
        "loss": "least_squares", "learning_rate": 2e-4, "filters": 64, "flip": True,
    }

    def default_table(self, config):
        dataset = config.dataset or self.defaults["dataset"]
        builtin = parse_dataset_spec(dataset).kind == "builtin"
        return self.defaults if builtin else {"dataset": dataset, **self.dataset_defaults}

    def derive(self, config):
        if config.residual_blocks is None:  # the paper: 9 blocks at 256 px, 6 below
            config = dataclasses.replace(config, residual_blocks=9 if config.image_size >= 256 else 6)
        if config.decay_epochs is None:  # the paper: 100 constant + 100 decaying epochs
            config = dataclasses.replace(config, decay_epochs=config.epochs // 2)
        return config

    def validate(self, config):
        if config.image_size % 4 or config.image_size < 32:
            raise ValueError("CycleGAN needs an image_size that is a multiple of 4 and >= 32 "
                             f"(70x70 PatchGAN). Received: image_size={config.image_size}")
        if config.loss == "wasserstein":
            raise ValueError("CycleGAN takes least_squares, non_saturating, minimax or hinge. "
                             f"Received: loss={config.loss!r}")
        if not 0 <= config.decay_epochs <= config.epochs:
            raise ValueError(f"--decay_epochs must be in [0, epochs={config.epochs}]. "
                             f"Received: decay_epochs={config.decay_epochs}")
        if config.pool_size < 0 or config.lambda_cycle < 0 or config.lambda_identity < 0:
            raise ValueError(
                "--pool_size, --lambda_cycle and --lambda_identity must be >= 0. Received: "
                f"pool_size={config.pool_size}, lambda_cycle={config.lambda_cycle}, "
                f"lambda_identity={config.lambda_identity}"
            )
        if config.conditional:
            raise ValueError("CycleGAN is not class-conditional. Received: conditional=True")
        if config.norm not in ("instance", "batch", "none"):
            raise ValueError("--norm must be instance, batch or none. "
                             f"Received: norm={config.norm!r}")

    def make_data(self, config):
        return unpaired_dataset(config.dataset, image_size=config.image_size,
                                channels=config.channels, batch_size=config.batch_size,
                                flip=config.flip, seed=config.seed)

    def build_model(self, config, data):
        model = CycleGAN.resnet(
            image_size=config.image_size, channels=config.channels, filters=config.filters,
            residual_blocks=config.residual_blocks, lambda_cycle=config.lambda_cycle,
            lambda_identity=config.lambda_identity, pool_size=config.pool_size,
            norm=config.norm, seed=config.seed,
        )
        steps = config.steps_per_epoch or data.steps_per_epoch
        schedule = LinearDecay(config.learning_rate,
                               constant_steps=(config.epochs - config.decay_epochs) * steps,
                               decay_steps=config.decay_epochs * steps)
        return self.compile(model, config, self.adam(config, schedule), self.adam(config, schedule))

    def _images(self, config, domain, limit):
        images = load_domain_images(config.dataset, domain, "test", config.image_size,
                                    config.channels, limit=limit)
        repeats = -(-limit // len(images))  # few test images: cycle through them
        return keras.ops.convert_to_numpy(keras.ops.tile(images, [repeats, 1, 1, 1]))[:limit]

    def callbacks(self, config, data, output_dir):
        scale = grid_scale(config.image_size)
        return [TranslationGridCallback(os.path.join(output_dir, "samples"),
                                        self._images(config, "a", GRID_IMAGES),
                                        self._images(config, "b", GRID_IMAGES), scale=scale)]

    def generators(self, model, config):
        return [
            # Input-domain test images (train images when there is no test split),
            # preprocessed as in training. int8 is left out by the exporter's "auto"
            # while the networks use instance norm (accurate on trained networks, not
            # guaranteed: request it with --quantize).
            GeneratorArtifact("generator", model.export_generator(), config.model,
                              representative_data=self._images(config, "a", REPRESENTATIVE_IMAGES)),
            GeneratorArtifact("generator_ba", model.generator_ba, f"{config.model}_ba",
                              representative_data=self._images(config, "b", REPRESENTATIVE_IMAGES)),
        ]
