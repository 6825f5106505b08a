"""Training runs: a config object in, a trained model and its files out.

`train.py` turns flags into a `TrainConfig` and calls `run(config)`. Nothing
here reads flags or globals, so notebooks and tests call `run` directly.
"""

import csv
import dataclasses
import json
import math
import os
import shutil
import time
import warnings

import keras
import tensorflow as tf

from keras_gan import distribution
from keras_gan.atomic import atomic_write
from keras_gan.callbacks.backup_and_restore import BackupAndRestore
from keras_gan.callbacks.terminate_on_non_finite import TerminateOnNonFinite
from keras_gan.data.unreadable_files_warning import UnreadableFilesWarning
from keras_gan.recipes import get_recipe


@dataclasses.dataclass
class TrainConfig:
    """Every setting of a training run (saved, resolved, as `config.json`).

    Attributes mirror `train.py`'s flags; see `python train.py --helpfull`.
    Fields left at `None` take the model family's default (its recipe's
    `defaults`, e.g. 28 px MNIST for `gan`, 96 px HR crops for `srgan`).
    """

    model: str = "gan"
    recipe: str = "default"  # "default": tuned for short runs; "paper": the paper's settings
    dataset: str | None = None
    image_size: int | None = None
    channels: int | None = None
    batch_size: int | None = None
    epochs: int | None = None
    steps_per_epoch: int | None = None  # 0: one pass over the data
    loss: str | None = None
    learning_rate: float | None = None
    discriminator_learning_rate: float | None = None  # gan: TTUR; None = the family's default
    beta_1: float | None = None
    filters: int | None = None
    flip: bool | None = None
    seed: int = 0
    # GAN
    latent_dim: int = 64
    conditional: bool = False
    n_critic: int = 0  # 0: 5 for wasserstein, else 1
    gradient_penalty_weight: float = 10.0
    r1_gamma: float | None = None
    ema_decay: float | None = None  # 0: no EMA generator
    discriminator_norm: str = ""
    # CycleGAN
    lambda_cycle: float = 10.0
    lambda_identity: float | None = None  # identity loss weight = lambda_identity * lambda_cycle
    pool_size: int = 50
    decay_epochs: int | None = None
    residual_blocks: int | None = None  # CycleGAN and SRGAN
    norm: str = "instance"  # CycleGAN networks: instance, batch or none
    # SRGAN
    scale: int = 4
    pretrain_epochs: int | None = None
    content_loss: str | None = None
    vgg_weights: str = ""
    relativistic: bool = False
    # Inpainting
    mask: str | None = None
    hole_weight: float | None = None
    valid_weight: float | None = None
    adversarial_weight: float | None = None  # SRGAN and inpainting
    perceptual_weight: float = 0.0
    # Running
    strategy: str = "auto"
    cpu_replicas: int = 1
    mixed_precision: bool = False
    jit_compile: bool | str = "auto"  # auto: by device, see Recipe.auto_jit_compile
    steps_per_execution: int = 1
    output_dir: str = ""
    export: str = "saved_model,tflite"
    samples: int = 64
    verbose: int = 1
    backup_every_steps: int = 0  # 0: back up at the end of each epoch only
    resume: bool = True  # continue from <output_dir>/backup when there is one

    def resolved_output_dir(self):
        return self.output_dir or os.path.join("runs", self.model)


def _export_formats(value):
    """Return the export formats of `--export` (`[]` for `none`); raise on unknown names."""
    if [f.strip() for f in value.split(",") if f.strip()] in (["none"], []):
        return []
    from keras_gan.export import FORMATS, parse_list

    return parse_list(value, FORMATS, "export")


class _History(keras.callbacks.Callback):
    """Append one row per epoch to history.csv (with wall time)."""

    def __init__(self, path):
        super().__init__()
        self.path = path
        self.start = None

    def on_train_begin(self, logs=None):
        self.start = time.time()

    def on_epoch_end(self, epoch, logs=None):
        row = {"epoch": epoch + 1, "seconds": round(time.time() - self.start, 2)}
        row.update({k: float(v) for k, v in (logs or {}).items()})
        new = not os.path.exists(self.path)
        with open(self.path, "a", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(row))
            if new:
                writer.writeheader()
            writer.writerow(row)


