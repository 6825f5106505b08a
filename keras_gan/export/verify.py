"""Verification of exported artifacts in a separate process, tolerances and the table."""

import json
import math
import os
import subprocess
import sys
import tempfile

WORKER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verify_worker.py")

# (metric, tolerance) by artifact variant: max abs error is an upper bound,
# PSNR (dB, peak-to-peak 2.0) a lower bound.
DEFAULT_TOLERANCES = {
    "float32": ("max_abs_error", 1e-3),
    "float16": ("max_abs_error", 2e-2),
    "dynamic": ("psnr", 30.0),
    "int8": ("psnr", 30.0),
    "uint8": ("max_abs_error", 1.0),  # serving_uint8 vs. the rounded Keras output
}


class ExportVerificationError(RuntimeError):
    """Raised when exported artifacts miss their tolerance (or fail to load).

    Attributes:
        failures: one line per failed artifact.
        report: the export report dict (also written as `export_report.json`).
    """

    def __init__(self, failures, report=None):
        self.failures = list(failures)
        self.report = report
        super().__init__("Exported artifacts failed verification:\n" + "\n".join(self.failures))


def failure_lines(results):
    """Return one line per failed result dict."""
    lines = []
    for r in results:
        if r["passed"]:
            continue
        if r.get("error"):
            lines.append(f"{r['key']}: {r['path']}: failed to run: {r['error']}")
        else:
            relation = "<=" if r["metric"] == "max_abs_error" else ">="
            lines.append(
                f"{r['key']}: {r['path']}: {r['metric']}={r['value']:.6g}, "
                f"needs {relation} {r['tolerance']}"
            )
    return lines


def run_verifier(artifacts, data_path, threads=2, runs=20, timeout=600):
    """Verify artifacts in a fresh Python process that does not import keras_gan.

    Args:
        artifacts: list of dicts with `key`, `format` (`"saved_model"`, `"tflite"`,
            `"onnx"`), `variant`, `path`, `inputs` (npz key prefix), `reference`
            (npz key), `metric` and `tolerance` (see `verify_worker.py`).
        data_path: `.npz` with the inputs and the Keras reference outputs.
        threads: threads for every runtime (latency is measured at batch 1).
        runs: timed runs per artifact (the median is reported).
        timeout: seconds before the verifier process is killed.

    Returns:
        `(results, returncode)`: one result dict per artifact (size, median
        latency, max abs error, PSNR, pass/fail) and the worker's exit status.

    Example:
    ```python
    results, code = run_verifier(artifacts, "saved_models/gan/export_verification.npz")
    ```
    """
    with tempfile.TemporaryDirectory(prefix="keras_gan_verify_") as tmp:
        manifest = os.path.join(tmp, "manifest.json")
        output = os.path.join(tmp, "results.json")
        with open(manifest, "w") as f:
            json.dump(
                {
                    "data": os.path.abspath(data_path),
                    "threads": threads,
                    "runs": runs,
                    "artifacts": artifacts,
                },
                f,
            )
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
        proc = subprocess.run(
            [sys.executable, WORKER, manifest, output],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
        )
        if proc.returncode not in (0, 1) or not os.path.exists(output):
            raise RuntimeError(
                f"The verifier process failed (exit {proc.returncode}):\n{proc.stderr[-4000:]}"
            )
        with open(output) as f:
            payload = json.load(f)
    return payload["results"], proc.returncode


def format_table(results):
    """Format result dicts as a text table.

    Args:
        results: result dicts from `run_verifier` (or the report's `artifacts`).

    Returns:
        The table as a string.
    """
    header = ("artifact", "size (bytes)", "latency ms (b=1)", "fidelity", "tolerance", "ok")
    rows = [header]
    for r in results:
        if r.get("value") is None:
            fidelity = "error"
        elif r["metric"] == "psnr":
            fidelity = "psnr=inf" if math.isinf(r["value"]) else f"psnr={r['value']:.2f} dB"
        else:
            fidelity = f"max_abs={r['value']:.2e}"
        relation = "<=" if r["metric"] == "max_abs_error" else ">="
        latency = "-" if r.get("latency_ms") is None else f"{r['latency_ms']:.3f}"
        rows.append(
            (
                r["key"],
                str(r["size_bytes"]),
                latency,
                fidelity,
                f"{relation} {r['tolerance']}",
                "yes" if r["passed"] else "NO",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def verify_report(base_dir, tolerances=None, threads=2, runs=20):
    """Verify every artifact that a published export's `export_report.json` lists.

    Unlike `verify_export`, a miss is not raised: each result says `passed`.

    Args:
        base_dir: the model folder, e.g. `saved_models/gan`.
        tolerances: overrides of `DEFAULT_TOLERANCES`, e.g. `{"int8": ("psnr", 40.0)}`.
        threads: runtime threads.
        runs: timed runs per artifact.

    Returns:
        `(results, report)`: one result dict per artifact (see `run_verifier`) and
        the loaded report.

    Example:
    ```python
    results, _ = verify_report("saved_models/gan")
    print([(r["key"], r["latency_ms"], r["passed"]) for r in results])
    ```
    """
    with open(os.path.join(base_dir, "export_report.json")) as f:
        report = json.load(f)
    tolerances = {**DEFAULT_TOLERANCES, **(tolerances or {})}
    artifacts = []
    for artifact in report["artifacts"]:
        metric, tolerance = tolerances[artifact["variant"]]
        artifacts.append(
            {
                **artifact["verify"],
                "key": artifact["key"],
                "format": artifact["format"],
                "variant": artifact["variant"],
                "path": os.path.join(base_dir, artifact["relpath"]),
                "metric": metric,
                "tolerance": tolerance,
            }
        )
    results, _ = run_verifier(
        artifacts, os.path.join(base_dir, report["verification_data"]), threads=threads, runs=runs
    )
    return results, report


def verify_export(base_dir, tolerances=None, threads=2, runs=20):
    """Re-verify a published export from its `export_report.json`.

    Args:
        base_dir: the model folder, e.g. `saved_models/gan`.
        tolerances: overrides of `DEFAULT_TOLERANCES`, e.g. `{"int8": ("psnr", 40.0)}`.
        threads: runtime threads.
        runs: timed runs per artifact.

    Returns:
        The list of result dicts.

    Raises:
        ExportVerificationError: naming every artifact that misses its tolerance.

    Example:
    ```python
    verify_export("saved_models/gan")
    ```
    """
    results, report = verify_report(base_dir, tolerances, threads, runs)
    failures = failure_lines(results)
    if failures:
        raise ExportVerificationError(failures, report)
    return results
