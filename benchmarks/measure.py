"""Measurements inside one process: matmul peak, train step, FLOPs, input pipeline.

Each family is built by its real recipe (`keras_gan.recipes`) from a `TrainConfig`
with the sizes of `FAMILIES`, so the benchmark measures exactly what `train.py`
trains. Process-global settings (logical CPUs, dtype policy) are set once by the
worker (`benchmarks/worker.py`) before anything here runs.
"""

import fcntl
import json
import os
import platform
import signal
import statistics
import time

import keras
import numpy as np
import tensorflow as tf

from benchmarks.flops import function_flops
from keras_gan import distribution
from keras_gan.recipes import get_recipe
from keras_gan.training import TrainConfig

# The sizes; networks at the family's full default width.
FAMILIES = {
    # DCGAN 64 px on MNIST digits resized to 64 px RGB (the embedded, offline set).
    "gan": {"dataset": "builtin:mnist", "image_size": 64, "channels": 3, "batch_size": 64},
    # Reference CycleGAN width (64 filters, 6 blocks below 256 px) at 128 px, batch 1.
    "cyclegan": {"image_size": 128, "batch_size": 1, "filters": 64, "residual_blocks": 6},
    # SRGAN x4: 96 px HR / 24 px LR crops, 16 blocks x 64 filters, adversarial phase
    # with the pixel (MSE) content loss (VGG weights are not assumed offline).
    "srgan": {
        "image_size": 96,
        "batch_size": 16,
        "scale": 4,
        "pretrain_epochs": 0,
        "epochs": 1,
        "content_loss": "mse",
    },
    # Gated-conv generator + SN-PatchGAN, 64 px crops, batch 16.
    "inpainting": {"image_size": 64, "batch_size": 16},
}


