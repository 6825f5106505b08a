"""Hostile inputs, fuzzed (issue 17, item 5).

Bounded tables of hostile inputs, each run through what a user runs: dataset specs and
flag values (`train.py`, `export.py`, `predict.py`), image files (training folders and
`predict.py`), `.keras` files (`export.py`, `predict.py`, `evaluate.py`) and output paths
(a read-only or occupied output folder, existing files, a disk that fills up). Every
hostile case must end in one `<prog>: error: ...` line (absl's own `FATAL Flags parsing
error: ...` for flags it cannot parse) and a non-zero exit, with no traceback, and leave
no half-written backup, output file or export version; the unusual but valid images
(16-bit PNG, CMYK JPEG, animated GIF, EXIF-rotated JPEG, a file name that is not UTF-8)
must work. `test_tally` prints the count (docs/reliability.md, "Fuzzed inputs").

The CLIs run in this process: `_cli` defines one CLI's absl flags for a block and
deletes them after (the four CLIs share flag names), and `_main` parses a case's flags
and calls `main`, as `absl.app.run` does. A read-only folder is simulated by refusing
`os.mkdir`, `os.open` and `open` for writing under it (the tests may run as root, whom
`chmod` does not stop), a full disk by a writer that writes part of its file and then
raises what the real writer raised on a full tmpfs (checked by hand, see the docs).
"""

import builtins
import collections
import contextlib
import errno
import importlib.util
import io
import json
import os
import struct
import sys
import traceback
import types
import zipfile
import zlib

import keras
import numpy as np
import pytest
import tensorflow as tf
from absl import flags
from gan_test_helper import absl_flags
from PIL import Image
from test_reliability import _assert_one_error_line, _image_bytes, _write_good

import keras_gan
import keras_gan.cli
from keras_gan.data import UnreadableFilesWarning, image_dataset, list_image_files
from keras_gan.data.sources import decode_image_file, readable_image_files
from keras_gan.export import cli as export_cli
from keras_gan.export import exporter as exporter_lib
from keras_gan.predict import cli as predict_cli
from keras_gan.predict import read_image, read_mask

pytestmark = pytest.mark.xdist_group("fuzz")  # one worker: the tally sees every case

TALLY = collections.Counter()  # "cases", "clean error", "worked", "outputs checked"
BY_GROUP = collections.defaultdict(collections.Counter)  # group -> outcome -> cases
GROUPS = {  # the tally's groups: by test (dataset specs split off in the first)
    "test_dataset_specs_and_flag_values": "flag values, train.py",
    "test_export_and_predict_flag_values": "flag values, export.py and predict.py",
    "test_images_in_training_folders": "image files, training decoder",
    "test_images_in_predict": "image files and masks, predict.py",
    "test_keras_files": ".keras and other generator files",
    "test_export_paths": "export paths",
    "test_train_paths_backups_and_a_hostile_folder": "train paths and backups",
    "test_predict_paths": "predict paths",
}
_CURRENT = {}
NON_UTF8 = os.fsdecode(b"caf\xe9.png")  # a Latin-1 name: b"caf\xe9" is not UTF-8


@pytest.fixture(autouse=True)
def _current_test(request):
    _CURRENT["group"] = GROUPS.get(request.node.name)


def _count(outcome, checked_outputs=False, group=None):
    """Record one case: `"clean error"` or `"worked"`; `checked_outputs` when the test
    looked at the output folders after it (nothing half-written, nothing lost)."""
    assert outcome in ("clean error", "worked")
    TALLY["cases"] += 1
    TALLY[outcome] += 1
    TALLY["outputs checked"] += bool(checked_outputs)
    BY_GROUP[group or _CURRENT["group"]][outcome] += 1


# --------------------------------------------------------------------- CLI harness


def _main(main, prog, args):
    """Parse `args` and call `main`, as `absl.app.run` does; the result dict of
    `test_reliability._run_cli_cases` (`code`, `stderr`, `trace`)."""
    stderr, code, trace = io.StringIO(), None, ""
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        flags.FLAGS.unparse_flags()
        try:
            flags.FLAGS([prog, *args])
        except flags.Error as error:  # what app.run prints, and its exit code
            print(f"FATAL Flags parsing error: {error}", file=sys.stderr)
            code = 1
        else:
            try:
                code = main([prog])
            except SystemExit as exit:
                code = exit.code
            except Exception as error:  # a traceback: the case fails
                trace = "".join(traceback.format_exception(error))
    return {"args": args, "code": code, "stderr": stderr.getvalue(), "trace": trace}


def _error(result, prog, expected):
    """One error line naming `expected`, a non-zero exit, no traceback."""
    _assert_one_error_line(result, f"{prog}: error:", expected)


def _train_module():
    return keras_gan.cli._load("train.py")


TINY_TRAIN = [
    "--model=gan",
    "--dataset=builtin:digits",
    "--image_size=16",
    "--channels=1",
    "--filters=4",
    "--latent_dim=8",
    "--batch_size=4",
    "--epochs=1",
    "--steps_per_epoch=1",
    "--verbose=0",
    "--export=none",
    "--samples=4",
]


# ------------------------------------------------------------------ hostile files


def _png(width, height, raw, bit_depth=8, color_type=2):
    """A PNG file with any header (no check that `raw` matches it)."""

    def chunk(kind, data):
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


GRAY16 = np.linspace(0, 65535, 24 * 24).reshape(24, 24).astype(np.uint16)


