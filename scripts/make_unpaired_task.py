"""Build an unpaired A/B folder whose true A->B mapping is known, to check CycleGAN.

A = random crops of the first half of `--train_images`; B = crops of the OTHER half
with a fixed per-pixel colour transform applied (so no B image is a translation of
an A image); testA = crops of `--test_images`, testA_target = their true
translations, testB = other crops of the test images, transformed.

Example:
    python scripts/make_unpaired_task.py --train_images=../shared/data/sr/BSDS200 \
        --test_images=../shared/data/sr/BSD100 --mapping=invert --output_dir=/tmp/unpaired_invert
    python train.py --model=cyclegan --dataset=folder:/tmp/unpaired_invert --norm=none \
        --image_size=64 --filters=16 --lambda_identity=0 --epochs=12
    python evaluate.py --model=cyclegan --generator=runs/cyclegan/generator.keras \
        --real_data=folder:/tmp/unpaired_invert/testA \
        --target_data=folder:/tmp/unpaired_invert/testA_target --eval_image_size=64
"""

import os

import numpy as np
from absl import app, flags
from PIL import Image

from keras_gan.data import list_image_files

FLAGS = flags.FLAGS
flags.DEFINE_string("train_images", None, "Folder of natural images for trainA/trainB.", required=True)
flags.DEFINE_string("test_images", None, "Folder of held-out natural images.", required=True)
flags.DEFINE_enum("mapping", "invert", ["invert", "matrix"],
                  "invert: 255 - x; matrix: a fixed 3x3 colour mixing (rows sum to 1).")
flags.DEFINE_string("output_dir", None, "Where trainA/, trainB/, testA/, testA_target/, testB/ go.",
                    required=True)
flags.DEFINE_integer("size", 64, "Output crop size in pixels.")
flags.DEFINE_integer("crop", 200, "Crop side taken from the source images before resizing.")
flags.DEFINE_integer("crops_per_image", 4, "Training crops per source image.")
flags.DEFINE_integer("num_test", 50, "Held-out test images.")
flags.DEFINE_integer("seed", 0, "Random seed.")

MATRIX = np.array([[0.1, 0.2, 0.7], [0.7, 0.2, 0.1], [0.2, 0.7, 0.1]], np.float32)


def mapping(pixels, kind):
    """The true A->B transform on uint8 RGB pixels."""
    if kind == "invert":
        return 255 - pixels
    mixed = np.einsum("ij,hwj->hwi", MATRIX, pixels.astype(np.float32) / 255.0)
    return np.clip(np.round(mixed * 255.0), 0, 255).astype(np.uint8)


def random_crops(path, count, rng):
    image = np.asarray(Image.open(path).convert("RGB"))
    h, w = image.shape[:2]
    side = min(FLAGS.crop, h, w)
    crops = []
    for _ in range(count):
        y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        crop = Image.fromarray(image[y:y + side, x:x + side]).resize((FLAGS.size, FLAGS.size), Image.BICUBIC)
        crops.append(np.asarray(crop))
    return crops


def main(argv):
    del argv
    rng = np.random.default_rng(FLAGS.seed)
    train = list_image_files(FLAGS.train_images)
    test = list_image_files(FLAGS.test_images)[: FLAGS.num_test]
    if len(train) < 2 or not test:
        raise app.UsageError(f"Need >= 2 training and >= 1 test images. Received: {len(train)}, {len(test)}")
    out = {name: os.path.join(FLAGS.output_dir, name)
           for name in ("trainA", "trainB", "testA", "testA_target", "testB")}
    for folder in out.values():
        os.makedirs(folder, exist_ok=True)
    half = len(train) // 2
    for i, path in enumerate(train[:half]):
        for j, crop in enumerate(random_crops(path, FLAGS.crops_per_image, rng)):
            Image.fromarray(crop).save(os.path.join(out["trainA"], f"{i:04d}_{j}.png"))
    for i, path in enumerate(train[half:]):
        for j, crop in enumerate(random_crops(path, FLAGS.crops_per_image, rng)):
            Image.fromarray(mapping(crop, FLAGS.mapping)).save(os.path.join(out["trainB"], f"{i:04d}_{j}.png"))
    for i, path in enumerate(test):
        crop, other = random_crops(path, 2, rng)
        Image.fromarray(crop).save(os.path.join(out["testA"], f"{i:04d}.png"))
        Image.fromarray(mapping(crop, FLAGS.mapping)).save(os.path.join(out["testA_target"], f"{i:04d}.png"))
        Image.fromarray(mapping(other, FLAGS.mapping)).save(os.path.join(out["testB"], f"{i:04d}.png"))
    print(f"Wrote {FLAGS.output_dir}: {half * FLAGS.crops_per_image} A, "
          f"{(len(train) - half) * FLAGS.crops_per_image} B, {len(test)} test images ({FLAGS.mapping})")


if __name__ == "__main__":
    app.run(main)
