"""Build an unpaired A/B folder whose true A->B mapping is known, to check CycleGAN.

A = random crops of the first half of `--train_images`; B = crops of the OTHER half
with a fixed per-pixel colour transform applied (so no B image is a translation of
an A image); testA = crops of `--test_images`, testA_target = their true
translations, testB = other crops of the test images, transformed.

Mappings (`--mapping`, `--mapping=list` prints them); each is a fixed, deterministic
function of one uint8 RGB pixel (`mapping(pixels, kind)`), results rounded to uint8:

    invert    255 - x (exactly invertible)
    matrix    a fixed 3x3 colour mixing, rows sum to 1 (`MATRIX`)
    permute   channel permutation: (R, G, B) <- (B, R, G) (exactly invertible)
    sepia     the classic sepia-tone matrix (`SEPIA`), clipped: loses hue, not invertible
    gamma     a gamma curve per channel, x ** (0.6, 1.0, 1.6) on [0, 1] (`GAMMAS`)
    contrast  an S-shaped contrast curve on every channel, x - 0.6 sin(2 pi x) / (2 pi)
              (slope 1.6 at mid-gray, 0.4 at black and white; monotone, invertible)
    hue       HSV hue rotated by 60 degrees, saturation and value kept (`HUE_SHIFT_DEGREES`)
    warm      white balance towards warm: channel gains (1.12, 1.0, 0.82), clipped
    cool      white balance towards cool: channel gains (0.85, 1.0, 1.15), clipped

Example:
    python scripts/make_unpaired_task.py --train_images=../shared/data/sr/BSDS200 \
        --test_images=../shared/data/sr/BSD100 --mapping=invert --output_dir=/tmp/unpaired_invert
    python train.py --model=cyclegan --dataset=folder:/tmp/unpaired_invert --norm=none \
        --image_size=64 --filters=16 --lambda_identity=0 --epochs=12
    python evaluate.py --model=cyclegan --generator=runs/cyclegan/generator.keras \
        --real_data=folder:/tmp/unpaired_invert/testA \
        --target_data=folder:/tmp/unpaired_invert/testA_target --eval_image_size=64
"""

import os

import numpy as np
from absl import app, flags
from PIL import Image

FLAGS = flags.FLAGS

MATRIX = np.array([[0.1, 0.2, 0.7], [0.7, 0.2, 0.1], [0.2, 0.7, 0.1]], np.float32)
SEPIA = np.array([[0.393, 0.769, 0.189], [0.349, 0.686, 0.168], [0.272, 0.534, 0.131]], np.float64)
PERMUTATION = (2, 0, 1)  # output channel i = input channel PERMUTATION[i]
GAMMAS = np.array([0.6, 1.0, 1.6])
CONTRAST = 0.6
HUE_SHIFT_DEGREES = 60.0
WARM_GAINS = np.array([1.12, 1.0, 0.82])
COOL_GAINS = np.array([0.85, 1.0, 1.15])


def _to_uint8(unit):
    """Float pixels in [0, 1] (any excess clipped) -> rounded uint8."""
    return np.clip(np.round(unit * 255.0), 0, 255).astype(np.uint8)


def _matrix(pixels):
    image = pixels if pixels.ndim == 3 else pixels.reshape(1, -1, 3)  # (H, W, 3) as always
    mixed = np.einsum("ij,hwj->hwi", MATRIX, image.astype(np.float32) / 255.0)
    return np.clip(np.round(mixed * 255.0), 0, 255).astype(np.uint8).reshape(pixels.shape)


def _sepia(pixels):
    return _to_uint8(np.einsum("ij,...j->...i", SEPIA, pixels / 255.0))


def _gamma(pixels):
    return _to_uint8((pixels / 255.0) ** GAMMAS)


def _contrast(pixels):
    x = pixels / 255.0
    return _to_uint8(x - CONTRAST * np.sin(2.0 * np.pi * x) / (2.0 * np.pi))


