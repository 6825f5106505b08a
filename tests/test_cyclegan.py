"""CycleGAN: train step, image pool, schedule, data, save/load, distribution, train.py."""

import json
import os
import subprocess
import sys

import gan_test_helper as helper
import keras
import numpy as np
import pytest
from PIL import Image

import keras_gan
from keras_gan.data.unpaired import load_domain_images, unpaired_dataset
from keras_gan.schedules import LinearDecay

SIZE = 16
REPO = helper.REPO
pytestmark = pytest.mark.filterwarnings(
    "ignore:.*GroupNormalization does not fold", "ignore:Only .* representative images"
)
METRICS = {"g_loss", "f_loss", "d_a_loss", "d_b_loss", "cycle_loss", "identity_loss"}


def tiny_cyclegan(pool_size=3, loss="least_squares", **kwargs):
    model = keras_gan.CycleGAN.resnet(
        image_size=SIZE,
        filters=4,
        residual_blocks=1,
        discriminator_layers=2,
        pool_size=pool_size,
        seed=1,
        **kwargs,
    )
    model.compile(
        generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        loss=loss,
    )
    return model


def tiny_cyclegan_no_pool():
    # Pools are per replica, so equivalence needs pool_size=0 (see CycleGAN's docstring).
    # SGD, not Adam: the biases before instance norms get round-off gradients (~1e-9)
    # that Adam would normalise into lr-sized steps of either sign.
    model = keras_gan.CycleGAN.resnet(
        image_size=SIZE, filters=4, residual_blocks=1, discriminator_layers=2, pool_size=0, seed=1
    )
    model.compile(keras.optimizers.SGD(0.5), keras.optimizers.SGD(0.5))
    return model


def unpaired_batch(batch_size):
    rng = np.random.default_rng(0)
    return {
        "a": rng.uniform(-1, 1, (batch_size, SIZE, SIZE, 3)).astype("float32"),
        "b": rng.uniform(-1, 1, (batch_size, SIZE, SIZE, 3)).astype("float32"),
    }


def small_discriminator(name):
    return keras_gan.networks.patchgan_discriminator(filters=4, num_layers=2, name=name)


def conv1x1(name, identity=True):
    """A trainable 1x1 convolution: the identity, or a random colour mix."""
    kernel = np.eye(3) if identity else np.random.default_rng(len(name)).normal(0, 0.5, (3, 3))
    inputs = keras.Input((None, None, 3), name="image")
    outputs = keras.layers.Conv2D(
        3,
        1,
        kernel_initializer=keras.initializers.Constant(kernel[None, None]),
        name="conv",
    )(inputs)
    return keras.Model(inputs, outputs, name=name)


def cheap_cyclegan(identity=True, loss="least_squares", **kwargs):
    model = keras_gan.CycleGAN(
        conv1x1("g", identity),
        small_discriminator("d_b"),
        conv1x1("f", identity),
        small_discriminator("d_a"),
        **kwargs,
    )
    model.compile(keras.optimizers.SGD(0.0), keras.optimizers.SGD(0.0), loss=loss)
    return model


def test_fit_step_changes_all_four_networks_and_save_load(tmp_path):
    model = tiny_cyclegan()
    assert model.trained_networks == (
        "generator_ab",
        "generator_ba",
        "discriminator_a",
        "discriminator_b",
    )
    logs = helper.check_fit_step(model, unpaired_batch(2))
    assert set(logs) == METRICS
    assert logs["cycle_loss"] > 0 and logs["identity_loss"] > 0
    # one optimizer for G + F, one for D_A + D_B
    assert len(model.generator_optimizer.variables) > 2 * len(
        model.generator_ab.trainable_variables
    )
    assert int(model.pool_a_count.numpy()) == int(model.pool_b_count.numpy()) == 2

    helper.check_config_round_trip(model)
    x = unpaired_batch(2)["a"]
    loaded = helper.check_save_load(model, x, tmp_path)
    np.testing.assert_array_equal(loaded.generator_ba(x).numpy(), model.generator_ba(x).numpy())
    np.testing.assert_array_equal(loaded.pool_b_images.numpy(), model.pool_b_images.numpy())
    assert int(loaded.pool_a_count.numpy()) == 2
    assert loaded.lambda_cycle == model.lambda_cycle and loaded.pool_size == model.pool_size


