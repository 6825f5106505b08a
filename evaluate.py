"""Measures a trained generator, the way its family's literature does.

`--model` picks the evaluation: `keras_gan.evaluation.EVALUATORS[model]`, called with
this script's flags (the same functions draw `scripts/learning_curve.py`'s curves):

gan: samples ``--num_samples`` images from random latents z ~ N(0, I) (and uniform
labels for a conditional generator), classifies them with ``--classifier`` (e.g.
the MNIST CNN of scripts/train_mnist_classifier.py) and prints the Inception
Score computed with that classifier, the per-class coverage table and, with
``--real_data``, FID and KID in the classifier's penultimate feature space.

inpainting: completes ``--real_data`` images (``--eval_image_size`` px, at most
``--num_real``; whole images resized, or with ``--eval_crops=native`` one seeded crop of
each image at its native resolution) under a fixed evaluation mask set (``--eval_masks``) bucketed by hole
ratio (10-20, 20-30, 30-40, 40-50%) and prints hole L1, hole PSNR, PSNR and SSIM of
the generator against OpenCV's Telea and Navier-Stokes inpainting, per bucket.

srgan: super-resolves every image set of ``--dataset`` (comma list of specs, e.g.
Set5 and Set14 folders) at ``--scale`` the way SR papers do (HR mod-cropped, LR by
MATLAB-bicubic ``imresize``, PSNR/SSIM on the Y channel with ``scale`` border
pixels shaved) and prints model vs bicubic per set; ``--sample_grid`` writes center
crops (LR nearest, bicubic, model, HR) of ``--sr_grid_images`` of the last set.

cyclegan: translates ``--real_data`` (domain images at ``--eval_image_size`` px, at
most ``--num_real``) with the generator and, when ``--target_data`` holds the true
translation of the same images (same file order), prints PSNR and SSIM (RGB, [-1, 1])
of the translation against it next to those of the unchanged images;
``--sample_grid`` writes rows of input, translation (and target).

Example:
    python scripts/mnist_to_png.py --output_dir=/tmp/mnist_png --count=10000
    python scripts/train_mnist_classifier.py --output=/tmp/mnist_classifier.keras
    python evaluate.py --model=gan --generator=runs/gan/generator.keras \
        --classifier=/tmp/mnist_classifier.keras --num_samples=10000 \
        --real_data=folder:/tmp/mnist_png --json=runs/gan/metrics.json
"""

import json
import os
import sys

import keras
from absl import app, flags

import keras_gan  # noqa: F401  (registers the custom objects for loading)
from keras_gan import evaluation
from keras_gan.export.exporter import load_generator

FLAGS = flags.FLAGS
flags.DEFINE_string("model", "gan", "Model family of the generator: picks the evaluation.")
flags.DEFINE_string("generator", None, "Saved generator (.keras).", required=True)
flags.DEFINE_string("classifier", None, "Saved classifier (.keras) (gan).")
flags.DEFINE_integer("num_samples", 10000, "Number of generated images.")
flags.DEFINE_string(
    "real_data",
    None,
    "Real images for FID/KID: any dataset spec (folder:DIR, builtin:NAME, tfds:NAME[:split]).",
)
flags.DEFINE_integer("num_real", 10000, "Maximum number of real images used.")
flags.DEFINE_integer("seed", 0, "Seed of the latents, labels and KID subsets.")
flags.DEFINE_integer("batch_size", 256, "Batch size of generation and classification.")
flags.DEFINE_string("json", None, "Write the figures to this JSON file.")
flags.DEFINE_string("eval_masks", "free_form",
                    "Evaluation mask set (inpainting): free_form, rect or folder:<path> (white = hole).")
flags.DEFINE_integer("masks_per_bucket", 0, "Masks per hole-ratio bucket (inpainting); 0 = one per image.")
flags.DEFINE_integer("eval_image_size", 64,
                     "Image size of the evaluation (inpainting: divisible by 8; cyclegan).")
flags.DEFINE_enum("eval_crops", "resize", list(evaluation.EVAL_CROPS),
                  "Inpainting images: resize = whole images shrunk to --eval_image_size; "
                  "native = one seeded --eval_image_size crop of each image at its own resolution.")
