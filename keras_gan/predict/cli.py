"""`keras-gan-predict` / `python predict.py`: a trained generator on your images.

    keras-gan-predict --generator=saved_models/srgan --input=photo.jpg --output=photo_x4.png
    keras-gan-predict --generator=saved_models/cyclegan --input=photos/ --output=out/
    keras-gan-predict --generator=runs/inpainting/generator.keras --input=a.jpg \
        --mask=hole.png --output=a_filled.png
    keras-gan-predict --generator=saved_models/gan/tflite/gan_int8.tflite \
        --num_samples=64 --grid --output=grid.png

Errors (unreadable input, a mask that is not an image, an existing output without
--overwrite, an output that cannot be written, a generator of the wrong family for the
flags, ...) are one line on stderr and exit code 2; nothing is half-written.
"""

import os
import sys

from absl import app, flags, logging

PROG = "keras-gan-predict"


def define_flags():
    """Define the predict flags (once)."""
    if "generator" in flags.FLAGS:
        return
    f = flags
    f.DEFINE_string(
        "generator",
        None,
        "generator.keras, a SavedModel version folder or model "
        "base path (newest version), a .tflite or an .onnx file.",
    )
    f.DEFINE_enum(
        "format",
        "auto",
        ["auto", "keras", "saved_model", "tflite", "onnx"],
        "Runner; auto = by file type. tflite/onnx with an export base folder pick "
        "its float32 .tflite / its .onnx.",
    )
    f.DEFINE_string(
        "input",
        None,
        "Image file, folder (recursive), comma list, or @list.txt "
        "(image-to-image and inpainting generators).",
    )
    f.DEFINE_string(
        "output",
        None,
        "Output file (one input, or --grid) or folder. Default: predictions/ (samples/ for gan).",
    )
    f.DEFINE_enum(
        "output_format",
        "",
        ["", "png", "jpg"],
        "Extension of files written into an output folder; empty = the input's "
        "(png for other types).",
    )
    f.DEFINE_boolean("overwrite", False, "Replace existing output files.")
    f.DEFINE_string(
        "mask",
        None,
        "Inpainting: a mask image (white = hole, any size, resized "
        "to each image), a folder of masks named like the inputs, rect or free_form.",
    )
    f.DEFINE_integer("seed", 0, "Seed of latents (gan) and generated masks.")
    f.DEFINE_integer("num_samples", 0, "gan: number of images to sample.")
    f.DEFINE_list(
        "labels", [], "gan, conditional: class ids cycled over the samples; default 0, 1, 2, ..."
    )
    f.DEFINE_boolean(
        "grid", False, "gan: write one grid image to --output instead of one file per sample."
    )
    f.DEFINE_integer("grid_columns", 0, "Grid columns; 0 = square-ish.")
    f.DEFINE_integer(
        "tile",
        0,
        "Tile side in input pixels; 0 = auto (whole image when its "
        "output is <= 512 px a side, else tiles). TFLite models use their own size.",
    )
    f.DEFINE_integer("tile_overlap", 32, "Overlap of neighbouring tiles in input pixels.")
    f.DEFINE_integer("threads", 0, "Runtime threads; 0 = the runtime's default (TFLite: 2).")
    f.DEFINE_boolean(
        "tflite_resize",
        False,
        "TFLite: resize the model's input tensors to each "
        "tile instead of using its fixed size (only where the graph allows it).",
    )
    f.DEFINE_boolean("progress", True, "Progress bar on stderr.")


def _fail(message):
    print(f"{PROG}: error: {' '.join(str(message).split())}", file=sys.stderr)
    return 2


def main(argv):
    """Run the CLI with parsed flags; returns the exit code."""
    if len(argv) > 1:
        return _fail(f"Unexpected arguments: {argv[1:]}")
    if not flags.FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)
    f = flags.FLAGS
    if not f.generator:
        return _fail("--generator is required. Received: generator=None")
    try:
        return _predict(f)
    except ValueError as error:
        return _fail(error)
    except ImportError as error:  # an optional package (extra) is missing
        return _fail(error)
    except OSError as error:  # an output that cannot be written (full disk, read-only), ...
        return _fail(error)


def _predict(f):
    from keras_gan.predict import load_runner, predict_files, sample, write_samples

    # Flag combinations that no family accepts fail before loading anything.
    if f.input and f.num_samples:
        raise ValueError(
            "--input (image generators) and --num_samples (gan) exclude each "
            f"other. Received: input={f.input!r}, num_samples={f.num_samples}"
        )
    runner = load_runner(
        f.generator, format=f.format, threads=f.threads or None, resize_inputs=f.tflite_resize
    )
    extension = f".{f.output_format}" if f.output_format else None
    if runner.kind == "latent":
        if f.input or f.mask:
            raise ValueError(
                "This is a gan (latent) generator: it takes --num_samples, not "
                f"--input or --mask. Received: input={f.input!r}, mask={f.mask!r}"
            )
        num = f.num_samples or 16
        try:
            labels = [int(v) for v in f.labels] if f.labels else None
        except ValueError:
            raise ValueError(
                f"--labels must be class ids (ints). Received: labels={f.labels}"
            ) from None
        output = f.output or ("samples.png" if f.grid else "samples")
        images = sample(runner, num, labels=labels, seed=f.seed)
        paths = write_samples(
            images,
            output,
            grid=f.grid,
            columns=f.grid_columns or None,
            overwrite=f.overwrite,
            extension=extension or ".png",
        )
    else:
        if f.num_samples or f.labels or f.grid:
            raise ValueError(
                f"This is an {runner.kind} generator: it takes --input, not "
                f"--num_samples, --labels or --grid. Received: num_samples="
                f"{f.num_samples}, labels={f.labels}, grid={f.grid}"
            )
        if not f.input:
            raise ValueError("--input is required for image generators. Received: input=None")
        paths = predict_files(
            runner,
            f.input,
            f.output or "predictions",
            mask=f.mask,
            tile=f.tile,
            tile_overlap=f.tile_overlap,
            seed=f.seed,
            overwrite=f.overwrite,
            extension=extension,
            progress=f.progress,
        )
    where = paths[0] if len(paths) == 1 else os.path.dirname(os.path.commonprefix(paths)) or "."
    print(f"Wrote {len(paths)} image{'s' if len(paths) != 1 else ''} to {where} ({runner.format}).")
    return 0


def run():
    """Console-script entry point (`keras-gan-predict`)."""
    define_flags()
    app.run(lambda argv: sys.exit(main(argv)))
