"""Regenerate BENCHMARKS.md: `python benchmarks/run.py [--quick] --json results.json`.

Worker processes (`benchmarks/worker.py`) run side by side: one per
process-global setting that measures (float32 and mixed precision: jit off and
on, FLOPs, matmul peak, input pipeline; two logical CPU replicas), and the
exports of the generators (SavedModel and every TFLite variant; conversions, not
timed). Only untimed work overlaps: every timed section takes a
lock shared by the workers and pauses (SIGSTOP) all the other processes until it
ends (`measure.Quiet`). Once all have finished, a last worker, alone, verifies
and times the exports. On a machine with a GPU the float32, mixed and inference
workers run again on the GPU. Writes the collected results as JSON (`--json`)
and the Markdown report (`--output`).
"""

import argparse
import datetime
import json
import os
import shutil
import signal
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
EXPORT_COST = {"cyclegan": 4, "srgan": 2}  # relative conversion time (others 1)
TRAINED = {  # a trained generator exported as an extra inference row when the file exists
    "srgan": os.path.join("runs", "srgan_t91_x4", "generator.keras"),
    "cyclegan": os.path.join("runs", "cyclegan_h2z_128", "generator.keras"),
}
# Calibration/verification images of a trained generator (default: the benchmark data).
TRAINED_DATA = {"cyclegan": "folder:../shared/data/cyclegan/horse2zebra/trainA"}


def _gpu_visible():
    if not shutil.which("nvidia-smi"):
        return False
    try:
        out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        return False
    return out.returncode == 0 and "GPU" in out.stdout


def export_plan(families, devices, export_dir, trained=None):
    """The generators to export: a list of `(device, item)` (see `measure.export`).

    Args:
        trained: `{family: {"generator_path": ..., "representative_data": ...}}`,
            trained generators exported as extra rows (families not listed: none).
    """
    items = []
    for device in devices:
        output_dir = os.path.join(export_dir, device)
        items += [(device, {"family": f, "output_dir": output_dir}) for f in families]
        items += [
            (device, {"family": f, "output_dir": output_dir, **extra})
            for f, extra in (trained or {}).items()
            if f in families
        ]
    return items


def export_groups(items, processes):
    """Split export items over `processes` workers, costliest first onto the least loaded.

    Returns:
        A list of `(device, [item, ...])`, at most `processes` per device.
    """
    groups = []
    for device in dict.fromkeys(d for d, _ in items):
        mine = sorted(
            (i for d, i in items if d == device), key=lambda i: -EXPORT_COST.get(i["family"], 1)
        )
        bins = [[0, []] for _ in range(max(1, min(processes, len(mine))))]
        for item in mine:
            lightest = min(bins, key=lambda b: b[0])
            lightest[0] += EXPORT_COST.get(item["family"], 1)
            lightest[1].append(item)
        groups += [(device, b[1]) for b in bins]
    return groups


def plan(families, quick, gpu, export_dir, trained=None):
    """The measuring worker tasks, run one at a time: a list of `(device, task)`.

    The train, FLOPs, pipeline and peak tasks come first; the `inference` task
    (verify and time the exports) of each device comes last.
    """
    steps = (
        {"warmup": 1, "steps": 2, "budget_s": 3.0}
        if quick
        else {"warmup": 2, "steps": 10, "budget_s": 60.0}
    )
    # The first step after tracing is still slow under MirroredStrategy: the rows
    # that the 2-replica ratio compares warm up for 2 steps even in --quick.
    ratio = {"warmup": max(2, steps["warmup"])}
    train = [{"family": f, "jit_compile": jit} for f in families for jit in (False, True)]
    tasks, last = [], []
    for device in ["cpu"] + (["gpu"] if gpu else []):
        base = {"peak": True, "train": train, **steps}
        float32 = {
            **base,
            "precision": "float32",
            "flops": list(families),
            "pipeline": list(families),
            "train": [{**r, **({} if r["jit_compile"] else ratio)} for r in train]
            + (
                [
                    {"family": f, "jit_compile": False, "batch_size": b, **ratio}
                    for f, b in REPLICA_BATCH.items()
                    if f in families
                ]
                if device == "cpu"
                else []
            ),
        }
        tasks += [(device, float32), (device, {**base, "precision": "mixed"})]
        if device == "cpu":
            tasks.append(
                (
                    device,
                    {
                        "replicas": 2,
                        "precision": "float32",
                        **steps,
                        "train": [
                            {
                                "family": f,
                                "jit_compile": False,
                                "batch_size": REPLICA_BATCH.get(f),
                                **ratio,
                            }
                            for f in families
                        ],
                    },
                )
            )
        last.append(
            (
                device,
                {
                    "precision": "float32",
                    "inference": [
                        {k: v for k, v in item.items() if k != "representative_data"}
                        for _, item in export_plan(families, [device], export_dir, trained)
                    ],
                },
            )
        )
    return tasks + last


