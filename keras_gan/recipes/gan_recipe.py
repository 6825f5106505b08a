"""The GAN training recipe (DCGAN-style, conditional, WGAN-GP, ...)."""

import dataclasses
import os

from keras_gan import data as data_lib
from keras_gan.callbacks import SampleGridCallback
from keras_gan.callbacks.sample_grid import grid_scale
from keras_gan.models.gan import GAN
from keras_gan.recipes.recipe import GeneratorArtifact, Recipe
from keras_gan.schedules.linear_decay import LinearDecay

EXTRA_CONVS = 1
"""3x3 convolutions the default recipe adds per resolution to both DCGAN networks (780
steps on 10,000 MNIST digits: classifier score 6.4 without, 7.5 with; docs/gan.md)."""


class GANRecipe(Recipe):
    """Trains `keras_gan.GAN` on an image dataset; defaults: DCGAN on MNIST.

    `--recipe=default` (tuned for short CPU runs on 10,000 MNIST digits, measured in
    docs/gan.md): DCGAN networks with one extra 3x3 convolution per resolution,
    non-saturating loss, R1 penalty gamma 1 on the
    discriminator, Adam 3e-3 (beta_1 0.5) for both networks, constant for the first
    half of the run then linear to 0, generator EMA 0.999. WGAN-GP (`--loss=wasserstein`)
    gets its paper's 1e-4, no R1 and 5 critic steps. `--recipe=paper`: DCGAN's
    constant Adam 2e-4, no R1.

    Example:
    ```python
    from keras_gan.training import TrainConfig, run
    run(TrainConfig(model="gan", epochs=1))
    ```
    """

    name = "gan"
    networks = {
        "default": f"DCGAN + {EXTRA_CONVS} 3x3 convolution per resolution (`extra_convs`)",
        "paper": "DCGAN (the paper's)",
    }
    defaults = {
        "dataset": "builtin:mnist",
        "image_size": 28,
        "channels": 1,
        "batch_size": 64,
        "epochs": 30,
        "loss": "non_saturating",
        "learning_rate": None,
        "filters": 64,
        "ema_decay": 0.999,
        "flip": False,
        "r1_gamma": None,
    }
    paper_defaults = {"learning_rate": 2e-4, "r1_gamma": 0.0}
    tuned_learning_rate = 3e-3
    """Default-recipe Adam rate for the non-Wasserstein losses (validation: 2e-4 gave a
    classifier score of 3.9 on 780 MNIST steps, 1e-3 5.4, 2e-3 5.8, 3e-3 6.1, 3e-3 with
    R1 gamma 1 6.4)."""

    def derive(self, config):
        wasserstein = config.loss == "wasserstein"
        if config.learning_rate is None:  # WGAN-GP's paper rate; else the tuned one
            config = dataclasses.replace(
                config, learning_rate=1e-4 if wasserstein else self.tuned_learning_rate
            )
        if config.r1_gamma is None:  # the gradient penalty already constrains a critic
            config = dataclasses.replace(config, r1_gamma=0.0 if wasserstein else 1.0)
        if config.discriminator_learning_rate is None:
            config = dataclasses.replace(config, discriminator_learning_rate=config.learning_rate)
        if not config.n_critic:  # WGAN-GP: 5 critic steps per generator step
            config = dataclasses.replace(config, n_critic=5 if config.loss == "wasserstein" else 1)
        return config

    def make_data(self, config):
        return data_lib.image_dataset(
            config.dataset,
            image_size=config.image_size,
            channels=config.channels,
            batch_size=config.batch_size,
            flip=config.flip,
            seed=config.seed,
            labels=config.conditional,
        )

    def build_model(self, config, data):
        if config.conditional and not data.num_classes:
            raise ValueError(
                f"--conditional needs a labelled dataset. Received: dataset={config.dataset!r}"
            )
        model = GAN.dcgan(
            latent_dim=config.latent_dim,
            image_size=config.image_size,
            channels=config.channels,
            num_classes=data.num_classes if config.conditional else None,
            filters=config.filters,
            discriminator_norm=config.discriminator_norm or None,
            n_critic=config.n_critic,
            gradient_penalty_weight=config.gradient_penalty_weight,
            r1_gamma=config.r1_gamma,
            ema_decay=config.ema_decay or None,
            extra_convs=0 if config.recipe == "paper" else EXTRA_CONVS,
            seed=config.seed,
        )
        if config.recipe == "paper":
            return self.compile(
                model,
                config,
                self.adam(config),
                self.adam(config, config.discriminator_learning_rate),
            )
        # Constant, then linear to 0 over the last half of the run (any run length).
        steps = self.total_steps(config, data)

        def schedule(rate):
            return LinearDecay(rate, constant_steps=steps - steps // 2, decay_steps=steps // 2)

        return self.compile(
            model,
            config,
            self.adam(config, schedule(config.learning_rate)),
            self.adam(config, schedule(config.discriminator_learning_rate)),
        )

    def callbacks(self, config, data, output_dir):
        scale = grid_scale(config.image_size)
        return [
            SampleGridCallback(
                os.path.join(output_dir, "samples"),
                num_samples=config.samples,
                seed=config.seed,
                scale=scale,
            )
        ]

    def generators(self, model, config):
        return [GeneratorArtifact("generator", model.export_generator(), config.model)]