def _valid_images(folder):
    """Unusual but valid images: name -> what a reader must give (checked in the tests)."""
    folder.mkdir(parents=True, exist_ok=True)
    Image.fromarray(GRAY16).save(folder / "gray16.png")  # PIL: mode I;16
    rgb16 = np.zeros((24, 24, 3), ">u2")
    rgb16[..., 0], rgb16[..., 1] = 65535, 32768
    (folder / "rgb16.png").write_bytes(
        _png(24, 24, b"".join(b"\x00" + row.tobytes() for row in rgb16), bit_depth=16)
    )
    Image.new("CMYK", (24, 24), (0, 255, 255, 0)).save(folder / "cmyk.jpg")  # red
    frames = [Image.new("RGB", (24, 24), color) for color in ((255, 0, 0), (0, 0, 255))]
    frames[0].save(
        folder / "animated.gif", save_all=True, append_images=frames[1:], duration=100, loop=0
    )
    # Stored 32 wide x 16 high, left half blue; orientation 6: shown rotated 90 degrees
    # clockwise, 16 wide x 32 high with the blue half on top.
    exif_image = Image.new("RGB", (32, 16), (255, 0, 0))
    exif_image.paste((0, 0, 255), (0, 0, 16, 16))
    exif = Image.Exif()
    exif[0x0112] = 6
    exif_image.save(folder / "exif_rotated.jpg", exif=exif.tobytes(), quality=95)
    Image.new("RGB", (24, 24), (0, 255, 0)).save(os.path.join(folder, NON_UTF8), "PNG")
    return ["animated.gif", NON_UTF8, "cmyk.jpg", "exif_rotated.jpg", "gray16.png", "rgb16.png"]


def _corrupt_images(folder):
    """Files with an image extension that are not readable images: their names."""
    folder.mkdir(parents=True, exist_ok=True)
    png, jpg = _image_bytes("PNG", 1), _image_bytes("JPEG", 2)
    sof = jpg.index(b"\xff\xc0")  # the JPEG's size, patched to 65000 x 65000
    files = {
        "zero_bytes.png": b"",
        "truncated.png": png[: len(png) * 9 // 10],
        "truncated.jpg": jpg[: len(jpg) * 9 // 10],  # PIL's verify() passes it
        "huge_header.png": _png(100_000, 100_000, b"\x00" * 10),  # 10^10 px claimed
        "huge_header.jpg": jpg[: sof + 5] + struct.pack(">HH", 65000, 65000) + jpg[sof + 9 :],
        "text.jpg": b"not an image\n",
    }
    for name, content in files.items():
        (folder / name).write_bytes(content)
    return sorted(files)


@pytest.fixture(scope="module")
def generators(tmp_path_factory):
    """Tiny generators saved as `.keras`: gan (latent), srgan (x2) and inpainting."""
    root = tmp_path_factory.mktemp("fuzz_generators")
    keras.utils.set_random_seed(0)
    networks = {
        "gan": keras_gan.networks.dcgan_generator(
            latent_dim=8, image_size=16, channels=3, filters=4
        ),
        "srgan": keras_gan.networks.srresnet_generator(scale=2, residual_blocks=1, filters=4),
        "inpainting": keras_gan.networks.gated_generator(filters=4, dilations=(2,)),
    }
    paths = {}
    for name, network in networks.items():
        paths[name] = str(root / f"{name}.keras")
        network.save(paths[name])
    return paths


@pytest.fixture(scope="module")
def image_folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz_images")
    valid, corrupt = _valid_images(root / "valid"), _corrupt_images(root / "corrupt")
    mixed = root / "mixed"
    _valid_images(mixed)
    _corrupt_images(mixed)
    return {"root": root, "valid": valid, "corrupt": corrupt, "mixed": mixed}


def _listing(folder):
    """Every file and folder under `folder`, files with their size: what must not change."""
    entries = []
    for root, dirs, files in os.walk(folder):
        entries += [(os.path.relpath(os.path.join(root, d), folder), None) for d in dirs]
        entries += [
            (os.path.relpath(os.path.join(root, f), folder), os.path.getsize(os.path.join(root, f)))
            for f in files
        ]
    return sorted(entries)


# ------------------------------------------------------------- simulated disks


def _refuse_writes(monkeypatch, root):
    """Make `root` a read-only folder for this process (`EROFS`, as a read-only mount)."""
    root = os.path.abspath(root)
    real_mkdir, real_open, real_builtin_open = os.mkdir, os.open, builtins.open

    def inside(path):
        if not isinstance(path, (str, bytes, os.PathLike)):
            return False
        path = os.path.abspath(os.fsdecode(path))
        return path == root or path.startswith(root + os.sep)

    def refuse(path):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), os.fsdecode(path))

    def mkdir(path, *args, **kwargs):
        if inside(path):
            refuse(path)
        return real_mkdir(path, *args, **kwargs)

    def os_open(path, flags_, *args, **kwargs):
        if inside(path) and flags_ & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            refuse(path)
        return real_open(path, flags_, *args, **kwargs)

    def builtin_open(file, mode="r", *args, **kwargs):
        if inside(file) and set(mode) & set("wax+"):
            refuse(file)
        return real_builtin_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(os, "mkdir", mkdir)
    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", builtin_open)


def _enospc(path=None):
    return OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), *([os.fsdecode(path)] if path else []))


# ------------------------------------------------- dataset specs and flag values


