"""Trains the small MNIST CNN used to evaluate generators (classifier score, FID).

Inputs are 28x28x1 images in [-1, 1] (the convention of the GAN outputs); the
output is a 10-way softmax. The last hidden layer is named ``features`` and is
the feature space of `evaluate.py`'s FID/KID. Prints the test accuracy.

Example:
    python scripts/train_mnist_classifier.py --mnist_dir=../shared/data/mnist \
        --output=saved_models/mnist_classifier.keras
"""

import os
import sys

import keras
import numpy as np
from absl import app, flags

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from keras_gan.data import from_uint8  # noqa: E402
from keras_gan.evaluation import load_mnist  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("mnist_dir", "../shared/data/mnist", "Directory of the MNIST IDX (.gz) files.")
flags.DEFINE_string("output", None, "Path of the .keras file to write.", required=True)
flags.DEFINE_integer("epochs", 3, "Training epochs.")
flags.DEFINE_integer("batch_size", 128, "Batch size.")
flags.DEFINE_integer("seed", 0, "Random seed.")


def build_classifier():
    """A small CNN (~0.47M parameters) reaching ~99% MNIST test accuracy."""
    return keras.Sequential(
        [
            keras.Input(shape=(28, 28, 1), name="image"),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(32, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.Conv2D(64, 3, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(),
            keras.layers.Flatten(),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(128, activation="relu", name="features"),
            keras.layers.Dropout(0.25),
            keras.layers.Dense(10, activation="softmax", name="probabilities"),
        ],
        name="mnist_classifier",
    )


def main(argv):
    del argv
    keras.utils.set_random_seed(FLAGS.seed)
    x_train, y_train = load_mnist(FLAGS.mnist_dir, "train")
    x_test, y_test = load_mnist(FLAGS.mnist_dir, "test")
    x_train, x_test = (from_uint8(x[..., None]).numpy() for x in (x_train, x_test))
    y_train, y_test = y_train.astype(np.int32), y_test.astype(np.int32)

    model = build_classifier()
    steps = FLAGS.epochs * int(np.ceil(len(x_train) / FLAGS.batch_size))
    model.compile(
        optimizer=keras.optimizers.Adam(keras.optimizers.schedules.CosineDecay(1e-3, steps)),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    model.fit(x_train, y_train, batch_size=FLAGS.batch_size, epochs=FLAGS.epochs, verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, batch_size=512, verbose=0)
    print(f"MNIST test accuracy: {accuracy:.4f}")
    os.makedirs(os.path.dirname(os.path.abspath(FLAGS.output)), exist_ok=True)
    model.save(FLAGS.output)
    print(f"Saved {FLAGS.output}")


if __name__ == "__main__":
    app.run(main)
