"""Regenerate BENCHMARKS.md: `python benchmarks/run.py [--quick] --json results.json`.

Runs one worker process (`benchmarks/worker.py`) per process-global setting:
float32 and mixed precision (jit off and on, FLOPs, matmul peak, input pipeline),
two logical CPU replicas, and the exports for inference; on a machine with a GPU
the float32, mixed and inference processes run again on the GPU. Writes the
collected results as JSON (`--json`) and the Markdown report (`--output`).
"""

import argparse
import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from benchmarks import report  # noqa: E402

FAMILIES = ("gan", "cyclegan", "srgan", "inpainting")
REPLICA_BATCH = {"cyclegan": 2}  # batch 1 does not split over 2 replicas
TRAINED_SRGAN = os.path.join("runs", "srgan_t91_x4", "generator.keras")


def _gpu_visible():
    if not shutil.which("nvidia-smi"):
        return False
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def plan(families, quick, gpu, export_dir, srgan_generator):
    """The worker tasks: a list of `(device, task)`."""
    steps = {"warmup": 1, "steps": 2, "budget_s": 3.0} if quick else {
        "warmup": 2, "steps": 10, "budget_s": 60.0}
    train = [{"family": f, "jit_compile": jit} for f in families for jit in (False, True)]
    tasks = []
    for device in ["cpu"] + (["gpu"] if gpu else []):
        base = {"peak": True, "train": train, **steps}
        float32 = {**base, "precision": "float32", "flops": list(families),
                   "pipeline": list(families),
                   "train": train + ([{"family": f, "jit_compile": False, "batch_size": b}
                                      for f, b in REPLICA_BATCH.items() if f in families]
                                     if device == "cpu" else [])}
        # Exports run last in the float32 process (no process-global setting of their own).
        float32["inference"] = [{"family": f, "output_dir": os.path.join(export_dir, device)}
                                for f in families]
        if ("srgan" in families and not quick and srgan_generator
                and os.path.isfile(srgan_generator)):
            float32["inference"].append({"family": "srgan", "generator_path": srgan_generator,
                                         "output_dir": os.path.join(export_dir, device)})
        tasks += [(device, float32), (device, {**base, "precision": "mixed"})]
        if device == "cpu":
            tasks.append((device, {"replicas": 2, "precision": "float32", **steps,
                                   "train": [{"family": f, "jit_compile": False,
                                              "batch_size": REPLICA_BATCH.get(f)}
                                             for f in families]}))
    return tasks


def run_worker(device, task, timeout):
    """Run one worker process; return its result dict (with `error` when it failed)."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2",
               PYTHONPATH=os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")]))
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    start = time.perf_counter()
    load = os.getloadavg()[0]
    try:
        proc = subprocess.run([sys.executable, "-m", "benchmarks.worker", json.dumps(task)],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=timeout)
        lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
        result = json.loads(lines[-1][len("RESULT "):]) if lines else {
            "error": f"exit {proc.returncode}: {proc.stderr[-2000:]}", "records": []}
    except subprocess.TimeoutExpired:
        result = {"error": f"timed out after {timeout} s", "records": []}
    result.update(device=device, replicas=task.get("replicas", 1),
                  precision=task.get("precision", "float32"), load_before=load,
                  wall_s=round(time.perf_counter() - start, 1))
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="Fewer timed steps (same model sizes, every row).")
    parser.add_argument("--json", default="", help="Also write the raw results here.")
    parser.add_argument("--output", default=os.path.join(REPO, "BENCHMARKS.md"),
                        help="Markdown report path.")
    parser.add_argument("--families", default=",".join(FAMILIES),
                        help="Comma list of families (default: all four).")
    parser.add_argument("--srgan_generator", default=TRAINED_SRGAN,
                        help="A trained SRGAN generator (.keras) exported as an extra "
                             "inference row when the file exists, without --quick (the "
                             "benchmark-size rows use untrained weights); empty = none.")
    parser.add_argument("--timeout", type=int, default=1800, help="Seconds per worker process.")
    parser.add_argument("--from_json", default="",
                        help="Only rewrite --output from results saved by an earlier --json.")
    args = parser.parse_args(argv)
    if args.from_json:
        with open(args.from_json) as f:
            results = json.load(f)
        with open(args.output, "w") as f:
            f.write(report.markdown(results))
        print(f"Wrote {args.output} from {args.from_json}")
        return 0
    families = [f.strip() for f in args.families.split(",") if f.strip()]
    unknown = sorted(set(families) - set(FAMILIES))
    if unknown or not families:
        parser.error(f"--families must be a comma list of {', '.join(FAMILIES)}. "
                     f"Received: families={args.families!r}")
    start = time.perf_counter()
    load_before = os.getloadavg()[0]
    gpu = _gpu_visible()
    srgan_generator = os.path.join(REPO, args.srgan_generator) if args.srgan_generator else ""
    processes = []
    with tempfile.TemporaryDirectory(prefix="keras_gan_bench_") as export_dir:
        for device, task in plan(families, args.quick, gpu, export_dir, srgan_generator):
            print(f"[{time.perf_counter() - start:6.0f} s] {device}: {task['precision']}, "
                  f"{task.get('replicas', 1)} replica(s)", flush=True)
            processes.append(run_worker(device, task, args.timeout))
            if processes[-1].get("error"):
                print(f"  failed: {processes[-1]['error'][:500]}", file=sys.stderr)
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    per_process = [(p["device"], p["precision"], p["replicas"], p["wall_s"]) for p in processes]
    steps = plan(families, args.quick, False, "", "")[0][1]
    results = {
        "meta": {"command": command, "quick": args.quick, "gpu_visible": gpu,
                 "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                 "load_before": load_before, "load_after": os.getloadavg()[0],
                 "wall_s": time.perf_counter() - start, "families": families,
                 "process_wall_s": per_process,
                 "warmup": steps["warmup"], "steps": steps["steps"], "budget_s": steps["budget_s"]},
        "processes": processes,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    with open(args.output, "w") as f:
        f.write(report.markdown(results))
    for target, family, value, goal, met in report.target_checks(results):
        print(f"{target} [{family}]: {value if value is None else round(value, 3)} "
              f"(goal {goal}): {'met' if met else 'NOT met' if met is False else 'n/a'}")
    print(f"Wrote {args.output} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
