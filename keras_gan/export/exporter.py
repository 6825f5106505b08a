"""`export_generator`: SavedModel (TF Serving layout), TFLite and ONNX, verified."""

import datetime
import json
import os
import shutil
import tempfile
import warnings
import zipfile
import zlib

import keras
import numpy as np

from keras_gan.atomic import atomic_write
from keras_gan.data import from_uint8, load_images, to_uint8
from keras_gan.export import onnx as onnx_lib
from keras_gan.export import saved_model as saved_model_lib
from keras_gan.export import tflite as tflite_lib
from keras_gan.export import verify as verify_lib
from keras_gan.export.int8_rewrite import int8_friendly
from keras_gan.export.lint import lint_generator
from keras_gan.export.signatures import (
    IMAGE,
    LABEL,
    LATENT,
    MASK,
    ServingModule,
    describe_generator,
    iter_layers,
)
from keras_gan.layers.centered_instance_norm import CenteredInstanceNorm

FORMATS = ("saved_model", "tflite", "onnx")
QUANTIZATIONS = tflite_lib.QUANTIZATIONS
VERIFICATION_DATA = "export_verification.npz"
REPORT = "export_report.json"


# Layers that stay mean/variance/rsqrt ops in TFLite: int8 loses too much on them.
INT8_POOR_LAYERS = ("GroupNormalization", "LayerNormalization")


def auto_quantizations(findings):
    """The TFLite variants `quantize="auto"` exports, given `lint_generator` findings.

    Args:
        findings: list of `LintFinding`.

    Returns:
        All of `QUANTIZATIONS`, without `"int8"` when a layer in `INT8_POOR_LAYERS`
        was found.

    Example:
    ```python
    auto_quantizations(lint_generator(generator))  # ["float32", "float16", "dynamic", "int8"]
    ```
    """
    poor_int8 = any(f.layer_type in INT8_POOR_LAYERS for f in findings)
    return [q for q in QUANTIZATIONS if not (q == "int8" and poor_int8)]


def parse_list(value, allowed, arg_name):
    """Parse a comma list (or a list) of names and check each against `allowed`.

    Args:
        value: `"a,b"` or `["a", "b"]`.
        allowed: the accepted names.
        arg_name: the argument name, for the error message.

    Returns:
        A list of unique names in the given order.

    Example:
    ```python
    parse_list("saved_model,tflite", FORMATS, "formats")  # ["saved_model", "tflite"]
    ```
    """
    items = [v.strip() for v in value.split(",")] if isinstance(value, str) else list(value)
    items = [v for v in items if v]
    unknown = [v for v in items if v not in allowed]
    if unknown or not items:
        raise ValueError(
            f"`{arg_name}` must be a comma list of {', '.join(allowed)}. "
            f"Received: {arg_name}={value!r}"
        )
    return list(dict.fromkeys(items))


def load_generator(generator):
    """Load a `.keras` file in safe mode (no Python code is run); models pass through.

    Every way a file can fail to load (missing, not a zip archive, cut, a foreign or
    unsafe config such as a `Lambda` layer) is one `ValueError` naming the file.

    Args:
        generator: path of a `.keras` file, or a `keras.Model` (returned as it is).

    Returns:
        The `keras.Model`, not compiled.

    Raises:
        ValueError: when the file is missing or cannot be loaded in safe mode; the
            message is one line.

    Example:
    ```python
    generator = load_generator("runs/gan/generator.keras")
    ```
    """
    if not isinstance(generator, (str, os.PathLike)):
        return generator
    import keras_gan  # noqa: F401  (registers custom objects)

    path = os.fspath(generator)
    if not os.path.isfile(path):
        raise ValueError(f"Generator file not found. Received: generator={path!r}")
    if path.endswith(".keras") and not zipfile.is_zipfile(path):
        raise ValueError(
            f"Not a Keras `.keras` file (not a zip archive). Received: generator={path!r}"
        )
    try:
        return keras.saving.load_model(path, compile=False, safe_mode=True)
    except (
        ValueError,
        TypeError,
        KeyError,
        OSError,
        EOFError,
        zipfile.BadZipFile,
        zlib.error,
    ) as error:  # the last three: a corrupt or cut zip member
        message = " ".join(str(error).split())  # one line
        raise ValueError(
            f"Cannot load {path!r} as a Keras model in safe mode: {message}"
        ) from error


