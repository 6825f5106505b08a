"""Tests for `scripts/make_unpaired_task.py`: the known A->B colour mappings and the folders."""

import colorsys
import importlib.util
import os
import subprocess
import sys

import gan_test_helper as helper
import numpy as np
import pytest
from PIL import Image

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRIPT = os.path.join(REPO, "scripts", "make_unpaired_task.py")

_spec = importlib.util.spec_from_file_location("make_unpaired_task", SCRIPT)
task = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(task)  # defines no flags: they are defined only when run as a script


def random_pixels(shape=(16, 16, 3), seed=0):
    return np.random.default_rng(seed).integers(0, 256, shape).astype(np.uint8)


@pytest.mark.parametrize("kind", list(task.MAPPINGS))
def test_every_mapping_is_a_fixed_per_pixel_function(kind):
    pixels = random_pixels()
    out = task.mapping(pixels, kind)
    assert out.dtype == np.uint8 and out.shape == pixels.shape
    np.testing.assert_array_equal(task.mapping(pixels.copy(), kind), out)  # deterministic
    assert np.mean(np.any(out != pixels, axis=-1)) > 0.9  # not (nearly) the identity
    # Per pixel: the same pixels in another arrangement map the same way.
    flat = pixels.reshape(-1, 3)
    order = np.random.default_rng(1).permutation(len(flat))
    np.testing.assert_array_equal(task.mapping(flat[order], kind), out.reshape(-1, 3)[order])


def test_mappings_are_distinct():
    pixels = random_pixels()
    outputs = {kind: task.mapping(pixels, kind) for kind in task.MAPPINGS}
    kinds = list(outputs)
    for i, a in enumerate(kinds):
        for b in kinds[i + 1 :]:
            assert not np.array_equal(outputs[a], outputs[b]), (a, b)


def test_existing_mappings_unchanged():
    pixels = random_pixels()
    np.testing.assert_array_equal(task.mapping(pixels, "invert"), 255 - pixels)
    mixed = np.einsum("ij,hwj->hwi", task.MATRIX, pixels.astype(np.float32) / 255.0)
    np.testing.assert_array_equal(
        task.mapping(pixels, "matrix"), np.clip(np.round(mixed * 255.0), 0, 255).astype(np.uint8)
    )


def test_known_values():
    def one(kind, rgb):
        return task.mapping(np.array([[rgb]], np.uint8), kind)[0, 0].tolist()

    assert one("permute", [255, 0, 0]) == [0, 255, 0]
    assert one("permute", [1, 2, 3]) == [3, 1, 2]
    assert one("hue", [255, 0, 0]) == [255, 255, 0]  # red + 60 degrees = yellow
    assert one("hue", [0, 0, 255]) == [255, 0, 255]  # blue + 60 degrees = magenta
    for kind in ("hue", "contrast", "permute"):
        assert one(kind, [128, 128, 128]) == [128, 128, 128]  # gray stays gray
    assert one("contrast", [0, 0, 0]) == [0, 0, 0] and one("contrast", [255] * 3) == [255] * 3
    assert one("gamma", [64, 64, 64]) == [round(255 * (64 / 255) ** g) for g in task.GAMMAS]
    assert one("sepia", [255, 255, 255]) == [255, 255, 239]
    assert one("warm", [100, 100, 100]) == [112, 100, 82]
    assert one("cool", [100, 100, 100]) == [85, 100, 115]


def test_hsv_helpers_match_colorsys():
    rgb = random_pixels((200, 3)) / 255.0
    rgb[:3] = [[0, 0, 0], [1, 1, 1], [0.5, 0.5, 0.5]]
    hsv = task.rgb_to_hsv(rgb)
    np.testing.assert_allclose(hsv, [colorsys.rgb_to_hsv(*p) for p in rgb], atol=1e-12)
    np.testing.assert_allclose(task.hsv_to_rgb(hsv), rgb, atol=1e-12)


def test_bad_mapping_arguments():
    with pytest.raises(ValueError, match="Received: kind='nope'"):
        task.mapping(random_pixels(), "nope")
    with pytest.raises(ValueError, match="uint8 RGB"):
        task.mapping(random_pixels().astype(np.float32), "hue")


def test_list_prints_every_mapping():
    out = subprocess.run(
        [sys.executable, SCRIPT, "--mapping=list"], capture_output=True, text=True, check=True
    ).stdout
    assert [line.split()[0] for line in out.splitlines()] == list(task.MAPPINGS)


def _crop_sources(image, sources, side):
    """Indices of the `sources` images that have `image` as a `side` x `side` window."""
    found = set()
    for index, source in enumerate(sources):
        h, w = source.shape[:2]
        for y in range(h - side + 1):
            for x in range(w - side + 1):
                if np.array_equal(source[y : y + side, x : x + side], image):
                    found.add(index)
    return found


def _read(folder):
    return [
        np.asarray(Image.open(os.path.join(folder, name))) for name in sorted(os.listdir(folder))
    ]


@pytest.mark.parametrize("kind", ["hue", "permute"])
def test_script_builds_the_task(tmp_path, kind):
    # Random textures: a crop identifies its source image. --crop == --size, so crops are
    # not resized and every output is an exact window of a source image.
    train = [random_pixels((12 + i, 14, 3), seed=i) for i in range(4)]
    test = [random_pixels((14, 12, 3), seed=10 + i) for i in range(2)]
    for folder, images in (("train", train), ("test", test)):
        os.makedirs(tmp_path / folder)
        for i, image in enumerate(images):
            Image.fromarray(image).save(tmp_path / folder / f"{i}.png")
    out = tmp_path / "task"
    # The script's main in this process, as absl.app.run calls it (building imports
    # TensorFlow: a subprocess would import it again); test_list_prints_every_mapping runs
    # the script itself.
    with helper.absl_flags(task.define_flags):
        code, stderr, _ = helper.run_main(
            task.main,
            "make_unpaired_task.py",
            [
                f"--train_images={tmp_path / 'train'}",
                f"--test_images={tmp_path / 'test'}",
                f"--output_dir={out}",
                f"--mapping={kind}",
                "--size=8",
                "--crop=8",
                "--crops_per_image=2",
                "--seed=3",
            ],
        )
    assert code in (0, None), stderr[-2000:]  # main returns None
    a, b = _read(out / "trainA"), _read(out / "trainB")
    test_a, target, test_b = _read(out / "testA"), _read(out / "testA_target"), _read(out / "testB")
    assert (len(a), len(b), len(test_a), len(target), len(test_b)) == (4, 4, 2, 2, 2)
    mapped_train = [task.mapping(image, kind) for image in train]
    for image in a:  # A: untransformed crops of the first half
        assert _crop_sources(image, train, 8) <= {0, 1} and _crop_sources(image, train, 8)
    for image in b:  # B: transformed crops of the OTHER half, never of an A source
        assert _crop_sources(image, mapped_train, 8) <= {2, 3} and _crop_sources(
            image, mapped_train, 8
        )
        assert not _crop_sources(image, train, 8)
    for i, (image, true) in enumerate(zip(test_a, target)):
        assert _crop_sources(image, test, 8) == {i}
        np.testing.assert_array_equal(true, task.mapping(image, kind))
    mapped_test = [task.mapping(image, kind) for image in test]
    for i, image in enumerate(test_b):
        assert _crop_sources(image, mapped_test, 8) == {i}
