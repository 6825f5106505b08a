"""Shared checks that every keras_gan model family must pass.

A family's test module calls these with a small factory:

    factory(): returns a compiled model (tiny networks)
    batch_fn(global_batch): returns one batch of training data (numpy / dicts)

`check_replica_equivalence` runs in a fresh subprocess because logical CPU
devices can only be configured before TensorFlow initialises.
"""

import contextlib
import json
import os
import subprocess
import sys
import textwrap

import keras
import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_batch_dataset(batch):
    import tensorflow as tf

    return tf.data.Dataset.from_tensors(batch)


def networks_of(model):
    """(name, network) pairs that train: generator(s) and discriminator(s)."""
    return [
        (name, getattr(model, name))
        for name in getattr(model, "trained_networks", ("generator", "discriminator"))
    ]


def check_fit_step(model, batch):
    """One fit step: finite metrics, every trained network's weights change."""
    before = {name: [w.copy() for w in net.get_weights()] for name, net in networks_of(model)}
    history = model.fit(one_batch_dataset(batch), epochs=1, verbose=0)
    logs = {k: v[-1] for k, v in history.history.items()}
    assert logs, "fit returned no metrics"
    for name, value in logs.items():
        assert np.isfinite(value), f"metric {name} is not finite: {value}"
    for name, net in networks_of(model):
        after = net.get_weights()
        changed = any(not np.array_equal(a, b) for a, b in zip(before[name], after))
        assert changed, f"{name} weights did not change after one fit step"
    return logs


def check_config_round_trip(model):
    config = model.get_config()
    clone = type(model).from_config(config)
    assert clone.get_config() == config
    return clone


def check_save_load(model, inputs, tmp_path):
    """`.keras` save/load gives identical generator output and optimizer state."""
    path = os.path.join(str(tmp_path), "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model)
    expected = keras.ops.convert_to_numpy(model(inputs, training=False))
    actual = keras.ops.convert_to_numpy(loaded(inputs, training=False))
    np.testing.assert_array_equal(actual, expected)
    for attr in ("generator_optimizer", "discriminator_optimizer"):
        a, b = getattr(model, attr), getattr(loaded, attr)
        assert int(a.iterations.numpy()) == int(b.iterations.numpy())
        for va, vb in zip(a.variables, b.variables):
            np.testing.assert_array_equal(np.asarray(va), np.asarray(vb))
    return loaded


@contextlib.contextmanager
def global_dtype_policy(name):
    """Set Keras' global dtype policy inside the block; the previous one comes back after."""
    previous = keras.mixed_precision.dtype_policy()
    keras.mixed_precision.set_dtype_policy(name)
    try:
        yield
    finally:
        keras.mixed_precision.set_dtype_policy(previous)


def _optimizers(model):
    return [model.generator_optimizer, model.discriminator_optimizer]


def non_float32_variables(model):
    """`{path: dtype}` of the model's and its optimizers' float variables that are not float32."""
    variables = [*model.variables, *(v for o in _optimizers(model) for v in o.variables)]
    return {
        v.path: v.dtype
        for v in variables
        if keras.backend.is_float_dtype(v.dtype) and v.dtype != "float32"
    }


def check_mixed_precision_fit_step(
    factory, batch, inputs, tmp_path, policy="mixed_bfloat16", max_steps=8
):
    """Fit steps under a mixed-precision policy (one; float16: until both optimizers step), save/load.

    Built under `policy` (the global policy is restored after): the layers compute
    in 16 bits while every variable (the networks', the optimizers' slots and loss
    scales) stays float32, and the model's outputs are float32. `mixed_bfloat16`
    (what `--mixed_precision` uses on CPU): plain optimizers, `check_fit_step`.
    `mixed_float16`: both optimizers are `LossScaleOptimizer`s; fit steps of one
    batch (finite metrics) until both have applied a step, at most `max_steps`:
    each step an optimizer skips (non-finite scaled gradients) halves its dynamic
    loss scale, and the variables of each optimizer change. Save/load keeps
    outputs, optimizer state (loss scales included) and the policy.

    Args:
        factory: returns a compiled model (called under `policy`).
        batch: one training batch.
        inputs: inputs of `model(inputs)`.
        tmp_path: folder of the `.keras` file.
        policy: `"mixed_bfloat16"` or `"mixed_float16"`.
        max_steps: `mixed_float16`: steps allowed to find a loss scale that works.

    Returns:
        `(model, logs)`: logs of the last step.
    """
    from keras_gan.export.signatures import iter_layers

    low = {"mixed_bfloat16": "bfloat16", "mixed_float16": "float16"}[policy]
    with global_dtype_policy(policy):
        model = factory()
        assert model.dtype_policy.name == policy
        for name, net in networks_of(model):
            assert any(layer.compute_dtype == low for layer in iter_layers(net)), (
                f"{name} is not {low}"
            )
        scaled = policy == "mixed_float16"
        for optimizer in _optimizers(model):
            assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == scaled, optimizer
        if not scaled:
            logs = check_fit_step(model, batch)
        else:
            logs = _check_loss_scaled_steps(model, batch, max_steps)
        assert non_float32_variables(model) == {}
        output = model(inputs, training=False)
        assert keras.backend.standardize_dtype(output.dtype) == "float32"
    loaded = check_save_load(model, inputs, tmp_path)  # under the float32 global policy
    for name, net in networks_of(loaded):
        assert any(layer.compute_dtype == low for layer in iter_layers(net)), f"loaded {name}"
    for optimizer in _optimizers(loaded):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer) == scaled, optimizer
    assert non_float32_variables(loaded) == {}
    return model, logs


