"""Turn the worker results into rows, target checks and `BENCHMARKS.md`.

Everything in the Markdown comes from the results dict that `benchmarks/run.py`
collects (and also writes as JSON); nothing is typed in by hand.
"""

import math

TARGETS = {
    "pipeline_ratio": 3.0,  # input pipeline images/s over what the train step consumes
    "peak_fraction": 0.40,  # train step FLOP/s over the measured matmul rate (gan, srgan)
    "int8_speedup": 2.0,  # float32 TFLite latency / int8 TFLite latency (srgan, cyclegan)
    "int8_size_ratio": 0.30,  # int8 / float32 TFLite file size
    "int8_psnr_db": 30.0,  # int8 vs float (Keras) PSNR
    "replica_slowdown": 1.2,  # 2-replica step time / 1-replica step time, same global batch
}
PEAK_FAMILIES = ("gan", "srgan")
INT8_FAMILIES = ("srgan", "cyclegan")


def _records(results, kind, device=None):
    for process in results["processes"]:
        if device and process["device"] != device:
            continue
        for record in process.get("records", []):
            if record["kind"] == kind:
                yield process, record


def train_rows(results, device):
    """One dict per train measurement on `device`, with FLOPs and peak fractions."""
    flops = {r["family"]: r for _, r in _records(results, "flops", device) if "error" not in r}
    rows = []
    for process, record in _records(results, "train", device):
        row = {
            "family": record["family"],
            "precision": record.get("precision"),
            "jit_compile": bool(record.get("jit_compile")),
            "replicas": process["replicas"],
            "batch_size": record.get("batch_size"),
            "image_size": record.get("image_size"),
            "images_per_s": record.get("images_per_s"),
            "step_s": record.get("step_s"),
            "steps": record.get("steps"),
            "first_step_s": record.get("first_step_s"),
            "error": record.get("error"),
        }
        counted = flops.get(record["family"])
        if counted and counted["batch_size"] == row["batch_size"] and row["step_s"]:
            row["flops"] = counted["flops"]
            row["flop_per_s"] = counted["flops"] / row["step_s"]
            peaks = process.get("matmul_peak_flops") or {}
            low = "bfloat16" if device == "cpu" else "float16"
            key = low if row["precision"] and row["precision"].startswith("mixed") else "float32"
            peak = peaks.get(key) or _any_peak(results, device, key)
            if peak:
                row["peak_flop_per_s"] = peak
                row["peak_fraction"] = row["flop_per_s"] / peak
        rows.append(row)
    return rows


def _any_peak(results, device, key):
    for process in results["processes"]:
        if process["device"] == device and key in (process.get("matmul_peak_flops") or {}):
            return process["matmul_peak_flops"][key]
    return None


def _best(rows, family, **where):
    """Fastest successful row of a family matching `where`."""
    matching = [
        r
        for r in rows
        if r["family"] == family
        and r.get("images_per_s")
        and all(r.get(k) == v for k, v in where.items())
    ]
    return max(matching, key=lambda r: r["images_per_s"], default=None)


def jit_table(rows):
    """Per (family, precision): images/s with jit off and on, and which is faster."""
    out = []
    for family in dict.fromkeys(r["family"] for r in rows):
        for precision in dict.fromkeys(r["precision"] for r in rows if r["family"] == family):
            on = _best(rows, family, precision=precision, jit_compile=True, replicas=1)
            off = on and _best(
                rows,
                family,
                precision=precision,
                jit_compile=False,
                replicas=1,
                batch_size=on["batch_size"],
            )
            if off and on:
                out.append(
                    {
                        "family": family,
                        "precision": precision,
                        "off": off["images_per_s"],
                        "on": on["images_per_s"],
                        "faster": "on" if on["images_per_s"] > off["images_per_s"] else "off",
                    }
                )
    return out


def pipeline_rows(results, rows, device):
    """Input pipeline images/s against the fastest measured train step of the family."""
    out = []
    for _, record in _records(results, "pipeline", device):
        best = _best(rows, record["family"], replicas=1)
        row = {
            "family": record["family"],
            "pipeline_images_per_s": record.get("images_per_s"),
            "error": record.get("error"),
        }
        if best and record.get("images_per_s"):
            row["train_images_per_s"] = best["images_per_s"]
            row["ratio"] = record["images_per_s"] / best["images_per_s"]
        out.append(row)
    return out


