"""Learning curve of a model family: train it, evaluate at checkpoints, plot against the baseline.

Trains `--model` on `--dataset` with the family's recipe (`keras_gan.training.run`:
the recipe's defaults apply; `--set=field=value` overrides any `TrainConfig` field),
and every `--eval_every` steps (and before the first step) evaluates the current
generator in-process with the same evaluator `evaluate.py` uses
(`keras_gan.evaluation.get_evaluator`). Evaluation time is left out of the seconds
axis. After training, the generator saved as `<output_dir>/generator.keras` is
loaded and evaluated for the last row, so that row is what `evaluate.py` prints
for that file (the script prints the equivalent `evaluate.py` command).

Writes `--csv` (one row per checkpoint: step, train_seconds, eval_seconds,
source, then each headline series and its baseline) and `--output`, a PNG with
the headline metric vs steps (left) and vs training seconds (right), the
baseline as a dashed line; both are rewritten at every checkpoint.

Headline metric and baseline per family:
    gan         classifier score and smallest class share (--classifier); real data (--real_data)
    srgan       PSNR (Y, scale px shaved) per set of --eval_sets; bicubic
    inpainting  hole PSNR on --real_data, mean over hole buckets, per --eval_crops; OpenCV Telea
    cyclegan    PSNR vs --target_data (true translations of --real_data); unchanged images

Example:
    python scripts/learning_curve.py --model=srgan --dataset=folder:../shared/data/sr/T91 \
        --set=epochs=0 --set=pretrain_epochs=10 --set=steps_per_epoch=100 --eval_every=100 \
        --eval_sets=folder:../shared/data/sr/Set5,folder:../shared/data/sr/Set14 \
        --output=docs/srgan_curve.png
"""

import csv
import json
import os
import shlex
import sys
import time
import types
import typing

import keras
from absl import app, flags, logging

RESERVED = {
    "model": "--model",
    "dataset": "--dataset",
    "output_dir": "--output_dir",
    "resume": "(a curve starts at step 0)",
}
"""`TrainConfig` fields that `--set` does not take (they have their own flag)."""

TRAIN_DEFAULTS = {"export": "none", "verbose": 2}
"""`TrainConfig` values of a curve run unless `--set` says otherwise (no exports, a line per epoch)."""


def define_flags():
    """Define the script's flags (called when run as a script, not when imported by tests)."""
    f = flags
    f.DEFINE_string("model", "gan", "Model family: gan, srgan, inpainting or cyclegan.")
    f.DEFINE_string("dataset", None, "Training data spec; default: the family's.")
    f.DEFINE_multi_string(
        "set",
        [],
        "A TrainConfig override, field=value (repeatable), e.g. "
        "--set=batch_size=16 --set=learning_rate=1e-3 --set=steps_per_epoch=100.",
    )
    f.DEFINE_string(
        "output_dir", None, "Run folder (generator.keras, ...); default runs/curve_<model>."
    )
    f.DEFINE_integer(
        "eval_every", None, "Evaluate every N training steps.", lower_bound=1, required=True
    )
    f.DEFINE_boolean("eval_at_start", True, "Also evaluate the untrained generator (step 0).")
    f.DEFINE_string("output", None, "PNG of the curve.", required=True)
    f.DEFINE_string("csv", None, "CSV of the curve; default: --output with .csv.")
    # Evaluation (the names of evaluate.py's flags; --eval_sets is its --dataset).
    f.DEFINE_string("eval_sets", None, "srgan: comma list of HR image set specs (Set5, Set14).")
    f.DEFINE_string("classifier", None, "gan: saved .keras classifier.")
    f.DEFINE_integer("num_samples", 10000, "gan: generated images per evaluation.")
    f.DEFINE_string(
        "real_data",
        None,
        "gan: real images (baseline); inpainting, cyclegan: the images to complete / translate.",
    )
    f.DEFINE_integer("num_real", 10000, "Maximum number of --real_data images.")
    f.DEFINE_string("target_data", None, "cyclegan: true translations of --real_data, same order.")
    f.DEFINE_integer("eval_image_size", 64, "inpainting, cyclegan: evaluation image size.")
    f.DEFINE_string(
        "eval_crops",
        "resize",
        "inpainting: comma list of resize (whole images) "
        "and native (seeded native-resolution crops), e.g. resize,native.",
    )
    f.DEFINE_string("eval_masks", "free_form", "inpainting: free_form, rect or folder:<path>.")
    f.DEFINE_integer("masks_per_bucket", 0, "inpainting: masks per bucket; 0 = one per image.")
    f.DEFINE_integer("eval_seed", 0, "Seed of the evaluation (evaluate.py's --seed).")
    f.DEFINE_integer("eval_batch_size", 256, "Evaluation batch size (evaluate.py's --batch_size).")