def _check_loss_scaled_steps(model, batch, max_steps):
    """One-batch fit steps until both loss-scaled optimizers have applied one; the last logs."""
    groups = [model.generator_variables(), model.discriminator_variables()]
    before = [[np.array(v) for v in group] for group in groups]
    dataset = one_batch_dataset(batch).repeat()
    for step in range(1, max_steps + 1):
        history = model.fit(dataset, epochs=1, steps_per_epoch=1, verbose=0)
        logs = {k: v[-1] for k, v in history.history.items()}
        assert logs and all(np.isfinite(v) for v in logs.values()), (step, logs)
        applied = [int(o.iterations.numpy()) for o in _optimizers(model)]
        for optimizer, count in zip(_optimizers(model), applied):
            skipped = step - count  # each skipped step halves the scale (it grows after 2000)
            assert float(optimizer.dynamic_scale.numpy()) == optimizer.initial_scale / 2**skipped, (
                f"{optimizer.name}: step {step}, {count} applied, "
                f"loss scale {float(optimizer.dynamic_scale.numpy())}"
            )
        if min(applied) >= 1:
            break
    assert min(applied) >= 1, f"an optimizer skipped all {max_steps} steps: applied {applied}"
    for group, old in zip(groups, before):
        assert any(not np.array_equal(np.array(v), o) for v, o in zip(group, old)), "no update"
    return logs