def test_dataset_specs_and_flag_values(tmp_path, image_folders):
    """train.py refuses each in one line before writing anything."""
    (tmp_path / "a_file").write_text("not a folder")
    (tmp_path / "empty").mkdir()
    (tmp_path / "only_text").mkdir()
    (tmp_path / "only_text" / "notes.txt").write_text("no image extension")
    _write_good(tmp_path / "one_image", 1)
    try:
        import tensorflow_datasets  # noqa: F401

        tfds_expected = "no_such_dataset_xyz"
    except ImportError:
        tfds_expected = "tensorflow-datasets"
    cases = {
        # dataset specs
        "--dataset=": "Unknown dataset spec",
        "--dataset=folder:": "Unknown dataset spec",
        "--dataset=builtin:": "Unknown dataset spec",
        "--dataset=builtin:nope": "Unknown builtin dataset 'nope'",
        "--dataset=tfds::train": "needs a dataset name",
        "--dataset=tfds:no_such_dataset_xyz": tfds_expected,
        "--dataset=http://example.com/images.zip": "Unknown dataset spec",
        f"--dataset=folder:{tmp_path / 'a_file'}": "is not a directory",
        f"--dataset=folder:{tmp_path / 'empty'}": "contains no image files",
        f"--dataset=folder:{tmp_path / 'only_text'}": "contains no image files",
        f"--dataset=folder:{image_folders['root'] / 'corrupt'}": "no readable image",
        f"--dataset=folder:{tmp_path / 'one_image'}": "fewer than one batch",
        # flag values
        "--image_size=0": "Received: image_size=0",
        "--image_size=100000": "Received: image_size=100000",
        "--batch_size=0": "Received: batch_size=0",
        "--batch_size=-1": "Received: batch_size=-1",
        "--channels=2": "Received: channels=2",
        "--epochs=-1": "Received: epochs=-1",
        "--steps_per_epoch=-1": "Received: steps_per_epoch=-1",
        "--samples=0": "Received: samples=0",
        "--steps_per_execution=0": "Received: steps_per_execution=0",
        "--seed=-1": "Received: seed=-1",
        "--seed=4294967296": "Received: seed=4294967296",
        "--learning_rate=nan": "Received: learning_rate=nan",
        "--learning_rate=inf": "Received: learning_rate=inf",
        "--learning_rate=-1": "Received: initial_learning_rate=-1.0",
        "--beta_1=2": "Received: beta_1=2.0",
        "--ema_decay=1.5": "Received: ema_decay=1.5",
        "--r1_gamma=-1": "r1_gamma=-1.0",
        "--gradient_penalty_weight=nan": "Received: gradient_penalty_weight=nan",
        "--filters=0": "Received: filters=0",
        "--latent_dim=0": "Received: latent_dim=0",
        "--n_critic=-1": "Received: n_critic=-1",
        "--backup_every_steps=-1": "Received: backup_every_steps=-1",
        "--export=saved_model,,bogus": "Received: export='saved_model,,bogus'",
    }
    absl_cases = {  # flags absl itself cannot parse: its one FATAL line, exit 1
        "--image_size=abc": "--image_size=abc",
        "--batch_size=1.5": "--batch_size=1.5",
        "--loss=bogus": "--loss=bogus",
        "--learning_rate=fast": "--learning_rate=fast",
        "--no_such_flag=1": "no_such_flag",
    }
    train = _train_module()
    with absl_flags(train.define_flags):
        for i, (arg, expected) in enumerate({**cases, **absl_cases}.items()):
            out = tmp_path / "out" / str(i)
            result = _main(train.main, "train.py", [*TINY_TRAIN, arg, f"--output_dir={out}"])
            if arg in absl_cases:
                _assert_one_error_line(result, "FATAL Flags parsing error:", expected)
            else:
                _error(result, "train.py", expected)
                assert result["code"] == 2, result
            assert not out.exists(), arg  # refused before anything was written
            _count(
                "clean error",
                checked_outputs=True,
                group="dataset specs, train.py" if arg.startswith("--dataset") else None,
            )


def test_export_and_predict_flag_values(tmp_path, generators, image_folders):
    image = str(image_folders["root"] / "valid" / "cmyk.jpg")
    out = tmp_path / "out"
    gan, srgan = f"--generator={generators['gan']}", f"--generator={generators['srgan']}"
    export_cases = [
        ([gan, "--formats=bogus"], "Received: formats='bogus'"),
        ([gan, "--formats=,"], "Received: formats=','"),
        ([gan, "--quantize=int9", "--formats=tflite"], "Received: quantize='int9'"),
        ([gan, "--version=-1"], "Received: version=-1"),
        ([gan, "--name=../escape"], "Received: name='../escape'"),
        ([gan, "--name=.hidden"], "Received: name='.hidden'"),
        ([srgan, "--image_size=-1", "--formats=tflite"], "Received: image_size=-1"),
        (
            [
                srgan,
                "--image_size=8",
                "--quantize=int8",
                "--formats=tflite",
                "--representative_data=folder:/does/not/exist",
            ],
            'Received: dataset="folder:',
        ),
        ([f"--generator={tmp_path}"], "Generator file not found"),
        ([f"--generator={image}"], "as a Keras model in safe mode"),
    ]
    with absl_flags(export_cli.define_flags):
        for args, expected in export_cases:
            result = _main(
                export_cli.main, "export.py", [*args, f"--output_dir={out}", "--noverify"]
            )
            _error(result, "export.py", expected)
            assert not out.exists() or not any(  # no version folder
                name.isdigit() for _, dirs, _ in os.walk(out) for name in dirs
            ), args
            _count("clean error", checked_outputs=True)
    predict_cases = [
        ([srgan, f"--input={image}", "--num_samples=4"], "exclude each other"),
        ([srgan, f"--input={image},{image}"], "same output file"),
        ([srgan, "--input=,,"], "No input images"),
        ([srgan, f"--input=@{tmp_path / 'missing_list.txt'}"], "missing_list.txt"),
        ([srgan, f"--input={image}", "--tile_overlap=-5"], "Received: tile_overlap=-5"),
        ([gan, "--num_samples=-3"], "Received: num_samples=-3"),
        ([gan, "--num_samples=4", "--labels=a,b"], "Received: labels=['a', 'b']"),
        ([gan, "--num_samples=4", "--grid", "--grid_columns=-1"], "Received: columns=-1"),
        ([f"--generator={tmp_path}", f"--input={image}"], "SavedModel version folder"),
    ]
    with absl_flags(predict_cli.define_flags):
        for args, expected in predict_cases:
            result = _main(
                predict_cli.main,
                "keras-gan-predict",
                [*args, f"--output={out / 'p.png'}", "--noprogress"],
            )
            _error(result, "keras-gan-predict", expected)
            assert result["code"] == 2 and not (out / "p.png").exists(), args
            _count("clean error", checked_outputs=True)


