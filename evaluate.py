"""Measures a trained generator, the way its family's literature does.

`--model` picks the evaluation (each family adds its own `_evaluate_<model>`):

gan: samples ``--num_samples`` images from random latents z ~ N(0, I) (and uniform
labels for a conditional generator), classifies them with ``--classifier`` (e.g.
the MNIST CNN of scripts/train_mnist_classifier.py) and prints the Inception
Score computed with that classifier, the per-class coverage table and, with
``--real_data``, FID and KID in the classifier's penultimate feature space.

inpainting: completes ``--real_data`` images (``--eval_image_size`` px, at most
``--num_real``) under a fixed evaluation mask set (``--eval_masks``) bucketed by hole
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
import numpy as np
from absl import app, flags

import keras_gan  # registers the custom objects for loading
from keras_gan import evaluation
from keras_gan.callbacks.sample_grid import grid_scale
from keras_gan.metrics import image_quality, inpainting_quality, sr_benchmark

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
flags.DEFINE_string("dataset", None,
                    "Comma list of HR image sets (srgan), e.g. folder:data/sr/Set5,folder:data/sr/Set14.")
flags.DEFINE_integer("scale", 4, "Upscaling factor of the generator (srgan).")
flags.DEFINE_string("sr_grid_images", "0", "Image indices of the last set in --sample_grid (srgan).")
flags.DEFINE_integer("sr_grid_crop", 128, "HR crop side in --sample_grid (srgan).")
flags.DEFINE_string("target_data", None,
                    "True translations of --real_data, same order (cyclegan), e.g. folder:DIR.")
flags.DEFINE_string("sample_grid", None,
                    "Write a PNG grid of examples (inpainting, srgan, cyclegan; see the module doc).")


def _real_images(size, channels, flag="real_data", limit=None):
    """Load `--real_data` (or another spec flag) at `size` px, at most `--num_real` images."""
    spec = getattr(FLAGS, flag)
    if not spec:
        raise app.UsageError(f"--model={FLAGS.model} needs --{flag}.")
    return keras_gan.data.load_images(spec, size, channels, limit=limit or FLAGS.num_real)


def _write_grid(images, columns, description, scale=1):
    """Save `images` to `--sample_grid` and say what its rows or columns hold."""
    keras_gan.callbacks.save_grid(images, FLAGS.sample_grid, columns=columns, scale=scale)
    print(f"Wrote {FLAGS.sample_grid} ({description})")


def _evaluate_gan(generator):
    if not FLAGS.classifier:
        raise app.UsageError("--model=gan needs --classifier (a saved .keras classifier).")
    classifier = keras.saving.load_model(FLAGS.classifier, compile=False, safe_mode=True)
    real_images = None
    if FLAGS.real_data:
        _, height, _, channels = generator.outputs[0].shape
        real_images = _real_images(height, channels)
    results = evaluation.evaluate_generator(
        generator,
        classifier,
        num_samples=FLAGS.num_samples,
        real_images=real_images,
        seed=FLAGS.seed,
        batch_size=FLAGS.batch_size,
    )
    results = {"classifier": FLAGS.classifier, "real_data": FLAGS.real_data, "seed": FLAGS.seed,
               **results}
    print(evaluation.format_report(results))
    return results


def _evaluate_inpainting(generator):
    size = FLAGS.eval_image_size
    images = _real_images(size, generator.inputs[0].shape[-1])
    mask_sets = keras_gan.data.evaluation_masks(
        size, per_bucket=FLAGS.masks_per_bucket or len(images), source=FLAGS.eval_masks,
        seed=FLAGS.seed)
    methods = {
        "model": lambda x, m: generator.predict([x, m], batch_size=FLAGS.batch_size, verbose=0),
        "opencv_telea": lambda x, m: inpainting_quality.opencv_inpaint(x, m, "telea"),
        "opencv_navier_stokes": lambda x, m: inpainting_quality.opencv_inpaint(x, m, "navier_stokes"),
    }
    buckets = inpainting_quality.evaluate_inpainting(methods, images, mask_sets)
    print(f"{len(images)} images of {FLAGS.real_data} at {size} px, masks: {FLAGS.eval_masks}")
    print(inpainting_quality.format_inpainting_table(buckets))
    if FLAGS.sample_grid:
        (low, high), masks = list(mask_sets.items())[min(2, len(mask_sets) - 1)]
        n = min(8, len(images))
        x = keras_gan.data.from_uint8(keras_gan.data.to_uint8(images[:n])).numpy()
        m = masks[np.arange(n) % len(masks)]
        rows = [x * (1 - m) + m] + [fn(x, m) for fn in methods.values()] + [x]
        _write_grid(np.concatenate(rows), n, f"rows: masked input ({low:.0%}-{high:.0%} holes), "
                    f"{', '.join(methods)}, original", scale=2)
    return {"real_data": FLAGS.real_data, "num_images": len(images), "image_size": size,
            "eval_masks": FLAGS.eval_masks, "seed": FLAGS.seed, "buckets": buckets}


def _evaluate_srgan(generator):
    if not FLAGS.dataset:
        raise app.UsageError("--model=srgan needs --dataset (comma list of HR image set specs).")
    specs = [d.strip() for d in FLAGS.dataset.split(",") if d.strip()]
    results = [sr_benchmark.evaluate_super_resolution(generator, spec, FLAGS.scale) for spec in specs]
    names = [os.path.basename(spec.split(":", 1)[-1].rstrip("/")) or spec for spec in specs]
    print(f"x{FLAGS.scale}, PSNR (dB) / SSIM on Y, {FLAGS.scale} px border shaved")
    print(sr_benchmark.format_super_resolution_table(results, names))
    if FLAGS.sample_grid:
        indices = [int(i) for i in FLAGS.sr_grid_images.split(",") if i.strip()]
        tiles = sr_benchmark.comparison_crops(generator, specs[-1], FLAGS.scale, indices,
                                              FLAGS.sr_grid_crop)
        _write_grid(tiles, 4, f"columns: LR nearest, bicubic, model, HR; {names[-1]} images {indices}")
    return {"scale": FLAGS.scale, "sets": dict(zip(names, results))}


def _evaluate_cyclegan(generator):
    size, channels = FLAGS.eval_image_size, generator.inputs[0].shape[-1]
    images = _real_images(size, channels)
    translated = generator.predict(images, batch_size=min(FLAGS.batch_size, 16), verbose=0)
    results = {"real_data": FLAGS.real_data, "target_data": FLAGS.target_data,
               "num_images": len(images), "image_size": size}
    rows = [images, translated]
    if FLAGS.target_data:
        target = _real_images(size, channels, "target_data", limit=len(images))
        if len(target) != len(images):
            raise app.UsageError(f"--target_data has {len(target)} images, --real_data {len(images)}.")
        # Under their own key: a top-level "model" would clash with the --model metadata.
        scores = results["vs_target"] = {}
        for name, x in (("model", translated), ("unchanged", images)):
            scores[name] = {"psnr": float(np.mean(image_quality.psnr(x, target))),
                            "ssim": float(np.mean(image_quality.ssim(x, target)))}
        rows.append(target)
        print(f"{len(images)} images at {size} px")
        print(f"{'':10s} {'PSNR (dB)':>10s} {'SSIM':>7s}")
        for name, score in scores.items():
            print(f"{name:10s} {score['psnr']:10.2f} {score['ssim']:7.4f}")
    if FLAGS.sample_grid:
        n = min(8, len(images))
        _write_grid(np.concatenate([r[:n] for r in rows]), n,
                    f"rows: input, translation{', target' if len(rows) > 2 else ''}",
                    scale=grid_scale(size))
    return results


EVALUATORS = {
    "cyclegan": _evaluate_cyclegan,
    "gan": _evaluate_gan,
    "inpainting": _evaluate_inpainting,
    "srgan": _evaluate_srgan,
}


def main(argv):
    del argv
    if FLAGS.model not in EVALUATORS:
        raise app.UsageError(f"Unknown --model. Expected one of {sorted(EVALUATORS)}. Received: {FLAGS.model!r}")
    keras.utils.set_random_seed(FLAGS.seed)
    try:
        generator = keras.saving.load_model(FLAGS.generator, compile=False, safe_mode=True)
        print(f"Model: {FLAGS.model} ({FLAGS.generator})")
        results = {"model": FLAGS.model, "generator": FLAGS.generator,
                   **EVALUATORS[FLAGS.model](generator)}
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
