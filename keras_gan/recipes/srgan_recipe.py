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

PRETRAINED_FILENAME = "srresnet"
"""Generator saved after the pretraining phase (when adversarial epochs follow)."""


def _cached_vgg19_weights():
    """The Keras cache's VGG19 (no top) weights file, or `None`."""
    path = os.path.join(os.path.expanduser(os.environ.get("KERAS_HOME", "~/.keras")), "models",
                        VGG19_NOTOP_FILE)
    return path if os.path.isfile(path) else None


class _PretrainStepDecay(keras.callbacks.Callback):
    """Halve the generator learning rate at 50% and 75% of the pretraining epochs.

    Step decay as in EDSR (Lim et al. 2017); the adversarial phase continues at the
    decayed rate (lower for fine-tuning, as the paper's 1e-4 -> 1e-5).
    """

    def __init__(self, initial_learning_rate, pretrain_epochs):
        super().__init__()
        self.initial_learning_rate = initial_learning_rate
        self.boundaries = sorted({pretrain_epochs // 2, (3 * pretrain_epochs) // 4} - {0})

    def on_epoch_begin(self, epoch, logs=None):
        if self.model.phase != "pretrain":
            return
        factor = 0.5 ** sum(epoch >= b for b in self.boundaries)
        self.model.generator_optimizer.learning_rate.assign(self.initial_learning_rate * factor)


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

    Defaults: the paper's networks (16 residual blocks, 64 filters, 96 px HR
    crops, x4, batch 16, Adam 1e-4) on the two scikit-learn sample photos
    (`builtin:photos`), with short phases so the offline default finishes in a few
    minutes on a CPU. `content_loss` defaults to `"vgg"` when VGG19 weights are
    available offline (`--vgg_weights=PATH` or the Keras cache) and to `"mse"`
    otherwise; an explicit `--content_loss=vgg` without weights fails with a
    message naming both ways to get them.

    Example:
    ```python
    from keras_gan.training import TrainConfig, run
    run(TrainConfig(model="srgan", dataset="folder:/data/T91", pretrain_epochs=100, epochs=20))
    ```
    """

    name = "srgan"
    defaults = {
        "dataset": "builtin:photos", "image_size": 96, "channels": 3, "batch_size": 16,
        "pretrain_epochs": 20, "epochs": 5, "loss": "non_saturating", "learning_rate": 1e-4,
        "filters": 64, "residual_blocks": 16, "adversarial_weight": 1e-3, "flip": True,
    }

    def derive(self, config):
        if config.content_loss is None:
            weights = config.vgg_weights or _cached_vgg19_weights()
            config = dataclasses.replace(config, content_loss="vgg" if weights else "mse")
            if not weights:
                logging.info("No VGG19 weights offline (--vgg_weights, Keras cache): "
                             "content_loss=mse.")
        return config

    def validate(self, config):
        if config.scale not in (2, 4):
            raise ValueError(f"--scale must be 2 or 4. Received: scale={config.scale}")
        if config.content_loss not in CONTENT_LOSSES:
            raise ValueError(f"--content_loss must be one of {CONTENT_LOSSES}. "
                             f"Received: content_loss={config.content_loss!r}")
        if config.image_size % (4 * config.scale) or config.image_size % 16:
            raise ValueError("--image_size (the HR crop) must be a multiple of 16 and of "
                             f"4 x scale. Received: image_size={config.image_size}")
        if config.channels != 3:
            raise ValueError(f"SRGAN works on RGB images. Received: channels={config.channels}")
        if config.pretrain_epochs < 0 or config.epochs < 0 or config.pretrain_epochs + config.epochs < 1:
            raise ValueError("--pretrain_epochs and --epochs must be >= 0 with at least one epoch. "
                             f"Received: pretrain_epochs={config.pretrain_epochs}, epochs={config.epochs}")

    def make_data(self, config):
        return super_resolution_dataset(
            config.dataset, image_size=config.image_size, scale=config.scale,
            batch_size=config.batch_size, augment=config.flip, seed=config.seed,
        )

    def build_model(self, config, data):
        content_network = None
        if config.content_loss == "vgg":
            content_network = vgg19_features(weights=config.vgg_weights or "imagenet")
        model = SRGAN.srresnet(
            scale=config.scale, image_size=config.image_size,
            residual_blocks=config.residual_blocks, filters=config.filters,
            discriminator_filters=config.filters,
            pixel_loss="l1" if config.content_loss == "l1" else "mse",
            content_loss=config.content_loss, content_network=content_network,
            adversarial_weight=config.adversarial_weight, relativistic=config.relativistic,
            phase="pretrain" if config.pretrain_epochs else "adversarial", seed=config.seed,
        )
        return self.compile(model, config)

    def callbacks(self, config, data, output_dir):
        samples = super_resolution_dataset(
            config.dataset, image_size=config.image_size, scale=config.scale, batch_size=1,
            shuffle=False, augment=False, cache=False, repeat=True, seed=config.seed + 1,
        ).dataset.take(max(1, min(config.samples, 4)))
        batches = list(samples.as_numpy_iterator())
        lr = [b["lr"][0] for b in batches]
        hr = [b["hr"][0] for b in batches]
        callbacks = [SuperResolutionGridCallback(os.path.join(output_dir, "samples"), lr, hr, config.scale)]
        if config.pretrain_epochs and config.epochs:  # keep the SRResNet before fine-tuning
            callbacks.append(_SaveGeneratorAtEpoch(
                os.path.join(output_dir, f"{PRETRAINED_FILENAME}.keras"), config.pretrain_epochs))
        return callbacks

    def fit(self, model, make_dataset, config, steps_per_epoch, callbacks, initial_step=0):
        # Phase 1 (SRResNet): pixel loss, generator only. Phase 2 (SRGAN): adversarial.
        # Each phase reads the data from its start; a resumed run skips the finished phase.
        history = None
        if initial_step < config.pretrain_epochs * steps_per_epoch:
            model.set_phase("pretrain")
            decay = _PretrainStepDecay(config.learning_rate, config.pretrain_epochs)
            history = fit_from_step(model, make_dataset, config.pretrain_epochs, steps_per_epoch,
                                    [decay, *callbacks], initial_step=initial_step,
                                    verbose=config.verbose)
            if model.stop_training:
                return history
        if config.epochs:
            model.set_phase("adversarial")
            history = fit_from_step(model, make_dataset, config.pretrain_epochs + config.epochs,
                                    steps_per_epoch, callbacks, initial_step=initial_step,
                                    first_epoch=config.pretrain_epochs, verbose=config.verbose)
        return history

    def generators(self, model, config):
        # Representative inputs are whole dataset images resized to the LR crop size.
        return [GeneratorArtifact("generator", model.export_generator(), config.model,
                                  representative_data=config.dataset,
                                  image_size=config.image_size // config.scale)]
