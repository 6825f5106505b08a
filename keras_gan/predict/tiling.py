"""Any image size: reflect-pad to what the network takes, and tile large images.

Tiles overlap by at least `tile_overlap` input pixels and are cross-faded: over each
overlap, a tile's weight is ~0 on the outer quarter (next to its edge, where the
missing context shows), rises linearly over the middle half and is 1 on the inner
quarter; the output is the weighted mean. Tiles run one row of tiles at a time
and only that band is kept in float32, so memory is the output image plus one band.
"""

import math

import numpy as np

from keras_gan.export.signatures import IMAGE, MASK

AUTO_OUTPUT_TILE = 512  # auto: whole image when its output fits this many px a side


def tile_spans(length, tile, overlap):
    """Start/end of the tiles covering `[0, length)`: `[(0, length)]` when it fits one tile.

    Args:
        length: image side in pixels.
        tile: tile side (> overlap).
        overlap: minimum overlap of neighbouring tiles.

    Returns:
        A list of `(start, end)`, evenly spread, each `tile` long.

    Example:
    ```python
    tile_spans(300, 128, 32)  # [(0, 128), (86, 214), (172, 300)]
    ```
    """
    if length <= tile:
        return [(0, length)]
    count = math.ceil((length - overlap) / (tile - overlap))
    starts = np.round(np.linspace(0, length - tile, count)).astype(int)
    return [(int(s), int(s) + tile) for s in starts]


def _ramp(size, before, after):
    """Per-pixel weights along one axis of a tile: linear cross-fades over its overlaps."""
    weight = np.ones(size, np.float32)
    for overlap, at_start in ((before, True), (after, False)):
        if overlap > 0:
            # Fade over the middle half of the overlap: the outer quarter, where the tile
            # edge's missing context shows most, gets (almost) no weight.
            position = np.arange(min(overlap, size), dtype=np.float32) + 0.5
            rise = np.clip((position - overlap / 4) / (overlap / 2), 1e-3, 1.0)
            part = slice(0, len(rise)) if at_start else slice(size - len(rise), size)
            weight[part] = np.minimum(weight[part], rise if at_start else rise[::-1])
    return weight


def _pad(array, height, width):
    pad_h, pad_w = height - array.shape[0], width - array.shape[1]
    if pad_h == 0 and pad_w == 0:
        return array
    mode = "reflect" if min(array.shape[:2]) > 1 else "edge"
    return np.pad(array, [(0, pad_h), (0, pad_w), (0, 0)], mode=mode)