# ------------------------------------------------------------------ training config


def _convert(name, text, annotation):
    """`text` as a value of a field annotated `annotation` (`int | None`, `bool | str`, ...)."""
    kinds = (
        typing.get_args(annotation)
        if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
        else (annotation,)
    )
    lowered = text.strip().lower()
    if type(None) in kinds and lowered in ("none", "null"):
        return None
    if bool in kinds and lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        if kind in kinds:
            try:
                return kind(text)
            except ValueError:
                pass
    if str in kinds:
        return text
    raise ValueError(f"--set={name}=... takes {annotation}. Received: {name}={text!r}")


def parse_overrides(items):
    """Turn `--set` items `field=value` into typed `TrainConfig` values.

    Values are converted by the field's type: `none` for optional fields,
    `true`/`false` for booleans, then int, float, str.

    Args:
        items: strings `"field=value"`.

    Returns:
        dict field -> value, in the given order.

    Example:
    ```python
    parse_overrides(["batch_size=16", "learning_rate=1e-3", "mask=mixed"])
    # {"batch_size": 16, "learning_rate": 0.001, "mask": "mixed"}
    ```
    """
    from keras_gan.training import TrainConfig

    hints = typing.get_type_hints(TrainConfig)
    values = {}
    for item in items:
        name, sep, text = item.partition("=")
        name = name.strip().lstrip("-")
        if not sep or name not in hints:
            raise ValueError(
                "--set takes field=value with a TrainConfig field "
                f"({', '.join(sorted(hints))}). Received: set={item!r}"
            )
        if name in RESERVED:
            raise ValueError(
                f"--set does not take {name}: use {RESERVED[name]}. Received: set={item!r}"
            )
        values[name] = _convert(name, text, hints[name])
    return values


def build_config(model, dataset=None, overrides=(), output_dir=None):
    """The `TrainConfig` of a curve run: fresh (no resume), no exports unless overridden.

    Args:
        model: the family.
        dataset: training data spec, or `None` for the family's default.
        overrides: `--set` items `field=value` (see `parse_overrides`).
        output_dir: run folder; default `runs/curve_<model>`.

    Returns:
        A `keras_gan.training.TrainConfig` (unresolved: the recipe fills `None` fields).

    Example:
    ```python
    config = build_config("srgan", "folder:/data/sr/T91", ["steps_per_epoch=100"])
    ```
    """
    from keras_gan.training import TrainConfig

    values = {**TRAIN_DEFAULTS, **parse_overrides(overrides)}
    return TrainConfig(
        model=model,
        dataset=dataset,
        resume=False,
        output_dir=output_dir or os.path.join("runs", f"curve_{model}"),
        **values,
    )


# ------------------------------------------------------------------ evaluation


def evaluation_calls(model, options, scale=4):
    """The evaluator keyword arguments of one checkpoint (several for several crop modes).

    Args:
        model: the family.
        options: an object with the evaluation flags as attributes (`absl`'s
            `FLAGS` or a `types.SimpleNamespace`): eval_sets, classifier,
            num_samples, real_data, num_real, target_data, eval_image_size,
            eval_crops, eval_masks, masks_per_bucket, eval_seed, eval_batch_size.
        scale: the SR run's scale.

    Returns:
        A list of keyword-argument dicts for `keras_gan.evaluation.get_evaluator(model)`
        (its `curve_arguments`).
    """
    from keras_gan import evaluation

    return evaluation.get_evaluator(model).curve_arguments(options, scale)


