"""Apply a trained generator to images: `python predict.py --generator=... --input=...`.

A thin caller of `keras_gan.predict.cli` (also installed as `keras-gan-predict`);
`python predict.py --helpfull` lists the flags, docs/predict.md shows examples.
"""

from keras_gan.predict.cli import run

if __name__ == "__main__":
    run()
