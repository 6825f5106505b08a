"""Evaluation of a translation generator: PSNR/SSIM vs the true translation, unchanged images as baseline."""

import numpy as np

from keras_gan.callbacks.sample_grid import grid_scale, save_grid
from keras_gan.data.pixels import load_images
from keras_gan.evaluation.evaluator import (
    BATCH_SIZE,
    IMAGE_SIZE,
    NUM_REAL,
    REAL_DATA,
    SAMPLE_GRID,
    Evaluator,
    Option,
    set_name,
)
from keras_gan.evaluation.headline import headline_panel
from keras_gan.metrics import image_quality
from keras_gan.metrics.image_quality import PSNR_CAP, mean_psnr  # noqa: F401  (PSNR_CAP: documented here)


def evaluate_cyclegan(
    generator,
    real_data,
    target_data=None,
    image_size=64,
    num_real=10000,
    batch_size=16,
    sample_grid=None,
):
    """Translate images and, given their true translations, score against them.

    The baseline is the unchanged input: a generator that has learned nothing
    of the mapping scores what the inputs score against the targets.

    Args:
        generator: `keras.Model` images -> translated images, [-1, 1].
        real_data: dataset spec of input-domain images (read at `image_size`).
        target_data: optional spec of their true translations, same file order
            (e.g. `testA_target` of `scripts/make_unpaired_task.py`).
        image_size: evaluation image size.
        num_real: at most this many images.
        batch_size: translation batch size.
        sample_grid: optional PNG path: rows of input, translation (and target).

    Returns:
        dict: `real_data`, `target_data`, `num_images`, `image_size`; with
        `target_data`, `vs_target` (`model` and `unchanged`: `{"psnr", "ssim"}`,
        mean over images, each PSNR capped at `PSNR_CAP` (`mean_psnr`),
        RGB on [-1, 1]) and `headline`: panel `psnr` (baseline `unchanged`), one
        series named after the input folder; without it, `headline` is `[]`.
        With `sample_grid`, also `sample_grid`: `{"path", "description"}`.

    Example:
    ```python
    results = evaluate_cyclegan(generator, "folder:/tmp/task/testA",
                                "folder:/tmp/task/testA_target", 64)
    results["vs_target"]["model"]["psnr"], results["vs_target"]["unchanged"]["psnr"]
    ```
    """
    if not real_data:
        raise ValueError(
            f"The CycleGAN evaluation needs input images. Received: real_data={real_data!r}"
        )
    channels = generator.inputs[0].shape[-1]
    images = load_images(real_data, image_size, channels, limit=num_real)
    translated = generator.predict(images, batch_size=batch_size, verbose=0)
    results = {
        "real_data": real_data,
        "target_data": target_data,
        "num_images": len(images),
        "image_size": image_size,
        "headline": [],
    }
    rows = [images, translated]
    if target_data:
        target = load_images(target_data, image_size, channels, limit=len(images))
        if len(target) != len(images):
            raise ValueError(
                f"The target data has {len(target)} images, the input data "
                f"{len(images)}. Received: target_data={target_data!r}"
            )
        # Under their own key: a top-level "model" would clash with evaluate.py's --model.
        scores = results["vs_target"] = {}
        for name, x in (("model", translated), ("unchanged", images)):
            # Capped per image: a crop the mapping leaves unchanged (gray pixels under a
            # matrix whose rows sum to 1) is identical to its target, PSNR inf.
            scores[name] = {
                "psnr": mean_psnr(image_quality.psnr(x, target)),
                "ssim": float(np.mean(image_quality.ssim(x, target))),
            }
        results["headline"] = [
            headline_panel(
                "psnr",
                "PSNR (dB) vs the true translation",
                "unchanged",
                {
                    set_name(real_data): {
                        "model": scores["model"]["psnr"],
                        "baseline": scores["unchanged"]["psnr"],
                    }
                },
            )
        ]
        rows.append(target)
    if sample_grid:
        n = min(8, len(images))
        save_grid(
            np.concatenate([r[:n] for r in rows]),
            sample_grid,
            columns=n,
            scale=grid_scale(image_size),
        )
        results["sample_grid"] = {
            "path": sample_grid,
            "description": f"rows: input, translation{', target' if len(rows) > 2 else ''}",
        }
    return results


def format_cyclegan_report(results):
    """The text report of `evaluate_cyclegan`: PSNR and SSIM vs the target (empty without one).

    Args:
        results: an `evaluate_cyclegan` dict.

    Returns:
        The report as a string.
    """
    if "vs_target" not in results:
        return ""
    lines = [
        f"{results['num_images']} images at {results['image_size']} px",
        f"{'':10s} {'PSNR (dB)':>10s} {'SSIM':>7s}",
    ]
    for name, score in results["vs_target"].items():
        lines.append(f"{name:10s} {score['psnr']:10.2f} {score['ssim']:7.4f}")
    return "\n".join(lines)


class CycleGANEvaluator(Evaluator):
    """`evaluate.py --model=cyclegan`: `evaluate_cyclegan` and `format_cyclegan_report`."""

    name = "cyclegan"
    usage = """\
cyclegan: translates ``--real_data`` (domain images at ``--eval_image_size`` px, at
most ``--num_real``) with the generator and, when ``--target_data`` holds the true
translation of the same images (same file order), prints PSNR and SSIM (RGB, [-1, 1])
of the translation against it next to those of the unchanged images;
``--sample_grid`` writes rows of input, translation (and target)."""
    options = (
        REAL_DATA,
        Option(
            "string",
            "target_data",
            None,
            "True translations of --real_data, same order (cyclegan), e.g. folder:DIR.",
        ),
        IMAGE_SIZE,
        NUM_REAL,
        BATCH_SIZE,
        SAMPLE_GRID,
    )
    keywords = {
        "real_data": "real_data",
        "target_data": "target_data",
        "image_size": "eval_image_size",
        "num_real": "num_real",
        "batch_size": "batch_size",
        "sample_grid": "sample_grid",
    }
    required = {"real_data": ""}
    evaluate = staticmethod(evaluate_cyclegan)
    report = staticmethod(format_cyclegan_report)

    def arguments(self, options):
        arguments = super().arguments(options)
        arguments["batch_size"] = min(arguments["batch_size"], 16)
        return arguments

    def curve_arguments(self, options, scale):
        o = options
        if not o.real_data or not o.target_data:
            raise ValueError(
                "A cyclegan curve needs --real_data and --target_data (inputs and "
                "their true translations, e.g. from scripts/make_unpaired_task.py). "
                f"Received: real_data={o.real_data!r}, target_data={o.target_data!r}"
            )
        return [
            {
                "real_data": o.real_data,
                "target_data": o.target_data,
                "image_size": o.eval_image_size,
                "num_real": o.num_real,
                "batch_size": min(o.eval_batch_size, 16),
            }
        ]
