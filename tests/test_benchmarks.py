"""The benchmark harness machinery (no timing assertions): FLOP counting, the plan,
the target checks and the Markdown writer, and `jit_compile="auto"`."""

import pytest
import tensorflow as tf

from benchmarks import report
from benchmarks.flops import function_flops
from benchmarks.run import export_groups, export_plan, plan
from keras_gan.recipes import get_recipe


def test_matmul_flops():
    flops, by_type, unknown = function_flops(
        tf.matmul, tf.TensorSpec([8, 4]), tf.TensorSpec([4, 2])
    )
    assert (flops, by_type, unknown) == (2 * 8 * 2 * 4, {"MatMul": 128}, 0)
    flops, _, _ = function_flops(
        lambda a, b: tf.matmul(a, b, transpose_a=True), tf.TensorSpec([4, 8]), tf.TensorSpec([4, 2])
    )
    assert flops == 128


def test_conv_and_gradient_flops():
    def step(x, kernel):
        with tf.GradientTape() as tape:
            tape.watch([x, kernel])
            y = tf.nn.conv2d(x, kernel, strides=1, padding="SAME")
            loss = tf.reduce_sum(y)
        return tape.gradient(loss, [x, kernel])

    forward = 2 * (2 * 8 * 8 * 5) * 3 * 3 * 3  # 2 * outputs * kh * kw * cin
    flops, by_type, unknown = function_flops(
        step, tf.TensorSpec([2, 8, 8, 3]), tf.TensorSpec([3, 3, 3, 5])
    )
    assert unknown == 0
    assert by_type == {
        "Conv2D": forward,
        "Conv2DBackpropInput": forward,
        "Conv2DBackpropFilter": forward,
    }
    assert flops == 3 * forward


def test_unknown_batch_counted_only_with_batch_size():
    spec = (tf.TensorSpec([None, 4]), tf.TensorSpec([4, 2]))
    assert function_flops(tf.matmul, *spec)[::2] == (0, 1)
    assert function_flops(tf.matmul, *spec, batch_size=8)[::2] == (128, 0)


def test_quick_plan_has_every_row():
    trained = {
        "cyclegan": {"generator_path": "/g.keras", "representative_data": "folder:/d"},
        "srgan": {"generator_path": "/s.keras"},
    }  # srgan is not benchmarked here
    tasks = plan(["gan", "cyclegan"], quick=True, gpu=False, export_dir="/tmp/x", trained=trained)
    settings = [(d, t.get("precision"), t.get("replicas", 1), "inference" in t) for d, t in tasks]
    assert settings == [
        ("cpu", "float32", 1, False),
        ("cpu", "mixed", 1, False),
        ("cpu", "float32", 2, False),
        ("cpu", "float32", 1, True),
    ]
    # The trained generator's row is verified as exported; its data only calibrates.
    assert tasks[-1][1]["inference"] == [
        {"family": "gan", "output_dir": "/tmp/x/cpu"},
        {"family": "cyclegan", "output_dir": "/tmp/x/cpu"},
        {"family": "cyclegan", "output_dir": "/tmp/x/cpu", "generator_path": "/g.keras"},
    ]
    float32 = tasks[0][1]
    assert {(r["family"], r["jit_compile"]) for r in float32["train"]} >= {
        ("gan", False),
        ("gan", True),
        ("cyclegan", False),
        ("cyclegan", True),
    }
    assert {"family": "cyclegan", "jit_compile": False, "batch_size": 2, "warmup": 2} in float32[
        "train"
    ]
    assert float32["flops"] == float32["pipeline"] == ["gan", "cyclegan"]
    assert [r["batch_size"] for r in tasks[2][1]["train"]] == [None, 2]
    # Every row of the 2-replica ratio warms up for 2 steps; the others for 1 (--quick).
    assert {r["warmup"] for r in tasks[2][1]["train"]} == {2}
    assert all(
        r.get("warmup", float32["warmup"]) == (1 if r["jit_compile"] else 2)
        for r in float32["train"]
    )
    gpu = plan(["gan"], quick=True, gpu=True, export_dir="/tmp/x")
    assert [(d, "inference" in t) for d, t in gpu if d == "gpu"] == [
        ("gpu", False),
        ("gpu", False),
        ("gpu", True),
    ]  # float32, mixed, inference


def test_quiet_pauses_other_processes_and_resumes_them():
    import subprocess
    import sys
    import time

    from benchmarks.measure import Quiet

    # A child that counts as fast as it can, writing the count to stdout every 50 ms.
    code = (
        "import sys, time\nn = 0\nt = time.time()\nwhile True:\n    n += 1\n"
        "    if time.time() - t > 0.05:\n        print(n, flush=True); t = time.time()"
    )
    child = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        child.stdout.readline()
        state = lambda: open(f"/proc/{child.pid}/stat").read().split(")")[1].split()[0]  # noqa: E731
        with Quiet([child.pid, 2**22 + 12345]):  # a PID that does not exist is skipped
            time.sleep(0.2)
            assert state() == "T"  # stopped
        time.sleep(0.2)
        assert state() in ("R", "S")
        assert child.stdout.readline()  # it goes on
    finally:
        child.kill()
        child.communicate()