def run(config, callbacks=None):
    """Train a model as `config` says and write its files.

    Writes into `config.resolved_output_dir()`: `generator.keras`,
    `model.keras`, `samples/epoch_NNN.png`, `config.json`, `history.csv`,
    `skipped_files.json` (unreadable image files left out), `logs/` (TensorBoard).

    Args:
        config: a `TrainConfig`.
        callbacks: optional extra `keras.callbacks.Callback`s, run after the
            run's own (sample grids, history, TensorBoard) and before the backup
            (e.g. `scripts/learning_curve.py`'s evaluations).

    Returns:
        `(model, history)`: the trained model and the Keras `History`.
    """
    policy = keras.mixed_precision.dtype_policy()
    try:
        return _run(config, callbacks)
    finally:  # --mixed_precision is for the models this run builds, not for later ones
        keras.mixed_precision.set_dtype_policy(policy)


def _run(config, callbacks):
    """`run` without restoring the global dtype policy it sets."""
    extra_callbacks = list(callbacks or [])
    recipe = get_recipe(config.model)
    config = recipe.resolve(config)
    _check_config(config)
    export_formats = _export_formats(config.export)
    strategy = _set_up_strategy(config)
    is_chief = _is_chief(strategy)
    data, skipped_files = _make_data(recipe, config)
    make_dataset = _dataset_maker(recipe, config, data.dataset)
    steps = _steps_per_epoch(config, data)
    with strategy.scope():  # before anything is written: a size the networks refuse, ...
        model = recipe.build_model(config, data)
    output_dir = _make_output_dir(config, strategy, is_chief, skipped_files)
    backup, initial_step = _restore_backup(config, strategy, model, output_dir, steps)
    callbacks = _callbacks(recipe, config, data, output_dir, steps, extra_callbacks, backup)
    history = _fit(recipe, model, make_dataset, config, steps, callbacks, initial_step, backup)
    artifacts = _save_models(recipe, model, config, output_dir)
    if is_chief and export_formats:
        _export_generators(artifacts, config, output_dir, export_formats)
    _finish(backup, output_dir, is_chief, skipped_files)
    return model, history


def _set_up_strategy(config):
    """Seed, set CPU replicas and mixed precision; return the distribution strategy."""
    keras.utils.set_random_seed(config.seed)
    distribution.configure_cpu_replicas(config.cpu_replicas)
    strategy = distribution.get_strategy(config.strategy)  # before TensorFlow initialises
    if config.mixed_precision:
        on_gpu = bool(tf.config.list_logical_devices("GPU"))
        keras.mixed_precision.set_dtype_policy("mixed_float16" if on_gpu else "mixed_bfloat16")
    distribution.check_global_batch(config.batch_size, strategy)
    return strategy


def _dataset_maker(recipe, config, first):
    """The function `recipe.fit` calls for each `fit`'s dataset (`first` is used once)."""
    unused = [first]

    def make_dataset():
        # A new tf.data object for every `fit`: a dataset's shuffle order depends on
        # the iterators it made before, so a resumed run would see other batches.
        if unused:
            dataset = unused.pop()
        else:
            with warnings.catch_warnings():  # shown at the first build
                warnings.simplefilter("ignore", UnreadableFilesWarning)
                dataset = recipe.make_data(config).dataset
        if config.strategy == "multi_worker":
            options = tf.data.Options()
            options.experimental_distribute.auto_shard_policy = (
                tf.data.experimental.AutoShardPolicy.DATA
            )
            dataset = dataset.with_options(options)
        return dataset

    return make_dataset