def evaluate_command(model, generator_path, call):
    """The `evaluate.py` command line that measures `generator_path` as `call` does.

    Args:
        model: the family.
        generator_path: the saved generator.
        call: one dict of `evaluation_calls`.

    Returns:
        The command as a string.
    """
    from keras_gan import evaluation

    args = [
        f"--model={model}",
        f"--generator={generator_path}",
        *evaluation.get_evaluator(model).command_line(call),
    ]
    return " ".join(["python", "evaluate.py", *(shlex.quote(a) for a in args)])


def merge_headlines(headlines):
    """Merge the headline panels of several evaluations (same metric key: series joined).

    Args:
        headlines: lists of panels (`results["headline"]`).

    Returns:
        One list of panels, in first-seen order.
    """
    merged = {}
    for headline in headlines:
        for panel in headline:
            if panel["key"] in merged:
                merged[panel["key"]]["series"].update(panel["series"])
            else:
                merged[panel["key"]] = {**panel, "series": dict(panel["series"])}
    return list(merged.values())


class Evaluator:
    """Evaluates a generator at a checkpoint with the family's evaluator(s).

    Loads once what the evaluations share (the family evaluator's `prepare`: the GAN
    classifier and real images), then calls `keras_gan.evaluation.get_evaluator(model)`
    once per entry of `calls`.

    Args:
        model: the family.
        calls: keyword-argument dicts (see `evaluation_calls`).
    """

    def __init__(self, model, calls):
        from keras_gan import evaluation

        self.model = model
        self.calls = [dict(call) for call in calls]
        self.evaluator = evaluation.get_evaluator(model)
        self.last_results = None
        self._ready = False

    def __call__(self, generator):
        """Return the merged headline panels of `generator` (results kept in `last_results`)."""
        if not self._ready:
            self.calls = [self.evaluator.prepare(generator, call) for call in self.calls]
            self._ready = True
        self.last_results = [self.evaluator(generator, **call) for call in self.calls]
        return merge_headlines(r["headline"] for r in self.last_results)


# ------------------------------------------------------------------ the callback


class CurveCallback(keras.callbacks.Callback):
    """Evaluate the model's generator every `every` steps; time training without evaluations.

    Steps are counted across `fit` calls (SRGAN's phases) from the batch
    indices. Each evaluation appends a row and calls `on_row(rows)`; the time
    spent in both is subtracted from `train_seconds`.

    Args:
        evaluate: `fn(generator) -> headline panels` (e.g. an `Evaluator`).
        every: evaluate after every `every` training steps.
        at_start: also evaluate before the first step.
        on_row: optional `fn(callback)` called after each row (writes files).
    """

    def __init__(self, evaluate, every, at_start=True, on_row=None):
        super().__init__()
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive int. Received: every={every!r}")
        self.evaluate = evaluate
        self.every = every
        self.at_start = at_start
        self.on_row = on_row
        self.rows = []
        self.panels = []
        self.step = 0
        self.start = None
        self.excluded = 0.0
        self.train_seconds_at_end = 0.0
        self._epoch_base = 0
        self._last_evaluated = None

    def train_seconds(self):
        """Seconds since training began, minus the time spent evaluating."""
        return time.perf_counter() - self.start - self.excluded if self.start is not None else 0.0

    def record(self, step, generator, source="in_process", train_seconds=None):
        """Evaluate `generator` as the row of `step` (replacing a row of the same step)."""
        begin = time.perf_counter()
        seconds = self.train_seconds() if train_seconds is None else train_seconds
        panels = self.evaluate(generator)
        evaluated = time.perf_counter()
        from keras_gan.evaluation import headline_columns

        row = {
            "step": int(step),
            "train_seconds": round(seconds, 3),
            "eval_seconds": round(evaluated - begin, 3),
            "source": source,
            **headline_columns(panels),
        }
        self.rows = [r for r in self.rows if r["step"] != step] + [row]
        self.panels = panels
        self._last_evaluated = step
        if self.on_row:
            self.on_row(self)
        self.excluded += time.perf_counter() - begin
        return row

    def _generator(self):
        """The network a run saves as generator.keras (a plain model: the model itself)."""
        export = getattr(self.model, "export_generator", None)
        return export() if export else getattr(self.model, "generator", self.model)

    def on_train_begin(self, logs=None):
        if self.start is None:
            self.start = time.perf_counter()
            if self.at_start:
                self.record(0, self._generator())

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_base = self.step

    def on_train_batch_end(self, batch, logs=None):
        previous, self.step = self.step, self._epoch_base + batch + 1
        if self.step // self.every > previous // self.every:
            self.record(self.step, self._generator())

    def on_train_end(self, logs=None):
        self.train_seconds_at_end = self.train_seconds()


