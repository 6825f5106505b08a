"""The SRGAN training recipe: SRResNet pixel-loss pretraining, then adversarial epochs."""

import dataclasses
import os

import keras
from absl import logging

from keras_gan.callbacks.super_resolution_grid import SuperResolutionGridCallback
from keras_gan.data.super_resolution import super_resolution_dataset
from keras_gan.models.srgan import CONTENT_LOSSES, SRGAN
from keras_gan.networks.vgg_features import VGG19_NOTOP_FILE, vgg19_features
from keras_gan.recipes.recipe import GeneratorArtifact, Recipe, fit_from_step
from keras_gan.schedules.warmup_cosine import warmup_cosine_decay

PRETRAINED_FILENAME = "srresnet"
"""Generator saved after the pretraining phase (when adversarial epochs follow)."""


def _cached_vgg19_weights():
    """The Keras cache's VGG19 (no top) weights file, or `None`."""
    path = os.path.join(
        os.path.expanduser(os.environ.get("KERAS_HOME", "~/.keras")), "models", VGG19_NOTOP_FILE
    )
    return path if os.path.isfile(path) else None


class _SaveGeneratorAtEpoch(keras.callbacks.Callback):
    """Save `model.generator` to `path` at the end of epoch number `epoch` (1-based)."""

    def __init__(self, path, epoch):
        super().__init__()
        self.path = path
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch + 1 == self.epoch:
            self.model.generator.save(self.path)


