"""Export a trained generator: `python export.py --generator=runs/gan/generator.keras`.

A thin caller of `keras_gan.export.cli` (also installed as `keras-gan-export`): writes
`saved_models/<name>/` (SavedModel versions, TFLite, ONNX, `export_report.json`) and
verifies every artifact in a separate process; `--helpfull` lists the flags.
"""

from keras_gan.export.cli import define_flags, main, run

define_flags()  # at import, as before: `import export; export.main(argv)` keeps working

__all__ = ["main"]

if __name__ == "__main__":
    run()
