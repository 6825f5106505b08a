"""Standalone verifier: load exported artifacts and compare them to Keras outputs.

Run BY PATH, never as `-m keras_gan...`, so it imports neither keras_gan nor Keras:
only numpy, tensorflow (SavedModel), ai_edge_litert (TFLite) and onnxruntime.

    python verify_worker.py MANIFEST.json RESULTS.json

The manifest names a `.npz` of inputs and reference outputs and the artifacts:
`{"data": path, "threads": 2, "runs": 20, "artifacts": [{"key", "format",
"variant", "path", "inputs", "reference", "metric", "tolerance"}]}` where
`inputs` is the npz key prefix of the inputs (`"in/"` or `"in_uint8/"`),
`reference` the npz key of the expected output, `metric` `"max_abs_error"`
(<= tolerance) or `"psnr"` (>= tolerance, dB, peak-to-peak 2.0; uint8 outputs
are compared in [0, 255] with peak 255). Exit status: 0 all pass, 1 some
artifact misses its tolerance (or fails to load), 2 the verifier itself failed.
"""

import json
import os
import sys
import time

# Running by path puts this folder first on sys.path; its onnx.py / tflite.py
# must not shadow the real packages.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _HERE]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402


def _inputs(data, prefix):
    return {k[len(prefix) :]: data[k] for k in data.files if k.startswith(prefix)}


def _batch_size(inputs):
    return len(next(iter(inputs.values())))


def _median_ms(fn, runs):
    for _ in range(2):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000.0)
    return float(np.median(times))


def _saved_model(artifact, inputs, threads, runs):
    import tensorflow as tf

    model = tf.saved_model.load(artifact["path"])
    fn = model.signatures[artifact.get("signature", "serving_default")]
    out = fn(**{k: tf.constant(v) for k, v in inputs.items()})["image"].numpy()
    one = {k: tf.constant(v[:1]) for k, v in inputs.items()}
    return out, _median_ms(lambda: fn(**one), runs)


def _tflite(artifact, inputs, threads, runs):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:  # pragma: no cover
        import tensorflow as tf

        Interpreter = tf.lite.Interpreter
    interpreter = Interpreter(model_path=artifact["path"], num_threads=threads)
    runner = interpreter.get_signature_runner("serving_default")
    in_details = runner.get_input_details()
    out_name, out_detail = next(iter(runner.get_output_details().items()))

    def feed(i):
        feed_dict = {}
        for name, detail in in_details.items():
            value = inputs[name][i : i + 1]
            dtype = np.dtype(detail["dtype"])
            scale, zero = detail["quantization"]
            if dtype in (np.int8, np.uint8) and value.dtype.kind == "f" and scale:
                info = np.iinfo(dtype)
                value = np.clip(np.round(value / scale + zero), info.min, info.max)
            feed_dict[name] = value.astype(dtype)
        return feed_dict

    def dequantize(value):
        scale, zero = out_detail["quantization"]
        if value.dtype.kind in "iu" and scale:
            return (value.astype(np.float32) - zero) * scale
        return value

    outputs = [dequantize(runner(**feed(i))[out_name]) for i in range(_batch_size(inputs))]
    first = feed(0)
    return np.concatenate(outputs), _median_ms(lambda: runner(**first), runs)


def _onnx(artifact, inputs, threads, runs):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(artifact["path"], options, providers=["CPUExecutionProvider"])
    names = [i.name for i in session.get_inputs()]
    out = session.run(None, {n: inputs[n] for n in names})[0]
    one = {n: inputs[n][:1] for n in names}
    return out, _median_ms(lambda: session.run(None, one), runs)


RUNNERS = {"saved_model": _saved_model, "tflite": _tflite, "onnx": _onnx}


def fidelity(output, reference):
    """Return `(max_abs_error, psnr_db)`; images in [-1, 1] or uint8 [0, 255]."""
    peak = 255.0 if reference.dtype == np.uint8 else 2.0
    diff = output.astype(np.float64) - reference.astype(np.float64)
    mse = float(np.mean(diff**2))
    psnr = float("inf") if mse == 0 else float(10.0 * np.log10(peak**2 / mse))
    return float(np.max(np.abs(diff))), psnr


def verify(manifest):
    """Run every artifact of a manifest; return the list of result dicts."""
    data = np.load(manifest["data"], allow_pickle=False)
    threads = int(manifest.get("threads", 2))
    runs = int(manifest.get("runs", 20))
    if "saved_model" in {a["format"] for a in manifest["artifacts"]}:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    results = []
    for artifact in manifest["artifacts"]:
        result = {
            k: artifact.get(k) for k in ("key", "format", "variant", "path", "metric", "tolerance")
        }
        result["size_bytes"] = (
            os.path.getsize(artifact["path"])
            if os.path.isfile(artifact["path"])
            else _dir_size(artifact["path"])
        )
        try:
            inputs = _inputs(data, artifact["inputs"])
            reference = data[artifact["reference"]]
            output, latency = RUNNERS[artifact["format"]](artifact, inputs, threads, runs)
            if output.shape != reference.shape:
                raise ValueError(f"output shape {output.shape} != reference {reference.shape}")
            max_abs, psnr = fidelity(output, reference)
            value = max_abs if artifact["metric"] == "max_abs_error" else psnr
            passed = bool(
                value <= artifact["tolerance"]
                if artifact["metric"] == "max_abs_error"
                else value >= artifact["tolerance"]
            )
            result.update(
                latency_ms=latency,
                max_abs_error=max_abs,
                psnr_db=psnr,
                value=value,
                passed=passed,
                error=None,
            )
        except Exception as error:  # noqa: BLE001 - any load/run failure is a failed artifact
            result.update(
                latency_ms=None,
                max_abs_error=None,
                psnr_db=None,
                value=None,
                passed=False,
                error=f"{type(error).__name__}: {error}",
            )
        results.append(result)
    return results


def _dir_size(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def main(argv):
    if len(argv) != 3:
        print("usage: verify_worker.py MANIFEST.json RESULTS.json", file=sys.stderr)
        return 2
    with open(argv[1]) as f:
        manifest = json.load(f)
    results = verify(manifest)
    payload = {
        "results": results,
        "imported_keras_gan": "keras_gan" in sys.modules,
        "imported_keras": "keras" in sys.modules,
    }
    with open(argv[2], "w") as f:
        json.dump(payload, f, indent=2, allow_nan=True)
    return 0 if all(r["passed"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
