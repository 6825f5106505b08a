"""Writes the first N MNIST images as 28x28 grayscale PNGs (00000.png, 00001.png, ...).

The folder is the reference set of `evaluate.py --real_data=folder:DIR`.

Example:
    python scripts/mnist_to_png.py --mnist_dir=../shared/data/mnist \
        --output_dir=/tmp/mnist_png --count=10000 --split=train
"""

import os
import sys

from absl import app, flags
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from keras_gan.evaluation import load_mnist  # noqa: E402

FLAGS = flags.FLAGS
flags.DEFINE_string("mnist_dir", "../shared/data/mnist", "Directory of the MNIST IDX (.gz) files.")
flags.DEFINE_string("output_dir", None, "Directory to write the PNGs to.", required=True)
flags.DEFINE_integer("count", 10000, "Number of images to write (the first ones).")
flags.DEFINE_enum("split", "train", ["train", "test"], "MNIST split.")


def main(argv):
    del argv
    images, labels = load_mnist(FLAGS.mnist_dir, FLAGS.split)
    count = min(FLAGS.count, images.shape[0])
    os.makedirs(FLAGS.output_dir, exist_ok=True)
    digits = max(5, len(str(count - 1)))
    for index in range(count):
        Image.fromarray(images[index]).save(
            os.path.join(FLAGS.output_dir, f"{index:0{digits}d}.png")
        )
    histogram = [int((labels[:count] == k).sum()) for k in range(10)]
    print(
        f"Wrote {count} {images.shape[1]}x{images.shape[2]} PNGs of MNIST {FLAGS.split} "
        f"to {FLAGS.output_dir}; labels per class: {histogram}"
    )


if __name__ == "__main__":
    app.run(main)
