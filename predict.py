"""Apply a trained generator to images: `python predict.py --generator=... --input=...`.

A thin caller of `keras_gan.predict.cli` (also installed as `keras-gan-predict`);
`python predict.py --helpfull` lists the flags, docs/predict.md shows examples.
"""

from keras_gan.predict.cli import define_flags, main, run

define_flags()  # at import, so `import predict; predict.main(argv)` works like export.py

__all__ = ["main"]

if __name__ == "__main__":
    run()
