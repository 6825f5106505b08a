"""Sampling latent generators and running image generators over files."""

import os

import numpy as np

from keras_gan.export.signatures import LABEL, LATENT
from keras_gan.predict.images import (
    UNREADABLE,
    check_output_path,
    generated_mask,
    list_inputs,
    make_grid,
    read_image,
    read_mask,
    write_image,
)
from keras_gan.predict.progress import Progress
from keras_gan.predict.tiling import predict_image

MASK_KINDS = ("rect", "free_form")


def sample(runner, num_samples, labels=None, seed=0, batch_size=64):
    """Sample images from a latent (`gan`) generator.

    Args:
        runner: a `Runner` of kind `"latent"`.
        num_samples: number of images.
        labels: conditional generators: one class id, or a list cycled over the
            samples; `None` = classes 0, 1, 2, ... in turn.
        seed: seed of the latents z ~ N(0, 1).
        batch_size: images per call.

    Returns:
        float32 `(num_samples, H, W, C)` in [-1, 1].

    Raises:
        ValueError: for an image generator, labels for an unconditional one, or
            labels outside `[0, num_classes)`.

    Example:
    ```python
    images = keras_gan.predict.sample(load_runner("runs/gan/generator.keras"), 16, seed=1)
    ```
    """
    if runner.kind != LATENT:
        raise ValueError(
            "Sampling needs a latent (gan) generator; this one takes images: pass "
            f"--input instead. Received: generator kind={runner.kind!r}"
        )
    if not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(
            f"`num_samples` must be an int >= 1. Received: num_samples={num_samples!r}"
        )
    latent = runner.spec.input(LATENT)
    label = runner.spec.input(LABEL)
    if labels is not None and not isinstance(labels, (list, tuple, np.ndarray)):
        labels = [labels]
    if label is None and labels is not None and len(labels):
        raise ValueError(
            f"This generator is unconditional: it takes no labels. Received: labels={list(labels)}"
        )
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((num_samples, *latent.shape[1:])).astype(np.float32)
    inputs = {latent.name: z}
    if label is not None:
        num_classes = runner.spec.num_classes
        if labels is None or not len(labels):
            if not num_classes:
                raise ValueError(
                    "The number of classes of this generator is unknown (no "
                    "export_report.json beside it): pass labels. Received: labels=None"
                )
            labels = list(range(num_classes))
        labels = np.asarray(labels, np.int64)
        if labels.min() < 0 or (num_classes and labels.max() >= num_classes):
            raise ValueError(
                f"Labels must be in [0, {num_classes}). Received: labels={labels.tolist()}"
            )
        inputs[label.name] = labels[np.arange(num_samples) % len(labels)].astype(label.dtype)
    batches = [
        runner({k: v[i : i + batch_size] for k, v in inputs.items()})
        for i in range(0, num_samples, batch_size)
    ]
    return np.concatenate(batches)


def write_samples(images, output, grid=False, columns=None, overwrite=False, extension=".png"):
    """Write sampled images: one file each into folder `output`, or one grid file.

    Args:
        images: `(N, H, W, C)` in [-1, 1].
        output: a folder (files `sample_00000.png`, ...) or, with `grid`, a file.
        grid: write one grid image.
        columns: grid columns (`None` = square-ish).
        overwrite: replace existing files.
        extension: `.png` or `.jpg` for the per-sample files.

    Returns:
        The list of written paths.
    """
    if grid:
        paths = [output]
    else:
        paths = [os.path.join(output, f"sample_{i:05d}{extension}") for i in range(len(images))]
    for path in paths:
        check_output_path(path, overwrite)
    if grid:
        return [write_image(output, make_grid(images, columns), overwrite=overwrite)]
    return [write_image(p, image, overwrite=overwrite) for p, image in zip(paths, images)]


def plan_outputs(pairs, output, extension=None):
    """Output paths for `(path, relpath)` input pairs.

    One input and an `output` with an image extension: that file. Otherwise `output`
    is a folder and each output keeps its input's relative path, with `extension`
    (default: the input's own when PNG/JPEG, else `.png`).
    """
    if len(pairs) == 1 and os.path.splitext(output)[1].lower() in (".png", ".jpg", ".jpeg"):
        return [output]
    paths = []
    for _, relpath in pairs:
        stem, own = os.path.splitext(relpath)
        ext = extension or (own.lower() if own.lower() in (".png", ".jpg", ".jpeg") else ".png")
        paths.append(os.path.join(output, stem + ext))
    return paths