flags.DEFINE_string("dataset", None,
                    "Comma list of HR image sets (srgan), e.g. folder:data/sr/Set5,folder:data/sr/Set14.")
flags.DEFINE_integer("scale", 4, "Upscaling factor of the generator (srgan).")
flags.DEFINE_string("sr_grid_images", "0", "Image indices of the last set in --sample_grid (srgan).")
flags.DEFINE_integer("sr_grid_crop", 128, "HR crop side in --sample_grid (srgan).")
flags.DEFINE_string("target_data", None,
                    "True translations of --real_data, same order (cyclegan), e.g. folder:DIR.")
flags.DEFINE_string("sample_grid", None,
                    "Write a PNG grid of examples (inpainting, srgan, cyclegan; see the module doc).")


def _require(flag):
    """Raise a usage error unless `--flag` is set; return its value."""
    value = getattr(FLAGS, flag)
    if not value:
        raise app.UsageError(f"--model={FLAGS.model} needs --{flag}.")
    return value


def _arguments():
    """The keyword arguments of `keras_gan.evaluation.EVALUATORS[--model]` from the flags."""
    grid = {"sample_grid": FLAGS.sample_grid}
    if FLAGS.model == "gan":
        if not FLAGS.classifier:
            raise app.UsageError("--model=gan needs --classifier (a saved .keras classifier).")
        return {"classifier": FLAGS.classifier, "num_samples": FLAGS.num_samples,
                "real_data": FLAGS.real_data, "num_real": FLAGS.num_real, "seed": FLAGS.seed,
                "batch_size": FLAGS.batch_size}
    if FLAGS.model == "inpainting":
        return {"real_data": _require("real_data"), "image_size": FLAGS.eval_image_size,
                "num_real": FLAGS.num_real, "eval_masks": FLAGS.eval_masks,
                "masks_per_bucket": FLAGS.masks_per_bucket, "crops": FLAGS.eval_crops,
                "seed": FLAGS.seed, "batch_size": FLAGS.batch_size, **grid}
    if FLAGS.model == "srgan":
        if not FLAGS.dataset:
            raise app.UsageError("--model=srgan needs --dataset (comma list of HR image set specs).")
        return {"datasets": FLAGS.dataset, "scale": FLAGS.scale,
                "grid_images": [int(i) for i in FLAGS.sr_grid_images.split(",") if i.strip()],
                "grid_crop": FLAGS.sr_grid_crop, **grid}
    return {"real_data": _require("real_data"), "target_data": FLAGS.target_data,
            "image_size": FLAGS.eval_image_size, "num_real": FLAGS.num_real,
            "batch_size": min(FLAGS.batch_size, 16), **grid}


def main(argv):
    del argv
    if FLAGS.model not in evaluation.EVALUATORS:
        raise app.UsageError(f"Unknown --model. Expected one of {sorted(evaluation.EVALUATORS)}. "
                             f"Received: {FLAGS.model!r}")
    keras.utils.set_random_seed(FLAGS.seed)
    try:
        # Safe mode; a file that is not a .keras model (truncated, a foreign config, a
        # Lambda layer) is a ValueError naming it.
        generator = load_generator(FLAGS.generator)
        print(f"Model: {FLAGS.model} ({FLAGS.generator})")
        results = evaluation.EVALUATORS[FLAGS.model](generator, **_arguments())
        report = evaluation.REPORTS[FLAGS.model](results)
        if report:
            print(report)
        grid = results.pop("sample_grid", None)
        if grid:
            print(f"Wrote {grid['path']} ({grid['description']})")
        results = {"model": FLAGS.model, "generator": FLAGS.generator, **results}
    except ValueError as error:  # user errors (missing or unsafe files, bad specs): one line
        print(f"evaluate.py: error: {' '.join(str(error).split())}", file=sys.stderr)
        sys.exit(2)
    if FLAGS.json:
        os.makedirs(os.path.dirname(os.path.abspath(FLAGS.json)), exist_ok=True)
        with open(FLAGS.json, "w") as f:
            json.dump(results, f, indent=2)
        print(f"Wrote {FLAGS.json}")


if __name__ == "__main__":
    app.run(main)