# keras.utils.set_random_seed(0); tiny_cyclegan() after one fit step on unpaired_batch(2),
# saved by the code before the symmetric names (commit 789d36e: config keys generator,
# discriminator, generator_ba, discriminator_a). The .npz holds a fixed input
# x = default_rng(7).uniform(-1, 1, (2, 16, 16, 3)) and what that code's `generator`
# (g_ab), `generator_ba` (g_ba), `discriminator` (d_b), `discriminator_a` (d_a) and
# model(x) (call) gave for it.
PRE_RENAME = os.path.join(REPO, "tests", "data", "cyclegan_pre_rename")


def test_loads_a_file_saved_before_the_symmetric_names(tmp_path):
    expected = np.load(PRE_RENAME + ".npz")
    x = expected["x"]
    model = keras.saving.load_model(PRE_RENAME + ".keras")
    assert type(model) is keras_gan.CycleGAN
    for name, key in (
        ("generator_ab", "g_ab"),
        ("generator_ba", "g_ba"),
        ("discriminator_a", "d_a"),
        ("discriminator_b", "d_b"),
    ):
        network = getattr(model, name)
        assert isinstance(network, keras.Model) and network.name == name
        np.testing.assert_allclose(
            network(x).numpy(), expected[key], rtol=0, atol=1e-6, err_msg=name
        )
    np.testing.assert_allclose(model(x).numpy(), expected["call"], rtol=0, atol=1e-6)
    assert model.generator is model.generator_ab and model.discriminator is model.discriminator_b
    assert model.export_generator() is model.generator_ab
    assert int(model.generator_optimizer.iterations.numpy()) == 1
    assert int(model.pool_a_count.numpy()) == int(model.pool_b_count.numpy()) == 2

    # Saved again: the new keys only, and it loads to the same networks and optimizers.
    config = model.get_config()
    assert {"generator_ab", "discriminator_b", "generator_ba", "discriminator_a"} <= set(config)
    assert not {"generator", "discriminator"} & set(config)
    loaded = helper.check_save_load(model, x, tmp_path)
    np.testing.assert_allclose(
        loaded.discriminator_a(x).numpy(), expected["d_a"], rtol=0, atol=1e-6
    )
    with pytest.raises(ValueError, match="both `generator`"):
        keras_gan.CycleGAN.from_config({**config, "generator": config["generator_ab"]})


@pytest.mark.parametrize("loss", ["least_squares", "hinge"])
def test_cycle_and_identity_losses_are_zero_for_identity_generators(loss):
    model = cheap_cyclegan(loss=loss, pool_size=0)
    logs = model.fit(helper.one_batch_dataset(unpaired_batch(2)), epochs=1, verbose=0).history
    assert logs["cycle_loss"][-1] == 0.0
    assert logs["identity_loss"][-1] == 0.0
    assert np.isfinite(logs["g_loss"][-1]) and logs["d_a_loss"][-1] != 0.0


def test_lambda_identity_zero_disables_identity_loss():
    model = cheap_cyclegan(identity=False, loss="non_saturating", pool_size=0, lambda_identity=0.0)
    logs = model.fit(helper.one_batch_dataset(unpaired_batch(2)), epochs=1, verbose=0).history
    assert logs["identity_loss"][-1] == 0.0 and logs["cycle_loss"][-1] > 0


def test_pool_fills_then_returns_stored_fakes_half_of_the_time():
    size = 4
    model = keras_gan.CycleGAN(
        conv1x1("g"),
        small_discriminator("d_b"),
        conv1x1("f"),
        small_discriminator("d_a"),
        pool_size=size,
        image_size=SIZE,
        seed=3,
    )

    def images(values):
        return np.broadcast_to(
            np.asarray(values, "float32")[:, None, None, None], (len(values), SIZE, SIZE, 3)
        ).copy()

    # Filling: each new image is stored and returned unchanged.
    out = model.query_pool("b", images([0.1, 0.2, 0.3, 0.4])).numpy()
    np.testing.assert_array_equal(out, images([0.1, 0.2, 0.3, 0.4]))
    assert int(model.pool_b_count.numpy()) == size
    assert int(model.pool_a_count.numpy()) == 0
    model.advance_rng()

    stored_returned = 0
    trials = 400
    for t in range(trials):
        value = -(t + 1) / (trials + 1)  # a new, distinct fake
        before = model.pool_b_images.numpy()[:, 0, 0, 0].copy()
        out = model.query_pool("b", images([value])).numpy()[0, 0, 0, 0]
        after = model.pool_b_images.numpy()[:, 0, 0, 0]
        if out == np.float32(value):  # the new fake went to D; the pool is unchanged
            np.testing.assert_array_equal(after, before)
        else:  # a stored fake went to D and the new one took its slot
            stored_returned += 1
            slot = int(np.flatnonzero(before == out)[0])
            assert after[slot] == np.float32(value)
            np.testing.assert_array_equal(np.delete(after, slot), np.delete(before, slot))
        model.advance_rng()
    assert abs(stored_returned / trials - 0.5) < 0.08, stored_returned