MIXED_POLICIES = ("mixed_float16", "mixed_bfloat16")


def _mixed_policy(generator):
    """The mixed-precision dtype policy of `generator` or of a layer in it, or `None`."""
    for layer in [generator, *iter_layers(generator)]:
        policy = getattr(layer, "dtype_policy", None)
        if getattr(policy, "name", None) in MIXED_POLICIES:
            return policy.name
    return None


def _float32_policies(config):
    """`config` (a serialized model) with every mixed-precision dtype policy set to float32."""
    if isinstance(config, dict):
        if (
            str(config.get("class_name", "")).endswith("DTypePolicy")
            and isinstance(config.get("config"), dict)
            and config["config"].get("name") in MIXED_POLICIES
        ):
            return {**config, "config": {**config["config"], "name": "float32"}}
        return {key: _float32_policies(value) for key, value in config.items()}
    if isinstance(config, list):
        return [_float32_policies(value) for value in config]
    return config


def float32_generator(generator):
    """The generator computing in float32: a mixed-precision one rebuilt, same weights.

    Mixed precision is a training setting (`train.py --mixed_precision`): the
    layers of a generator trained with it keep their `mixed_bfloat16` or
    `mixed_float16` policy in the `.keras` file and compute in 16 bits: the
    TFLite converter rejects the bfloat16 ops, and float32 signatures should
    compute in float32. The variables are float32 under both policies, so the rebuilt
    float32 network takes them unchanged.

    Args:
        generator: a generator `keras.Model`.

    Returns:
        `(generator, policy)`: the float32 generator and the mixed policy it was
        rebuilt from, or `(generator, None)` unchanged when it has none.

    Example:
    ```python
    loaded = keras.saving.load_model("runs/gan/generator.keras", safe_mode=True)
    generator, policy = float32_generator(loaded)  # policy: "mixed_bfloat16" after a CPU run
    ```
    """
    policy = _mixed_policy(generator)
    if policy is None:
        return generator, None
    config = _float32_policies(keras.saving.serialize_keras_object(generator))
    previous = keras.mixed_precision.dtype_policy()
    try:  # layers without a serialized policy take the global one: float32 here
        keras.mixed_precision.set_dtype_policy("float32")
        rebuilt = keras.saving.deserialize_keras_object(config, safe_mode=True)
    finally:
        keras.mixed_precision.set_dtype_policy(previous)
    rebuilt.set_weights(generator.get_weights())
    return rebuilt, policy


