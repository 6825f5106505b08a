"""One benchmark process: `python -m benchmarks.worker '<task JSON>'`.

Logical CPU replicas and the dtype policy are process-global in TensorFlow/Keras,
so `benchmarks/run.py` starts one worker per (replicas, precision) setting (side
by side; their timed sections take turns, see `measure.Quiet`). The
task is a JSON object:

    {"replicas": 1, "precision": "float32" | "mixed", "peak": true,
     "train": [{"family": "gan", "jit_compile": false, "batch_size": null}, ...],
     "flops": ["gan", ...], "pipeline": ["gan", ...], "warmup": 2, "steps": 5,
     "budget_s": 60, "pids_file": "/tmp/x/pids.json", "lock_file": "/tmp/x/timed.lock",
     "export": [{"family": "srgan", "output_dir": "/tmp/x", "generator_path": ""}],
     "inference": [{"family": "srgan", "output_dir": "/tmp/x", "generator_path": ""}]}

`export` items convert a generator (not timed; `benchmarks/run.py` runs the
export workers in the background); `inference` items verify and time an earlier
export of the same item. A train item may override `warmup`, `steps` and
`budget_s`. `pids_file` (a JSON list): processes stopped (SIGSTOP) during every
timed section and resumed after, which first takes the lock `lock_file`
(`measure.Quiet`).

The worker prints one JSON line prefixed with `RESULT ` (the last stdout line):
the environment, the matmul peak and one record per measurement. A measurement
that raises is recorded with its error instead of stopping the others.
"""

import json
import os
import sys
import time
import traceback

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _guarded(fn, **kwargs):
    start = time.perf_counter()
    try:
        result = fn(**kwargs)
    except Exception as error:  # noqa: BLE001 - a failed measurement becomes a row with its error
        traceback.print_exc(file=sys.stderr)
        result = {"error": f"{type(error).__name__}: {error}"}
    result["wall_s"] = round(time.perf_counter() - start, 2)
    return result


def run_task(task):
    """Run one task dict (see the module docstring) and return the result dict."""
    from keras_gan import distribution

    distribution.configure_cpu_replicas(int(task.get("replicas", 1)))
    import keras
    import tensorflow as tf

    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    precision = task.get("precision", "float32")
    if precision == "mixed":
        keras.mixed_precision.set_dtype_policy("mixed_float16" if on_gpu else "mixed_bfloat16")

    from benchmarks import measure

    out = {"task": task, "environment": measure.environment(), "records": []}
    quiet = measure.Quiet(pids_file=task.get("pids_file", ""), lock_file=task.get("lock_file", ""))
    if task.get("peak"):
        out["matmul_peak_flops"] = {"float32": measure.matmul_peak("float32", quiet=quiet)}
        if precision == "mixed":
            low = "float16" if on_gpu else "bfloat16"
            out["matmul_peak_flops"][low] = measure.matmul_peak(low, quiet=quiet)
    steps = {
        "warmup": int(task.get("warmup", 2)),
        "steps": int(task.get("steps", 5)),
        "budget_s": float(task.get("budget_s", 60.0)),
    }
    for item in task.get("train", []):
        record = {"kind": "train", "precision": out["environment"]["dtype_policy"], **item}
        record.update(
            _guarded(
                measure.train_throughput,
                family=item["family"],
                jit_compile=item.get("jit_compile", False),
                batch_size=item.get("batch_size"),
                steps_per_execution=item.get("steps_per_execution", 1),
                quiet=quiet,
                **{**steps, **{k: item[k] for k in steps if k in item}},
            )
        )
        out["records"].append(record)
        keras.backend.clear_session()
    for family in task.get("flops", []):
        record = {"kind": "flops", "family": family}
        record.update(_guarded(measure.train_step_flops, family=family))
        out["records"].append(record)
        keras.backend.clear_session()
    for family in task.get("pipeline", []):
        record = {"kind": "pipeline", "family": family}
        record.update(
            _guarded(
                measure.pipeline_throughput,
                family=family,
                batches=int(task.get("pipeline_batches", 20)),
                quiet=quiet,
            )
        )
        out["records"].append(record)
    for item in task.get("export", []):
        record = {"kind": "export", **item}
        record.update(_guarded(measure.export, **item))
        out["records"].append(record)
        keras.backend.clear_session()
    for item in task.get("inference", []):
        record = {"kind": "inference", **item}
        record.update(_guarded(measure.inference, **item))
        out["records"].append(record)
        keras.backend.clear_session()
    # CPU seconds the other processes used inside this worker's timed sections (0 =
    # every timed section ran alone).
    out["quiet_leak_s"] = round(quiet.leak_s, 3)
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: python -m benchmarks.worker '<task JSON>'", file=sys.stderr)
        return 2
    result = run_task(json.loads(argv[1]))
    print("RESULT " + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