def test_pool_rejects_images_of_another_size():
    model = cheap_cyclegan(pool_size=2, image_size=SIZE)
    with pytest.raises(ValueError, match="image_size"):
        model.query_pool("a", np.zeros((1, SIZE + 4, SIZE + 4, 3), "float32"))


def test_invalid_arguments():
    with pytest.raises(ValueError, match="image_size"):
        keras_gan.CycleGAN(
            conv1x1("g"),
            small_discriminator("d"),
            conv1x1("f"),
            small_discriminator("e"),
            pool_size=5,
        )
    with pytest.raises(ValueError, match="lambda_cycle"):
        keras_gan.CycleGAN(
            conv1x1("g"),
            small_discriminator("d"),
            conv1x1("f"),
            small_discriminator("e"),
            pool_size=0,
            lambda_cycle=-1.0,
        )
    with pytest.raises(ValueError, match="wasserstein"):
        tiny_cyclegan(loss="wasserstein")
    with pytest.raises(ValueError, match="multiple of 4"):
        keras_gan.networks.resnet_generator(image_size=30)


def test_generators_take_any_size_divisible_by_4():
    model = tiny_cyclegan()
    x = np.random.default_rng(0).uniform(-1, 1, (1, 24, 40, 3)).astype("float32")
    for net in (model.generator_ab, model.generator_ba):
        y = net(x).numpy()
        assert y.shape == x.shape and y.dtype == np.float32
        assert np.all(np.abs(y) <= 1.0)
    np.testing.assert_array_equal(model(x).numpy(), model.generator_ab(x).numpy())


def test_reference_architecture_sizes():
    # Parameter counts of the reference resnet_9blocks generator and the 70x70
    # PatchGAN (instance norm without affine parameters).
    assert (
        keras_gan.networks.resnet_generator(filters=64, residual_blocks=9).count_params()
        == 11_378_179
    )
    assert keras_gan.networks.patchgan_discriminator(filters=64).count_params() == 2_764_737
    d = keras_gan.networks.patchgan_discriminator(filters=4)
    assert d(np.zeros((1, 128, 128, 3), "float32")).shape == (1, 14, 14, 1)


def test_norm_option_and_instance_norm_invariance():
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).uniform(-1, 1, (1, 16, 16, 3)).astype("float32")
    instance = keras_gan.networks.resnet_generator(filters=4, residual_blocks=1)
    # instance norm after the first convolution: blind to global contrast (documented);
    # not exact only because of the normalization's epsilon
    full, half = instance(x).numpy(), instance(0.5 * x).numpy()
    assert np.abs(half - full).max() < 0.01 * np.abs(full).max()
    plain = keras_gan.networks.resnet_generator(filters=8, residual_blocks=1, norm="none")
    full, half = plain(x).numpy(), plain(0.5 * x).numpy()  # tiny outputs: N(0, 0.02) weights
    assert np.abs(half - full).max() > 0.1 * np.abs(full).max() > 0
    batch = keras_gan.networks.patchgan_discriminator(filters=4, num_layers=2, norm="batch")
    assert any(isinstance(layer, keras.layers.BatchNormalization) for layer in batch.layers)
    with pytest.raises(ValueError, match="norm"):
        keras_gan.networks.resnet_generator(norm="layer")