# ---------------------------------------------------------------------- images


def test_images_in_training_folders(tmp_path, image_folders):
    """The training decoder (TensorFlow's, in tf.data): unusual images work, corrupt ones
    are left out with one warning naming each, a folder name that is not UTF-8 works."""
    valid = image_folders["root"] / "valid"
    decoded = {
        name: decode_image_file(os.path.join(valid, name)).numpy()
        for name in image_folders["valid"]
    }
    gray16 = decoded["gray16.png"][..., 0]
    np.testing.assert_allclose(gray16, GRAY16 / 65535.0, atol=1e-6)  # scaled, not clipped
    np.testing.assert_allclose(decoded["rgb16.png"][0, 0], [1.0, 32768 / 65535, 0.0], atol=1e-6)
    assert _near(decoded["cmyk.jpg"], [1, 0, 0]) and _near(decoded["animated.gif"], [1, 0, 0])
    assert _near(decoded[NON_UTF8], [0, 1, 0])
    # TensorFlow's decoders do not read EXIF: training sees the pixels as stored.
    assert decoded["exif_rotated.jpg"].shape == (16, 32, 3)
    assert _near(decoded["exif_rotated.jpg"][:, :12], [0, 0, 1])  # away from JPEG's edge blur
    assert _near(decoded["exif_rotated.jpg"][:, 20:], [1, 0, 0])
    for _ in image_folders["valid"]:
        _count("worked")

    mixed = str(image_folders["mixed"])
    with pytest.warns(UnreadableFilesWarning) as caught:
        readable = readable_image_files(list_image_files(mixed), mixed)
    skipped = sorted(os.path.basename(p) for w in caught for p in w.message.paths)
    assert skipped == image_folders["corrupt"]
    assert sorted(map(os.path.basename, readable)) == sorted(image_folders["valid"])
    for name in image_folders["corrupt"]:
        assert name in str(caught[0].message)
        _count("clean error")

    # The whole pipeline over the mixed folder, and class folders, one not UTF-8.
    with pytest.warns(UnreadableFilesWarning):
        data = image_dataset(
            f"folder:{mixed}", image_size=16, channels=3, batch_size=1, shuffle=False, repeat=False
        )
    images = [batch["image"].numpy() for batch in data.dataset]
    assert len(images) == len(image_folders["valid"]) and all(np.isfinite(i).all() for i in images)
    classes = tmp_path / "classes"
    _write_good(classes / "cats", 2)
    _write_good(classes / os.fsdecode(b"b\xe9b\xe9s"), 2, start=2)  # Latin-1 "bébés"
    data = image_dataset(
        f"folder:{classes}", image_size=16, channels=3, batch_size=1, shuffle=False, repeat=False
    )
    assert data.num_classes == 2 and [int(b["label"][0]) for b in data.dataset] == [0, 0, 1, 1]
    _count("worked")
    # A symlink back up the tree: every image once, no endless listing.
    _write_good(tmp_path / "loop" / "sub", 1)
    os.symlink("..", tmp_path / "loop" / "sub" / "up")
    assert [os.path.relpath(p, tmp_path) for p in list_image_files(str(tmp_path / "loop"))] == [
        os.path.join("loop", "sub", "good_0.png")
    ]
    _count("worked")


def _near(image, rgb, tolerance=0.1):
    """Every pixel within `tolerance` of `rgb` (images in [0, 1])."""
    return bool(np.all(np.abs(np.asarray(image)[..., :3] - np.asarray(rgb)) <= tolerance))