def replica_rows(rows):
    """2-replica vs 1-replica step time at the same global batch, float32, jit off."""
    out = []
    for family in dict.fromkeys(r["family"] for r in rows if r["replicas"] == 2):
        two = _best(rows, family, replicas=2, precision="float32", jit_compile=False)
        if not two:
            continue
        one = _best(
            rows,
            family,
            replicas=1,
            precision="float32",
            jit_compile=False,
            batch_size=two["batch_size"],
        )
        row = {
            "family": family,
            "batch_size": two["batch_size"],
            "two_images_per_s": two["images_per_s"],
        }
        if one:
            row["one_images_per_s"] = one["images_per_s"]
            row["slowdown"] = two["step_s"] / one["step_s"]
        out.append(row)
    return out


def inference_rows(results, device):
    """One dict per family: the Keras latency and every exported artifact."""
    return [record for _, record in _records(results, "inference", device)]


def _label(record):
    """`srgan`, or `srgan (trained: generator.keras)` for a trained generator's row."""
    weights = record.get("weights") or "untrained"
    if weights == "untrained":
        return record["family"]
    return f"{record['family']} (trained: {weights.rsplit('/', 1)[-1]})"


def int8_rows(inference):
    """int8 vs float32 TFLite for the families with int8 targets."""
    out = []
    for record in inference:
        if record["family"] not in INT8_FAMILIES or "artifacts" not in record:
            continue
        by = {a["key"]: a for a in record["artifacts"]}
        f32, i8 = by.get("tflite_float32"), by.get("tflite_int8")
        if not (f32 and i8 and f32.get("latency_ms") and i8.get("latency_ms")):
            continue
        out.append(
            {
                "family": _label(record),
                "weights": record.get("weights"),
                "float32_ms": f32["latency_ms"],
                "int8_ms": i8["latency_ms"],
                "speedup": f32["latency_ms"] / i8["latency_ms"],
                "size_ratio": i8["size_bytes"] / f32["size_bytes"],
                "psnr_db": i8.get("psnr_db"),
            }
        )
    return out


def target_checks(results, device="cpu"):
    """Every target of the issue, measured: `(target, family, measured, goal, met)` rows."""
    rows = train_rows(results, device)
    checks = []
    for p in pipeline_rows(results, rows, device):
        checks.append(
            (
                "input pipeline / train step consumption",
                p["family"],
                p.get("ratio"),
                f">= {TARGETS['pipeline_ratio']:g}x",
                _ge(p.get("ratio"), TARGETS["pipeline_ratio"]),
            )
        )
    for family in PEAK_FAMILIES:
        best = _best(
            [r for r in rows if r.get("peak_fraction")], family, replicas=1, precision="float32"
        )
        value = best.get("peak_fraction") if best else None
        checks.append(
            (
                "train step FLOP/s / matmul peak (float32)",
                family,
                value,
                f">= {TARGETS['peak_fraction']:.0%}",
                _ge(value, TARGETS["peak_fraction"]),
            )
        )
    for r in int8_rows(inference_rows(results, device)):
        checks.append(
            (
                "int8 TFLite speed-up over float32",
                r["family"],
                r["speedup"],
                f">= {TARGETS['int8_speedup']:g}x",
                _ge(r["speedup"], TARGETS["int8_speedup"]),
            )
        )
        checks.append(
            (
                "int8 / float32 TFLite size",
                r["family"],
                r["size_ratio"],
                f"<= {TARGETS['int8_size_ratio']:g}",
                _le(r["size_ratio"], TARGETS["int8_size_ratio"]),
            )
        )
        checks.append(
            (
                "int8 PSNR vs float (dB)",
                r["family"],
                r["psnr_db"],
                f">= {TARGETS['int8_psnr_db']:g}",
                _ge(r["psnr_db"], TARGETS["int8_psnr_db"]),
            )
        )
    for r in replica_rows(rows):
        checks.append(
            (
                "2-replica / 1-replica step time",
                r["family"],
                r.get("slowdown"),
                f"<= {TARGETS['replica_slowdown']:g}",
                _le(r.get("slowdown"), TARGETS["replica_slowdown"]),
            )
        )
    return checks


