"""Benchmark: `keras-gan-predict` on a >= 2-megapixel photo, per format (README row).

Makes the photo by upscaling a BSD100/Set14 image (bicubic, x4; kept outside the repo),
fits a README-size SRGAN generator (x4, 8 blocks x 32 filters) for a few hundred
pixel-loss steps on crops of that dataset (so its output is photo-like, not random),
exports it (SavedModel; TFLite float32 and int8 at 128 px), then runs the real CLI
(`predict.py`) once per format in its own process, timing it and reading that
process's peak RSS. Also: tiled vs whole-image inference on a crop that fits (seams),
and each format's output vs the Keras output.

    python benchmarks/predict_photo.py --image=/work/shared/data/sr/BSD100/img_001.png \
        --workdir=/tmp/predict_bench
"""

import json
import os
import subprocess
import sys
import time

from absl import app, flags

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

flags.DEFINE_string("image", None, "Source image (e.g. a BSD100 or Set14 file).", required=True)
flags.DEFINE_string("workdir", "/tmp/predict_bench", "Scratch folder (photo, models, outputs).")
flags.DEFINE_integer("upscale", 4, "The photo is the source image upscaled this much (bicubic).")
flags.DEFINE_integer("fit_steps", 300, "Pixel-loss steps fitted before export.")
flags.DEFINE_integer(
    "tile", 128, "Tile side (input px) of the Keras/SavedModel runs and TFLite size."
)
flags.DEFINE_integer("tile_overlap", 32, "Tile overlap (input px).")
flags.DEFINE_string("json", "", "Also write the results here.")
FLAGS = flags.FLAGS

# Peak RSS of this process: /proc/self/status VmHWM (ru_maxrss would carry over the
# forking parent's peak across exec on Linux).
RSS_WRAPPER = """
import runpy, sys
sys.argv = sys.argv[1:]
try:
    runpy.run_path(sys.argv[0], run_name="__main__")
finally:
    with open("/proc/self/status") as f:
        hwm = next(int(line.split()[1]) for line in f if line.startswith("VmHWM"))
    print("PEAK_RSS_MB", hwm / 1024, file=sys.stderr)
"""


def _make_photo(path):
    from PIL import Image

    with Image.open(FLAGS.image) as im:
        im = im.convert("RGB")
        big = im.resize((im.width * FLAGS.upscale, im.height * FLAGS.upscale), Image.BICUBIC)
    big.save(path, quality=95)
    return big.width, big.height


def _fit_generator(path):
    import keras
    import numpy as np
    import tensorflow as tf

    from keras_gan.data.super_resolution import bicubic_downscale
    from keras_gan.networks import srresnet_generator
    from keras_gan.predict import list_inputs, read_image

    keras.utils.set_random_seed(0)
    folder = os.path.dirname(FLAGS.image)
    images = [read_image(p) for p, _ in list_inputs(folder)[:40]]
    rng = np.random.default_rng(0)

    def batch(n=16, hr=96):
        crops = []
        for _ in range(n):
            im = images[rng.integers(len(images))]
            y, x = rng.integers(0, im.shape[0] - hr), rng.integers(0, im.shape[1] - hr)
            crops.append(im[y : y + hr, x : x + hr])
        crops = np.stack(crops)
        return np.clip(bicubic_downscale(crops, 4), -1, 1).astype("float32"), crops

    generator = srresnet_generator(scale=4, residual_blocks=8, filters=32)
    generator.compile(optimizer=keras.optimizers.Adam(2e-4), loss="mse")
    start = time.time()
    for _ in range(FLAGS.fit_steps):
        generator.train_on_batch(*batch())
    lr, hr = batch(64)
    sr = generator.predict(lr, verbose=0)
    mse = float(np.mean((sr - hr) ** 2))
    bicubic = tf.image.resize(lr, hr.shape[1:3], method="bicubic").numpy()
    print(
        f"fit {FLAGS.fit_steps} steps in {time.time() - start:.0f}s: PSNR "
        f"{10 * np.log10(4 / mse):.2f} dB (bicubic "
        f"{10 * np.log10(4 / np.mean((bicubic - hr) ** 2)):.2f} dB)"
    )
    generator.save(path)
    return generator


def _seams(generator):
    """Tiled vs whole-image inference on a 384 x 384 crop of the photo (whole fits)."""
    import numpy as np

    from keras_gan.predict import predict_image, read_image
    from keras_gan.predict.keras_runner import KerasRunner

    runner = KerasRunner(generator)
    photo = read_image(os.path.join(FLAGS.workdir, "photo.jpg"))
    crop = photo[200:584, 300:684]
    whole = predict_image(runner, crop, tile=1024)
    results = {}
    for overlap in (8, 16, 32):
        tiled = predict_image(runner, crop, tile=FLAGS.tile, tile_overlap=overlap)
        mse = float(np.mean((tiled.astype("float64") - whole) ** 2))
        results[overlap] = 10 * np.log10(4 / mse) if mse else float("inf")
    return results


