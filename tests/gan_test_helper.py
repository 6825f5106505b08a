"""Shared checks that every keras_gan model family must pass.

A family's test module calls these with a small factory:

    factory(): returns a compiled model (tiny networks)
    batch_fn(global_batch): returns one batch of training data (numpy / dicts)

`check_replica_equivalence` runs in a fresh subprocess because logical CPU
devices can only be configured before TensorFlow initialises.
"""

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
    return [(name, getattr(model, name)) for name in getattr(model, "trained_networks", ("generator", "discriminator"))]


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


def check_replica_equivalence(factory, batch_fn, global_batch=8, replicas=2, atol=1e-6):
    """One fit step on N logical CPU replicas equals one step on one device.

    Args:
        factory: "module:function" importable from the repo root; the function
            returns a compiled model and is called inside the strategy scope.
        batch_fn: "module:function" taking the global batch size.
    """
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

        factory, batch_fn = load({factory!r}), load({batch_fn!r})
        batch = batch_fn({global_batch})
        ds = tf.data.Dataset.from_tensors(batch)

        keras.utils.set_random_seed(0)
        single = factory()
        initial = single.get_weights()
        names = getattr(single, "trained_networks", ("generator", "discriminator"))
        start = {{n: getattr(single, n).get_weights() for n in names}}
        single.fit(ds, epochs=1, verbose=0)

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
        print("RESULT", json.dumps({{"diffs": diffs, "moved": moved}}))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    assert proc.returncode == 0 and lines, f"subprocess failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}"
    result = json.loads(lines[-1][len("RESULT ") :])
    for name, diff in result["diffs"].items():
        moved = result["moved"][name]
        assert moved > 100 * atol, f"{name} barely trained ({moved}); the comparison would be vacuous"
        assert diff <= atol, f"{name} differs between 1 and {replicas} replicas by {diff} > {atol}"
    return result


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
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=600, env=env)
    assert proc.returncode == 0 and "FIT DONE" in proc.stdout, (
        f"subprocess failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-5000:]}")
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
        "--dataset=builtin:digits", "--image_size=16", "--channels=1", "--filters=4",
        "--latent_dim=8", "--batch_size=4", f"--epochs={epochs}",
        f"--steps_per_epoch={steps_per_epoch}", "--samples=4", "--verbose=2", "--export=none",
        "--backup_every_steps=1",
    ]
