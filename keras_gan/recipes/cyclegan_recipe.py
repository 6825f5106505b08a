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

    `--recipe=default` (tuned for short CPU runs, measured in docs/cyclegan.md), for
    every dataset: 64 px, 32 filters, 6 residual blocks, generators with
    `output="colour_residual"` (identity + per-pixel colour MLP + spatial residual,
    instance norm kept: absolute colour survives), no identity loss, 1,000 steps
    (10 epochs of 100, the last 5 decaying linearly to 0).

    `--recipe=paper` (the reference implementation): tanh generators, identity loss
    0.5 lambda_cycle; for `folder:`/`tfds:` data 256 px, 64 filters, 9 residual
    blocks (6 below 256 px), 200 epochs of one pass of which the last 100 decay;
    for `builtin:photos` (china.jpg as A, flower.jpg as B) 64 px, 16 filters,
    20 epochs.

    Both: least-squares loss, Adam(2e-4, beta_1=0.5) for G+F and for D_A+D_B,
    lambda_cycle 10, pool 50, batch 1, random flips, resize to 286/256 of the crop
    size then random crop.

    Example:
    ```python
    from keras_gan.training import TrainConfig, run
    run(TrainConfig(model="cyclegan", dataset="folder:/data/horse2zebra"))
    ```
    """

    name = "cyclegan"
    networks = {
        "default": 'ResNet, `output="colour_residual"` (identity at step 0)',
        "paper": 'ResNet, `output="tanh"` (the reference)',
    }
    defaults = {
        "dataset": "builtin:photos",
        "image_size": 64,
        "channels": 3,
        "batch_size": 1,
        "steps_per_epoch": 100,
        "epochs": 10,
        "loss": "least_squares",
        "learning_rate": 2e-4,
        "filters": 32,
        "flip": True,
        "residual_blocks": 6,
        "lambda_identity": 0.0,
    }
    paper_defaults = {"steps_per_epoch": 0, "lambda_identity": 0.5, "residual_blocks": None}
    paper_builtin_defaults = {"image_size": 64, "epochs": 20, "filters": 16, "residual_blocks": 6}
    paper_dataset_defaults = {"image_size": 256, "epochs": 200, "filters": 64}

    def default_table(self, config):
        table = super().default_table(config)
        if config.recipe == "paper":
            builtin = parse_dataset_spec(config.dataset or table["dataset"]).kind == "builtin"
            table.update(self.paper_builtin_defaults if builtin else self.paper_dataset_defaults)
        return table

    def derive(self, config):
        if config.residual_blocks is None:  # the paper: 9 blocks at 256 px, 6 below
            config = dataclasses.replace(
                config, residual_blocks=9 if config.image_size >= 256 else 6
            )
        if config.decay_epochs is None:  # the paper: 100 constant + 100 decaying epochs
            config = dataclasses.replace(config, decay_epochs=config.epochs // 2)
        return config

    def validate(self, config):
        if config.image_size % 4 or config.image_size < 32:
            raise ValueError(
                "CycleGAN needs an image_size that is a multiple of 4 and >= 32 "
                f"(70x70 PatchGAN). Received: image_size={config.image_size}"
            )
        if config.loss == "wasserstein":
            raise ValueError(
                "CycleGAN takes least_squares, non_saturating, minimax or hinge. "
                f"Received: loss={config.loss!r}"
            )
        if not 0 <= config.decay_epochs <= config.epochs:
            raise ValueError(
                f"--decay_epochs must be in [0, epochs={config.epochs}]. "
                f"Received: decay_epochs={config.decay_epochs}"
            )
        if config.pool_size < 0 or config.lambda_cycle < 0 or config.lambda_identity < 0:
            raise ValueError(
                "--pool_size, --lambda_cycle and --lambda_identity must be >= 0. Received: "
                f"pool_size={config.pool_size}, lambda_cycle={config.lambda_cycle}, "
                f"lambda_identity={config.lambda_identity}"
            )
        if config.conditional:
            raise ValueError("CycleGAN is not class-conditional. Received: conditional=True")
        if config.norm not in ("instance", "batch", "none"):
            raise ValueError(
                f"--norm must be instance, batch or none. Received: norm={config.norm!r}"
            )

    def make_data(self, config):
        return unpaired_dataset(
            config.dataset,
            image_size=config.image_size,
            channels=config.channels,
            batch_size=config.batch_size,
            flip=config.flip,
            seed=config.seed,
        )

    def build_model(self, config, data):
        model = CycleGAN.resnet(
            image_size=config.image_size,
            channels=config.channels,
            filters=config.filters,
            residual_blocks=config.residual_blocks,
            lambda_cycle=config.lambda_cycle,
            lambda_identity=config.lambda_identity,
            pool_size=config.pool_size,
            norm=config.norm,
            seed=config.seed,
            output="tanh" if config.recipe == "paper" else "colour_residual",
        )
        steps = config.steps_per_epoch or data.steps_per_epoch
        schedule = LinearDecay(
            config.learning_rate,
            constant_steps=(config.epochs - config.decay_epochs) * steps,
            decay_steps=config.decay_epochs * steps,
        )
        return self.compile(model, config, self.adam(config, schedule), self.adam(config, schedule))

    def _images(self, config, domain, limit):
        images = load_domain_images(
            config.dataset, domain, "test", config.image_size, config.channels, limit=limit
        )
        repeats = -(-limit // len(images))  # few test images: cycle through them
        return keras.ops.convert_to_numpy(keras.ops.tile(images, [repeats, 1, 1, 1]))[:limit]

    def callbacks(self, config, data, output_dir):
        scale = grid_scale(config.image_size)
        return [
            TranslationGridCallback(
                os.path.join(output_dir, "samples"),
                self._images(config, "a", GRID_IMAGES),
                self._images(config, "b", GRID_IMAGES),
                scale=scale,
            )
        ]

    def generators(self, model, config):
        return [
            # Input-domain test images (train images when there is no test split),
            # preprocessed as in training. int8 is left out by the exporter's "auto"
            # while the networks use instance norm (accurate on trained networks, not
            # guaranteed: request it with --quantize).
            GeneratorArtifact(
                "generator",
                model.export_generator(),
                config.model,
                representative_data=self._images(config, "a", REPRESENTATIVE_IMAGES),
            ),
            GeneratorArtifact(
                "generator_ba",
                model.generator_ba,
                f"{config.model}_ba",
                representative_data=self._images(config, "b", REPRESENTATIVE_IMAGES),
            ),
        ]
