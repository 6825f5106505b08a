"""Tests of keras_gan.export: SavedModel / TFLite / ONNX export and verification.

The tiny DCGAN generators get He-scaled random weights and non-trivial batch-norm
statistics (see `_spread`): a freshly initialised DCGAN (weights ~ N(0, 0.02))
outputs values within ~0.01 of zero, for which any PSNR over the [-1, 1] range is
trivially high. Spread weights make outputs cover [-1, 1] (std ~0.6), so the
int8 / dynamic PSNR checks mean something.
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest

from keras_gan.export import (
    ExportVerificationError,
    describe_generator,
    export_generator,
    lint_generator,
    verify_export,
    verify_report,
)
from keras_gan.export import exporter as exporter_lib
from keras_gan.export import verify as verify_lib
from keras_gan.export.signatures import iter_layers
from keras_gan.networks import dcgan_generator
from keras_gan.training import _export_formats

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LATENT_DIM = 8
KEYS = [
    "saved_model",
    "saved_model_uint8",
    "tflite_float32",
    "tflite_float16",
    "tflite_dynamic",
    "tflite_int8",
    "onnx",
]


def _spread(generator, seed=0):
    """He-scaled kernels and random batch-norm statistics: outputs span [-1, 1]."""
    rng = np.random.default_rng(seed)
    for layer in iter_layers(generator):
        if isinstance(layer, keras.layers.Conv2DTranspose):
            k = layer.kernel
            fan_in = int(np.prod(k.shape[:2])) * k.shape[-1] // 4
            k.assign(rng.normal(0, np.sqrt(2.0 / fan_in), k.shape).astype("float32"))
        elif isinstance(layer, keras.layers.Dense):
            k = layer.kernel
            k.assign(rng.normal(0, np.sqrt(2.0 / k.shape[0]), k.shape).astype("float32"))
        elif isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.gamma.assign(rng.uniform(0.8, 1.2, n).astype("float32"))
            layer.beta.assign(rng.uniform(-0.1, 0.1, n).astype("float32"))
            layer.moving_mean.assign(rng.uniform(-0.1, 0.1, n).astype("float32"))
            layer.moving_variance.assign(rng.uniform(0.5, 1.5, n).astype("float32"))
        elif isinstance(layer, keras.layers.Embedding):
            layer.embeddings.assign(rng.normal(0, 1, layer.embeddings.shape).astype("float32"))
    return generator


def _generator(num_classes=None, seed=0):
    keras.utils.set_random_seed(seed)
    g = dcgan_generator(
        latent_dim=LATENT_DIM, image_size=16, channels=3, filters=4, num_classes=num_classes
    )
    return _spread(g, seed)


@pytest.fixture(scope="session")
def full_export(build_once):
    """All formats and quantizations of an unconditional tiny generator: `(generator, export
    folder, the report export_generator returned)`. Built once per session (see `build_once`
    in conftest.py: also once for all pytest-xdist workers); the generator is the exported
    one, as saved next to the export."""
    out, report = build_once("full_export", _full_export)
    g = keras.saving.load_model(out / "generator.keras")
    return g, out / "gan", report


def _full_export(out):
    g = _generator()
    g.save(out / "generator.keras")
    return out, export_generator(g, "gan", output_dir=str(out), verbose=False)


def _check_full_report(report, base):
    assert report["passed"] is True and report["failures"] == []
    assert [a["key"] for a in report["artifacts"]] == KEYS
    for artifact in report["artifacts"]:
        assert artifact["passed"] is True, artifact
        assert artifact["size_bytes"] > 0
        assert artifact["latency_ms"] > 0
        assert os.path.exists(artifact["path"])
    by_key = {a["key"]: a for a in report["artifacts"]}
    assert by_key["saved_model"]["max_abs_error"] <= 1e-3
    assert by_key["tflite_float32"]["max_abs_error"] <= 1e-3
    assert by_key["onnx"]["max_abs_error"] <= 1e-3
    assert by_key["tflite_float16"]["max_abs_error"] <= 2e-2
    assert by_key["tflite_dynamic"]["psnr_db"] >= 30
    assert by_key["tflite_int8"]["psnr_db"] >= 30
    assert by_key["saved_model_uint8"]["max_abs_error"] <= 1
    assert 0 < report["int8_float32_size_ratio"] < 1
    assert (base / "1" / "saved_model.pb").exists()
    assert (base / "1" / "assets.extra" / "tf_serving_warmup_requests").exists()
    for variant in ("float32", "float16", "dynamic", "int8"):
        assert (base / "tflite" / f"gan_{variant}.tflite").exists()
    assert (base / "onnx" / "gan.onnx").exists()
    assert not [d for d in os.listdir(base) if d.startswith(".")]  # temp dir removed


def test_full_export_unconditional(full_export):
    g, base, report = full_export
    _check_full_report(report, base)
    on_disk = json.loads((base / "export_report.json").read_text())
    assert on_disk["name"] == "gan" and on_disk["version"] == 1
    assert on_disk["generator"]["kind"] == "latent"
    assert [i["name"] for i in on_disk["generator"]["inputs"]] == ["z"]
    assert on_disk["signatures"] == ["serving_default", "serving_uint8"]
    assert {f["layer_type"] for f in on_disk["lint"]} >= {"Conv2DTranspose", "BatchNormalization"}
    assert on_disk["verification"]["separate_process"] is True
    # Meaningful PSNR: the reference outputs span [-1, 1].
    ref = np.load(base / "export_verification.npz")["ref/image"]
    assert ref.std() > 0.3 and ref.min() < -0.9 and ref.max() > 0.9


def test_full_export_conditional(tmp_path):
    g = _generator(num_classes=3, seed=1)
    report = export_generator(g, "gan", output_dir=str(tmp_path), verbose=False)
    _check_full_report(report, tmp_path / "gan")
    inputs = {i["name"]: i for i in report["generator"]["inputs"]}
    assert inputs["z"]["dtype"] == "float32" and inputs["label"]["dtype"] == "int32"
    int8 = next(a for a in report["artifacts"] if a["key"] == "tflite_int8")
    assert int8["tensor_dtypes"].get("int8", 0) > 0


def test_saved_model_in_fresh_process(full_export):
    """A process importing only TensorFlow loads both signatures at batch 1 and 8."""
    g, base, _ = full_export
    script = textwrap.dedent(f"""
        import sys, json
        import numpy as np, tensorflow as tf
        m = tf.saved_model.load({str(base / "1")!r})
        out = {{}}
        for n in (1, 8):
            z = tf.constant(np.random.default_rng(n).standard_normal((n, {LATENT_DIM})), tf.float32)
            f = m.signatures["serving_default"](z=z)["image"]
            u = m.signatures["serving_uint8"](z=z)["image"]
            out[n] = [list(f.shape), f.dtype.name, list(u.shape), u.dtype.name,
                      float(np.abs((np.asarray(f.numpy()) + 1) * 127.5 - u.numpy()).max())]
        print(json.dumps({{"out": out, "keras_gan": "keras_gan" in sys.modules}}))
    """)
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=str(base)
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["keras_gan"] is False
    for n in ("1", "8"):
        shape, dtype, u_shape, u_dtype, err = result["out"][n]
        assert shape == [int(n), 16, 16, 3] and dtype == "float32"
        assert u_shape == shape and u_dtype == "uint8" and err <= 0.5 + 1e-3


def test_uint8_signature_matches_keras(full_export):
    import tensorflow as tf

    g, base, _ = full_export
    loaded = tf.saved_model.load(str(base / "1"))
    z = np.random.default_rng(3).standard_normal((4, LATENT_DIM)).astype("float32")
    pixels = loaded.signatures["serving_uint8"](z=tf.constant(z))["image"].numpy()
    expected = np.round(np.clip((g.predict_on_batch(z) + 1) * 127.5, 0, 255))
    assert pixels.dtype == np.uint8
    assert np.abs(pixels.astype(int) - expected).max() <= 1


def test_versions_increment_and_never_overwrite(tmp_path):
    g = _generator()
    kwargs = dict(output_dir=str(tmp_path), formats="saved_model", verify=False, verbose=False)
    assert export_generator(g, "m", **kwargs)["version"] == 1
    assert export_generator(g, "m", **kwargs)["version"] == 2
    assert sorted(os.listdir(tmp_path / "m")) == [
        "1",
        "2",
        "export_report.json",
        "export_verification.npz",
    ]
    before = os.path.getmtime(tmp_path / "m" / "1" / "saved_model.pb")
    with pytest.raises(FileExistsError, match="version=1"):
        export_generator(g, "m", version=1, **kwargs)
    assert os.path.getmtime(tmp_path / "m" / "1" / "saved_model.pb") == before
    assert export_generator(g, "m", version=7, **kwargs)["version"] == 7
    assert export_generator(g, "m", **kwargs)["version"] == 8


def test_failed_conversion_leaves_no_version(tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("conversion exploded")

    monkeypatch.setattr(exporter_lib.tflite_lib, "convert_tflite", broken)
    with pytest.raises(RuntimeError, match="exploded"):
        export_generator(
            _generator(),
            "m",
            output_dir=str(tmp_path),
            formats="saved_model,tflite",
            quantize="float32",
            verify=False,
            verbose=False,
        )
    assert os.listdir(tmp_path / "m") == []  # no version dir, no temp dir, no report


def _without_saved_models(base, folder):
    """A copy of the export in `folder` whose report lists no SavedModel artifact: the
    verifier then runs TFLite and ONNX only, and does not import TensorFlow."""
    shutil.copytree(base, folder)
    report = json.loads((folder / "export_report.json").read_text())
    report["artifacts"] = [a for a in report["artifacts"] if a["format"] != "saved_model"]
    (folder / "export_report.json").write_text(json.dumps(report))
    return folder


def test_verifier_fails_on_tampered_tflite_and_impossible_tolerance(full_export, tmp_path):
    # One verifier run with every artifact (verify_report, the SavedModels included); the
    # other two on TFLite and ONNX only: no TensorFlow import nor SavedModel loads there.
    _, base, _ = full_export
    copy = tmp_path / "gan"
    shutil.copytree(base, copy)
    results, report = verify_report(str(copy), tolerances={"int8": ("psnr", 500.0)}, runs=2)
    assert [r["key"] for r in results if not r["passed"]] == ["tflite_int8"]  # not raised
    assert len(results) == len(report["artifacts"]) and all(r["latency_ms"] for r in results)
    assert [r["key"] for r in results] == KEYS
    light = _without_saved_models(base, tmp_path / "light")
    with pytest.raises(ExportVerificationError) as info:
        verify_export(str(light), tolerances={"int8": ("psnr", 500.0)}, runs=2)
    assert len(info.value.failures) == 1 and info.value.failures[0].startswith("tflite_int8:")

    # Flip weight bytes in the middle of the float32 model: wrong outputs or load failure.
    path = light / "tflite" / "gan_float32.tflite"
    data = bytearray(path.read_bytes())
    rng = np.random.default_rng(0)
    for i in rng.integers(len(data) // 4, 3 * len(data) // 4, 400):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    report = json.loads((light / "export_report.json").read_text())
    artifacts = []
    for a in report["artifacts"]:
        metric, tol = verify_lib.DEFAULT_TOLERANCES[a["variant"]]
        artifacts.append(
            {
                **a["verify"],
                "key": a["key"],
                "format": a["format"],
                "variant": a["variant"],
                "path": str(light / a["relpath"]),
                "metric": metric,
                "tolerance": tol,
            }
        )
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {"data": str(light / "export_verification.npz"), "runs": 2, "artifacts": artifacts}
        )
    )
    proc = subprocess.run(
        [sys.executable, verify_lib.WORKER, str(manifest), str(tmp_path / "results.json")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    payload = json.loads((tmp_path / "results.json").read_text())
    assert payload["imported_keras_gan"] is False
    assert [r["key"] for r in payload["results"]] == [k for k in KEYS if "saved_model" not in k]
    failed = [r["key"] for r in payload["results"] if not r["passed"]]
    assert failed == ["tflite_float32"]


def test_describe_and_lint():
    spec = describe_generator(_generator(num_classes=3))
    assert spec.kind == "latent" and spec.num_classes == 3
    assert [(i.name, i.role, i.dtype) for i in spec.inputs] == [
        ("z", "latent", "float32"),
        ("label", "label", "int32"),
    ]

    image = keras.Input((None, None, 3), name="image")
    x = keras.layers.Conv2D(8, 3, padding="same")(image)
    x = keras.layers.GroupNormalization(groups=2)(x)
    x = keras.layers.Lambda(lambda t: t * 2.0)(x)
    out = keras.layers.Conv2D(3, 3, padding="same", activation="tanh")(x)
    model = keras.Model(image, out)
    spec = describe_generator(model)
    assert spec.kind == "image" and spec.inputs[0].shape == (None, None, None, 3)
    findings = {f.layer_type: f for f in lint_generator(model)}
    assert findings["GroupNormalization"].severity == "warning"
    assert "BatchNormalization" in findings["GroupNormalization"].replacement
    assert findings["Lambda"].severity == "warning"

    mask = keras.Input((None, None, 1), name="mask")
    inpaint = keras.Model([image, mask], keras.layers.Concatenate()([image, mask]))
    assert describe_generator(inpaint).kind == "inpainting"


def test_argument_errors(tmp_path):
    g = _generator()
    with pytest.raises(ValueError, match="Received: formats='x'"):
        export_generator(g, "m", output_dir=str(tmp_path), formats="x")
    with pytest.raises(ValueError, match="Received: quantize='int4'"):
        export_generator(g, "m", output_dir=str(tmp_path), quantize="int4")
    with pytest.raises(ValueError, match="Received: name="):
        export_generator(g, "../m", output_dir=str(tmp_path))
    assert _export_formats("none") == []
    assert _export_formats("saved_model,tflite") == ["saved_model", "tflite"]
    with pytest.raises(ValueError, match="Received: export='saved_model,pdf'"):
        _export_formats("saved_model,pdf")


@pytest.mark.slow
def test_cli(tmp_path):
    # TFLite only: the verifier then does not import TensorFlow nor load SavedModels. export.py
    # publishing SavedModel versions: tests/test_fuzz.py::test_export_paths (its main, in
    # process) and the wheel test of .ci/run (keras-gan-export --formats=saved_model,onnx).
    path = tmp_path / "runs" / "tiny" / "generator.keras"
    path.parent.mkdir(parents=True)
    _generator().save(path)
    cmd = [
        sys.executable,
        os.path.join(REPO, "export.py"),
        f"--generator={path}",
        "--formats=tflite",
        "--quantize=float32,int8",
        f"--output_dir={tmp_path / 'saved_models'}",
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr[-3000:]
    base = tmp_path / "saved_models" / "tiny"
    assert sorted(os.listdir(base / "tflite")) == ["tiny_float32.tflite", "tiny_int8.tflite"]
    assert "tflite_int8" in proc.stdout  # the table
    report = json.loads((base / "export_report.json").read_text())
    assert report["passed"] is True and [a["key"] for a in report["artifacts"]] == [
        "tflite_float32",
        "tflite_int8",
    ]
    (base / "1").mkdir()  # a published version: never overwritten
    (base / "1" / "keep").write_text("v1")
    before = (base / "tflite" / "tiny_int8.tflite").read_bytes()
    proc = subprocess.run(
        cmd + ["--version=1"], capture_output=True, text=True, timeout=300, cwd=str(tmp_path)
    )
    assert proc.returncode == 1 and "version=1" in proc.stderr
    assert os.listdir(base / "1") == ["keep"]
    assert (base / "tflite" / "tiny_int8.tflite").read_bytes() == before


def test_auto_quantizations_leave_int8_out_only_for_group_or_layer_norm():
    from keras_gan.export.exporter import QUANTIZATIONS, auto_quantizations

    inputs = keras.Input((8, 8, 3), name="image")
    conv = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    plain = keras.Model(inputs, keras.layers.Conv2D(3, 1, name="image_out")(conv))
    normed = keras.Model(
        inputs, keras.layers.Conv2D(3, 1)(keras.layers.GroupNormalization(groups=-1)(conv))
    )
    assert auto_quantizations(lint_generator(plain)) == list(QUANTIZATIONS)
    assert "int8" in QUANTIZATIONS
    assert auto_quantizations(lint_generator(normed)) == [q for q in QUANTIZATIONS if q != "int8"]


@pytest.mark.parametrize("family", ["cyclegan", "srgan", "inpainting"])
def test_onnx_export_of_image_generators(tmp_path, family):
    """Image-to-image generators (input named `image`) convert to ONNX and verify."""
    from keras_gan.networks import gated_generator, resnet_generator, srresnet_generator

    generator = {
        "cyclegan": lambda: resnet_generator(image_size=16, filters=4, residual_blocks=1),
        "srgan": lambda: srresnet_generator(scale=2, residual_blocks=1, filters=4),
        "inpainting": lambda: gated_generator(image_size=16, filters=4, dilations=(2,)),
    }[family]()
    report = export_generator(
        generator,
        family,
        output_dir=str(tmp_path),
        formats="onnx",
        image_size=16 if family != "srgan" else 8,
        verbose=False,
    )
    onnx = next(a for a in report["artifacts"] if a["key"] == "onnx")
    assert onnx["max_abs_error"] <= 1e-4
    import onnxruntime as ort

    session = ort.InferenceSession(str(tmp_path / family / "onnx" / f"{family}.onnx"))
    assert [o.name for o in session.get_outputs()] == ["generated"]
    assert "image" in [i.name for i in session.get_inputs()]