def rgb_to_hsv(rgb):
    """`colorsys.rgb_to_hsv` on float arrays `(..., 3)` in [0, 1] (hue in [0, 1))."""
    r, g, b = np.moveaxis(rgb, -1, 0)
    maxc, minc = rgb.max(-1), rgb.min(-1)
    delta = maxc - minc
    safe = np.where(delta > 0, delta, 1.0)
    rc, gc, bc = (maxc - r) / safe, (maxc - g) / safe, (maxc - b) / safe
    hue = np.where(r == maxc, bc - gc, np.where(g == maxc, 2.0 + rc - bc, 4.0 + gc - rc))
    hue = np.where(delta > 0, (hue / 6.0) % 1.0, 0.0)
    saturation = np.where(maxc > 0, delta / np.where(maxc > 0, maxc, 1.0), 0.0)
    return np.stack([hue, saturation, maxc], -1)


def hsv_to_rgb(hsv):
    """`colorsys.hsv_to_rgb` on float arrays `(..., 3)` in [0, 1]."""
    h, s, v = np.moveaxis(hsv, -1, 0)
    sector = np.floor(h * 6.0)
    f = h * 6.0 - sector
    p, q, t = v * (1.0 - s), v * (1.0 - s * f), v * (1.0 - s * (1.0 - f))
    sector = sector.astype(np.int64) % 6
    r = np.choose(sector, [v, q, p, p, t, v])
    g = np.choose(sector, [t, v, v, q, p, p])
    b = np.choose(sector, [p, p, t, v, v, q])
    return np.stack([r, g, b], -1)


def _hue(pixels):
    hsv = rgb_to_hsv(pixels / 255.0)
    hsv[..., 0] = (hsv[..., 0] + HUE_SHIFT_DEGREES / 360.0) % 1.0
    return _to_uint8(hsv_to_rgb(hsv))


MAPPINGS = {
    "invert": (lambda pixels: 255 - pixels, "255 - x (exactly invertible)"),
    "matrix": (_matrix, "a fixed 3x3 colour mixing, rows sum to 1"),
    "permute": (
        lambda pixels: pixels[..., list(PERMUTATION)],
        "channel permutation (R, G, B) <- (B, R, G) (exactly invertible)",
    ),
    "sepia": (_sepia, "the classic sepia-tone matrix, clipped (loses hue: not invertible)"),
    "gamma": (_gamma, "per-channel gamma x ** (0.6, 1.0, 1.6) on [0, 1]"),
    "contrast": (_contrast, "S-shaped contrast curve on every channel (slope 1.6 at mid-gray)"),
    "hue": (_hue, f"HSV hue rotated by {HUE_SHIFT_DEGREES:g} degrees, saturation and value kept"),
    "warm": (
        lambda pixels: _to_uint8(pixels / 255.0 * WARM_GAINS),
        "warm white balance: channel gains (1.12, 1.0, 0.82), clipped",
    ),
    "cool": (
        lambda pixels: _to_uint8(pixels / 255.0 * COOL_GAINS),
        "cool white balance: channel gains (0.85, 1.0, 1.15), clipped",
    ),
}
"""name -> (function of a uint8 RGB array `(..., 3)`, one-line description)."""


def mapping(pixels, kind):
    """The true A->B transform on uint8 RGB pixels.

    Args:
        pixels: uint8 array `(..., 3)`, RGB.
        kind: a name in `MAPPINGS`.

    Returns:
        uint8 array of the same shape: the transformed pixels.

    Example:
    ```python
    mapping(np.array([[[255, 0, 0]]], np.uint8), "permute")  # [[[0, 255, 0]]]
    ```
    """
    if kind not in MAPPINGS:
        raise ValueError(
            f"Unknown mapping; expected one of {', '.join(MAPPINGS)}. Received: kind={kind!r}"
        )
    pixels = np.asarray(pixels)
    if pixels.dtype != np.uint8 or pixels.shape[-1:] != (3,):
        raise ValueError(
            f"`pixels` must be uint8 RGB (..., 3). Received: dtype={pixels.dtype}, "
            f"shape={pixels.shape}"
        )
    return MAPPINGS[kind][0](pixels)


