"""SR benchmark evaluation (Set5, Set14, ...): model vs bicubic, PSNR/SSIM on Y.

Protocol (Ledig et al. 2017 and most SR papers): HR mod-cropped to the scale,
LR = MATLAB `imresize(hr, 1/scale)` in uint8, the model's output quantized to
uint8, PSNR and SSIM on MATLAB Y with `scale` border pixels shaved. Gray images
(Set14's bridge) are tiled to RGB, so their Y is the gray level's Y.
"""

import numpy as np

from keras_gan.data.pixels import from_uint8, to_uint8
from keras_gan.data.super_resolution import imresize, load_benchmark
from keras_gan.metrics.image_quality import psnr, ssim


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
        `{"index", "model": {"psnr", "ssim"}, "bicubic": {...}}`) and the means
        `model` and `bicubic` (`{"psnr", "ssim"}`).

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
            raise ValueError(f"The generator output {sr.shape} does not match the HR image {hr.shape}; "
                             f"is it a x{scale} generator? Received: scale={scale}")
        row = {"index": index}
        for method, out in (("model", sr), ("bicubic", imresize(lr, scale))):
            p, s = _measure(out, hr, scale)
            row[method] = {"psnr": p, "ssim": s}
        images.append(row)
    summary = {m: {k: float(np.mean([r[m][k] for r in images])) for k in ("psnr", "ssim")}
               for m in ("model", "bicubic")}
    return {"dataset": str(dataset), "scale": scale, "num_images": len(images),
            "images": images, **summary}


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
    lines = [f"{'set':<{width}}  images  bicubic PSNR / SSIM   model PSNR / SSIM   gain (dB)",
             f"{'-' * width}  ------  -------------------  ------------------  ---------"]
    for name, r in zip(names, results):
        b, m = r["bicubic"], r["model"]
        lines.append(f"{name:<{width}}  {r['num_images']:>6}  {b['psnr']:>8.2f} / {b['ssim']:.4f}"
                     f"     {m['psnr']:>7.2f} / {m['ssim']:.4f}  {m['psnr'] - b['psnr']:>+9.2f}")
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
            tiles.append(from_uint8(image[top:top + size, left:left + size]).numpy())
    return np.stack(tiles)