def _steps_per_epoch(config, data):
    """`--steps_per_epoch`, else the data's; raise when neither is known."""
    steps = config.steps_per_epoch or data.steps_per_epoch
    if not steps:
        raise ValueError(
            "The dataset size is unknown: pass --steps_per_epoch. "
            f"Received: steps_per_epoch={config.steps_per_epoch}"
        )
    return steps


def _make_output_dir(config, strategy, is_chief, skipped_files):
    """Create the run's folder (a worker's: scratch); the chief writes config and skipped files."""
    output_dir = config.resolved_output_dir()
    if not is_chief:  # only the chief writes artifacts; workers write to scratch
        output_dir = os.path.join(output_dir, f".worker_{strategy.cluster_resolver.task_id}")
    os.makedirs(output_dir, exist_ok=True)
    if is_chief:
        with open(os.path.join(output_dir, "config.json"), "w") as f:
            json.dump(dataclasses.asdict(config), f, indent=2, sort_keys=True)
        with open(os.path.join(output_dir, "skipped_files.json"), "w") as f:
            json.dump({"count": len(skipped_files), "files": skipped_files}, f, indent=2)
    return output_dir


def _restore_backup(config, strategy, model, output_dir, steps):
    """Return the backup callback and the step it restored `model` at; history.csv is cut to match.

    The backup holds the whole training state, every epoch (and --backup_every_steps
    steps); see BackupAndRestore. A resumed run restores it and continues at its step.
    """
    backup = BackupAndRestore(
        os.path.join(output_dir, "backup"),
        steps_per_epoch=steps,
        save_freq=config.backup_every_steps or "epoch",
        delete_checkpoint=False,
    )
    if not config.resume:
        backup.clear()
    initial_step = backup.restore(model)
    if config.strategy == "multi_worker":
        _check_same_step_on_all_workers(strategy, initial_step)
    _truncate_history(os.path.join(output_dir, "history.csv"), initial_step // steps)
    return backup, initial_step


def _callbacks(recipe, config, data, output_dir, steps, extra_callbacks, backup):
    """The run's callbacks: non-finite, the recipe's, history, TensorBoard, extra ones, backup."""
    callbacks = (
        [TerminateOnNonFinite(steps)]
        + recipe.callbacks(config, data, output_dir)
        + [
            _History(os.path.join(output_dir, "history.csv")),
            keras.callbacks.TensorBoard(os.path.join(output_dir, "logs"), update_freq="epoch"),
        ]
        + extra_callbacks
    )
    callbacks.append(backup)
    return callbacks


def _fit(recipe, model, make_dataset, config, steps, callbacks, initial_step, backup):
    """`recipe.fit`; a non-finite loss's error says where the last finite state is kept."""
    try:
        return recipe.fit(model, make_dataset, config, steps, callbacks, initial_step=initial_step)
    except FloatingPointError as error:
        kept = (
            f"The last finite state (step {backup.saved_step}) is kept in {backup.latest_dir}."
            if backup.saved_step
            else "No backup was written before it."
        )
        raise FloatingPointError(f"{error} {kept}") from None


def _save_models(recipe, model, config, output_dir):
    """Save each generator (`<filename>.keras`) and `model.keras`; return the generators."""
    artifacts = recipe.generators(model, config)
    for artifact in artifacts:
        _save_keras(artifact.network, os.path.join(output_dir, f"{artifact.filename}.keras"))
    _save_keras(model, os.path.join(output_dir, "model.keras"))
    return artifacts


def _export_generators(artifacts, config, output_dir, export_formats):
    """Export each saved generator to saved_models/, reloaded: plain (not distributed) variables."""
    from keras_gan.export import export_generator

    for artifact in artifacts:
        export_generator(
            os.path.join(output_dir, f"{artifact.filename}.keras"),
            name=artifact.export_name,
            output_dir="saved_models",
            formats=export_formats,
            representative_data=artifact.representative_data,
            image_size=artifact.image_size or config.image_size,
            verbose=bool(config.verbose),
        )


def _finish(backup, output_dir, is_chief, skipped_files):
    """Drop the backup (the run is complete) and a worker's scratch; name the skipped files."""
    backup.clear()  # the run is complete and its files are written
    if not is_chief:
        shutil.rmtree(output_dir, ignore_errors=True)  # the worker's scratch
    if is_chief and skipped_files:
        print(
            f"Skipped {len(skipped_files)} unreadable image files (named in the warning above "
            f"and in {os.path.join(output_dir, 'skipped_files.json')})."
        )


def _check_config(config):
    """Raise a `ValueError` naming the first run setting no family accepts.

    The settings of the networks, data and losses are checked where they are used;
    these are the run's own, which would otherwise fail late (a sample grid of 0
    images after the first epoch) or not at all (Adam's beta_1 = 2, an infinite rate).
    """
    for name in (
        "epochs",
        "steps_per_epoch",
        "samples",
        "steps_per_execution",
        "seed",
        "backup_every_steps",
    ):
        value, low = getattr(config, name), 1 if name in ("samples", "steps_per_execution") else 0
        if not isinstance(value, int) or isinstance(value, bool) or value < low:
            raise ValueError(f"`{name}` must be an int >= {low}. Received: {name}={value!r}")
    if config.seed >= 2**32:
        raise ValueError(f"`seed` must be < 2**32. Received: seed={config.seed}")
    for field in dataclasses.fields(config):
        value = getattr(config, field.name)
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(
                f"`{field.name}` must be a finite number. Received: {field.name}={value}"
            )
    if not 0.0 <= config.beta_1 < 1.0:
        raise ValueError(f"`beta_1` must be in [0, 1). Received: beta_1={config.beta_1}")


def _save_keras(model, path):
    """`model.save(path)` through a temporary file beside it: a save that fails (a full
    disk) leaves no half-written `.keras`, and the file it would replace stays."""
    try:
        with atomic_write(path, suffix=".partial.keras") as tmp:
            model.save(tmp)
    except OSError as error:  # zipfile's message does not name the file
        raise OSError(f"Cannot write {path!r} ({' '.join(str(error).split())})") from None


def _truncate_history(path, epochs):
    """Keep the first `epochs` rows of history.csv (a resumed run); remove it for 0."""
    if not os.path.exists(path):
        return
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    os.remove(path)
    if epochs and len(rows) > 1:
        with open(path, "w", newline="") as f:
            csv.writer(f).writerows(rows[: epochs + 1])


def _check_same_step_on_all_workers(strategy, step):
    """Raise unless every worker restored the same step (each reads its own backup)."""

    @tf.function
    def sums():  # all equal <=> n * sum(x^2) == sum(x)^2 (SUM is the collective at hand)
        values = strategy.run(lambda: tf.constant([step, step * step], tf.int64))
        return strategy.reduce("SUM", values, axis=None)

    total, squares = (int(v) for v in sums())
    if strategy.num_replicas_in_sync * squares != total * total:
        raise ValueError(
            "The workers' backups are at different steps: rerun with --resume=false on "
            f"every worker. Received: step={step} on this worker"
        )


def _make_data(recipe, config):
    """Return `recipe.make_data(config)` and the image files it skipped as unreadable.

    The data loaders warn with `UnreadableFilesWarning` (shown as usual); the paths
    are collected for `skipped_files.json` and the run's last line.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.filterwarnings("always", category=UnreadableFilesWarning)
        data = recipe.make_data(config)
    for warning in caught:
        warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    skipped = [
        path
        for warning in caught
        if issubclass(warning.category, UnreadableFilesWarning)
        for path in warning.message.paths
    ]
    return data, skipped


def _is_chief(strategy):
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.cluster_spec().as_dict():
        return True
    task_type, task_id = resolver.task_type, resolver.task_id
    return task_type in ("chief", None) or (
        task_type == "worker" and task_id == 0 and "chief" not in resolver.cluster_spec().as_dict()
    )