def _sample_inputs(spec, num, seed, image_size, images=None):
    """Inputs for `num` examples: latents ~ N(0, 1), labels, images, masks."""
    rng = np.random.default_rng(seed)
    inputs = {}
    for item in spec.inputs:
        shape = list(item.shape[1:])
        if item.role == LATENT:
            inputs[item.name] = rng.standard_normal([num, *shape]).astype(np.float32)
        elif item.role == LABEL:
            high = spec.num_classes or 1
            inputs[item.name] = rng.integers(0, high, [num, *shape]).astype(item.dtype)
        elif item.role == IMAGE:
            if images is not None:
                images = np.asarray(images, np.float32)  # fewer than num: cycle them
                inputs[item.name] = images[np.arange(num) % len(images)]
            else:
                h, w, c = (d if d is not None else image_size for d in shape)
                inputs[item.name] = rng.uniform(-1, 1, (num, h, w, c)).astype(np.float32)
        elif item.role == MASK:
            h, w, c = (d if d is not None else image_size for d in shape)
            masks = np.zeros((num, h, w, c), np.float32)
            for i in range(num):  # one random rectangular hole per example
                y, x = rng.integers(0, h // 2), rng.integers(0, w // 2)
                masks[i, y : y + h // 2, x : x + w // 2] = 1.0
            inputs[item.name] = masks
    return inputs


def _image_size(spec, image_size):
    if spec.kind == LATENT:
        return image_size
    item = spec.input(IMAGE)
    static = item.shape[1] if item.shape[1] == item.shape[2] else None
    return image_size or static


def _run_generator(generator, spec, inputs):
    args = [inputs[i.name] for i in spec.inputs]
    outputs = generator.predict_on_batch(args if len(args) > 1 else args[0])
    if isinstance(outputs, dict):
        outputs = outputs.get("image", next(iter(outputs.values())))
    elif isinstance(outputs, (list, tuple)):
        outputs = outputs[0]
    return np.asarray(outputs, np.float32)


def export_generator(
    generator,
    name,
    output_dir="saved_models",
    formats=("saved_model", "tflite", "onnx"),
    quantize="auto",
    representative_data=None,
    image_size=None,
    version=None,
    num_representative=100,
    num_verify=8,
    verify=True,
    tolerances=None,
    opset=onnx_lib.DEFAULT_OPSET,
    seed=0,
    verbose=True,
):
    """Export a generator to SavedModel, TFLite and ONNX, then verify every artifact.

    Layout (TF Serving model base path `output_dir/name`):
    `<version>/` SavedModel with `serving_default` (float32 in [-1, 1]) and
    `serving_uint8` (uint8 pixels), plus `serving_image_bytes` (encoded PNG/JPEG
    in, PNG out, any H x W) for image generators with dynamic H and W, and
    `assets.extra/tf_serving_warmup_requests`;
    `tflite/<name>_<quantize>.tflite` (batch 1); `onnx/<name>.onnx`;
    `export_report.json`; `export_verification.npz` (inputs + Keras outputs).
    Everything is built in a hidden temporary folder inside `output_dir/name`
    and the version folder appears by one `os.rename`; a failed export leaves
    no version folder. Verification runs in a separate process that does not
    import keras_gan.

    Args:
        generator: a generator `keras.Model`, or the path of a `.keras` file; one
            trained with mixed precision is exported (and verified) in float32, see
            `float32_generator` (the report's `mixed_precision` names its policy).
        name: the model name (folder and TF Serving model name).
        output_dir: parent of the model folder.
        formats: comma list or list of `"saved_model"`, `"tflite"`, `"onnx"`.
        quantize: TFLite variants: `"float32"`, `"float16"`, `"dynamic"`, `"int8"`;
            `"auto"` is all of them, except int8 when the lint finds group/layer
            normalizations (CycleGAN's instance norm: int8 keeps it in float,
            accurate on trained networks but not guaranteed).
        representative_data: dataset spec (e.g. `"builtin:mnist"`), or a float32
            array `(N, image_size, image_size, C)` in [-1, 1], of input images for
            image-to-image generators (int8 calibration and verification inputs);
            latent generators use z ~ N(0, 1) and random labels.
        image_size: image H = W for generators with dynamic spatial size (TFLite
            needs static shapes; also the size of representative images).
        version: SavedModel version; `None` takes the next free integer. An
            existing version is never overwritten.
        num_representative: int8 calibration samples (at least 100).
        num_verify: examples compared against Keras.
        verify: run the verifier.
        tolerances: overrides of `verify.DEFAULT_TOLERANCES` by variant.
        opset: ONNX opset (>= 17).
        seed: seed of the latents, labels and masks.
        verbose: print lint findings and the verification table.

    Returns:
        The report dict (also written to `export_report.json`).

    Raises:
        ValueError: for invalid arguments.
        FileExistsError: when `version` already exists.
        ExportVerificationError: when an artifact misses its tolerance; the
            artifacts and report are still written (unless the SavedModel itself
            fails, in which case no version folder is published).

    Example:
    ```python
    from keras_gan.export import export_generator
    report = export_generator("runs/gan/generator.keras", name="gan",
                              formats="saved_model,tflite,onnx", quantize="float32,int8")
    ```
    """
    formats = parse_list(formats, FORMATS, "formats")
    _check_arguments(name, num_representative, version, image_size)
    generator, mixed_policy = float32_generator(load_generator(generator))
    findings = lint_generator(generator)
    quantize = _quantizations(quantize, findings, formats)
    spec = describe_generator(generator)
    size = _image_size(spec, image_size)
    has_images = _check_image_inputs(spec, size, image_size, quantize, representative_data)
    _show_findings(findings, verbose)
    base_dir, version, version_dir = _prepare_base_dir(output_dir, name, version, formats, quantize)
    images = _representative_images(
        spec, representative_data, has_images, size, max(num_representative, num_verify)
    )
    data = _verification_data(generator, spec, num_verify, seed, size, images)

    tmp = tempfile.mkdtemp(prefix=".tmp-export-", dir=base_dir)
    try:
        all_tolerances = {**verify_lib.DEFAULT_TOLERANCES, **(tolerances or {})}
        artifacts, tensor_dtypes = [], {}
        if "saved_model" in formats:
            artifacts += _write_saved_model(
                generator, spec, tmp, name, version, all_tolerances, size, images, seed
            )
        if "tflite" in formats:
            tflite_artifacts, tensor_dtypes = _write_tflite(
                generator,
                spec,
                tmp,
                name,
                quantize,
                all_tolerances,
                size,
                images,
                seed,
                num_representative,
            )
            artifacts += tflite_artifacts
        if "onnx" in formats:
            artifacts += _write_onnx(generator, spec, tmp, name, opset, all_tolerances)
        np.savez(os.path.join(tmp, VERIFICATION_DATA), **data)
        results = _verify_artifacts(artifacts, tmp) if verify else []
        _publish(tmp, base_dir, name, version, version_dir, formats, artifacts)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    report_artifacts = _report_artifacts(artifacts, results, tensor_dtypes, base_dir, verify)
    report = _report(
        name,
        version,
        base_dir,
        formats,
        quantize,
        spec,
        mixed_policy,
        findings,
        num_verify,
        report_artifacts,
        verify,
    )
    _write_report(base_dir, report)
    if verbose and verify:
        print(verify_lib.format_table(report_artifacts))
    if report["failures"]:
        raise verify_lib.ExportVerificationError(report["failures"], report)
    return report


def _check_arguments(name, num_representative, version, image_size):
    """Raise a `ValueError` for the first invalid plain argument of `export_generator`."""
    if not isinstance(name, str) or not name or name.startswith(".") or os.sep in name:
        raise ValueError(f"`name` must be a plain folder name. Received: name={name!r}")
    if not isinstance(num_representative, int) or num_representative < 100:
        raise ValueError(
            "`num_representative` must be an int >= 100. "
            f"Received: num_representative={num_representative!r}"
        )
    if version is not None and (not isinstance(version, int) or version < 1):
        raise ValueError(f"`version` must be None or an int >= 1. Received: version={version!r}")
    if image_size is not None and (not isinstance(image_size, int) or image_size < 1):
        raise ValueError(
            f"`image_size` must be None or an int >= 1. Received: image_size={image_size!r}"
        )


def _quantizations(quantize, findings, formats):
    """The TFLite variants: `quantize` resolved (`"auto"`) and parsed; none without TFLite."""
    if isinstance(quantize, str) and quantize == "auto":
        quantize = auto_quantizations(findings)
    return parse_list(quantize, QUANTIZATIONS, "quantize") if "tflite" in formats else []


def _check_image_inputs(spec, size, image_size, quantize, representative_data):
    """Check an image generator's needs (a size, int8 images); return whether images are given."""
    if spec.kind != LATENT and size is None:
        raise ValueError(
            "Image generators with dynamic H/W need `image_size` for TFLite "
            f"and verification. Received: image_size={image_size}"
        )
    if isinstance(representative_data, np.ndarray) and representative_data.ndim != 4:
        raise ValueError(
            "`representative_data` arrays must be NHWC images. "
            f"Received: shape={representative_data.shape}"
        )
    has_images = isinstance(representative_data, np.ndarray) or bool(representative_data)
    if spec.kind != LATENT and "int8" in quantize and not has_images:
        raise ValueError(
            "int8 quantization of an image generator needs "
            f"`representative_data`. Received: representative_data={representative_data!r}"
        )
    return has_images


def _show_findings(findings, verbose):
    """Warn of the lint warnings (at `export_generator`'s caller); print the rest when verbose."""
    for finding in findings:
        if finding.severity == "warning":
            warnings.warn(str(finding), stacklevel=3)
        elif verbose:
            print(f"lint: {finding}")


def _prepare_base_dir(output_dir, name, version, formats, quantize):
    """Create `output_dir/name`, pick the version and check nothing there blocks publishing."""
    base_dir = os.path.join(output_dir, name)
    os.makedirs(base_dir, exist_ok=True)
    version = version or saved_model_lib.next_version(base_dir)
    version_dir = os.path.join(base_dir, str(version))
    if os.path.exists(version_dir):
        raise FileExistsError(
            f"Version {version} of '{name}' exists at {version_dir}; versions are "
            f"never overwritten. Received: version={version}"
        )
    _check_targets(
        base_dir,
        [REPORT, VERIFICATION_DATA]
        + [os.path.join("tflite", f"{name}_{q}.tflite") for q in quantize]
        + [os.path.join("onnx", f"{name}.onnx")] * ("onnx" in formats),
    )
    return base_dir, version, version_dir


def _representative_images(spec, representative_data, has_images, size, num):
    """Up to `num` input images of an image generator in [-1, 1], or `None`."""
    if spec.kind == LATENT or not has_images:
        return None
    channels = spec.input(IMAGE).shape[3]
    if isinstance(representative_data, np.ndarray):
        images = np.asarray(representative_data[:num], np.float32)
    else:
        images = load_images(representative_data, size, channels, limit=num)
    if len(images) < num:
        warnings.warn(f"Only {len(images)} representative images (wanted {num}).", stacklevel=3)
    return images


def _verification_data(generator, spec, num_verify, seed, size, images):
    """The verification inputs (float32 and uint8) and the Keras generator's outputs for them."""
    verify_inputs = _sample_inputs(spec, num_verify, seed, size, images)
    data = {f"in/{k}": v for k, v in verify_inputs.items()}
    data["ref/image"] = _run_generator(generator, spec, verify_inputs)
    data["ref_uint8/image"] = to_uint8(data["ref/image"]).numpy()
    if spec.kind != LATENT:  # the uint8 signature sees uint8-rounded images
        u8_inputs = {
            k: (to_uint8(v).numpy() if spec_role(spec, k) == IMAGE else v)
            for k, v in verify_inputs.items()
        }
        data.update({f"in_uint8/{k}": v for k, v in u8_inputs.items()})
        dequantized = {
            k: (from_uint8(v).numpy() if v.dtype == np.uint8 else v) for k, v in u8_inputs.items()
        }
        data["ref_uint8/image"] = to_uint8(_run_generator(generator, spec, dequantized)).numpy()
    else:
        data.update({f"in_uint8/{k}": v for k, v in verify_inputs.items()})
    return data


def _artifact(
    key,
    fmt,
    variant,
    relpath,
    path,
    tolerances,
    inputs="in/",
    reference="ref/image",
    signature=None,
):
    """One artifact: what the verifier reads (inputs, reference, tolerance), and where it goes."""
    metric, tolerance = tolerances[variant]
    artifact = {
        "key": key,
        "format": fmt,
        "variant": variant,
        "relpath": relpath,
        "path": path,
        "inputs": inputs,
        "reference": reference,
        "metric": metric,
        "tolerance": tolerance,
    }
    if signature:
        artifact["signature"] = signature
    return artifact


def _write_saved_model(generator, spec, tmp, name, version, tolerances, size, images, seed):
    """Write the SavedModel and its warmup requests to `tmp/saved_model`; its two artifacts."""
    sm_tmp = os.path.join(tmp, "saved_model")
    saved_model_lib.write_saved_model(generator, spec, sm_tmp)
    warm = _sample_inputs(spec, 8, seed + 1, size, images)
    saved_model_lib.write_warmup_requests(sm_tmp, name, [{k: v[:1] for k, v in warm.items()}, warm])
    return [
        _artifact(
            "saved_model",
            "saved_model",
            "float32",
            str(version),
            sm_tmp,
            tolerances,
            signature="serving_default",
        ),
        _artifact(
            "saved_model_uint8",
            "saved_model",
            "uint8",
            str(version),
            sm_tmp,
            tolerances,
            inputs="in_uint8/",
            reference="ref_uint8/image",
            signature="serving_uint8",
        ),
    ]


def _write_tflite(
    generator, spec, tmp, name, quantize, tolerances, size, images, seed, num_representative
):
    """Convert a batch-1 SavedModel to `tmp/tflite/<name>_<variant>.tflite` per variant.

    Returns the artifacts and each variant's tensor dtypes.
    """
    batch1 = os.path.join(tmp, "batch1")
    saved_model_lib.write_saved_model(
        generator,
        spec,
        batch1,
        uint8=False,
        batch_size=1,
        image_size=size if spec.kind != LATENT else None,
    )
    representative, float_scopes = None, None
    sources = {variant: batch1 for variant in quantize}
    if "int8" in quantize:
        sources["int8"], representative, float_scopes = _int8_source(
            generator, spec, tmp, batch1, size, images, seed, num_representative
        )

    os.makedirs(os.path.join(tmp, "tflite"))
    artifacts, tensor_dtypes = [], {}
    for variant in quantize:
        relpath = os.path.join("tflite", f"{name}_{variant}.tflite")
        content = tflite_lib.convert_tflite(
            sources[variant], variant, representative, float_scopes=float_scopes
        )
        tensor_dtypes[variant] = tflite_lib.tensor_dtypes(content)
        with open(os.path.join(tmp, relpath), "wb") as f:
            f.write(content)
        artifacts.append(
            _artifact(
                f"tflite_{variant}",
                "tflite",
                variant,
                relpath,
                os.path.join(tmp, relpath),
                tolerances,
            )
        )
    return artifacts, tensor_dtypes


def _int8_source(generator, spec, tmp, batch1, size, images, seed, num_representative):
    """The int8 variant's SavedModel, calibration data function and float scopes."""
    samples = _sample_inputs(spec, num_representative, seed + 2, size, images)
    # Same function, int8-friendly: PReLU -> ops XNNPACK runs; instance norms
    # centred, their convolutions range-equalized on the calibration samples;
    # the norms' ops then stay float between int8 ops (XNNPACK runs both).
    calibration = [samples[item.name] for item in spec.inputs]
    rewritten = int8_friendly(generator, calibration if len(calibration) > 1 else calibration[0])
    source, float_scopes = batch1, None
    if rewritten is not generator:
        source = os.path.join(tmp, "batch1_int8")
        saved_model_lib.write_saved_model(
            rewritten,
            spec,
            source,
            uint8=False,
            batch_size=1,
            image_size=size if spec.kind != LATENT else None,
        )
    if any(isinstance(layer, CenteredInstanceNorm) for layer in rewritten.layers):
        float_scopes = [CenteredInstanceNorm.float_scope]

    def representative():
        for i in range(num_representative):
            yield {k: v[i : i + 1] for k, v in samples.items()}

    return source, representative, float_scopes


def _write_onnx(generator, spec, tmp, name, opset, tolerances):
    """Convert the generator to `tmp/onnx/<name>.onnx`; its one artifact."""
    relpath = os.path.join("onnx", f"{name}.onnx")
    os.makedirs(os.path.join(tmp, "onnx"))
    onnx_lib.convert_onnx(ServingModule(generator, spec), os.path.join(tmp, relpath), opset=opset)
    return [_artifact("onnx", "onnx", "float32", relpath, os.path.join(tmp, relpath), tolerances)]


def _verify_artifacts(artifacts, tmp):
    """Run the verifier on every artifact; raise when a SavedModel fails (nothing is published)."""
    results, _ = verify_lib.run_verifier(artifacts, os.path.join(tmp, VERIFICATION_DATA))
    sm_failed = [r for r in results if r["format"] == "saved_model" and not r["passed"]]
    if sm_failed:
        raise verify_lib.ExportVerificationError(verify_lib.failure_lines(sm_failed))
    return results


def _publish(tmp, base_dir, name, version, version_dir, formats, artifacts):
    """Move the artifacts into `base_dir`: the version folder atomically; other files replaced."""
    if "saved_model" in formats:
        if os.path.exists(version_dir):
            raise FileExistsError(
                f"Version {version} of '{name}' appeared during export at "
                f"{version_dir}. Received: version={version}"
            )
        os.rename(os.path.join(tmp, "saved_model"), version_dir)
    for artifact in artifacts:
        if artifact["format"] != "saved_model":
            target = os.path.join(base_dir, artifact["relpath"])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(artifact["path"], target)
    os.replace(os.path.join(tmp, VERIFICATION_DATA), os.path.join(base_dir, VERIFICATION_DATA))


def _report_artifacts(artifacts, results, tensor_dtypes, base_dir, verify):
    """The report's entry of each published artifact: where it is, its size, its verification."""
    by_key = {r["key"]: r for r in results}
    report_artifacts = []
    for artifact in artifacts:
        relpath = artifact["relpath"]
        path = os.path.join(base_dir, relpath)
        result = by_key.get(artifact["key"], {})
        size_bytes = result.get("size_bytes")
        if size_bytes is None:
            size_bytes = _size(path)
        report_artifacts.append(
            {
                "key": artifact["key"],
                "format": artifact["format"],
                "variant": artifact["variant"],
                "path": path,
                "relpath": relpath,
                "size_bytes": size_bytes,
                "latency_ms": result.get("latency_ms"),
                "metric": artifact["metric"],
                "value": result.get("value"),
                "tolerance": artifact["tolerance"],
                "max_abs_error": result.get("max_abs_error"),
                "psnr_db": result.get("psnr_db"),
                "passed": result.get("passed") if verify else None,
                "error": result.get("error"),
                "tensor_dtypes": tensor_dtypes.get(artifact["variant"])
                if artifact["format"] == "tflite"
                else None,
                "verify": {
                    k: artifact[k] for k in ("inputs", "reference", "signature") if k in artifact
                },
            }
        )
    return report_artifacts


def _report(
    name,
    version,
    base_dir,
    formats,
    quantize,
    spec,
    mixed_policy,
    findings,
    num_verify,
    report_artifacts,
    verify,
):
    """The export report (`export_report.json`): settings, lint, artifacts and failures."""
    sizes = {a["variant"]: a["size_bytes"] for a in report_artifacts if a["format"] == "tflite"}
    failures = (
        verify_lib.failure_lines(
            [{**a, "passed": a["passed"] is not False} for a in report_artifacts]
        )
        if verify
        else []
    )
    return {
        "name": name,
        "version": version if "saved_model" in formats else None,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "base_dir": base_dir,
        "formats": formats,
        "quantize": quantize,
        "generator": spec.to_json(),
        "mixed_precision": mixed_policy,  # the policy it was trained with, exported in float32
        "signatures": (
            ["serving_default", "serving_uint8"]
            + (["serving_image_bytes"] if _image_bytes(spec) else [])
            if "saved_model" in formats
            else []
        ),
        "lint": [f.to_json() for f in findings],
        "verification": {
            "threads": 2,
            "runs": 20,
            "batch_size_latency": 1,
            "num_examples": num_verify,
            "separate_process": True,
        },
        "verification_data": VERIFICATION_DATA,
        "artifacts": report_artifacts,
        "int8_float32_size_ratio": (
            sizes["int8"] / sizes["float32"] if "int8" in sizes and "float32" in sizes else None
        ),
        "failures": failures,
        "passed": not failures if verify else None,
    }


def _write_report(base_dir, report):
    """Write `export_report.json` atomically: a full disk leaves no half-written report."""
    with atomic_write(os.path.join(base_dir, REPORT)) as tmp:
        with open(tmp, "w") as f:
            json.dump(report, f, indent=2, default=_json_default)


def _check_targets(base_dir, relpaths):
    """Raise `FileExistsError` when something in `base_dir` would stop a file from being
    published: a file where its folder goes, or a folder where it goes. Checked before
    anything is built, so publishing cannot fail half-way on it."""
    for relpath in relpaths:
        folder = os.path.dirname(relpath)
        if (
            folder
            and os.path.lexists(os.path.join(base_dir, folder))
            and not os.path.isdir(os.path.join(base_dir, folder))
        ):
            raise FileExistsError(
                f"{os.path.join(base_dir, folder)} exists and is not a folder; "
                f"the export writes {relpath} there. Received: output_dir="
                f"{os.path.dirname(base_dir)!r}"
            )
        if os.path.isdir(os.path.join(base_dir, relpath)):
            raise FileExistsError(
                f"{os.path.join(base_dir, relpath)} is a folder; the export "
                f"writes a file there. Received: output_dir="
                f"{os.path.dirname(base_dir)!r}"
            )


def _image_bytes(spec):
    """Whether the SavedModel gets `serving_image_bytes` (dynamic-size image generators)."""
    image = spec.input(IMAGE)
    return spec.kind != LATENT and image.shape[1] is None and image.shape[2] is None


def spec_role(spec, input_name):
    """Return the role of the input called `input_name`."""
    return next(i.role for i in spec.inputs if i.name == input_name)


def _size(path):
    if os.path.isfile(path):
        return os.path.getsize(path)
    return sum(
        os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files
    )


def _json_default(value):
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    raise TypeError(f"Not JSON serializable: {value!r}")