def test_reflection_padding_layer():
    layer = keras_gan.layers.ReflectionPadding2D(((1, 2), (0, 1)))
    x = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
    y = layer(x).numpy()
    np.testing.assert_array_equal(
        y[0, :, :, 0], np.pad(x[0, :, :, 0], ((1, 2), (0, 1)), mode="reflect")
    )
    clone = keras_gan.layers.ReflectionPadding2D.from_config(layer.get_config())
    assert clone.padding == layer.padding
    with pytest.raises(ValueError, match="padding"):
        keras_gan.layers.ReflectionPadding2D("same")


def test_linear_decay_schedule_boundaries_and_serialization(tmp_path):
    schedule = LinearDecay(2e-4, constant_steps=10, decay_steps=5)
    values = {step: float(schedule(step)) for step in (0, 9, 10, 11, 14, 15, 30)}
    assert values[0] == values[9] == values[10] == pytest.approx(2e-4)
    assert values[11] == pytest.approx(2e-4 * 4 / 5)
    assert values[14] == pytest.approx(2e-4 / 5)
    assert values[15] == 0.0 and values[30] == 0.0
    abrupt = LinearDecay(1.0, 3, 0)
    assert float(abrupt(2)) == 1.0 and float(abrupt(3)) == 0.0
    # survives an optimizer (and so a .keras model) round trip
    optimizer = keras.optimizers.Adam(schedule, beta_1=0.5)
    restored = keras.optimizers.Adam.from_config(
        keras.saving.deserialize_keras_object(
            keras.saving.serialize_keras_object(optimizer)
        ).get_config()
    )
    assert isinstance(restored.learning_rate, LinearDecay) or isinstance(
        restored._learning_rate, LinearDecay
    )
    with pytest.raises(ValueError, match="decay_steps"):
        LinearDecay(1e-3, 5, -1)


