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


def fit_from_step(
    model,
    make_dataset,
    epochs,
    steps_per_epoch,
    callbacks,
    initial_step=0,
    first_epoch=0,
    verbose=1,
):
    """`model.fit` for epochs `[first_epoch, epochs)`, starting at global step `initial_step`.

    A resumed run sees the batches an uninterrupted one would: each `fit` reads
    a new dataset from `make_dataset` (a seeded stream, the same every time) and
    skips the steps done since `first_epoch` with `dataset.skip` (which reads
    them). A resume in mid-epoch first finishes that epoch with a `fit` of its
    remaining steps, then continues with whole epochs.

    Args:
        model: the compiled model.
        make_dataset: returns a new training `tf.data.Dataset` (infinite, seeded:
            a reused dataset object reshuffles differently for each iterator).
        epochs: the epoch to stop at (exclusive, as `fit`'s `epochs`).
        steps_per_epoch: steps per epoch.
        callbacks: `fit` callbacks.
        initial_step: global steps already done (0: a fresh run).
        first_epoch: the epoch where this phase's data stream starts.
        verbose: `fit` verbosity.

    Returns:
        The `History` of the last `fit`, or `None` when nothing was left to run.
    """
    start = max(initial_step, first_epoch * steps_per_epoch)
    epoch, done = divmod(start, steps_per_epoch)
    history = None
    while epoch < epochs:
        skipped = start - first_epoch * steps_per_epoch
        dataset = make_dataset()
        # An interrupted epoch runs its remaining steps, then this fit stops.
        finish = _StopAfterEpoch() if done else None
        history = model.fit(
            dataset.skip(skipped) if skipped else dataset,
            initial_epoch=epoch,
            epochs=epochs,
            steps_per_epoch=steps_per_epoch - done,
            callbacks=[*callbacks, *filter(None, [finish])],
            shuffle=False,
            verbose=verbose,
        )
        if finish:
            model.stop_training = finish.stopped_by_others
        if model.stop_training:
            break
        epoch = epoch + 1 if done else epochs
        start, done = epoch * steps_per_epoch, 0
    return history


class _StopAfterEpoch(keras.callbacks.Callback):
    """End `fit` after its first epoch; `stopped_by_others`: another callback stopped it."""

    stopped_by_others = False

    def on_epoch_end(self, epoch, logs=None):
        self.stopped_by_others = bool(self.model.stop_training)
        self.model.stop_training = True


class Recipe:
    """How `keras_gan.training.run` builds, trains and saves one model family.

    A recipe turns a `TrainConfig` into data, a compiled model, callbacks and
    the generators to save. Subclasses live in `keras_gan/recipes/`, one per
    family, and are registered in `keras_gan.recipes.RECIPES`.

    Attributes:
        name: the `--model` value.
        defaults: values for the `TrainConfig` fields left at `None`
            (dataset, image size, batch size, epochs, loss, ...) under
            `--recipe=default`: the recipe tuned and measured for short runs.
        paper_defaults: the values that `--recipe=paper` changes (the paper's
            settings where they differ from `defaults`).
    """

    name = ""
    defaults = {}
    paper_defaults = {}
    common_defaults = {"steps_per_epoch": 0, "beta_1": 0.5}
    """Fallbacks of every family: one pass over the data per epoch, Adam beta_1 0.5."""
    recipes = ("default", "paper")
    networks = {}
    """Recipe name -> the generator it builds, in words (for the docs' defaults table)."""
    # `jit_compile="auto"` by device, measured with `python benchmarks/run.py` (BENCHMARKS.md):
    # on the CPU every family's train step is slower with XLA (GAN 64 px 1.1 s -> 1.5 s,
    # SRGAN 3.6 -> 5.1 s, CycleGAN 128 px 2.1 -> 30 s, inpainting 0.5 -> 1.5 s per step);
    # on GPUs XLA fuses the elementwise ops between convolutions (not measured here).
    # A family overrides this table when its measurements differ.
    auto_jit_compile = {"cpu": False, "gpu": True}

    def resolve(self, config):
        """Return `config` with every `None` field set to this family's default.

        Fills from `default_table(config)`, then `derive(config)` sets the values
        computed from others, then `validate(config)` checks the result.
        `jit_compile="auto"` becomes `auto_jit_compile[device]` ("gpu" when
        TensorFlow sees a GPU, else "cpu"); `"true"`/`"false"` become booleans.
        """
        table = self.default_table(config)
        values = {
            field.name: table[field.name]
            for field in dataclasses.fields(config)
            if getattr(config, field.name) is None and field.name in table
        }
        values["jit_compile"] = self.resolve_jit_compile(config.jit_compile)
        config = self.derive(dataclasses.replace(config, **values))
        self.validate(config)
        return config

    def resolve_jit_compile(self, value):
        """Return the boolean `jit_compile` for `True`/`False`, `"true"`/`"false"` or `"auto"`."""
        if isinstance(value, bool):
            return value
        choices = {"true": True, "false": False}
        if value == "auto":
            import tensorflow as tf  # physical devices only: the runtime stays uninitialised

            return self.auto_jit_compile["gpu" if tf.config.list_physical_devices("GPU") else "cpu"]
        if isinstance(value, str) and value.lower() in choices:
            return choices[value.lower()]
        raise ValueError(
            f"`jit_compile` must be auto, true or false. Received: jit_compile={value!r}"
        )

    def default_table(self, config):
        """The defaults for this config: `defaults`, with `paper_defaults` over them
        under `--recipe=paper` (CycleGAN also picks by dataset)."""
        if config.recipe not in self.recipes:
            raise ValueError(
                f"--recipe must be one of {self.recipes}. Received: recipe={config.recipe!r}"
            )
        paper = self.paper_defaults if config.recipe == "paper" else {}
        return {**self.common_defaults, **self.defaults, **paper}

    @staticmethod
    def total_steps(config, data, epochs=None):
        """Optimizer steps of `epochs` (default `config.epochs`) epochs of this run."""
        steps = config.steps_per_epoch or data.steps_per_epoch
        return (config.epochs if epochs is None else epochs) * steps

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

    def fit(self, model, make_dataset, config, steps_per_epoch, callbacks, initial_step=0):
        """Train from global step `initial_step` (a resumed run) on datasets from
        `make_dataset` (see `fit_from_step`); families with phases (SRGAN's
        pretraining) override this."""
        return fit_from_step(
            model,
            make_dataset,
            config.epochs,
            steps_per_epoch,
            callbacks,
            initial_step=initial_step,
            verbose=config.verbose,
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
        return keras.optimizers.Adam(
            learning_rate or config.learning_rate, beta_1=config.beta_1, beta_2=0.999
        )