class Quiet:
    """Runs a timed section alone: takes a lock, pauses the other processes, resumes them.

    `benchmarks/run.py` runs its measuring workers side by side with the export
    workers; only tracing, compiling and converting (not timed) overlap. Each
    timed section (`with quiet:`) first takes an exclusive lock shared by every
    worker (`fcntl.flock` on `lock_file`), so timed sections never overlap, then
    stops (SIGSTOP) every other process of the run and resumes (SIGCONT) them
    when it ends: timings see an otherwise idle machine. Only the lock holder
    sends SIGSTOP, so no worker is stopped inside its own timed section. A PID
    that has exited is skipped (Linux hands out PIDs in sequence up to
    `pid_max`, so none is reused within a run).

    Args:
        pids: process IDs to pause.
        pids_file: a JSON list of more process IDs (this process's own is
            skipped), read at every section; waited for up to 60 s when named.
        lock_file: the lock's path; empty: no lock (a single measuring process).
    """

    def __init__(self, pids=(), pids_file="", lock_file=""):
        self.pids = [int(p) for p in pids]
        self.pids_file, self.lock_file = pids_file, lock_file
        self.paused = False
        self._stopped, self._lock, self._cpu_before = [], None, 0.0
        self.leak_s = 0.0  # CPU seconds the paused processes used inside timed sections

    def _targets(self):
        pids = list(self.pids)
        if self.pids_file:
            deadline = time.monotonic() + 60
            while not os.path.exists(self.pids_file) and time.monotonic() < deadline:
                time.sleep(0.05)
            with open(self.pids_file) as f:
                pids += [int(p) for p in json.load(f)]
        return [p for p in dict.fromkeys(pids) if p != os.getpid()]

    @staticmethod
    def _signal(pids, signum):
        for pid in pids:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass

    @staticmethod
    def _stat(pid):
        """`(state, CPU seconds)` of a process from /proc, `None` once it has gone."""
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError, IndexError):
            return None
        return fields[0], (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _cpu(self):
        return sum(stat[1] for stat in map(self._stat, self._stopped) if stat)

    def __enter__(self):
        if not self.paused:
            if self.lock_file:
                self._lock = open(self.lock_file, "a")  # noqa: SIM115 - held until __exit__
                fcntl.flock(self._lock, fcntl.LOCK_EX)
            self._stopped = self._targets()
            self._signal(self._stopped, signal.SIGSTOP)
            deadline = time.monotonic() + 2.0  # SIGSTOP is asynchronous: wait for it
            while time.monotonic() < deadline and any(
                stat and stat[0] not in "TtZX" for stat in map(self._stat, self._stopped)
            ):
                time.sleep(0.001)
            self._cpu_before = self._cpu()
            self.paused = True
        return self

    def __exit__(self, *exc_info):
        if self.paused:
            self.leak_s += max(0.0, self._cpu() - self._cpu_before)
            self._signal(self._stopped, signal.SIGCONT)
            if self._lock is not None:
                fcntl.flock(self._lock, fcntl.LOCK_UN)
                self._lock.close()
                self._lock = None
            self.paused = False
        return False


NOBODY = Quiet()  # pauses nothing


def family_config(family, batch_size=None, jit_compile=False, steps_per_execution=1):
    """The resolved `TrainConfig` of a benchmark family."""
    values = dict(FAMILIES[family])
    if batch_size:
        values["batch_size"] = batch_size
    config = TrainConfig(
        model=family,
        epochs=values.pop("epochs", 1),
        verbose=0,
        export="none",
        jit_compile=jit_compile,
        steps_per_execution=steps_per_execution,
        **values,
    )
    return get_recipe(family).resolve(config)


def environment():
    """Versions and the device of this process."""
    gpus = tf.config.list_logical_devices("GPU")
    device = "gpu" if gpus else "cpu"
    name = platform.processor() or platform.machine()
    if gpus:
        details = tf.config.experimental.get_device_details(
            tf.config.list_physical_devices("GPU")[0]
        )
        name = details.get("device_name", "GPU")
    else:
        try:
            with open("/proc/cpuinfo") as f:
                name = next(
                    (line.split(":", 1)[1].strip() for line in f if line.startswith("model name")),
                    name,
                )
        except OSError:
            pass
    return {
        "device": device,
        "device_name": name,
        "logical_cpus": os.cpu_count(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "dtype_policy": keras.mixed_precision.dtype_policy().name,
        "replicas": len(tf.config.list_logical_devices("GPU" if gpus else "CPU")),
    }


def matmul_peak(dtype="float32", size=2048, repeats=10, quiet=NOBODY):
    """Measured matmul FLOP/s of this process's device (best of `repeats`, under `quiet`)."""
    a = tf.random.normal([size, size], dtype=tf.float32)
    a = tf.cast(a, dtype)
    b = tf.cast(tf.random.normal([size, size]), dtype)

    @tf.function
    def product(x, y):
        return tf.reduce_sum(tf.cast(tf.matmul(x, y)[:1, :1], tf.float32))

    product(a, b).numpy()
    times = []
    with quiet:
        for _ in range(repeats):
            start = time.perf_counter()
            product(a, b).numpy()
            times.append(time.perf_counter() - start)
    return 2.0 * size**3 / min(times)


class _StepTimes(keras.callbacks.Callback):
    """Per-step wall times; stops `fit` once `steps` steps after `warmup` are timed or
    the timed ones add up to `budget_s` (at least one is always timed). The timed
    steps run under `quiet`."""

    def __init__(self, warmup, steps, budget_s, quiet=NOBODY):
        super().__init__()
        self.warmup, self.steps, self.budget_s, self.quiet = warmup, steps, budget_s, quiet
        self.times = []
        self._start = None

    def on_train_batch_begin(self, batch, logs=None):
        if len(self.times) == self.warmup:
            self.quiet.__enter__()
        self._start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.times.append(time.perf_counter() - self._start)
        timed = self.times[self.warmup :]
        if len(timed) >= self.steps or (timed and sum(timed) >= self.budget_s):
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        self.quiet.__exit__(None, None, None)


_STRATEGIES = {}


def _strategy(name):
    # One strategy per process: a second MirroredStrategy reuses collective instance
    # keys and its all-reduces fail with shape mismatches.
    if name not in _STRATEGIES:
        _STRATEGIES[name] = distribution.get_strategy(name)
    return _STRATEGIES[name]


def build(family, batch_size=None, jit_compile=False, steps_per_execution=1):
    """Return `(config, data, model)` built as `keras_gan.training.run` builds them."""
    config = family_config(family, batch_size, jit_compile, steps_per_execution)
    recipe = get_recipe(family)
    keras.utils.set_random_seed(config.seed)
    strategy = _strategy(config.strategy)
    distribution.check_global_batch(config.batch_size, strategy)
    data = recipe.make_data(config)
    with strategy.scope():
        model = recipe.build_model(config, data)
    return config, data, model


def train_throughput(
    family,
    jit_compile=False,
    batch_size=None,
    warmup=2,
    steps=5,
    steps_per_execution=1,
    budget_s=float("inf"),
    quiet=NOBODY,
):
    """Median train-step time of a family with `model.fit` (after `warmup` steps).

    Timing stops after `steps` timed steps or once they take `budget_s` seconds;
    the timed steps run under `quiet` (a `Quiet`).

    Returns:
        A dict: `step_s` (median seconds per step), `images_per_s`, `batch_size`,
        `steps`, `first_step_s` (tracing and compilation included), `times_s`
        (every step, warm-up included).
    """
    config, data, model = build(family, batch_size, jit_compile, steps_per_execution)
    timer = _StepTimes(warmup, steps, budget_s, quiet)
    calls = warmup + steps
    try:
        model.fit(
            data.dataset,
            epochs=1,
            steps_per_epoch=calls * steps_per_execution,
            callbacks=[timer],
            verbose=0,
        )
    finally:
        quiet.__exit__(None, None, None)
    timed = timer.times[warmup:]
    step = statistics.median(timed) / steps_per_execution
    return {
        "batch_size": config.batch_size,
        "image_size": config.image_size,
        "filters": config.filters,
        "step_s": step,
        "images_per_s": config.batch_size / step,
        "steps": len(timed),
        "first_step_s": timer.times[0],
        "times_s": timer.times,
        "replicas": model.distribute_strategy.num_replicas_in_sync,
    }


def train_step_flops(family, batch_size=None):
    """FLOPs of one train step, counted on its traced graph (see `benchmarks.flops`)."""
    config, data, model = build(family, batch_size)
    spec = data.dataset.element_spec
    flops, by_type, unknown = function_flops(model.train_step, spec, batch_size=config.batch_size)
    return {
        "flops": flops,
        "flops_by_op": by_type,
        "uncounted_ops": unknown,
        "batch_size": config.batch_size,
    }


def pipeline_throughput(family, batches=20, warmup=3, quiet=NOBODY):
    """Images/s of the family's real input pipeline alone (`recipe.make_data`), timed
    under `quiet`."""
    config = family_config(family)
    data = get_recipe(family).make_data(config)
    iterator = iter(data.dataset)
    for _ in range(warmup):  # fills the cache and the prefetch buffer
        next(iterator)
    with quiet:
        start = time.perf_counter()
        for _ in range(batches):
            batch = next(iterator)
        tf.nest.map_structure(lambda t: t.numpy(), batch)
        seconds = time.perf_counter() - start
    return {
        "images_per_s": batches * config.batch_size / seconds,
        "batches": batches,
        "batch_size": config.batch_size,
    }


def generator_latency(generator, family, runs=10):
    """Median ms of a Keras generator on one example (batch 1, eager `predict_on_batch`)."""
    config = family_config(family)
    size = config.image_size // config.scale if family == "srgan" else config.image_size
    inputs = []
    for tensor in generator.inputs:
        shape = [1] + [d if d is not None else size for d in tensor.shape[1:]]
        inputs.append(np.random.default_rng(0).uniform(-1, 1, shape).astype(np.float32))
    args = inputs if len(inputs) > 1 else inputs[0]
    for _ in range(2):
        generator.predict_on_batch(args)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        generator.predict_on_batch(args)
        times.append((time.perf_counter() - start) * 1000.0)
    return statistics.median(times)


QUANTIZE = "float32,float16,dynamic,int8"
EXPORT_META = "benchmark_export.json"


def export_name(family, generator_path=""):
    """The export's model name: the family, `_trained` for a trained generator file."""
    return family + ("_trained" if generator_path else "")


def export(family, output_dir, generator_path="", representative_data="", quantize=QUANTIZE):
    """Export the family's generator for `inference` (conversion only, not timed).

    The generator is the untrained network at the benchmark sizes, or the trained
    one in `generator_path` (a `.keras` file). Every TFLite variant in `quantize`
    is converted (int8 included even where `quantize="auto"` leaves it out) by
    `keras_gan.export.export_generator` with `verify=False`: `benchmarks/run.py`
    runs these conversions side by side, and `inference` verifies and times the
    artifacts afterwards on a quiet machine. Writes `<output_dir>/<name>.keras`
    (the generator) and `<output_dir>/<name>/` (the export). `representative_data`
    (a dataset spec) replaces the benchmark data as calibration and verification
    images, e.g. the input domain a trained generator was trained on.

    Returns:
        A dict: `name`, `base_dir`, `weights` (`"untrained"` or the file),
        `lint`, `input_size`, `parameters`.
    """
    from keras_gan.export import export_generator

    config, data, model = build(family)
    artifact = get_recipe(family).generators(model, config)[0]
    network, weights = artifact.network, "untrained"
    if generator_path:
        network = keras.saving.load_model(generator_path, compile=False, safe_mode=True)
        weights = generator_path
    name = export_name(family, generator_path)
    os.makedirs(output_dir, exist_ok=True)
    network.save(os.path.join(output_dir, name + ".keras"))
    report = export_generator(
        network,
        name=name,
        output_dir=output_dir,
        formats="saved_model,tflite",
        quantize=quantize,
        representative_data=(representative_data or artifact.representative_data),
        image_size=artifact.image_size or config.image_size,
        num_verify=2,
        verify=False,
        verbose=False,
    )
    meta = {
        "name": name,
        "base_dir": report["base_dir"],
        "weights": weights,
        "lint": sorted({f["layer_type"] for f in report["lint"]}),
        "input_size": artifact.image_size or config.image_size,
        "parameters": int(network.count_params()),
    }
    with open(os.path.join(report["base_dir"], EXPORT_META), "w") as f:
        json.dump(meta, f)
    return meta


def inference(family, output_dir, generator_path=""):
    """Latency and size of an `export`ed generator, read from its verification.

    Times the Keras generator (batch 1) and runs the export verification
    (`keras_gan.export.verify.verify_report`: a separate process, 2 threads,
    batch 1, PSNR against the Keras outputs); an artifact that misses its
    tolerance is still reported, with `passed: false`.

    Returns:
        A dict with `keras_ms` (Keras generator, batch 1), `artifacts` (one row per
        SavedModel/TFLite artifact: variant, size_bytes, latency_ms, psnr_db,
        passed), `threads` and the export's `weights`, `lint`, `input_size`,
        `parameters`.
    """
    from keras_gan.export import verify_report

    name = export_name(family, generator_path)
    base_dir = os.path.join(output_dir, name)
    meta_path = os.path.join(base_dir, EXPORT_META)
    if not os.path.isfile(meta_path):
        raise FileNotFoundError(
            f"No finished export of {name} in {output_dir} (its export record has the error)."
        )
    with open(meta_path) as f:
        meta = json.load(f)
    network = keras.saving.load_model(
        os.path.join(output_dir, name + ".keras"), compile=False, safe_mode=True
    )
    keras_ms = generator_latency(network, family)
    threads = 2
    results, _ = verify_report(base_dir, threads=threads)
    rows = [
        {
            k: a.get(k)
            for k in (
                "key",
                "format",
                "variant",
                "size_bytes",
                "latency_ms",
                "psnr_db",
                "max_abs_error",
                "passed",
                "error",
            )
        }
        for a in results
    ]
    return {
        "keras_ms": keras_ms,
        "artifacts": rows,
        "threads": threads,
        **{k: meta[k] for k in ("weights", "lint", "input_size", "parameters")},
    }