def define_flags():
    flags.DEFINE_string("train_images", None, "Folder of natural images for trainA/trainB.")
    flags.DEFINE_string("test_images", None, "Folder of held-out natural images.")
    flags.DEFINE_enum(
        "mapping",
        "invert",
        [*MAPPINGS, "list"],
        "The true A->B colour transform; `list` prints every mapping and exits. "
        + "; ".join(f"{name}: {text}" for name, (_, text) in MAPPINGS.items()),
    )
    flags.DEFINE_string(
        "output_dir", None, "Where trainA/, trainB/, testA/, testA_target/, testB/ go."
    )
    flags.DEFINE_integer("size", 64, "Output crop size in pixels.")
    flags.DEFINE_integer("crop", 200, "Crop side taken from the source images before resizing.")
    flags.DEFINE_integer("crops_per_image", 4, "Training crops per source image.")
    flags.DEFINE_integer("num_test", 50, "Held-out test images.")
    flags.DEFINE_integer("seed", 0, "Random seed.")


def random_crops(path, count, rng):
    image = np.asarray(Image.open(path).convert("RGB"))
    h, w = image.shape[:2]
    side = min(FLAGS.crop, h, w)
    crops = []
    for _ in range(count):
        y, x = rng.integers(0, h - side + 1), rng.integers(0, w - side + 1)
        crop = Image.fromarray(image[y : y + side, x : x + side]).resize(
            (FLAGS.size, FLAGS.size), Image.BICUBIC
        )
        crops.append(np.asarray(crop))
    return crops


def main(argv):
    del argv
    if FLAGS.mapping == "list":
        for name, (_, text) in MAPPINGS.items():
            print(f"{name:<9} {text}")
        return
    missing = [
        name for name in ("train_images", "test_images", "output_dir") if not FLAGS[name].value
    ]
    if missing:
        raise app.UsageError(f"Missing flags: {', '.join('--' + m for m in missing)}")
    from keras_gan.data import list_image_files  # imports TensorFlow: only when building

    rng = np.random.default_rng(FLAGS.seed)
    train = list_image_files(FLAGS.train_images)
    test = list_image_files(FLAGS.test_images)[: FLAGS.num_test]
    if len(train) < 2 or not test:
        raise app.UsageError(
            f"Need >= 2 training and >= 1 test images. Received: {len(train)}, {len(test)}"
        )
    out = {
        name: os.path.join(FLAGS.output_dir, name)
        for name in ("trainA", "trainB", "testA", "testA_target", "testB")
    }
    for folder in out.values():
        os.makedirs(folder, exist_ok=True)
    half = len(train) // 2
    for i, path in enumerate(train[:half]):
        for j, crop in enumerate(random_crops(path, FLAGS.crops_per_image, rng)):
            Image.fromarray(crop).save(os.path.join(out["trainA"], f"{i:04d}_{j}.png"))
    for i, path in enumerate(train[half:]):
        for j, crop in enumerate(random_crops(path, FLAGS.crops_per_image, rng)):
            Image.fromarray(mapping(crop, FLAGS.mapping)).save(
                os.path.join(out["trainB"], f"{i:04d}_{j}.png")
            )
    for i, path in enumerate(test):
        crop, other = random_crops(path, 2, rng)
        Image.fromarray(crop).save(os.path.join(out["testA"], f"{i:04d}.png"))
        Image.fromarray(mapping(crop, FLAGS.mapping)).save(
            os.path.join(out["testA_target"], f"{i:04d}.png")
        )
        Image.fromarray(mapping(other, FLAGS.mapping)).save(
            os.path.join(out["testB"], f"{i:04d}.png")
        )
    print(
        f"Wrote {FLAGS.output_dir}: {half * FLAGS.crops_per_image} A, "
        f"{(len(train) - half) * FLAGS.crops_per_image} B, {len(test)} test images ({FLAGS.mapping})"
    )


if __name__ == "__main__":
    define_flags()
    app.run(main)