def tile_plan(runner, height, width, tile=0, tile_overlap=32):
    """How `predict_image` cuts an image: `(rows, cols, scale, multiple)`.

    Args:
        runner: a `Runner` of an image generator.
        height, width: the image size.
        tile: tile side in input pixels; 0 = auto (whole image when its output is at most
            `AUTO_OUTPUT_TILE` px a side, else tiles of `AUTO_OUTPUT_TILE / scale`).
            Fixed-size models (TFLite) always use their own size.
        tile_overlap: overlap of neighbouring tiles in input pixels.

    Returns:
        `(row_spans, col_spans, scale, multiple)`.
    """
    scale, multiple = runner.geometry()
    fixed = runner.fixed_size
    if fixed is not None:
        tile_h, tile_w = fixed
    else:
        if tile is None or tile <= 0:
            auto = max(multiple, AUTO_OUTPUT_TILE // scale)
            if max(height, width) <= auto:
                tile = max(height, width)
            else:
                tile = auto
        tile_h = tile_w = max(multiple, tile // multiple * multiple)
    if tile_overlap < 0:
        raise ValueError(f"`tile_overlap` must be >= 0. Received: tile_overlap={tile_overlap}")
    overlap_h = min(tile_overlap, tile_h // 2)
    overlap_w = min(tile_overlap, tile_w // 2)
    return (
        tile_spans(height, tile_h, overlap_h),
        tile_spans(width, tile_w, overlap_w),
        scale,
        multiple,
    )


def predict_image(
    runner, image, mask=None, tile=0, tile_overlap=32, dtype="float32", progress=None
):
    """Run an image-to-image or inpainting generator on one image of any size.

    The image is reflect-padded to the size the network takes (a multiple of 4 for
    CycleGAN, 8 for inpainting, the model's own size for TFLite) and the output cropped
    back; images larger than `tile` are cut into overlapping tiles that are blended.

    Args:
        runner: a `Runner` (`load_runner`) of kind `"image"` or `"inpainting"`.
        image: float32 `(H, W, C)` in [-1, 1].
        mask: inpainting only: float32 `(H, W)` or `(H, W, 1)`, 1 = hole.
        tile: tile side in input pixels; 0 = auto (see `tile_plan`).
        tile_overlap: overlap of neighbouring tiles in input pixels.
        dtype: `"float32"` (values in [-1, 1]) or `"uint8"` (pixels) output.
        progress: optional callable `(tiles_done, tiles_total)`.

    Returns:
        `(H * scale, W * scale, C_out)` array of `dtype`.

    Raises:
        ValueError: for a latent generator, a missing or misshapen mask, or a bad image.

    Example:
    ```python
    runner = keras_gan.predict.load_runner("saved_models/srgan")
    sr = keras_gan.predict.predict_image(runner, lr, tile=128, tile_overlap=16)
    ```
    """
    if runner.kind not in ("image", "inpainting"):
        raise ValueError(
            "predict_image needs an image-to-image or inpainting generator; this "
            f"one samples from latents. Received: generator kind={runner.kind!r}"
        )
    image = np.asarray(image, np.float32)
    if image.ndim != 3 or image.shape[2] != runner.channels:
        raise ValueError(
            f"`image` must be (H, W, {runner.channels}). Received: image shape={image.shape}"
        )
    if runner.kind == "inpainting":
        if mask is None:
            raise ValueError("An inpainting generator needs a mask (1 = hole). Received: mask=None")
        mask = np.asarray(mask, np.float32)
        mask = mask[..., None] if mask.ndim == 2 else mask
        if mask.shape != (*image.shape[:2], 1):
            raise ValueError(
                f"`mask` must be {image.shape[:2]} like the image. "
                f"Received: mask shape={mask.shape}"
            )
    elif mask is not None:
        raise ValueError(
            "Only inpainting generators take a mask. "
            f"Received: mask for a {runner.kind!r} generator"
        )
    if dtype not in ("float32", "uint8"):
        raise ValueError(f"`dtype` must be float32 or uint8. Received: dtype={dtype!r}")

    height, width = image.shape[:2]
    rows, cols, scale, multiple = tile_plan(runner, height, width, tile, tile_overlap)
    fixed = runner.fixed_size
    image_name = runner.spec.input(IMAGE).name
    mask_name = runner.spec.input(MASK).name if mask is not None else None
    out_channels = None
    output = None
    total, done = len(rows) * len(cols), 0
    acc = weights = None
    acc_top = 0
    for r, (y0, y1) in enumerate(rows):
        band_top, band_bottom = y0 * scale, y1 * scale
        for c, (x0, x1) in enumerate(cols):
            h, w = y1 - y0, x1 - x0
            ph, pw = (
                fixed
                if fixed is not None
                else (math.ceil(h / multiple) * multiple, math.ceil(w / multiple) * multiple)
            )
            inputs = {image_name: _pad(image[y0:y1, x0:x1], ph, pw)[None]}
            if mask_name:
                inputs[mask_name] = _pad(mask[y0:y1, x0:x1], ph, pw)[None]
            result = runner(inputs)[0, : h * scale, : w * scale]
            if output is None:
                out_channels = result.shape[-1]
                output = np.empty((height * scale, width * scale, out_channels), dtype)
            if acc is None:
                acc = np.zeros((band_bottom - band_top, width * scale, out_channels), np.float32)
                weights = np.zeros((band_bottom - band_top, width * scale, 1), np.float32)
                acc_top = band_top
            wy = _ramp(h * scale, *_overlaps(rows, r, scale))
            wx = _ramp(w * scale, *_overlaps(cols, c, scale))
            weight = (wy[:, None] * wx[None, :])[..., None]
            top = band_top - acc_top
            acc[top : top + h * scale, x0 * scale : x1 * scale] += result * weight
            weights[top : top + h * scale, x0 * scale : x1 * scale] += weight
            done += 1
            if progress is not None:
                progress(done, total)
        # Rows above the next band are final: write them out, keep the rest.
        final = rows[r + 1][0] * scale if r + 1 < len(rows) else band_bottom
        n = final - acc_top
        blended = acc[:n] / weights[:n]
        if dtype == "uint8":
            blended = np.clip(np.round((blended + 1.0) * 127.5), 0, 255)
        output[acc_top:final] = blended
        if r + 1 < len(rows):
            next_bottom = rows[r + 1][1] * scale
            new_acc = np.zeros((next_bottom - final, width * scale, out_channels), np.float32)
            new_weights = np.zeros((next_bottom - final, width * scale, 1), np.float32)
            keep = acc.shape[0] - n
            new_acc[:keep], new_weights[:keep] = acc[n:], weights[n:]
            acc, weights, acc_top = new_acc, new_weights, final
    return output


def _overlaps(spans, i, scale):
    """Output pixels span `i` shares with the span before it and the span after it."""
    before = spans[i - 1][1] - spans[i][0] if i > 0 else 0
    after = spans[i][1] - spans[i + 1][0] if i + 1 < len(spans) else 0
    return max(before, 0) * scale, max(after, 0) * scale
