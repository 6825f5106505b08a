"""`keras-gan-export` / `python export.py`: export a trained generator.

Writes `saved_models/<name>/`: `<version>/` (SavedModel for TF Serving, with
`serving_default` and `serving_uint8` signatures, `serving_image_bytes` for image
generators, and warmup requests), `tflite/<name>_<quantize>.tflite`, `onnx/<name>.onnx`
and `export_report.json`, then verifies every artifact in a separate process against
the Keras outputs. Exits 1 with one line per artifact that misses its tolerance.
"""

import os
import sys

from absl import app, flags, logging


def define_flags():
    """Define the export flags (once)."""
    if "formats" in flags.FLAGS:
        return
    f = flags
    f.DEFINE_string("generator", "runs/gan/generator.keras", "Path of the generator .keras file.")
    f.DEFINE_string(
        "name", "", "Model name; default: the generator's folder name (runs/gan -> gan)."
    )
    f.DEFINE_string("formats", "saved_model,tflite,onnx", "Comma list: saved_model,tflite,onnx.")
    f.DEFINE_string(
        "quantize",
        "auto",
        "TFLite variants: float32,float16,dynamic,int8; auto = all, except int8 for "
        "generators with group/layer (instance) normalization.",
    )
    f.DEFINE_string(
        "representative_data",
        "",
        "Dataset spec of images for image-to-image generators (int8 calibration).",
    )
    f.DEFINE_integer(
        "image_size", 0, "Image size for generators with dynamic H/W; 0 = from the model."
    )
    f.DEFINE_string("output_dir", "saved_models", "Parent folder of the model folder.")
    f.DEFINE_integer("version", 0, "SavedModel version; 0 = next free integer (never overwrites).")
    f.DEFINE_boolean("verify", True, "Verify every artifact in a separate process.")


def main(argv):
    """Run the export with parsed flags; returns the exit code."""
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    logging.set_verbosity(logging.WARNING)
    import tensorflow as tf

    from keras_gan.export import ExportVerificationError, export_generator

    f = flags.FLAGS
    name = f.name or os.path.basename(os.path.dirname(os.path.abspath(f.generator)))
    if not os.path.exists(f.generator):
        print(
            f"export.py: error: Generator not found. Received: generator={f.generator!r}",
            file=sys.stderr,
        )
        return 1
    try:
        report = export_generator(
            f.generator,
            name=name,
            output_dir=f.output_dir,
            formats=f.formats,
            quantize=f.quantize,
            representative_data=f.representative_data or None,
            image_size=f.image_size or None,
            version=f.version or None,
            verify=f.verify,
        )
    except ExportVerificationError as error:
        for line in error.failures:
            print(f"FAILED {line}", file=sys.stderr)
        return 1
    except (
        ValueError,
        OSError,
        ImportError,
        tf.errors.ResourceExhaustedError,
        tf.errors.PermissionDeniedError,
    ) as error:
        # OSError: a full disk, a read-only or occupied --output_dir (FileExistsError); the
        # two TensorFlow errors: the same met by TensorFlow's own file writers.
        print(f"export.py: error: {' '.join(str(error).split())}", file=sys.stderr)
        return 1
    print(f"Exported '{name}' to {report['base_dir']} (version {report['version']}).")
    return 0


def run():
    """Console-script entry point (`keras-gan-export`)."""
    define_flags()
    app.run(lambda argv: sys.exit(main(argv)))