def test_images_in_predict(tmp_path, generators, image_folders):
    """predict.py (PIL): unusual images are read right (EXIF applied) and predicted, with
    their names kept; a corrupt one is one line naming it, and nothing is written."""
    valid = image_folders["root"] / "valid"
    read = {
        name: (read_image(os.path.join(valid, name)) + 1) / 2 for name in image_folders["valid"]
    }
    np.testing.assert_allclose(read["gray16.png"][..., 0], GRAY16 / 65535.0, atol=0.5 / 255)
    assert np.all(read["gray16.png"][..., 0] == read["gray16.png"][..., 2])  # gray -> RGB
    np.testing.assert_allclose(read["rgb16.png"][0, 0], [1.0, 128 / 255, 0.0], atol=1e-6)
    assert _near(read["cmyk.jpg"], [1, 0, 0]) and _near(read["animated.gif"], [1, 0, 0])
    assert _near(read[NON_UTF8], [0, 1, 0])
    rotated = read["exif_rotated.jpg"]
    assert rotated.shape == (32, 16, 3)  # shown upright: 16 wide, 32 high, blue on top
    assert _near(rotated[:12], [0, 0, 1]) and _near(rotated[20:], [1, 0, 0])

    srgan, inpainting = (
        f"--generator={generators['srgan']}",
        f"--generator={generators['inpainting']}",
    )
    out = tmp_path / "out"
    hole = np.zeros((24, 24), np.uint16)
    hole[4:12, 4:12] = 65535
    hole[16:, 16:] = 30000  # 46 % gray: not a hole (PIL's own 16-bit convert made it white)
    Image.fromarray(hole).save(tmp_path / "mask16.png")
    mask = read_mask(str(tmp_path / "mask16.png"), 24, 24)
    assert mask[4:12, 4:12].min() == 1 and mask.sum() == 64
    (tmp_path / "zero_mask.png").write_bytes(b"")
    mixed_dir = tmp_path / "good_then_truncated"
    _write_good(mixed_dir, 1)
    (mixed_dir / "z_truncated.jpg").write_bytes(
        (image_folders["root"] / "corrupt" / "truncated.jpg").read_bytes()
    )
    with absl_flags(predict_cli.define_flags):
        result = _main(
            predict_cli.main,
            "keras-gan-predict",
            [srgan, f"--input={valid}", f"--output={out}", "--noprogress"],
        )
        assert result["code"] == 0 and not result["trace"], result
        for name in image_folders["valid"]:
            stem, ext = os.path.splitext(name)
            written = read_image(str(out / (stem + (ext if ext in (".png", ".jpg") else ".png"))))
            assert written.shape[:2] == tuple(2 * s for s in read[name].shape[:2]), name
            _count("worked", checked_outputs=True)
        result = _main(
            predict_cli.main,
            "keras-gan-predict",
            [
                inpainting,
                f"--input={valid / 'cmyk.jpg'}",
                f"--mask={tmp_path / 'mask16.png'}",
                f"--output={out / 'filled.png'}",
                "--noprogress",
            ],
        )
        assert result["code"] == 0 and (out / "filled.png").is_file(), result
        _count("worked", checked_outputs=True)

        corrupt = image_folders["root"] / "corrupt"
        cases = [([srgan, f"--input={corrupt / name}"], name) for name in image_folders["corrupt"]]
        cases += [
            ([srgan, f"--input={mixed_dir}"], "z_truncated.jpg"),  # fails before writing good_0
            (
                [
                    inpainting,
                    f"--input={valid / 'cmyk.jpg'}",
                    f"--mask={tmp_path / 'zero_mask.png'}",
                ],
                "zero_mask.png",
            ),
        ]
        for args, expected in cases:
            target = tmp_path / "refused"
            result = _main(
                predict_cli.main, "keras-gan-predict", [*args, f"--output={target}", "--noprogress"]
            )
            _error(result, "keras-gan-predict", expected)
            assert not target.exists(), args
            _count("clean error", checked_outputs=True)


# ----------------------------------------------------------------- .keras files