def _write_folder(root, counts, size=(20, 24), seed=0):
    rng = np.random.default_rng(seed)
    for split, n in counts.items():
        os.makedirs(os.path.join(root, split))
        for i in range(n):
            pixels = rng.integers(0, 256, (*size, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(os.path.join(root, split, f"{i}.png"))
    return root


def test_unpaired_folder_dataset(tmp_path):
    root = _write_folder(str(tmp_path / "pair"), {"trainA": 3, "trainB": 5, "testA": 2, "testB": 2})
    data = unpaired_dataset(f"folder:{root}", image_size=16, batch_size=2, seed=0)
    assert data.num_examples == {"a": 3, "b": 5} and data.steps_per_epoch == 2
    batches = [b for b in data.dataset.take(4)]
    for batch in batches:
        assert set(batch) == {"a", "b"}
        for v in batch.values():
            assert v.shape == (2, 16, 16, 3) and v.dtype == "float32"
            assert -1.0 <= float(np.min(v)) and float(np.max(v)) <= 1.0
    test_a = load_domain_images(f"folder:{root}", "a", "test", image_size=16)
    assert test_a.shape == (2, 16, 16, 3)
    with pytest.raises(ValueError, match="does not exist"):
        unpaired_dataset(f"folder:{tmp_path}/missing", image_size=16)
    with pytest.raises(ValueError, match="builtin:photos"):
        unpaired_dataset("builtin:mnist", image_size=16)


def test_builtin_photo_pair():
    data = unpaired_dataset("builtin:photos", image_size=32, batch_size=1, seed=0)
    assert data.num_examples == {"a": 63, "b": 63}
    batch = next(iter(data.dataset))
    assert batch["a"].shape == batch["b"].shape == (1, 32, 32, 3)
    test_a = load_domain_images("builtin:photos", "a", "test", 32)
    test_b = load_domain_images("builtin:photos", "b", "test", 32)
    assert test_a.shape == test_b.shape == (4, 32, 32, 3)
    assert np.abs(test_a.mean(axis=(0, 1, 2)) - test_b.mean(axis=(0, 1, 2))).max() > 0.05


def test_tfds_cycle_gan_spec():
    tfds = pytest.importorskip("tensorflow_datasets")
    with tfds.testing.mock_data(num_examples=4):
        data = unpaired_dataset("tfds:cycle_gan/horse2zebra", image_size=16, batch_size=2, seed=0)
        assert data.steps_per_epoch == 2
        batch = next(iter(data.dataset))
        assert batch["a"].shape == batch["b"].shape == (2, 16, 16, 3)


def test_translation_grid_columns():
    model = keras_gan.CycleGAN(
        conv1x1("g"),
        small_discriminator("d_b"),
        conv1x1("f"),
        small_discriminator("d_a"),
        pool_size=0,
    )
    a, b = unpaired_batch(2)["a"], unpaired_batch(2)["b"]
    rows = keras_gan.callbacks.translation_rows(model, a, b)
    assert rows.shape == (12, SIZE, SIZE, 3)
    for column, expected in enumerate([a, a, a, b, b, b]):
        np.testing.assert_allclose(rows[column::6], expected, atol=1e-6)


def test_paper_recipe_defaults_depend_on_the_dataset():
    from keras_gan.recipes import get_recipe
    from keras_gan.training import TrainConfig

    recipe = get_recipe("cyclegan")
    builtin = recipe.resolve(TrainConfig(model="cyclegan", recipe="paper"))
    assert (builtin.dataset, builtin.image_size, builtin.filters) == ("builtin:photos", 64, 16)
    assert builtin.decay_epochs == builtin.epochs // 2 and builtin.loss == "least_squares"
    assert builtin.lambda_identity == 0.5
    folder = recipe.resolve(
        TrainConfig(model="cyclegan", recipe="paper", dataset="folder:/x", image_size=128)
    )
    assert (folder.filters, folder.residual_blocks, folder.epochs, folder.decay_epochs) == (
        64,
        6,
        200,
        100,
    )
    assert (
        recipe.resolve(
            TrainConfig(model="cyclegan", recipe="paper", dataset="folder:/x")
        ).residual_blocks
        == 9
    )
    default = recipe.resolve(TrainConfig(model="cyclegan", dataset="folder:/x"))
    assert (
        default.image_size,
        default.filters,
        default.residual_blocks,
        default.epochs,
        default.steps_per_epoch,
        default.decay_epochs,
        default.lambda_identity,
    ) == (64, 32, 6, 10, 100, 5, 0.0)
    with pytest.raises(ValueError, match="decay_epochs"):
        recipe.resolve(TrainConfig(model="cyclegan", epochs=2, decay_epochs=3))


def test_export_image_generator_from_array(tmp_path):
    from keras_gan.export import export_generator

    model = cheap_cyclegan(pool_size=0)
    images = np.random.default_rng(0).uniform(-1, 1, (3, SIZE, SIZE, 3)).astype("float32")
    report = export_generator(
        model.generator_ba,
        "cyclegan_ba",
        output_dir=str(tmp_path),
        formats="saved_model",
        representative_data=images,
        image_size=SIZE,
        num_verify=5,
        verify=False,
        verbose=False,
    )
    assert report["generator"]["kind"] == "image"
    data = np.load(tmp_path / "cyclegan_ba" / "export_verification.npz")
    np.testing.assert_array_equal(data["in/image"], images[[0, 1, 2, 0, 1]])  # cycled


def cheap_cyclegan_with_pool():
    return cheap_cyclegan(pool_size=3, image_size=SIZE)


@pytest.mark.slow
def test_xla_compiles_the_step_once_with_the_image_pool():
    # The pool's slot index used to be a compile-time constant: one compile per step.
    # 1x1-convolution generators: what recompiled was the pool (this check fails, 3
    # compiles in 3 steps, with the `images[i]` pool of commit dddd595's parent), and
    # tiny_cyclegan's ResNet generators would triple the compile time.
    helper.check_xla_compiles_once(
        "test_cyclegan:cheap_cyclegan_with_pool", "test_cyclegan:unpaired_batch"
    )


def test_replica_equivalence_two_cpus():
    helper.check_replica_equivalence(
        "test_cyclegan:tiny_cyclegan_no_pool",
        "test_cyclegan:unpaired_batch",
        global_batch=4,
        atol=1e-5,
    )


@pytest.mark.slow
def test_train_py_cyclegan_folder_with_export(tmp_path):
    # --export=tflite: TFLite only keeps the verifier from importing TensorFlow and loading
    # SavedModels (half this test's time). The SavedModel export of a CycleGAN generator is
    # checked against its tolerances in test_mixed_precision.py (cyclegan) and run in
    # test_predict.py; train.py --export=saved_model,tflite in test_srgan.py (and run()'s
    # SavedModel export in test_mixed_precision.py::test_train_run_with_mixed_precision).
    root = _write_folder(
        str(tmp_path / "pair"), {"trainA": 2, "trainB": 3, "testA": 2, "testB": 1}, size=(40, 36)
    )
    out = tmp_path / "run"
    cmd = [
        sys.executable,
        os.path.join(REPO, "train.py"),
        "--model=cyclegan",
        f"--dataset=folder:{root}",
        "--image_size=32",
        "--filters=4",
        "--residual_blocks=1",
        "--epochs=2",
        "--decay_epochs=1",
        "--pool_size=2",
        "--batch_size=1",
        f"--output_dir={out}",
        "--export=tflite",
        "--verbose=0",
    ]
    proc = subprocess.run(
        cmd,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    config = json.load(open(out / "config.json"))
    assert config["decay_epochs"] == 1 and config["residual_blocks"] == 1
    g = keras.saving.load_model(out / "generator.keras")
    f = keras.saving.load_model(out / "generator_ba.keras")
    x = np.random.default_rng(0).uniform(-1, 1, (1, 36, 44, 3)).astype("float32")
    for net in (g, f):
        y = net(x).numpy()
        assert y.shape == x.shape and np.all(np.abs(y) <= 1)
    model = keras.saving.load_model(out / "model.keras")
    np.testing.assert_allclose(model.generator_ba(x).numpy(), f(x).numpy(), atol=1e-6)
    # LR after 2 epochs x 3 steps with 1 decay epoch: 0
    assert float(model.generator_optimizer.learning_rate) == 0.0
    grid = np.asarray(Image.open(out / "samples" / "epoch_002.png"))
    assert grid.shape[1] == 4 * (6 * (32 + 2) + 2)  # 6 columns, upscaled x4
    for name in ("cyclegan", "cyclegan_ba"):  # both generators, every auto variant but int8
        report = json.load(open(tmp_path / "saved_models" / name / "export_report.json"))
        assert report["passed"] and report["generator"]["kind"] == "image"
        assert report["formats"] == ["tflite"]
        assert [(a["variant"], a["passed"]) for a in report["artifacts"]] == [
            ("float32", True),
            ("float16", True),
            ("dynamic", True),
        ]
        assert sorted(os.listdir(tmp_path / "saved_models" / name / "tflite")) == [
            f"{name}_{variant}.tflite" for variant in ("dynamic", "float16", "float32")
        ]


def test_recipe_norm_flag_reaches_all_four_networks():
    from keras_gan.recipes import get_recipe
    from keras_gan.training import TrainConfig

    recipe = get_recipe("cyclegan")

    def norm_layers(norm):
        config = recipe.resolve(
            TrainConfig(
                model="cyclegan", image_size=32, filters=4, residual_blocks=1, epochs=2, norm=norm
            )
        )
        data = type("Data", (), {"steps_per_epoch": 4})()
        model = recipe.build_model(config, data)
        return {
            name: [
                type(layer).__name__
                for layer in getattr(model, name).layers
                if "Normalization" in type(layer).__name__
            ]
            for name in model.trained_networks
        }

    assert all(
        layers and set(layers) == {"GroupNormalization"}
        for layers in norm_layers("instance").values()
    )
    assert all(not layers for layers in norm_layers("none").values())
    with pytest.raises(ValueError, match="Received: norm='layer'"):
        recipe.resolve(TrainConfig(model="cyclegan", norm="layer"))


def test_colour_residual_generator_is_the_identity_at_step_0_with_a_gained_colour_path():
    from keras_gan.networks.resnet_generator import COLOUR_GAIN, resnet_generator

    g = resnet_generator(channels=3, filters=4, residual_blocks=1, output="colour_residual")
    x = np.random.default_rng(0).uniform(-0.5, 0.5, (2, SIZE, SIZE, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(g(x)), x, atol=1e-6)
    # The colour path's output is COLOUR_GAIN times its last 1x1 convolution's.
    head = g.get_layer("colour3_conv")
    head.bias.assign(np.array([0.01, -0.02, 0.0], "float32"))
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(g(x)) - x,
        COLOUR_GAIN * np.array([0.01, -0.02, 0.0]) + 0 * x,
        atol=1e-5,
    )
    assert COLOUR_GAIN == 10.0