# ------------------------------------------------------------------ files


def write_csv(rows, path):
    """Write the curve rows to `path` (columns of the first row, then any new ones)."""
    columns = []
    for row in rows:
        columns += [key for key in row if key not in columns]
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)


def plot_curve(rows, panels, path, title):
    """Draw the curve: one row of panels per headline metric, vs steps and vs seconds.

    Args:
        rows: the CSV rows (dicts with `step`, `train_seconds` and the headline columns).
        panels: the headline panels of the last evaluation (names, labels, baselines).
        path: PNG to write.
        title: figure title.

    Returns:
        `path`.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from keras_gan.evaluation import series_column

    figure, axes = plt.subplots(
        len(panels), 2, figsize=(12, 3.6 * len(panels) + 0.8), squeeze=False
    )
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for (left, right), panel in zip(axes, panels):
        for index, name in enumerate(panel["series"]):
            column = series_column(panel, name)
            baseline_column = f"{column}_{panel['baseline']}"
            points = [r for r in rows if r.get(column) is not None]
            color = colors[index % len(colors)]
            label = name or "model"
            baselines = [r[baseline_column] for r in points if r.get(baseline_column) is not None]
            for axis, x in ((left, "step"), (right, "train_seconds")):
                axis.plot(
                    [r[x] for r in points],
                    [r[column] for r in points],
                    marker="o",
                    markersize=3,
                    color=color,
                    label=label,
                )
                if baselines:
                    axis.axhline(
                        baselines[-1],
                        color=color,
                        linestyle="--",
                        linewidth=1,
                        label=f"{name + ': ' if name else ''}{panel['baseline']} "
                        f"{baselines[-1]:.4g}",
                    )
        for axis, xlabel in (
            (left, "training step"),
            (right, "training seconds (evaluation excluded)"),
        ):
            axis.set_xlabel(xlabel)
            axis.set_ylabel(panel["label"])
            axis.grid(alpha=0.3)
        left.legend(fontsize=8, loc="best")
    figure.suptitle(title, fontsize=10)
    figure.tight_layout()
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def curve_title(config, overrides):
    """Figure title: family, dataset and the key settings of the resolved run config.

    Args:
        config: the resolved config (a dict, as in the run's `config.json`).
        overrides: the `--set` items given.

    Returns:
        The title string (two lines).
    """
    from keras_gan.evaluation import set_name

    dataset = set_name(config["dataset"]) if config.get("dataset") else "default data"
    settings = [
        f"batch {config.get('batch_size')}",
        f"lr {config.get('learning_rate'):g}"
        if isinstance(config.get("learning_rate"), (int, float))
        else None,
        f"{config.get('image_size')} px" if config.get("image_size") else None,
        f"x{config.get('scale')}" if config.get("model") == "srgan" else None,
    ]
    steps = config.get("steps_per_epoch") or "one pass of"
    epochs = [
        f"{config.get('pretrain_epochs')} pretrain + {config.get('epochs')} adversarial"
        if config.get("model") == "srgan"
        else f"{config.get('epochs')}",
        f" epochs x {steps} steps",
    ]
    line = f"{config.get('model')} on {dataset}: " + ", ".join(s for s in settings if s)
    line += f"; {''.join(epochs)}"
    given = [o for o in overrides if o.split("=", 1)[0] not in TRAIN_DEFAULTS]
    return line + ("\n" + "defaults except " + " ".join(given) if given else "\ndefault recipe")


# ------------------------------------------------------------------ main


def learning_curve(config, evaluator, every, output, csv_path, overrides=(), at_start=True):
    """Train `config`, evaluating every `every` steps; write the CSV and PNG; return the rows.

    The last row is the evaluation of the saved `<output_dir>/generator.keras`
    (as `evaluate.py` loads it) at the last step, with `source="saved"`; the
    largest difference from an in-process evaluation of the same step, if there
    was one, is returned as well.

    Args:
        config: a `TrainConfig` (see `build_config`).
        evaluator: `fn(generator) -> headline panels` (an `Evaluator`).
        every: evaluation period in steps.
        output: PNG path.
        csv_path: CSV path.
        overrides: the `--set` items (for the title).
        at_start: evaluate the untrained generator too.

    Returns:
        `(rows, difference)`: the CSV rows and the largest absolute difference
        between the in-process and the saved generator's figures at the last
        step (`None` when the last step had no in-process evaluation).
    """
    from keras_gan.evaluation import headline_columns
    from keras_gan.training import run

    output_dir = config.resolved_output_dir()
    state = {"title": None}

    def write(callback):
        if state["title"] is None:
            with open(os.path.join(output_dir, "config.json")) as f:
                state["title"] = curve_title(json.load(f), overrides)
        write_csv(callback.rows, csv_path)
        plot_curve(callback.rows, callback.panels, output, state["title"])
        last = callback.rows[-1]
        figures = ", ".join(
            f"{k} {v:.4g}"
            for k, v in last.items()
            if k not in ("step", "train_seconds", "eval_seconds", "source") and v is not None
        )
        what = " (saved generator.keras)" if last["source"] == "saved" else ""
        print(
            f"[curve] step {last['step']}{what} ({last['train_seconds']:.1f} s training, "
            f"{last['eval_seconds']:.1f} s evaluation): {figures}",
            flush=True,
        )

    callback = CurveCallback(evaluator, every, at_start=at_start, on_row=write)
    try:
        run(config, callbacks=[callback])
    finally:
        if callback.rows:  # whatever was measured, even if training failed
            write_csv(callback.rows, csv_path)
    in_process = next((r for r in callback.rows if r["step"] == callback.step), None)
    saved_path = os.path.join(output_dir, "generator.keras")
    generator = keras.saving.load_model(saved_path, compile=False, safe_mode=True)
    callback.record(
        callback.step, generator, source="saved", train_seconds=callback.train_seconds_at_end
    )
    difference = None
    if in_process is not None:
        saved = headline_columns(callback.panels)
        difference = max(
            (
                abs(saved[k] - in_process[k])
                for k in saved
                if saved[k] is not None and in_process.get(k) is not None
            ),
            default=0.0,
        )
    return callback.rows, difference


def main(argv):
    if len(argv) > 1:
        raise app.UsageError(f"Unexpected arguments: {argv[1:]}")
    if not flags.FLAGS["verbosity"].present:
        logging.set_verbosity(logging.WARNING)
    FLAGS = flags.FLAGS
    csv_path = FLAGS.csv or os.path.splitext(FLAGS.output)[0] + ".csv"
    try:
        from keras_gan.recipes import get_recipe

        config = build_config(FLAGS.model, FLAGS.dataset, FLAGS.set, FLAGS.output_dir)
        resolved = get_recipe(config.model).resolve(config)  # bad settings fail before training
        calls = evaluation_calls(FLAGS.model, FLAGS, scale=resolved.scale)
        evaluator = Evaluator(FLAGS.model, calls)
        rows, difference = learning_curve(
            config,
            evaluator,
            FLAGS.eval_every,
            FLAGS.output,
            csv_path,
            overrides=FLAGS.set,
            at_start=FLAGS.eval_at_start,
        )
    except ValueError as error:
        print(f"learning_curve.py: error: {' '.join(str(error).split())}", file=sys.stderr)
        sys.exit(2)
    except FloatingPointError as error:  # a NaN/Inf loss: the rows so far are written
        print(f"learning_curve.py: error: {error} Rows so far: {csv_path}", file=sys.stderr)
        sys.exit(1)
    generator_path = os.path.join(config.resolved_output_dir(), "generator.keras")
    print(f"Final evaluation of {generator_path} at step {rows[-1]['step']}:")
    for results in evaluator.last_results:
        print(evaluator.evaluator.report(results))
    if difference is not None:
        print(
            f"In-process evaluation at the last step vs the saved generator: "
            f"largest difference {difference:.3g}"
        )
    print("Same figures from evaluate.py:")
    for call in calls:
        print("  " + evaluate_command(FLAGS.model, generator_path, call))
    print(f"Wrote {csv_path} ({len(rows)} rows) and {FLAGS.output}")


if __name__ == "__main__":
    define_flags()
    app.run(main)