def _hostile_keras_files(folder, generator):
    """Truncated, corrupt and foreign `.keras` files: name -> the error's words."""
    folder.mkdir(parents=True, exist_ok=True)
    source = open(generator, "rb").read()
    with zipfile.ZipFile(generator) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    corrupt = bytearray(source)
    for i in range(len(source) // 3, len(source) // 3 + 64):  # inside model.weights.h5
        corrupt[i] ^= 0xFF

    def rezip(**replace):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for name, data in {**members, **replace}.items():
                if data is not None:
                    archive.writestr(name, data)
        return buffer.getvalue()

    marker = folder / "PWNED"
    config = lambda module, name, cfg: json.dumps(  # noqa: E731
        {"module": module, "class_name": name, "config": cfg, "registered_name": name}
    )
    other = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    image = keras.Input((16, 16, 3), name="image")
    lambda_model = keras.Model(image, keras.layers.Lambda(lambda t: t * 2.0)(image))
    lambda_model.save(folder / "lambda.keras")
    files = {
        "zero_bytes.keras": (b"", "not a zip archive"),
        "truncated_half.keras": (source[: len(source) // 2], "not a zip archive"),
        "truncated_tail.keras": (source[:-10], "not a zip archive"),
        "bad_crc.keras": (bytes(corrupt), "Bad CRC-32"),
        "bad_deflate.keras": (_corrupt_deflated(members), "while decompressing"),
        "text.keras": (b"hello", "not a zip archive"),
        "os_system.keras": (
            rezip(**{"config.json": config("os", "system", {"command": f"touch {marker}"})}),
            "Could not locate class 'system'",
        ),
        "popen.keras": (
            rezip(
                **{"config.json": config("subprocess", "Popen", {"args": ["touch", str(marker)]})}
            ),
            "'Popen'",
        ),
        "unknown_class.keras": (
            rezip(**{"config.json": config("nowhere", "Thing", {})}),
            "'Thing'",
        ),
        "config_list.keras": (rezip(**{"config.json": "[1, 2, 3]"}), "safe mode"),
        "config_not_json.keras": (rezip(**{"config.json": "{not json"}), "safe mode"),
        "no_config.keras": (rezip(**{"config.json": None}), "config.json"),
        "no_weights.keras": (rezip(**{"model.weights.h5": None}), "model.weights"),
        "bad_weights.keras": (rezip(**{"model.weights.h5": b"garbage"}), "safe mode"),
        "other_models_config.keras": (
            rezip(**{"config.json": json.dumps(keras.saving.serialize_keras_object(other))}),
            "safe mode",
        ),
    }
    for name, (content, _) in files.items():
        (folder / name).write_bytes(content)
    return {
        **{name: expected for name, (_, expected) in files.items()},
        "lambda.keras": "Lambda",
    }, marker


def _corrupt_deflated(members):
    """The members deflated, with bytes in the weights' stream garbled so that zlib
    itself fails (other garbles fail the CRC check, as `bad_crc.keras` does)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    data, rng = buffer.getvalue(), np.random.default_rng(0)
    for _ in range(200):
        garbled = bytearray(data)
        garbled[len(data) // 3 : len(data) // 3 + 64] = rng.integers(0, 256, 64, np.uint8).tobytes()
        try:
            with zipfile.ZipFile(io.BytesIO(garbled)) as archive:
                archive.read("model.weights.h5")
        except zlib.error:
            return bytes(garbled)
        except zipfile.BadZipFile:
            continue
    raise AssertionError("no garble made zlib fail")


def test_keras_files(tmp_path, generators):
    """export.py, predict.py and evaluate.py refuse them in one line, in safe mode: the
    configs that name os.system or subprocess.Popen run nothing."""
    files, marker = _hostile_keras_files(tmp_path / "models", generators["gan"])
    out = tmp_path / "exported"
    with absl_flags(export_cli.define_flags):
        for name, expected in files.items():
            result = _main(
                export_cli.main,
                "export.py",
                [
                    f"--generator={tmp_path / 'models' / name}",
                    f"--output_dir={out}",
                    "--formats=saved_model",
                    "--noverify",
                ],
            )
            _error(result, "export.py", expected)
            assert name in result["stderr"] and result["code"] == 1
            assert not out.exists()
            _count("clean error", checked_outputs=True)
    some = [
        "truncated_half.keras",
        "bad_crc.keras",
        "os_system.keras",
        "config_list.keras",
        "no_config.keras",
        "lambda.keras",
    ]
    image = tmp_path / "image.png"
    _write_good(tmp_path, 1)
    os.replace(tmp_path / "good_0.png", image)
    with absl_flags(predict_cli.define_flags):
        for name in some:
            result = _main(
                predict_cli.main,
                "keras-gan-predict",
                [
                    f"--generator={tmp_path / 'models' / name}",
                    f"--input={image}",
                    f"--output={tmp_path / 'predicted.png'}",
                    "--noprogress",
                ],
            )
            _error(result, "keras-gan-predict", files[name])
            assert not (tmp_path / "predicted.png").exists()
            _count("clean error", checked_outputs=True)
    # The other generator files predict.py loads, garbled: a SavedModel, .onnx, .tflite.
    models = tmp_path / "models"
    (models / "sm" / "1").mkdir(parents=True)
    (models / "sm" / "1" / "saved_model.pb").write_bytes(os.urandom(3000))
    others = {"sm": "saved_model.pb"}
    if importlib.util.find_spec("onnxruntime"):
        (models / "garbage.onnx").write_bytes(os.urandom(3000))
        others["garbage.onnx"] = "as an ONNX model"
    if importlib.util.find_spec("ai_edge_litert"):
        (models / "garbage.tflite").write_bytes(os.urandom(3000))
        (models / "empty.tflite").write_bytes(b"")
        others.update({"garbage.tflite": "as a TFLite model", "empty.tflite": "as a TFLite model"})
    with absl_flags(predict_cli.define_flags):
        for name, expected in others.items():
            result = _main(
                predict_cli.main,
                "keras-gan-predict",
                [
                    f"--generator={models / name}",
                    f"--input={image}",
                    f"--output={tmp_path / 'predicted.png'}",
                    "--noprogress",
                ],
            )
            _error(result, "keras-gan-predict", expected)
            assert not (tmp_path / "predicted.png").exists()
            _count("clean error", checked_outputs=True)
    evaluate = {}
    with absl_flags(lambda: evaluate.setdefault("module", keras_gan.cli._load("evaluate.py"))):
        for name in some:
            for role in ("generator", "classifier"):
                models = {
                    "generator": generators["gan"],
                    "classifier": generators["gan"],
                    role: str(tmp_path / "models" / name),
                }
                result = _main(
                    evaluate["module"].main,
                    "evaluate.py",
                    ["--model=gan", "--num_samples=4", *(f"--{k}={v}" for k, v in models.items())],
                )
                _error(result, "evaluate.py", files[name])
                assert result["code"] == 2
                _count("clean error")
    assert not marker.exists()  # no code from a config ran


# ----------------------------------------------------------------- export paths


def test_export_paths(tmp_path, generators, monkeypatch):
    """export.py: an unwritable, occupied or filling output folder is one line, exit 1,
    and leaves the model folder as it was: no version, no temporary folder."""
    gan = f"--generator={generators['gan']}"
    out = tmp_path / "exports"
    base = out / "gan_export"

    def export(*args):
        return _main(
            export_cli.main,
            "export.py",
            [
                gan,
                "--name=gan_export",
                f"--output_dir={out}",
                "--formats=saved_model",
                "--noverify",
                *args,
            ],
        )

    with absl_flags(export_cli.define_flags):
        result = export()
        assert result["code"] == 0 and (base / "1" / "saved_model.pb").is_file(), result
        before = _listing(base)

        def refused(args, expected, folder=base):
            result = export(*args)
            _error(result, "export.py", expected)
            assert result["code"] == 1
            assert _listing(folder) == (before if folder == base else [])
            _count("clean error", checked_outputs=True)

        refused(["--version=1"], "never overwritten")
        (tmp_path / "a_file").write_text("x")
        result = _main(
            export_cli.main,
            "export.py",
            [gan, f"--output_dir={tmp_path / 'a_file'}", "--formats=saved_model", "--noverify"],
        )
        _error(result, "export.py", "Not a directory")
        _count("clean error", checked_outputs=True)
        (base / "tflite").write_text("a file where the tflite folder goes")
        before = _listing(base)
        refused(["--formats=saved_model,tflite", "--quantize=float32"], "is not a folder")
        os.remove(base / "tflite")
        os.replace(base / "export_report.json", tmp_path / "report.json")
        (base / "export_report.json").mkdir()
        before = _listing(base)
        refused([], "is a folder")
        os.rmdir(base / "export_report.json")
        os.replace(tmp_path / "report.json", base / "export_report.json")
        before = _listing(base)

        with monkeypatch.context() as patch:  # the disk fills while the SavedModel is written

            def full_disk(generator, spec, path, **kwargs):
                os.makedirs(os.path.join(path, "variables"))
                with open(os.path.join(path, "saved_model.pb"), "wb") as f:
                    f.write(b"\x08\x01" * 100)
                raise tf.errors.ResourceExhaustedError(
                    None, None, f"{path}/saved_model.pb.tmp1234; No space left on device"
                )

            patch.setattr(exporter_lib.saved_model_lib, "write_saved_model", full_disk)
            refused([], "No space left on device")
        os.makedirs(tmp_path / "read_only")
        with monkeypatch.context() as patch:  # a read-only output folder
            _refuse_writes(patch, tmp_path / "read_only")
            result = _main(
                export_cli.main,
                "export.py",
                [
                    gan,
                    f"--output_dir={tmp_path / 'read_only'}",
                    "--formats=saved_model",
                    "--noverify",
                ],
            )
        _error(result, "export.py", "Read-only file system")
        assert os.listdir(tmp_path / "read_only") == []
        _count("clean error", checked_outputs=True)
        with monkeypatch.context() as patch:  # the disk fills while the report is written

            def full_disk_dump(obj, f, **kwargs):
                f.write(json.dumps(obj, **kwargs)[:100])
                raise _enospc()

            patch.setattr(exporter_lib, "json", types.SimpleNamespace(dump=full_disk_dump))
            result = export()
        _error(result, "export.py", "No space left on device")
        # Version 2 is complete and published (the failure came after); the old report
        # stays whole and no half-written one is left.
        assert (base / "2" / "saved_model.pb").is_file()
        assert not [n for n in os.listdir(base) if n.endswith(".tmp") or n.startswith(".tmp")]
        json.loads((base / "export_report.json").read_text())
        _count("clean error", checked_outputs=True)


# ------------------------------------------------------------------ train paths


@pytest.mark.slow
def test_train_paths_backups_and_a_hostile_folder(tmp_path, image_folders, monkeypatch):
    """train.py: a read-only or occupied output folder, a corrupt backup and a disk that
    fills up during a backup or the final save are one line and a non-zero exit; no
    half-written backup or .keras file is left and the last backup resumes. A folder of
    hostile images trains (corrupt files skipped and named)."""
    train = _train_module()
    out = tmp_path / "run"
    args = [*TINY_TRAIN, f"--output_dir={out}"]
    with absl_flags(train.define_flags):
        os.makedirs(tmp_path / "read_only")
        with monkeypatch.context() as patch:
            _refuse_writes(patch, tmp_path / "read_only")
            result = _main(
                train.main,
                "train.py",
                [*TINY_TRAIN, f"--output_dir={tmp_path / 'read_only' / 'run'}"],
            )
        _error(result, "train.py", "Read-only file system")
        assert result["code"] == 1 and os.listdir(tmp_path / "read_only") == []
        _count("clean error", checked_outputs=True)
        (tmp_path / "a_file").write_text("x")
        result = _main(
            train.main, "train.py", [*TINY_TRAIN, f"--output_dir={tmp_path / 'a_file' / 'run'}"]
        )
        _error(result, "train.py", "Not a directory")
        _count("clean error", checked_outputs=True)

        # Corrupt backups: refused, kept as they are, --resume=false named.
        for name, files in {
            "weights": {
                "state.json": '{"step": 1, "epoch": 1, "steps_per_epoch": 1}',
                "state.weights.h5": "garbage",
            },
            "metadata": {"state.json": '{"step": 1, "epo', "state.weights.h5": "garbage"},
        }.items():
            latest = tmp_path / name / "backup" / "latest"
            latest.mkdir(parents=True)
            for file, text in files.items():
                (latest / file).write_text(text)
            result = _main(train.main, "train.py", [*TINY_TRAIN, f"--output_dir={tmp_path / name}"])
            _error(result, "train.py", "--resume=false")
            assert {f: (latest / f).read_text() for f in files} == files
            _count("clean error", checked_outputs=True)

        # On the folder of hostile images (the corrupt ones skipped and named), the disk
        # fills during the second backup: the first stays whole and the run resumes from it.
        saves = []
        real_save_weights = keras.Model.save_weights

        def full_disk_save_weights(self, path, *a, **k):
            saves.append(path)
            if len(saves) == 2:
                with open(path, "wb") as f:
                    f.write(b"\x89HDF\r\n\x1a\n" + bytes(100))
                raise _enospc(path)
            return real_save_weights(self, path, *a, **k)

        hostile = [
            *args,
            f"--dataset=folder:{image_folders['mixed']}",
            "--channels=3",
            "--batch_size=2",
            "--epochs=2",
        ]
        with monkeypatch.context() as patch:
            patch.setattr(keras.Model, "save_weights", full_disk_save_weights)
            result = _main(train.main, "train.py", hostile)
        _error(result, "train.py", "No space left on device")
        assert result["code"] == 1
        backup = out / "backup"
        assert sorted(os.listdir(backup)) == ["latest"]  # no latest.new
        assert json.loads((backup / "latest" / "state.json").read_text())["step"] == 1
        assert not (out / "generator.keras").exists()
        _count("clean error", checked_outputs=True)
        result = _main(train.main, "train.py", hostile)
        assert result["code"] in (0, None) and not result["trace"], result  # main returns None
        assert len((out / "history.csv").read_text().splitlines()) == 3  # header, epochs 1, 2
        skipped = json.loads((out / "skipped_files.json").read_text())["files"]
        assert sorted(map(os.path.basename, skipped)) == image_folders["corrupt"]
        assert (out / "generator.keras").is_file() and not backup.exists()
        _count("worked", checked_outputs=True)

        # The disk fills during the final save: no half-written generator.keras.
        def full_disk_save(self, path, *a, **k):
            with open(path, "wb") as f:
                f.write(b"PK\x03\x04" + bytes(100))
            raise _enospc()

        out2 = tmp_path / "run2"
        with monkeypatch.context() as patch:
            patch.setattr(keras.Model, "save", full_disk_save)
            result = _main(train.main, "train.py", [*TINY_TRAIN, f"--output_dir={out2}"])
        _error(result, "train.py", "generator.keras")
        assert not [n for n in os.listdir(out2) if n.endswith(".keras")]
        assert (out2 / "backup" / "latest" / "state.json").is_file()  # the state is kept
        _count("clean error", checked_outputs=True)


# --------------------------------------------------------------- predict paths


def test_predict_paths(tmp_path, generators, image_folders, monkeypatch):
    """predict.py: an output that cannot be written is one line, exit 2, and leaves no
    temporary or partial file; an existing output is kept."""
    srgan = f"--generator={generators['srgan']}"
    valid = image_folders["root"] / "valid"
    one = f"--input={valid / 'cmyk.jpg'}"

    def predict(*args):
        return _main(predict_cli.main, "keras-gan-predict", [srgan, *args, "--noprogress"])

    with absl_flags(predict_cli.define_flags):
        os.makedirs(tmp_path / "read_only")
        with monkeypatch.context() as patch:
            _refuse_writes(patch, tmp_path / "read_only")
            result = predict(one, f"--output={tmp_path / 'read_only' / 'x.png'}")
        _error(result, "keras-gan-predict", "Read-only file system")
        assert os.listdir(tmp_path / "read_only") == []
        _count("clean error", checked_outputs=True)
        (tmp_path / "a_file").write_text("x")
        result = predict(one, f"--output={tmp_path / 'a_file' / 'x.png'}")
        _error(result, "keras-gan-predict", "Cannot write")
        _count("clean error", checked_outputs=True)
        (tmp_path / "exists.png").write_bytes(b"keep me")
        result = predict(one, f"--output={tmp_path / 'exists.png'}")
        _error(result, "keras-gan-predict", "--overwrite")
        assert (tmp_path / "exists.png").read_bytes() == b"keep me"
        _count("clean error", checked_outputs=True)

        saves = []
        real_save = Image.Image.save

        def full_disk(self, fp, *a, **k):  # the second image fills the disk
            saves.append(fp)
            if len(saves) == 2:
                fp.write(b"\x89PNG\r\n\x1a\n" + bytes(50))
                raise _enospc()
            return real_save(self, fp, *a, **k)

        out = tmp_path / "out"
        with monkeypatch.context() as patch:
            patch.setattr(Image.Image, "save", full_disk)
            result = predict(f"--input={valid}", f"--output={out}")
        _error(result, "keras-gan-predict", "No space left on device")
        names = os.listdir(out)
        assert len(names) == 1 and not names[0].startswith(".")  # the first, whole; no temp
        read_image(str(out / names[0]))
        _count("clean error", checked_outputs=True)


# ----------------------------------------------------------------------- tally


def test_tally(capsys):
    """Print what the cases above gave (docs/reliability.md quotes it)."""
    if not TALLY["cases"]:
        pytest.skip("no fuzz case ran in this process")
    assert TALLY["cases"] == TALLY["clean error"] + TALLY["worked"]
    with capsys.disabled():
        print(
            f"\nfuzz tally: {TALLY['cases']} cases: {TALLY['clean error']} clean one-line "
            f"errors (non-zero exit, no traceback), {TALLY['worked']} worked as they should; "
            f"output folders checked after {TALLY['outputs checked']} (nothing half-written "
            f"or lost)"
        )
        for group, outcomes in BY_GROUP.items():
            print(
                f"  {group}: {sum(outcomes.values())} ({outcomes['clean error']} errors, "
                f"{outcomes['worked']} worked)"
            )
