"""The inpainting training recipe (gated-convolution generator, SN-PatchGAN)."""

import dataclasses
import os
import warnings

from keras_gan import data as data_lib
from keras_gan.callbacks import InpaintingGridCallback
from keras_gan.callbacks.sample_grid import grid_scale
from keras_gan.data.masks import parse_mask_spec
from keras_gan.data.unreadable_files_warning import UnreadableFilesWarning
from keras_gan.models.inpainting_gan import InpaintingGAN
from keras_gan.recipes.recipe import GeneratorArtifact, Recipe
from keras_gan.schedules.warmup_cosine import warmup_cosine_decay

LOAD_FACTOR = 5
"""Images are resized to 5x the crop size (320 px for 64: about BSDS's native 321 px short
side) before cropping (`--recipe=paper`: only
`builtin:photos`, two 427x640 photos; other data is resized to the crop size)."""

NATIVE_FRACTION = 0.5
"""Share of training crops taken at the loaded resolution, unresized (`--recipe=default`;
the others have a log-uniform side). Chosen on a held-out BSDS200 split (docs/inpainting.md):
with the squared-error loss, 0.5 instead of 0 gave +0.12 dB hole PSNR on native-resolution
crops and -0.04 dB on thumbnails."""

RECONSTRUCTION_LOSS = "mse"
"""`--recipe=default` reconstruction loss (`--recipe=paper`: DeepFill v2's L1). PSNR's
optimum is the conditional mean; on the held-out split it beat L1 by 0.18 dB on native crops
and 0.03 dB on thumbnails."""

MIN_STEPS_PER_EPOCH = 50
"""Epoch length when one pass over the data is shorter (tiny datasets)."""


class InpaintingRecipe(Recipe):
    """Trains `keras_gan.InpaintingGAN`; defaults: 64 px crops of scikit-learn's photos.

    `--recipe=default` (tuned for short CPU runs, measured in docs/inpainting.md):
    the gated generator predicts a residual over a smooth push-pull fill of the
    hole (`fill="push_pull"`: pyramid plus harmonic smoothing, so it starts above
    OpenCV Telea on validation photos),
    16 filters, batch 16, half the crops 64 px at the loaded resolution (about the
    photos' own), half of log-uniform random side between 64 px and 5x that,
    resized to 64 px (native detail and whole scenes), mixed rectangular and
    free-form masks, squared error on the hole x 6 + on known pixels x 1 + 0.001
    hinge adversarial, Adam with warm-up and cosine decay over the whole run,
    1,000 steps (10 x 100).
    `--recipe=paper`: DeepFill v2's plain network (zeroed hole, tanh output),
    free-form masks, equal L1 weights, constant Adam 1e-4, batch 8.

    `--mask` picks the training masks, `--hole_weight`, `--valid_weight`,
    `--adversarial_weight` and `--perceptual_weight` (with `--vgg_weights`) the
    loss weights. The saved `generator.keras` takes `[image, mask]` at any size
    divisible by 8.

    Example:
    ```python
    from keras_gan.training import TrainConfig, run
    run(TrainConfig(model="inpainting", dataset="folder:/data/BSDS200"))  # 1,000 steps
    ```
    """

    name = "inpainting"
    networks = {
        "default": 'gated, residual over a push-pull fill (`fill="push_pull"`)',
        "paper": 'gated, zeroed hole (`fill="zeros"`, DeepFill v2)',
    }
    defaults = {
        "dataset": "builtin:photos",
        "image_size": 64,
        "channels": 3,
        "batch_size": 16,
        "steps_per_epoch": 100,
        "epochs": 10,
        "loss": "hinge",
        "learning_rate": 1e-3,
        "filters": 16,
        "flip": True,
        "adversarial_weight": 0.001,
        "mask": "mixed",
        "hole_weight": 6.0,
        "valid_weight": 1.0,
    }
    paper_defaults = {
        "batch_size": 8,
        "steps_per_epoch": 0,
        "epochs": 4,
        "learning_rate": 1e-4,
        "mask": "free_form",
        "hole_weight": 1.0,
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
        paper = config.recipe == "paper"
        load_size = config.image_size
        spec = data_lib.parse_dataset_spec(config.dataset)
        if not paper or (spec.kind == "builtin" and spec.name == "photos"):
            load_size = LOAD_FACTOR * config.image_size
        data = data_lib.inpainting_dataset(
            config.dataset,
            image_size=config.image_size,
            channels=config.channels,
            batch_size=config.batch_size,
            mask=config.mask,
            load_size=load_size,
            flip=config.flip,
            seed=config.seed,
            random_scale=not paper,
            native_fraction=0.0 if paper else NATIVE_FRACTION,
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
            fill="zeros" if config.recipe == "paper" else "push_pull",
            reconstruction_loss="l1" if config.recipe == "paper" else RECONSTRUCTION_LOSS,
            seed=config.seed,
        )
        if config.recipe == "paper":
            return self.compile(model, config)
        steps = self.total_steps(config, data)
        return self.compile(
            model,
            config,
            self.adam(config, warmup_cosine_decay(config.learning_rate, steps)),
            self.adam(config, warmup_cosine_decay(config.learning_rate, steps)),
        )

    def callbacks(self, config, data, output_dir):
        # The grid's batch comes from a pipeline of its own: an iterator of `data.dataset`
        # (the first `fit`'s) would draw from the seed generator its reshuffles share with
        # the training iterator, in the background, so the training batches would change
        # from run to run and a resumed run would not see an uninterrupted run's batches.
        with warnings.catch_warnings():  # the skipped files were reported with `data`
            warnings.simplefilter("ignore", UnreadableFilesWarning)
            batch = next(iter(self.make_data(config).dataset))
        n = max(1, min(8, config.samples, config.batch_size))
        scale = grid_scale(config.image_size)
        return [
            InpaintingGridCallback(
                os.path.join(output_dir, "samples"),
                batch["image"].numpy()[:n],
                batch["mask"].numpy()[:n],
                scale=scale,
            )
        ]

    def generators(self, model, config):
        return [
            GeneratorArtifact(
                "generator",
                model.export_generator(),
                config.model,
                representative_data=config.dataset,
            )
        ]