def _worker_env(device):
    env = dict(
        os.environ,
        TF_CPP_MIN_LOG_LEVEL="2",
        PYTHONPATH=os.pathsep.join([REPO, os.environ.get("PYTHONPATH", "")]),
    )
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = "-1"
    return env


def _result(stdout, returncode, stderr):
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    if lines:
        return json.loads(lines[-1][len("RESULT ") :])
    return {"error": f"exit {returncode}: {stderr[-2000:]}", "records": []}


def start_workers(jobs):
    """Start worker processes (side by side); `finish_workers` collects them.

    Their output goes to temporary files, not pipes: a paused or unread worker
    never blocks on a full pipe.

    Args:
        jobs: a list of `(device, task)`.
    """
    procs = []
    for device, task in jobs:
        out, err = tempfile.TemporaryFile("w+"), tempfile.TemporaryFile("w+")
        proc = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.worker", json.dumps(task)],
            cwd=REPO,
            env=_worker_env(device),
            stdout=out,
            stderr=err,
            text=True,
        )
        procs.append((proc, out, err))
    return {
        "jobs": jobs,
        "start": time.perf_counter(),
        "load": os.getloadavg()[0],
        "procs": [proc for proc, _, _ in procs],
        "files": procs,
    }


def finish_workers(started, timeout, on_failure=None):
    """Wait for workers from `start_workers`; return their result dicts, in job order.

    Args:
        started: what `start_workers` returned.
        timeout: seconds for all of them together.
        on_failure: called when a worker exits with an error or is killed (e.g. to
            resume the processes it may have left paused).
    """
    procs = started["procs"]
    ended = {}
    deadline = started["start"] + timeout
    while len(ended) < len(procs):
        for i, proc in enumerate(procs):
            if i not in ended and proc.poll() is not None:
                ended[i] = time.perf_counter() - started["start"]
                if proc.returncode and on_failure:
                    on_failure()
        if time.perf_counter() > deadline:
            for i, proc in enumerate(procs):
                if i not in ended:
                    proc.kill()
                    proc.wait()
                    ended[i] = None
            if on_failure:
                on_failure()
        time.sleep(0.2)
    results = []
    for i, ((device, task), (proc, out, err)) in enumerate(
        zip(started["jobs"], started["files"], strict=True)
    ):
        out.seek(0)
        err.seek(0)
        if ended[i] is None:
            result = {"error": f"timed out after {timeout} s", "records": []}
        else:
            result = _result(out.read(), proc.returncode, err.read())
        out.close()
        err.close()
        result.update(
            device=device,
            replicas=task.get("replicas", 1),
            precision=task.get("precision", "float32"),
            load_before=started["load"],
            wall_s=round(ended[i] or timeout, 1),
        )
        results.append(result)
    return results


def run_worker(device, task, timeout):
    """Run one worker process; return its result dict (with `error` when it failed)."""
    return finish_workers(start_workers([(device, task)]), timeout)[0]