def _ge(value, goal):
    return None if value is None else value >= goal


def _le(value, goal):
    return None if value is None else value <= goal


def _fmt(value, digits=3):
    if value is None:
        return "-"
    if isinstance(value, float):
        if math.isinf(value):
            return "inf"
        if abs(value) >= 100:
            return f"{value:,.0f}"
        return f"{value:.{digits}g}"
    return str(value)


def _table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _met(value):
    return {True: "met", False: "**not met**", None: "not measured"}[value]


def _leak(results):
    leaks = [p["quiet_leak_s"] for p in results["processes"] if "quiet_leak_s" in p]
    return f"{sum(leaks):.2f} s" if leaks else "not recorded"


def markdown(results):
    """Return the text of `BENCHMARKS.md` for a results dict."""
    meta = results["meta"]
    env = next((p["environment"] for p in results["processes"] if p.get("environment")), {})
    devices = list(dict.fromkeys(p["device"] for p in results["processes"]))
    out = [
        "# Benchmarks",
        "",
        f"Generated by `{meta['command']}` on {meta['date']} in {meta['wall_s']:.0f} s "
        "(do not edit by hand: re-run the command).",
        "",
        f"- Machine: {env.get('device_name', '?')}, {env.get('logical_cpus', '?')} logical CPUs; "
        f"TensorFlow {env.get('tensorflow', '?')}, Keras {env.get('keras', '?')}, "
        f"NumPy {env.get('numpy', '?')}, Python {env.get('python', '?')}.",
        f"- Load average (1 min) before / after: {_fmt(meta['load_before'])} / "
        f"{_fmt(meta['load_after'])} (other processes on the machine slow every figure).",
        f"- Mode: {'--quick' if meta['quick'] else 'full'}: {meta['warmup']} warm-up step(s), "
        f"then up to {meta['steps']} timed steps (at most {meta['budget_s']:g} s of them); "
        "the median is reported.",
    ]
    if "gpu" not in devices:
        out.append(
            "- **No GPU rows were measured**: no GPU was visible to this run "
            "(the harness adds `gpu` rows by itself when `nvidia-smi` finds one)."
        )
    out += [
        "",
        "How each figure is measured:",
        "",
        "- Training: `model.fit` on the family's real recipe (`keras_gan.recipes`) and "
        "data at the sizes below, full-width default networks, time per step from a "
        "callback; images/s = global batch / median step time. Mixed precision is "
        "`mixed_bfloat16` on CPU and `mixed_float16` on GPU. Each (replicas, precision) "
        "setting runs in its own process; these processes and the exports' conversions "
        "run side by side, but every timed section (timed steps, input pipeline, matmul "
        "peak) takes a lock shared by all of them and pauses (SIGSTOP) every other "
        "process until it ends, so what is timed runs alone "
        f"(CPU the paused processes used inside timed sections: {_leak(results)}); "
        "the *first step* (tracing and compiling, not timed) shares the machine.",
        "- FLOPs of one train step: the step traced with `tf.function` and the FLOPs of "
        "its Conv2D, Conv2D gradient (BackpropInput/Filter) and MatMul ops summed from "
        "their static shapes (`benchmarks/flops.py`); elementwise ops, normalizations and "
        "the optimizer update are not counted, so the FLOP/s is a lower bound. The peak is "
        "the best of 10 `2048 x 2048` matmuls in the same process (float32, and bfloat16 "
        "for mixed rows).",
        "- Input pipeline: iterating the family's `recipe.make_data(config).dataset` "
        "alone (after 3 warm-up batches), against the fastest measured train step.",
        "- Replicas: `--cpu_replicas=2` (two logical CPUs, `MirroredStrategy`) against one "
        "replica at the same global batch (CycleGAN at batch 2, its batch 1 cannot be split).",
        "- Inference: `keras_gan.export.export_generator` (SavedModel and every TFLite "
        "variant, int8 included; these conversions are not timed), then, once every "
        "export has finished, its verification in a separate process while nothing "
        "else runs: latency = median of 20 runs at batch 1 with 2 threads, PSNR against the "
        "Keras outputs. The Keras row is the generator's `predict_on_batch` at batch 1.",
        "",
    ]
    out += [
        "## Targets",
        "",
        _table(
            ["target", "family", "measured", "goal", "status"],
            [(t, f, v, g, _met(m)) for t, f, v, g, m in target_checks(results)],
        ),
        "",
    ]
    for device in devices:
        rows = train_rows(results, device)
        out += [
            f"## Training ({device})",
            "",
            _table(
                [
                    "family",
                    "batch",
                    "px",
                    "precision",
                    "jit",
                    "replicas",
                    "images/s",
                    "step ms",
                    "first step s",
                    "GFLOP/step",
                    "GFLOP/s",
                    "of matmul peak",
                ],
                [
                    (
                        r["family"],
                        r["batch_size"],
                        r["image_size"],
                        r["precision"],
                        "on" if r["jit_compile"] else "off",
                        r["replicas"],
                        r["images_per_s"],
                        r["step_s"] and r["step_s"] * 1000,
                        r["first_step_s"],
                        r.get("flops") and r["flops"] / 1e9,
                        r.get("flop_per_s") and r["flop_per_s"] / 1e9,
                        r.get("peak_fraction") and f"{r['peak_fraction']:.0%}",
                    )
                    for r in rows
                    if not r["error"]
                ],
            ),
            "",
        ]
        errors = [r for r in rows if r["error"]]
        if errors:
            out += (
                ["Failed measurements:", ""]
                + [
                    f"- {r['family']} ({r['precision']}, jit {r['jit_compile']}, "
                    f"{r['replicas']} replicas): `{r['error'][:200]}`"
                    for r in errors
                ]
                + [""]
            )
        peaks = {
            k: v
            for p in results["processes"]
            if p["device"] == device
            for k, v in (p.get("matmul_peak_flops") or {}).items()
        }
        out += [
            "Matmul peak: " + ", ".join(f"{k} {v / 1e9:.0f} GFLOP/s" for k, v in peaks.items()),
            "",
        ]
        jit = jit_table(rows)
        if jit:
            out += [
                f"### XLA (`jit_compile`) off vs on ({device})",
                "",
                _table(
                    ["family", "precision", "off images/s", "on images/s", "faster"],
                    [(j["family"], j["precision"], j["off"], j["on"], j["faster"]) for j in jit],
                ),
                "",
            ]
        pipes = pipeline_rows(results, rows, device)
        if pipes:
            out += [
                f"## Input pipeline ({device})",
                "",
                _table(
                    ["family", "pipeline images/s", "train step images/s", "ratio"],
                    [
                        (
                            p["family"],
                            p["pipeline_images_per_s"],
                            p.get("train_images_per_s"),
                            p.get("ratio"),
                        )
                        for p in pipes
                    ],
                ),
                "",
            ]
        reps = replica_rows(rows)
        if reps:
            out += [
                f"## 1 vs 2 replicas ({device}, float32, jit off)",
                "",
                _table(
                    [
                        "family",
                        "global batch",
                        "1 replica images/s",
                        "2 replicas images/s",
                        "2-replica step / 1-replica step",
                    ],
                    [
                        (
                            r["family"],
                            r["batch_size"],
                            r.get("one_images_per_s"),
                            r["two_images_per_s"],
                            r.get("slowdown"),
                        )
                        for r in reps
                    ],
                ),
                "",
            ]
        inference = inference_rows(results, device)
        if inference:
            out += [f"## Inference ({device}, batch 1, 2 threads)", ""]
            for record in inference:
                if "artifacts" not in record:
                    out += [f"- {record['family']}: `{record.get('error', '')[:200]}`", ""]
                    continue
                out += [
                    f"**{_label(record)}** ({record['weights']} weights, "
                    f"{record.get('parameters', 0):,} parameters, "
                    f"{record['input_size']} px input; lint: "
                    f"{', '.join(record['lint']) or 'none'})",
                    "",
                    _table(
                        ["artifact", "size MB", "latency ms", "PSNR vs Keras dB", "verified"],
                        [("keras", None, record["keras_ms"], None, None)]
                        + [
                            (
                                a["key"],
                                a["size_bytes"] / 1e6,
                                a["latency_ms"],
                                a["psnr_db"],
                                a["passed"],
                            )
                            for a in record["artifacts"]
                        ],
                    ),
                    "",
                ]
    return "\n".join(out).rstrip() + "\n"
