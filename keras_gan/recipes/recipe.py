"""The base class of training recipes: how `train.py` trains one model family."""

import dataclasses

import keras


@dataclasses.dataclass
class GeneratorArtifact:
    """A trained generator that a run saves and exports.

    Attributes:
        filename: stem of the `.keras` file in the run folder (`"generator"`).
        network: the generator `keras.Model`.
        export_name: model name under the export folder (`"cyclegan_ba"`).
        representative_data: dataset spec of the generator's input images (int8
            calibration and verification), or `None` for latent generators.
        image_size: input H = W for TFLite and the representative images, when it
            differs from the run's `image_size` (SRGAN: the LR size); `None` = the run's.
        quantize: TFLite variants to export (comma list), or `None` for all of
            `keras_gan.export.QUANTIZATIONS` (CycleGAN leaves out int8: its instance
            normalizations quantize poorly).
    """

    filename: str
    network: keras.Model
    export_name: str
    representative_data: str | None = None
    image_size: int | None = None
    quantize: str | None = None


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
        """Return `config` with every `None` field set to this family's default."""
        values = {
            field.name: self.defaults[field.name]
            for field in dataclasses.fields(config)
            if getattr(config, field.name) is None and field.name in self.defaults
        }
        config = dataclasses.replace(config, **values)
        self.validate(config)
        return config

    def validate(self, config):
        """Raise `ValueError` for settings this family cannot take."""

    def make_data(self, config):
        """Return the training data: an object with `dataset`, `steps_per_epoch`
        (`None` if unknown) and `num_classes` attributes."""
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
    def adam(config):
        """Adam with the run's learning rate and beta_1 (beta_2 0.999)."""
        return keras.optimizers.Adam(config.learning_rate, beta_1=config.beta_1, beta_2=0.999)