def _resume(pids):
    """Resume (SIGCONT) workers that a crashed worker may have left paused."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGCONT)
        except ProcessLookupError:
            pass


def _report_export_errors(result):
    if result.get("error"):
        print(f"  export worker failed: {result['error'][:500]}", file=sys.stderr)
    for record in result.get("records", []):
        if record.get("error"):
            print(
                f"  export of {record['family']} failed: {record['error'][:500]}", file=sys.stderr
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="Fewer timed steps (same model sizes, every row)."
    )
    parser.add_argument("--json", default="", help="Also write the raw results here.")
    parser.add_argument(
        "--output", default=os.path.join(REPO, "BENCHMARKS.md"), help="Markdown report path."
    )
    parser.add_argument(
        "--families", default=",".join(FAMILIES), help="Comma list of families (default: all four)."
    )
    parser.add_argument(
        "--srgan_generator",
        default=TRAINED["srgan"],
        help="A trained SRGAN generator (.keras) exported as an extra "
        "inference row when the file exists, without --quick (the "
        "benchmark-size rows use untrained weights); empty = none.",
    )
    parser.add_argument(
        "--cyclegan_generator",
        default=TRAINED["cyclegan"],
        help="A trained CycleGAN generator (.keras), likewise.",
    )
    parser.add_argument(
        "--cyclegan_data",
        default=TRAINED_DATA["cyclegan"],
        help="Dataset spec of the images that calibrate and verify the "
        "trained CycleGAN generator (its input domain; relative "
        "folders from the repository root); empty = the benchmark "
        "data.",
    )
    parser.add_argument("--timeout", type=int, default=1800, help="Seconds per worker process.")
    parser.add_argument(
        "--export_processes",
        type=int,
        default=min(4, os.cpu_count() or 1),
        help="Export (conversion) workers, run beside the measuring ones "
        "and paused during their timed sections. Default: min(4, CPUs).",
    )
    parser.add_argument(
        "--from_json",
        default="",
        help="Only rewrite --output from results saved by an earlier --json.",
    )
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
        parser.error(
            f"--families must be a comma list of {', '.join(FAMILIES)}. "
            f"Received: families={args.families!r}"
        )
    start = time.perf_counter()
    load_before = os.getloadavg()[0]
    gpu = _gpu_visible()
    trained = {}  # extra rows, left out of --quick (their exports and checks take ~1 min)
    for family, path, data in (
        ("srgan", args.srgan_generator, ""),
        ("cyclegan", args.cyclegan_generator, args.cyclegan_data),
    ):
        path = os.path.join(REPO, path) if path else ""
        if path and os.path.isfile(path) and not args.quick:
            trained[family] = {"generator_path": path}
            if data:
                kind, _, folder = data.partition(":")
                trained[family]["representative_data"] = (
                    f"folder:{os.path.join(REPO, folder)}" if kind == "folder" else data
                )
    processes = []
    with tempfile.TemporaryDirectory(prefix="keras_gan_bench_") as export_dir:
        devices = ["cpu"] + (["gpu"] if gpu else [])
        tasks = plan(families, args.quick, gpu, export_dir, trained)
        measuring = [(d, t) for d, t in tasks if "inference" not in t]
        pids_file = os.path.join(export_dir, "pids.json")
        shared = {"pids_file": pids_file, "lock_file": os.path.join(export_dir, "timed.lock")}
        groups = export_groups(
            export_plan(families, devices, export_dir, trained), args.export_processes
        )
        print(
            f"[{time.perf_counter() - start:6.0f} s] {len(groups)} export and "
            f"{len(measuring)} measuring processes side by side; each timed section runs "
            "alone (the others paused)",
            flush=True,
        )
        exports = start_workers([(d, {"export": items, **shared}) for d, items in groups])
        running = start_workers([(d, {**t, **shared}) for d, t in measuring])
        all_pids = exports["procs"] + running["procs"]
        with open(pids_file + ".tmp", "w") as f:
            json.dump([p.pid for p in all_pids], f)
        os.replace(pids_file + ".tmp", pids_file)

        def resume_all():  # a worker died: never leave the others paused
            _resume([p.pid for p in all_pids if p.poll() is None])

        try:
            processes += finish_workers(running, args.timeout, on_failure=resume_all)
            print(
                f"[{time.perf_counter() - start:6.0f} s] measured; waiting for the exports",
                flush=True,
            )
            resume_all()
            exported = finish_workers(exports, args.timeout, on_failure=resume_all)
            exports = None
        finally:
            if exports:  # an error above: never leave workers behind, paused or not
                resume_all()
                for proc in all_pids:
                    if proc.poll() is None:
                        proc.kill()
                        proc.wait()
        for result in exported:
            _report_export_errors(result)
        processes += exported
        for result in processes:
            if result.get("error"):
                print(f"  failed: {result['error'][:500]}", file=sys.stderr)
        for device, task in [(d, t) for d, t in tasks if "inference" in t]:
            print(f"[{time.perf_counter() - start:6.0f} s] {device}: inference", flush=True)
            processes.append(run_worker(device, task, args.timeout))
            if processes[-1].get("error"):
                print(f"  failed: {processes[-1]['error'][:500]}", file=sys.stderr)
    command = "python benchmarks/run.py" + (" --quick" if args.quick else "")
    per_process = [
        (
            p["device"],
            "export" if "export" in p.get("task", {}) else p["precision"],
            p["replicas"],
            p["wall_s"],
        )
        for p in processes
    ]
    steps = plan(families, args.quick, False, "", "")[0][1]
    results = {
        "meta": {
            "command": command,
            "quick": args.quick,
            "gpu_visible": gpu,
            "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "load_before": load_before,
            "load_after": os.getloadavg()[0],
            "wall_s": time.perf_counter() - start,
            "families": families,
            "process_wall_s": per_process,
            "warmup": steps["warmup"],
            "steps": steps["steps"],
            "budget_s": steps["budget_s"],
        },
        "processes": processes,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    with open(args.output, "w") as f:
        f.write(report.markdown(results))
    for target, family, value, goal, met in report.target_checks(results):
        print(
            f"{target} [{family}]: {value if value is None else round(value, 3)} "
            f"(goal {goal}): {'met' if met else 'NOT met' if met is False else 'n/a'}"
        )
    print(f"Wrote {args.output} in {time.perf_counter() - start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