def _run_cli(name, args):
    out = os.path.join(FLAGS.workdir, f"out_{name}.png")
    if os.path.exists(out):
        os.remove(out)
    cmd = [
        sys.executable,
        "-c",
        RSS_WRAPPER,
        os.path.join(REPO, "predict.py"),
        f"--input={os.path.join(FLAGS.workdir, 'photo.jpg')}",
        f"--output={out}",
        f"--tile_overlap={FLAGS.tile_overlap}",
        "--progress=false",
        *args,
    ]
    start = time.time()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    )
    seconds = time.time() - start
    peak = [
        float(line.split()[1])
        for line in proc.stderr.splitlines()
        if line.startswith("PEAK_RSS_MB")
    ]
    if proc.returncode != 0:
        print(proc.stderr[-2000:])
    return {
        "name": name,
        "seconds": seconds,
        "peak_rss_mb": peak[0] if peak else None,
        "returncode": proc.returncode,
        "output": out,
    }


def _psnr_vs(reference, path, rows=2048):
    import numpy as np
    from PIL import Image

    with Image.open(path) as im:
        a = np.asarray(im.crop((0, 0, im.width, min(rows, im.height))), np.float64)
    mse = float(np.mean((a - reference) ** 2))
    return 10 * np.log10(255.0**2 / mse) if mse else float("inf")


def main(argv):
    del argv
    import numpy as np
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = None
    os.makedirs(FLAGS.workdir, exist_ok=True)
    width, height = _make_photo(os.path.join(FLAGS.workdir, "photo.jpg"))
    print(f"photo: {width} x {height} = {width * height / 1e6:.2f} MP from {FLAGS.image}")
    keras_path = os.path.join(FLAGS.workdir, "srgan", "generator.keras")
    os.makedirs(os.path.dirname(keras_path), exist_ok=True)
    if os.path.exists(keras_path):  # a rerun: the fitted generator and exports are there
        import keras

        import keras_gan  # noqa: F401  (custom objects)

        generator = keras.saving.load_model(keras_path, compile=False)
    else:
        generator = _fit_generator(keras_path)
    seams = _seams(generator)
    print(
        "seams (tiled vs whole, 384 px crop, tile",
        FLAGS.tile,
        "):",
        {k: round(v, 2) for k, v in seams.items()},
    )

    from keras_gan.export import export_generator
    from keras_gan.predict import read_image

    photo = read_image(os.path.join(FLAGS.workdir, "photo.jpg"))
    rng = np.random.default_rng(1)
    size = FLAGS.tile
    crops = np.stack(
        [
            photo[y : y + size, x : x + size]
            for y, x in zip(
                rng.integers(0, photo.shape[0] - size, 100),
                rng.integers(0, photo.shape[1] - size, 100),
            )
        ]
    )
    base = os.path.join(FLAGS.workdir, "saved_models")
    if not os.path.isdir(os.path.join(base, "srgan")):
        report = export_generator(
            keras_path,
            "srgan",
            output_dir=base,
            formats="saved_model,tflite",
            quantize="float32,int8",
            image_size=size,
            representative_data=crops,
            verbose=True,
        )
        print("export passed:", report["passed"])
    sm = os.path.join(base, "srgan")
    rows = [
        _run_cli("keras", [f"--generator={keras_path}", f"--tile={FLAGS.tile}"]),
        _run_cli("saved_model", [f"--generator={sm}", f"--tile={FLAGS.tile}"]),
        _run_cli("tflite_float32", [f"--generator={sm}/tflite/srgan_float32.tflite"]),
        _run_cli("tflite_int8", [f"--generator={sm}/tflite/srgan_int8.tflite"]),
        _run_cli(
            "tflite_float32_resize",
            [
                f"--generator={sm}/tflite/srgan_float32.tflite",
                "--tflite_resize",
                f"--tile={2 * FLAGS.tile}",
            ],
        ),
    ]
    with Image.open(rows[0]["output"]) as im:
        reference = np.asarray(im.crop((0, 0, im.width, min(2048, im.height))), np.float64)
    for row in rows:
        if row["returncode"] == 0:
            row["psnr_vs_keras_db"] = _psnr_vs(reference, row["output"])
        print(
            f"{row['name']:24s} {row['seconds']:7.1f} s  peak RSS {row['peak_rss_mb']} MB  "
            f"vs keras {row.get('psnr_vs_keras_db', float('nan')):.1f} dB  rc={row['returncode']}"
        )
    if FLAGS.json:
        with open(FLAGS.json, "w") as f:
            json.dump({"photo": [width, height], "seams_db": seams, "rows": rows}, f, indent=2)


if __name__ == "__main__":
    app.run(main)
