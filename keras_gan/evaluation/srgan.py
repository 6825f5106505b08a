"""Evaluation of a super-resolution generator on benchmark sets: PSNR/SSIM (Y) vs bicubic.

On each HR image set (Set5, Set14, ...), the protocol (Ledig et al. 2017 and most SR papers): HR mod-cropped to the scale,
LR = MATLAB `imresize(hr, 1/scale)` in uint8, the model's output quantized to
uint8, PSNR and SSIM on MATLAB Y with `scale` border pixels shaved. Gray images
(Set14's bridge) are tiled to RGB, so their Y is the gray level's Y.
"""

import numpy as np

from keras_gan.callbacks.sample_grid import save_grid
from keras_gan.data.pixels import from_uint8, to_uint8
from keras_gan.data.super_resolution import imresize, load_benchmark
from keras_gan.evaluation.evaluator import SAMPLE_GRID, Evaluator, Option, set_name
from keras_gan.evaluation.headline import headline_panel
from keras_gan.metrics.image_quality import mean_psnr, psnr, ssim


def super_resolve_uint8(generator, lr):
    """Run a [-1, 1] generator on one uint8 LR image `(h, w, 3)`; return uint8 SR."""
    x = from_uint8(lr[None]).numpy()
    return to_uint8(generator(x, training=False)).numpy()[0]


def _measure(out, hr, scale):
    kw = {"max_val": 255, "crop_border": scale, "y_channel": True}
    return float(psnr(out[None], hr[None], **kw)[0]), float(ssim(out[None], hr[None], **kw)[0])


def evaluate_super_resolution(generator, dataset, scale):
    """PSNR/SSIM (Y, border `scale`) of a generator and of bicubic on one image set.

    Args:
        generator: `keras.Model` LR `(1, h, w, 3)` [-1, 1] -> `(1, h*scale, w*scale, 3)`.
        dataset: dataset spec of the HR images, e.g. `folder:/data/sr/Set5`.
        scale: the upscaling factor of the generator.

    Returns:
        dict with `dataset`, `scale`, `num_images`, `images` (per-image dicts
        `{"index", "model": {"psnr", "ssim"}, "bicubic": {...}}`; a PSNR is `inf`
        for an output identical to the HR image) and the means `model` and
        `bicubic` (`{"psnr", "ssim"}`; each image's PSNR capped at
        `keras_gan.metrics.PSNR_CAP` in the mean, see `mean_psnr`).

    Example:
    ```python
    result = evaluate_super_resolution(generator, "folder:/data/sr/Set5", 4)
    result["model"]["psnr"], result["bicubic"]["psnr"]
    ```

    Reference:
        Ledig et al. 2017, Table 2 (Set5, Set14, BSD100; x4; Y channel).
    """
    images = []
    for index, (lr, hr) in enumerate(load_benchmark(dataset, scale)):
        sr = super_resolve_uint8(generator, lr)
        if sr.shape != hr.shape:
            raise ValueError(
                f"The generator output {sr.shape} does not match the HR image {hr.shape}; "
                f"is it a x{scale} generator? Received: scale={scale}"
            )
        row = {"index": index}
        for method, out in (("model", sr), ("bicubic", imresize(lr, scale))):
            p, s = _measure(out, hr, scale)
            row[method] = {"psnr": p, "ssim": s}
        images.append(row)
    summary = {
        m: {
            "psnr": mean_psnr([r[m]["psnr"] for r in images]),
            "ssim": float(np.mean([r[m]["ssim"] for r in images])),
        }
        for m in ("model", "bicubic")
    }
    return {
        "dataset": str(dataset),
        "scale": scale,
        "num_images": len(images),
        "images": images,
        **summary,
    }


def format_super_resolution_table(results, names=None):
    """A text table: one row per image set, bicubic and model PSNR / SSIM.

    Args:
        results: list of `evaluate_super_resolution` dicts.
        names: optional display names, one per result.

    Returns:
        The table as a string.
    """
    names = names or [r["dataset"] for r in results]
    width = max(8, *(len(n) for n in names))
    lines = [
        f"{'set':<{width}}  images  bicubic PSNR / SSIM   model PSNR / SSIM   gain (dB)",
        f"{'-' * width}  ------  -------------------  ------------------  ---------",
    ]
    for name, r in zip(names, results):
        b, m = r["bicubic"], r["model"]
        lines.append(
            f"{name:<{width}}  {r['num_images']:>6}  {b['psnr']:>8.2f} / {b['ssim']:.4f}"
            f"     {m['psnr']:>7.2f} / {m['ssim']:.4f}  {m['psnr'] - b['psnr']:>+9.2f}"
        )
    return "\n".join(lines)