def test_exports_are_split_over_processes_costliest_first():
    items = export_plan(
        ["gan", "cyclegan", "srgan", "inpainting"], devices=["cpu"], export_dir="/tmp/x"
    )
    assert [i["family"] for _, i in items] == ["gan", "cyclegan", "srgan", "inpainting"]
    groups = export_groups(items, processes=2)
    assert [[i["family"] for i in g] for _, g in groups] == [
        ["cyclegan"],
        ["srgan", "gan", "inpainting"],
    ]
    assert [len(g) for _, g in export_groups(items, processes=8)] == [1, 1, 1, 1]
    assert [len(g) for _, g in export_groups(items, processes=1)] == [4]
    both = export_plan(["gan"], devices=["cpu", "gpu"], export_dir="/tmp/x")
    assert [(d, len(g)) for d, g in export_groups(both, processes=2)] == [("cpu", 1), ("gpu", 1)]


def _results():
    env = {
        "device_name": "Test CPU",
        "logical_cpus": 2,
        "tensorflow": "2.x",
        "keras": "3.x",
        "numpy": "2.x",
        "python": "3.x",
    }

    def train(family, batch, step, jit=False, precision="float32"):
        return {
            "kind": "train",
            "family": family,
            "jit_compile": jit,
            "precision": precision,
            "batch_size": batch,
            "image_size": 64,
            "step_s": step,
            "images_per_s": batch / step,
            "steps": 3,
            "first_step_s": 9.0,
        }

    def tflite(variant, size, ms, psnr):
        return {
            "key": f"tflite_{variant}",
            "format": "tflite",
            "variant": variant,
            "size_bytes": size,
            "latency_ms": ms,
            "psnr_db": psnr,
            "passed": psnr >= 30,
        }

    return {
        "meta": {
            "command": "python benchmarks/run.py --quick",
            "quick": True,
            "date": "today",
            "wall_s": 100.0,
            "load_before": 0.5,
            "load_after": 0.7,
            "warmup": 1,
            "steps": 3,
            "budget_s": 8.0,
        },
        "processes": [
            {
                "device": "cpu",
                "replicas": 1,
                "precision": "float32",
                "environment": env,
                "matmul_peak_flops": {"float32": 100e9},
                "records": [
                    train("gan", 64, 1.0),
                    train("gan", 64, 2.0, jit=True),
                    train("gan", 128, 1.0),  # faster, but not at the jit row's batch
                    {"kind": "flops", "family": "gan", "flops": 50e9, "batch_size": 64},
                    {"kind": "pipeline", "family": "gan", "images_per_s": 640.0},
                ],
            },
            {
                "device": "cpu",
                "replicas": 2,
                "precision": "float32",
                "environment": env,
                "records": [train("gan", 64, 1.5)],
            },
            {
                "device": "cpu",
                "replicas": 1,
                "precision": "float32",
                "records": [
                    {
                        "kind": "inference",
                        "family": "srgan",
                        "weights": "untrained",
                        "keras_ms": 9.0,
                        "input_size": 24,
                        "lint": ["PixelShuffle"],
                        "artifacts": [
                            tflite("float32", 1000, 30.0, 99.0),
                            tflite("int8", 250, 10.0, 31.0),
                        ],
                    }
                ],
            },
        ],
    }


def test_target_checks_measured_against_goals():
    checks = {(t, f): (v, m) for t, f, v, _, m in report.target_checks(_results())}
    assert checks[("input pipeline / train step consumption", "gan")] == (5.0, True)  # 640 / 128
    assert checks[("train step FLOP/s / matmul peak (float32)", "gan")] == (0.5, True)
    assert checks[("train step FLOP/s / matmul peak (float32)", "srgan")] == (None, None)
    assert checks[("2-replica / 1-replica step time", "gan")] == (1.5, False)
    assert checks[("int8 TFLite speed-up over float32", "srgan")] == (3.0, True)
    assert checks[("int8 / float32 TFLite size", "srgan")] == (0.25, True)
    assert checks[("int8 PSNR vs float (dB)", "srgan")] == (31.0, True)


def test_markdown_report():
    text = report.markdown(_results())
    assert text.startswith("# Benchmarks\n")
    assert "**No GPU rows were measured**" in text
    assert "| 2-replica / 1-replica step time | gan | 1.5 | <= 1.2 | **not met** |" in text
    assert "| gan | 64 | 64 | float32 | off | 1 | 64 | 1,000 | 9 | 50 | 50 | 50% |" in text
    assert "| gan | float32 | 64 | 32 | off |" in text  # XLA table: off is faster
    assert "| tflite_int8 | 0.00025 | 10 | 31 | True |" in text


def test_jit_compile_auto_and_strings():
    recipe = get_recipe("gan")
    on_gpu = bool(tf.config.list_physical_devices("GPU"))
    assert recipe.resolve_jit_compile("auto") is recipe.auto_jit_compile["gpu" if on_gpu else "cpu"]
    assert recipe.resolve_jit_compile("true") is True
    assert recipe.resolve_jit_compile(False) is False
    with pytest.raises(ValueError, match="Received: jit_compile='yes'"):
        recipe.resolve_jit_compile("yes")
