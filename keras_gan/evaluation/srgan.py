"""Evaluation of a super-resolution generator on benchmark sets: PSNR/SSIM (Y) vs bicubic."""

import os

from keras_gan.callbacks.sample_grid import save_grid
from keras_gan.evaluation.headline import headline_panel
from keras_gan.metrics import sr_benchmark


def set_name(spec):
    """Display name of an image set spec: the folder's name (`folder:/data/sr/Set5` -> `Set5`)."""
    return os.path.basename(spec.split(":", 1)[-1].rstrip("/")) or spec


def _split_specs(datasets):
    if isinstance(datasets, str):
        datasets = datasets.split(",")
    specs = [d.strip() for d in datasets if d and d.strip()]
    if not specs:
        raise ValueError("The SR evaluation needs at least one HR image set, e.g. "
                         f"folder:/data/sr/Set5. Received: datasets={datasets!r}")
    return specs


def evaluate_srgan(generator, datasets, scale=4, sample_grid=None, grid_images=(0,), grid_crop=128):
    """PSNR and SSIM of a generator and of bicubic upsampling on each HR image set.

    The SR papers' protocol (`keras_gan.metrics.sr_benchmark`): HR mod-cropped to
    `scale`, LR by MATLAB-bicubic `imresize`, the output quantized to uint8,
    PSNR/SSIM on the Y channel with `scale` border pixels shaved.

    Args:
        generator: `keras.Model` LR `(1, h, w, 3)` [-1, 1] -> `(1, h*scale, w*scale, 3)`.
        datasets: HR image set specs: a list, or a comma-separated string
            (`"folder:/data/sr/Set5,folder:/data/sr/Set14"`).
        scale: the generator's upscaling factor.
        sample_grid: optional PNG path: center crops (LR nearest, bicubic, model,
            HR) of `grid_images` of the last set.
        grid_images: image indices (sorted file order) of the last set in the grid.
        grid_crop: HR crop side in the grid.

    Returns:
        dict: `scale`, `sets` (set name -> `evaluate_super_resolution` dict), and
        `headline`: panel `psnr` (baseline `bicubic`), one series per set. With
        `sample_grid`, also `sample_grid`: `{"path", "description"}`.

    Example:
    ```python
    results = evaluate_srgan(generator, "folder:/data/sr/Set5,folder:/data/sr/Set14", 4)
    results["sets"]["Set5"]["model"]["psnr"], results["sets"]["Set5"]["bicubic"]["psnr"]
    ```
    """
    specs = _split_specs(datasets)
    names = [set_name(spec) for spec in specs]
    if len(set(names)) != len(names):
        raise ValueError(f"The SR image sets need distinct folder names. Received: datasets={specs}")
    results = [sr_benchmark.evaluate_super_resolution(generator, spec, scale) for spec in specs]
    out = {"scale": scale, "sets": dict(zip(names, results))}
    out["headline"] = [headline_panel(
        "psnr", f"PSNR (dB), Y, {scale} px shaved", "bicubic",
        {name: {"model": r["model"]["psnr"], "baseline": r["bicubic"]["psnr"]}
         for name, r in zip(names, results)})]
    if sample_grid:
        indices = [int(i) for i in grid_images]
        tiles = sr_benchmark.comparison_crops(generator, specs[-1], scale, indices, grid_crop)
        save_grid(tiles, sample_grid, columns=4)
        out["sample_grid"] = {"path": sample_grid, "description":
                              f"columns: LR nearest, bicubic, model, HR; {names[-1]} images {indices}"}
    return out


def format_srgan_report(results):
    """The text report of `evaluate_srgan`: a protocol line, then one table row per set.

    Args:
        results: an `evaluate_srgan` dict.

    Returns:
        The report as a string.
    """
    scale = results["scale"]
    table = sr_benchmark.format_super_resolution_table(list(results["sets"].values()),
                                                       list(results["sets"]))
    return f"x{scale}, PSNR (dB) / SSIM on Y, {scale} px border shaved\n{table}"