def comparison_crops(generator, dataset, scale, indices=(0,), crop=128):
    """Center crops LR (nearest), bicubic, SR, HR of chosen benchmark images.

    Args:
        generator: the SR generator.
        dataset: HR image set spec.
        scale: the upscaling factor.
        indices: which images of the set (sorted file order).
        crop: HR crop side (a multiple of `scale`).

    Returns:
        float32 array `(4 * len(indices), crop, crop, 3)` in [-1, 1], 4 per row.
    """
    pairs = load_benchmark(dataset, scale)
    tiles = []
    for index in indices:
        lr, hr = pairs[index]
        sr = super_resolve_uint8(generator, lr)
        bicubic = imresize(lr, scale)
        nearest = lr.repeat(scale, axis=0).repeat(scale, axis=1)
        size = min(crop, hr.shape[0], hr.shape[1]) // scale * scale
        top = (hr.shape[0] - size) // 2 // scale * scale
        left = (hr.shape[1] - size) // 2 // scale * scale
        for image in (nearest, bicubic, sr, hr):
            tiles.append(from_uint8(image[top : top + size, left : left + size]).numpy())
    return np.stack(tiles)


def _split_specs(datasets):
    if isinstance(datasets, str):
        datasets = datasets.split(",")
    specs = [d.strip() for d in datasets if d and d.strip()]
    if not specs:
        raise ValueError(
            "The SR evaluation needs at least one HR image set, e.g. "
            f"folder:/data/sr/Set5. Received: datasets={datasets!r}"
        )
    return specs


def evaluate_srgan(generator, datasets, scale=4, sample_grid=None, grid_images=(0,), grid_crop=128):
    """PSNR and SSIM of a generator and of bicubic upsampling on each HR image set.

    The SR papers' protocol (see the module doc and `evaluate_super_resolution`): HR
    mod-cropped to `scale`, LR by MATLAB-bicubic `imresize`, the output quantized to
    uint8, PSNR/SSIM on the Y channel with `scale` border pixels shaved.

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
        raise ValueError(
            f"The SR image sets need distinct folder names. Received: datasets={specs}"
        )
    results = [evaluate_super_resolution(generator, spec, scale) for spec in specs]
    out = {"scale": scale, "sets": dict(zip(names, results))}
    out["headline"] = [
        headline_panel(
            "psnr",
            f"PSNR (dB), Y, {scale} px shaved",
            "bicubic",
            {
                name: {"model": r["model"]["psnr"], "baseline": r["bicubic"]["psnr"]}
                for name, r in zip(names, results)
            },
        )
    ]
    if sample_grid:
        indices = [int(i) for i in grid_images]
        tiles = comparison_crops(generator, specs[-1], scale, indices, grid_crop)
        save_grid(tiles, sample_grid, columns=4)
        out["sample_grid"] = {
            "path": sample_grid,
            "description": f"columns: LR nearest, bicubic, model, HR; {names[-1]} images {indices}",
        }
    return out


def format_srgan_report(results):
    """The text report of `evaluate_srgan`: a protocol line, then one table row per set.

    Args:
        results: an `evaluate_srgan` dict.

    Returns:
        The report as a string.
    """
    scale = results["scale"]
    table = format_super_resolution_table(list(results["sets"].values()), list(results["sets"]))
    return f"x{scale}, PSNR (dB) / SSIM on Y, {scale} px border shaved\n{table}"


class SRGANEvaluator(Evaluator):
    """`evaluate.py --model=srgan`: `evaluate_srgan` and `format_srgan_report`."""

    name = "srgan"
    usage = """\
srgan: super-resolves every image set of ``--dataset`` (comma list of specs, e.g.
Set5 and Set14 folders) at ``--scale`` the way SR papers do (HR mod-cropped, LR by
MATLAB-bicubic ``imresize``, PSNR/SSIM on the Y channel with ``scale`` border
pixels shaved) and prints model vs bicubic per set; ``--sample_grid`` writes center
crops (LR nearest, bicubic, model, HR) of ``--sr_grid_images`` of the last set."""
    options = (
        Option(
            "string",
            "dataset",
            None,
            "Comma list of HR image sets (srgan), e.g. folder:data/sr/Set5,folder:data/sr/Set14.",
        ),
        Option("integer", "scale", 4, "Upscaling factor of the generator (srgan)."),
        Option(
            "string",
            "sr_grid_images",
            "0",
            "Image indices of the last set in --sample_grid (srgan).",
        ),
        Option("integer", "sr_grid_crop", 128, "HR crop side in --sample_grid (srgan)."),
        SAMPLE_GRID,
    )
    keywords = {
        "datasets": "dataset",
        "scale": "scale",
        "grid_images": "sr_grid_images",
        "grid_crop": "sr_grid_crop",
        "sample_grid": "sample_grid",
    }
    required = {"dataset": "comma list of HR image set specs"}
    evaluate = staticmethod(evaluate_srgan)
    report = staticmethod(format_srgan_report)

    def arguments(self, options):
        arguments = super().arguments(options)
        arguments["grid_images"] = [
            int(i) for i in arguments["grid_images"].split(",") if i.strip()
        ]
        return arguments

    def curve_arguments(self, options, scale):
        if not options.eval_sets:
            raise ValueError(
                "An srgan curve needs --eval_sets (HR image sets, e.g. Set5,Set14). "
                f"Received: eval_sets={options.eval_sets!r}"
            )
        return [{"datasets": options.eval_sets, "scale": scale}]