def check_replica_equivalence(factory, batch_fn, global_batch=8, replicas=2, atol=1e-6):
    """One fit step on N logical CPU replicas equals one step on one device.

    Args:
        factory: "module:function" importable from the repo root; the function
            returns a compiled model and is called inside the strategy scope. Or a
            list of them: each is checked, all in one subprocess (each subprocess
            imports TensorFlow again, ~5-10 s of CPU).
        batch_fn: "module:function" taking the global batch size.

    Returns:
        `{"diffs": {network: max abs difference}, "moved": {network: max abs change}}`;
        for a list of factories, `{factory: that}`.
    """
    factories = [factory] if isinstance(factory, str) else list(factory)
    script = textwrap.dedent(
        f"""
        import importlib, json, sys
        sys.path.insert(0, {REPO!r}); sys.path.insert(0, {os.path.join(REPO, "tests")!r})
        from keras_gan import distribution
        distribution.configure_cpu_replicas({replicas})
        import keras, numpy as np, tensorflow as tf

        def load(spec):
            module, fn = spec.split(":")
            return getattr(importlib.import_module(module), fn)

        batch = load({batch_fn!r})({global_batch})
        ds = tf.data.Dataset.from_tensors(batch)
        strategy = None  # made after the first single-device fit, as for one factory

        for spec in {factories!r}:
            factory = load(spec)
            keras.utils.set_random_seed(0)
            single = factory()
            initial = single.get_weights()
            names = getattr(single, "trained_networks", ("generator", "discriminator"))
            start = {{n: getattr(single, n).get_weights() for n in names}}
            single.fit(ds, epochs=1, verbose=0)

            if strategy is None:
                strategy = distribution.get_strategy("mirrored")
                assert strategy.num_replicas_in_sync == {replicas}
            with strategy.scope():
                keras.utils.set_random_seed(0)
                multi = factory()
                multi.set_weights(initial)
            multi.fit(ds, epochs=1, verbose=0)

            diffs, moved = {{}}, {{}}
            for name in names:
                a, b = getattr(single, name).get_weights(), getattr(multi, name).get_weights()
                diffs[name] = max(float(np.max(np.abs(x - y))) for x, y in zip(a, b))
                moved[name] = max(float(np.max(np.abs(x - y))) for x, y in zip(a, start[name]))
            print("RESULT", json.dumps({{"factory": spec, "diffs": diffs, "moved": moved}}),
                  flush=True)
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and len(lines) == len(factories), (
        f"subprocess failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    )
    results = {}
    for line in lines:
        result = json.loads(line[len("RESULT ") :])
        spec = result.pop("factory")
        for name, diff in result["diffs"].items():
            moved = result["moved"][name]
            assert moved > 100 * atol, (
                f"{spec}: {name} barely trained ({moved}); the comparison would be vacuous"
            )
            assert diff <= atol, (
                f"{spec}: {name} differs between 1 and {replicas} replicas by {diff} > {atol}"
            )
        results[spec] = result
    assert list(results) == factories
    return results[factories[0]] if isinstance(factory, str) else results


def check_xla_compiles_once(factory, batch_fn, global_batch=2, steps=3):
    """`fit` with `jit_compile=True` compiles the train step once, not once per step.

    A value XLA must treat as a compile-time constant (e.g. an index sliced with
    `x[i]` that depends on a variable) makes every step compile anew: correct
    results, 10-100x slower steps. Runs in a subprocess and counts TensorFlow's
    "Compilation of XLA executable" log lines.

    Args:
        factory: "module:function" returning a compiled model.
        batch_fn: "module:function" taking the global batch size.
    """
    script = textwrap.dedent(
        f"""
        import importlib, sys
        sys.path.insert(0, {REPO!r}); sys.path.insert(0, {os.path.join(REPO, "tests")!r})
        import tensorflow as tf

        def load(spec):
            module, fn = spec.split(":")
            return getattr(importlib.import_module(module), fn)

        model = load({factory!r})()
        model.jit_compile = True
        ds = tf.data.Dataset.from_tensors(load({batch_fn!r})({global_batch})).repeat()
        model.fit(ds, epochs=1, steps_per_epoch={steps}, verbose=0)
        print("FIT DONE")
        """
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "0", "TF_CPP_VMODULE": "device_compiler=1"}
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600, env=env
    )
    assert proc.returncode == 0 and "FIT DONE" in proc.stdout, (
        f"subprocess failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    )
    compiles = proc.stderr.count("Compilation of XLA executable")
    assert compiles >= 1, "no XLA compilation was logged; the check would be vacuous"
    assert compiles == 1, f"the train step was XLA-compiled {compiles} times in {steps} steps"
    return compiles


def tiny_gan_train_flags(epochs, steps_per_epoch):
    """`train.py` flags of a tiny GAN run (16 px digits, 4 filters, a backup every step).

    Used by the kill-and-resume and multi-worker tests, which run `train.py` in
    subprocesses (`tests/train_instrumented.py`).
    """
    return [
        "--dataset=builtin:digits",
        "--image_size=16",
        "--channels=1",
        "--filters=4",
        "--latent_dim=8",
        "--batch_size=4",
        f"--epochs={epochs}",
        f"--steps_per_epoch={steps_per_epoch}",
        "--samples=4",
        "--verbose=2",
        "--export=none",
        "--backup_every_steps=1",
    ]


@contextlib.contextmanager
def absl_flags(define):
    """The absl flags `define()` adds, for this block only (the CLIs share flag names)."""
    from absl import flags

    before = set(flags.FLAGS)
    define()
    try:
        yield
    finally:
        for name in set(flags.FLAGS) - before:
            delattr(flags.FLAGS, name)


def run_main(main, prog, args):
    """Parse `args` and call a CLI's `main` in this process, as `absl.app.run` does.

    Cheaper than a subprocess (no second TensorFlow import) for cases that fail before
    anything is trained or loaded for long; use inside `absl_flags(define_flags)`. A
    traceback is not caught: it fails the test.

    Returns:
        `(exit code, stderr, stdout)`: the code is `main`'s return value or `sys.exit`'s.
    """
    import io

    from absl import flags

    stderr, stdout, code = io.StringIO(), io.StringIO(), None
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(stdout):
        flags.FLAGS.unparse_flags()
        flags.FLAGS([prog, *args])
        try:
            code = main([prog])
        except SystemExit as exit:
            code = exit.code
    return code, stderr.getvalue(), stdout.getvalue()