class SRGANRecipe(Recipe):
    """Trains `keras_gan.SRGAN`: `pretrain_epochs` pixel-loss epochs, then `epochs` adversarial.

    `--recipe=default` (tuned for short CPU runs, measured in docs/srgan.md): an
    EDSR-style generator (8 residual blocks x 64 filters, no batch norm) that learns
    the residual over MATLAB's bicubic upsampling, so it starts at the bicubic
    baseline; L1 pixel loss; Adam(beta_1 0.9) with a linear warm-up and a cosine
    decay to 0 over the whole run; 1,000 steps (10 epochs of 100) of 96 px HR crops,
    batch 16, x4; no adversarial epochs unless `--epochs` asks (then L1 content +
    1e-3 adversarial, the same schedule over both phases).

    `--recipe=paper` (Ledig et al. 2017): SRResNet (16 blocks, batch norm, 9x9
    head and tail), MSE pretraining, then adversarial epochs with the VGG19
    content loss when its weights are offline (`--vgg_weights=PATH` or the Keras
    cache, else MSE), Adam 1e-4, dropped to 1e-5 for the second half of the
    adversarial phase.

    Example:
    ```python
    from keras_gan.training import TrainConfig, run
    run(TrainConfig(model="srgan", dataset="folder:/data/T91"))                 # 1,000 steps
    run(TrainConfig(model="srgan", dataset="folder:/data/T91", pretrain_epochs=60))  # ~1 h CPU
    ```
    """

    name = "srgan"
    networks = {
        "default": "EDSR-style, residual over bicubic (`SRGAN.edsr`)",
        "paper": "SRResNet with batch norm (`SRGAN.srresnet`)",
    }
    defaults = {
        "dataset": "builtin:photos",
        "image_size": 96,
        "channels": 3,
        "batch_size": 16,
        "steps_per_epoch": 100,
        "pretrain_epochs": 10,
        "epochs": 0,
        "loss": "non_saturating",
        "learning_rate": 1e-3,
        "beta_1": 0.9,
        "filters": 64,
        "residual_blocks": 8,
        "adversarial_weight": 1e-3,
        "flip": True,
        "content_loss": "l1",
    }
    paper_defaults = {
        "steps_per_epoch": 0,
        "pretrain_epochs": 20,
        "epochs": 5,
        "learning_rate": 1e-4,
        "residual_blocks": 16,
        "content_loss": None,
    }

    def derive(self, config):
        if config.content_loss is None:  # the paper's VGG loss when its weights are offline
            weights = config.vgg_weights or _cached_vgg19_weights()
            config = dataclasses.replace(config, content_loss="vgg" if weights else "mse")
            if not weights:
                logging.info(
                    "No VGG19 weights offline (--vgg_weights, Keras cache): content_loss=mse."
                )
        return config

    def validate(self, config):
        scales = (2, 4) if config.recipe == "paper" else (2, 3, 4, 8)
        if config.scale not in scales:
            raise ValueError(
                f"--scale must be one of {scales} (recipe {config.recipe}). "
                f"Received: scale={config.scale}"
            )
        if config.content_loss not in CONTENT_LOSSES:
            raise ValueError(
                f"--content_loss must be one of {CONTENT_LOSSES}. "
                f"Received: content_loss={config.content_loss!r}"
            )
        if config.image_size % (4 * config.scale) or config.image_size % 16:
            raise ValueError(
                "--image_size (the HR crop) must be a multiple of 16 and of "
                f"4 x scale. Received: image_size={config.image_size}"
            )
        if config.channels != 3:
            raise ValueError(f"SRGAN works on RGB images. Received: channels={config.channels}")
        if (
            config.pretrain_epochs < 0
            or config.epochs < 0
            or config.pretrain_epochs + config.epochs < 1
        ):
            raise ValueError(
                "--pretrain_epochs and --epochs must be >= 0 with at least one epoch. "
                f"Received: pretrain_epochs={config.pretrain_epochs}, epochs={config.epochs}"
            )

    def make_data(self, config):
        return super_resolution_dataset(
            config.dataset,
            image_size=config.image_size,
            scale=config.scale,
            batch_size=config.batch_size,
            augment=config.flip,
            seed=config.seed,
        )

    def build_model(self, config, data):
        content_network = None
        if config.content_loss == "vgg":
            content_network = vgg19_features(weights=config.vgg_weights or "imagenet")
        paper = config.recipe == "paper"
        build = SRGAN.srresnet if paper else SRGAN.edsr
        model = build(
            scale=config.scale,
            image_size=config.image_size,
            residual_blocks=config.residual_blocks,
            filters=config.filters,
            discriminator_filters=config.filters,
            pixel_loss="mse" if paper and config.content_loss != "l1" else "l1",
            content_loss=config.content_loss,
            content_network=content_network,
            adversarial_weight=config.adversarial_weight,
            relativistic=config.relativistic,
            phase="pretrain" if config.pretrain_epochs else "adversarial",
            seed=config.seed,
        )
        return self.compile(model, config, *self.learning_rates(config, data))

    def learning_rates(self, config, data):
        """The (generator, discriminator) Adam optimizers with schedules over the whole run.

        The generator's step counter runs through both phases, so its schedule spans
        `pretrain_epochs + epochs`; the discriminator only trains in the adversarial phase.
        """
        pretrain = self.total_steps(config, data, config.pretrain_epochs)
        adversarial = self.total_steps(config, data, config.epochs)
        rate = config.learning_rate
        if config.recipe == "paper":  # constant, then 1/10 for the second half of the GAN phase

            def schedule(before):
                if not adversarial:
                    return rate
                return keras.optimizers.schedules.PiecewiseConstantDecay(
                    [before + adversarial // 2], [rate, rate / 10]
                )

            return self.adam(config, schedule(pretrain)), self.adam(config, schedule(0))
        generator = warmup_cosine_decay(rate, pretrain + adversarial)
        discriminator = warmup_cosine_decay(rate, adversarial) if adversarial else rate
        return self.adam(config, generator), self.adam(config, discriminator)

    def callbacks(self, config, data, output_dir):
        samples = super_resolution_dataset(
            config.dataset,
            image_size=config.image_size,
            scale=config.scale,
            batch_size=1,
            shuffle=False,
            augment=False,
            cache=False,
            repeat=True,
            seed=config.seed + 1,
        ).dataset.take(max(1, min(config.samples, 4)))
        batches = list(samples.as_numpy_iterator())
        lr = [b["lr"][0] for b in batches]
        hr = [b["hr"][0] for b in batches]
        callbacks = [
            SuperResolutionGridCallback(os.path.join(output_dir, "samples"), lr, hr, config.scale)
        ]
        if config.pretrain_epochs and config.epochs:  # keep the SRResNet before fine-tuning
            callbacks.append(
                _SaveGeneratorAtEpoch(
                    os.path.join(output_dir, f"{PRETRAINED_FILENAME}.keras"), config.pretrain_epochs
                )
            )
        return callbacks

    def fit(self, model, make_dataset, config, steps_per_epoch, callbacks, initial_step=0):
        # Phase 1 (SRResNet): pixel loss, generator only. Phase 2 (SRGAN): adversarial.
        # Each phase reads the data from its start; a resumed run skips the finished phase.
        history = None
        if initial_step < config.pretrain_epochs * steps_per_epoch:
            model.set_phase("pretrain")
            history = fit_from_step(
                model,
                make_dataset,
                config.pretrain_epochs,
                steps_per_epoch,
                callbacks,
                initial_step=initial_step,
                verbose=config.verbose,
            )
            if model.stop_training:
                return history
        if config.epochs:
            model.set_phase("adversarial")
            history = fit_from_step(
                model,
                make_dataset,
                config.pretrain_epochs + config.epochs,
                steps_per_epoch,
                callbacks,
                initial_step=initial_step,
                first_epoch=config.pretrain_epochs,
                verbose=config.verbose,
            )
        return history

    def generators(self, model, config):
        # Representative inputs are whole dataset images resized to the LR crop size.
        return [
            GeneratorArtifact(
                "generator",
                model.export_generator(),
                config.model,
                representative_data=config.dataset,
                image_size=config.image_size // config.scale,
            )
        ]
