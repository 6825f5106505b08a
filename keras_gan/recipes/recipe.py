"""The base class of training recipes: how `train.py` trains one model family."""

import dataclasses

import keras
import numpy as np


@dataclasses.dataclass
class GeneratorArtifact:
    """A trained generator that a run saves and exports.

    Attributes:
        filename: stem of the `.keras` file in the run folder (`"generator"`).
        network: the generator `keras.Model`.
        export_name: model name under the export folder (`"cyclegan_ba"`).
        representative_data: dataset spec or NHWC array in [-1, 1] of the
            generator's input images (int8 calibration and verification), or
            `None` for latent generators.
        image_size: input H = W for TFLite and the representative images, when it
            differs from the run's `image_size` (SRGAN: the LR size); `None` = the run's.
    """

    filename: str
    network: keras.Model
    export_name: str
    representative_data: str | np.ndarray | None = None
    image_size: int | None = None


class Recipe:
    """How `keras_gan.training.run` builds, trains and saves one model family.

    A recipe turns a `TrainConfig` into data, a compiled model, callbacks and
    the generators to save. Subclasses live in `keras_gan/recipes/`, one per
    family, and are registered in `keras_gan.recipes.RECIPES`.

    Attributes:
        name: the `--model` value.
        defaults: values for the `TrainConfig` fields left at `None`
            (dataset, image size, batch size, epochs, loss, ...).
    """

    name = ""
    defaults = {}

    def resolve(self, config):
        """Return `config` with every `None` field set to this family's default.

        Fills from `default_table(config)`, then `derive(config)` sets the values
        computed from others, then `validate(config)` checks the result.
        """
        table = self.default_table(config)
        values = {
            field.name: table[field.name]
            for field in dataclasses.fields(config)
            if getattr(config, field.name) is None and field.name in table
        }
        config = self.derive(dataclasses.replace(config, **values))
        self.validate(config)
        return config

    def default_table(self, config):
        """The defaults for this config (CycleGAN picks by dataset); `defaults` here."""
        return self.defaults

    def derive(self, config):
        """Return `config` with defaults that depend on other fields filled in."""
        return config

    def validate(self, config):
        """Raise `ValueError` for settings this family cannot take."""

    def make_data(self, config):
        """Return the training data: an object with `dataset` and `steps_per_epoch`
        (`None` if unknown) attributes, plus what the family's `build_model` reads."""
        raise NotImplementedError

    def build_model(self, config, data):
        """Return the compiled model (called inside the strategy scope)."""
        raise NotImplementedError

    def callbacks(self, config, data, output_dir):
        """Family callbacks: sample grids, learning-rate schedules."""
        return []

    def fit(self, model, dataset, config, steps_per_epoch, callbacks):
        """Train; families with phases (SRGAN's pretraining) override this."""
        return model.fit(
            dataset, epochs=config.epochs, steps_per_epoch=steps_per_epoch,
            callbacks=callbacks, shuffle=False, verbose=config.verbose,
        )

    def generators(self, model, config):
        """Return the `GeneratorArtifact`s to save and export."""
        raise NotImplementedError

    def compile(self, model, config, generator_optimizer=None, discriminator_optimizer=None):
        """Compile `model` with the run's loss and speed settings; returns `model`.

        Both optimizers default to `adam(config)`.
        """
        model.compile(
            generator_optimizer=generator_optimizer or self.adam(config),
            discriminator_optimizer=discriminator_optimizer or self.adam(config),
            loss=config.loss,
            jit_compile=config.jit_compile,
            steps_per_execution=config.steps_per_execution,
        )
        return model

    @staticmethod
    def adam(config, learning_rate=None):
        """Adam with the run's beta_1 (beta_2 0.999) and learning rate or `learning_rate`
        (a float or a `LearningRateSchedule`)."""
        return keras.optimizers.Adam(learning_rate or config.learning_rate, beta_1=config.beta_1,
                                     beta_2=0.999)