def predict_files(
    runner,
    inputs,
    output,
    mask=None,
    tile=0,
    tile_overlap=32,
    seed=0,
    overwrite=False,
    extension=None,
    progress=True,
):
    """Run an image-to-image or inpainting generator on image files, writing PNG/JPEG.

    Every input is read and every output path checked before anything runs, so a bad
    input, a bad mask or an existing output (without `overwrite`) fails at once and
    writes nothing; each output is written to a temporary name and renamed.

    Args:
        runner: a `Runner` of kind `"image"` or `"inpainting"`.
        inputs: a file, folder (recursive), comma list, list or `@list.txt`
            (`list_inputs`).
        output: an output file (one input) or folder (relative paths kept).
        mask: inpainting: an image file (white = hole) for every input, a folder of
            masks with the inputs' relative paths (any image extension), or `"rect"`
            / `"free_form"` (drawn per image from `seed`).
        tile: tile side in input pixels; 0 = auto.
        tile_overlap: tile overlap in input pixels.
        seed: seed of generated masks (image i uses `(seed, i)`).
        overwrite: replace existing outputs.
        extension: `.png` or `.jpg` for folder outputs (default: the input's).
        progress: show a progress bar on stderr (or pass a `Progress`).

    Returns:
        The list of written paths.

    Raises:
        ValueError: see above, and for a generator of the wrong kind.

    Example:
    ```python
    runner = keras_gan.predict.load_runner("saved_models/cyclegan")
    keras_gan.predict.predict_files(runner, "photos/", "translated/")
    ```
    """
    if runner.kind == LATENT:
        raise ValueError(
            "This generator samples from latents; it takes no input images: use "
            f"--num_samples. Received: input={inputs!r}"
        )
    if runner.kind == "inpainting" and mask is None:
        raise ValueError(
            "An inpainting generator needs --mask: an image (white = hole), a "
            "folder of masks, rect or free_form. Received: mask=None"
        )
    if runner.kind != "inpainting" and mask is not None:
        raise ValueError(
            "Only inpainting generators take a mask; this one is "
            f"{runner.kind!r}. Received: mask={mask!r}"
        )
    pairs = list_inputs(inputs)
    outputs = plan_outputs(pairs, output, extension)
    for path in outputs:
        check_output_path(path, overwrite)
    if len(set(outputs)) != len(outputs):
        raise ValueError(
            "Two inputs map to the same output file (same name, other extension?). "
            f"Received: input={inputs!r}"
        )
    mask_files = _mask_files(mask, pairs)
    for path in mask_files or []:  # every mask must be an image before anything runs
        read_mask(path, 1, 1)
    images = [read_image(path, runner.channels) for path, _ in pairs] if len(pairs) <= 1 else None
    if images is None:  # many files: check them all now, read each again when it runs
        for path, _ in pairs:
            _check_readable(path)
    bar = (
        progress
        if isinstance(progress, Progress)
        else Progress(len(pairs), stream=(None if not progress else __import__("sys").stderr))
    )
    written = []
    for i, ((path, relpath), out_path) in enumerate(zip(pairs, outputs)):
        image = images[i] if images is not None else read_image(path, runner.channels)
        height, width = image.shape[:2]
        image_mask = None
        if runner.kind == "inpainting":
            if mask_files is not None:
                image_mask = read_mask(mask_files[i], height, width)
            else:
                image_mask = generated_mask(mask, height, width, (seed, i))
        result = predict_image(
            runner,
            image,
            image_mask,
            tile=tile,
            tile_overlap=tile_overlap,
            dtype="uint8",
            progress=bar.tiles,
        )
        written.append(write_image(out_path, result, overwrite=overwrite))
        bar.file_done(relpath)
    return written


def _check_readable(path):
    """Decode `path` once (a truncated JPEG passes PIL's `verify`) and let it go."""
    from PIL import Image

    try:
        with Image.open(path) as pil:
            pil.load()
    except (*UNREADABLE, Image.DecompressionBombError) as error:
        raise ValueError(
            f"Cannot read {path!r} as an image ({type(error).__name__}: "
            f"{' '.join(str(error).split())}). Received: input={path!r}"
        ) from None


def _mask_files(mask, pairs):
    """One mask file per input, or `None` for generated masks."""
    if mask is None or mask in MASK_KINDS:
        return None
    if os.path.isfile(mask):
        return [mask] * len(pairs)
    if os.path.isdir(mask):
        by_stem = {}
        for path, relpath in list_inputs(mask):
            by_stem.setdefault(os.path.splitext(relpath)[0], path)
        files = []
        for _, relpath in pairs:
            stem = os.path.splitext(relpath)[0]
            if stem not in by_stem:
                raise ValueError(
                    f"No mask for {relpath!r} in the mask folder. Received: mask={mask!r}"
                )
            files.append(by_stem[stem])
        return files
    raise ValueError(
        f"`mask` must be rect, free_form, an image file or a folder of masks. "
        f"Received: mask={mask!r}"
    )
