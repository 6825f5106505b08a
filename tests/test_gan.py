import gan_test_helper as helper
import keras
import numpy as np
import pytest

import keras_gan

LATENT = 8


def tiny_gan(loss="non_saturating", num_classes=None, ema_decay=None, **kwargs):
    model = keras_gan.GAN.dcgan(
        latent_dim=LATENT,
        image_size=16,
        channels=1,
        num_classes=num_classes,
        filters=4,
        ema_decay=ema_decay,
        seed=1,
        **kwargs,
    )
    model.compile(
        generator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(1e-3, beta_1=0.5),
        loss=loss,
    )
    return model


def tiny_wgan_gp():
    return tiny_gan("wasserstein", n_critic=2)


def tiny_conditional():
    return tiny_gan(num_classes=3)


def image_batch(batch_size, num_classes=3):
    rng = np.random.default_rng(0)
    return {
        "image": rng.uniform(-1, 1, (batch_size, 16, 16, 1)).astype("float32"),
        "label": (np.arange(batch_size) % num_classes).astype("int32"),
    }


def images_only(batch_size):
    return image_batch(batch_size)["image"]


def z(n=4):
    return np.random.default_rng(3).standard_normal((n, LATENT)).astype("float32")


@pytest.mark.parametrize(
    "loss", ["non_saturating", "minimax", "least_squares", "hinge", "wasserstein"]
)
def test_fit_step_every_loss(loss):
    model = tiny_gan(loss)
    logs = helper.check_fit_step(model, images_only(4))
    assert {"d_loss", "g_loss"} <= set(logs)
    assert ("gradient_penalty" in logs) == (loss == "wasserstein")


def test_r1_and_ema():
    model = tiny_gan(r1_gamma=1.0, ema_decay=0.5)
    before = [w.copy() for w in model.ema_generator.get_weights()]
    logs = helper.check_fit_step(model, images_only(4))
    assert "r1_penalty" in logs and logs["r1_penalty"] > 0
    after = model.ema_generator.get_weights()
    gen = model.generator.get_weights()
    # one step (t = 1): d = min(0.5, 2 / 11); w_ema = d * w_ema_old + (1 - d) * w_new
    d = min(0.5, 2 / 11)
    for b, a, g in zip(before, after, gen):
        np.testing.assert_allclose(a, d * b + (1 - d) * g, rtol=1e-5, atol=1e-6)
    # sampling uses the EMA generator
    out = model(z(), training=False)
    np.testing.assert_allclose(out, model.ema_generator(z(), training=False), atol=1e-6)


def test_conditional_sampling_follows_labels():
    model = tiny_conditional()
    helper.check_fit_step(model, image_batch(6))
    zs = np.repeat(z(1), 3, axis=0)
    images = model.sample(3, labels=np.array([0, 1, 2]), z=zs)
    assert images.shape == (3, 16, 16, 1)
    assert np.all(images >= -1) and np.all(images <= 1)
    # same z, different labels -> different images; same label -> same image
    assert not np.allclose(images[0], images[1])
    again = model.sample(1, labels=np.array([1]), z=zs[:1])
    np.testing.assert_allclose(again[0], images[1], atol=1e-6)


def test_conditional_without_labels_is_a_clear_error():
    model = tiny_conditional()
    with pytest.raises(ValueError, match="no labels"):
        model.fit(helper.one_batch_dataset(images_only(4)), verbose=0)


def test_uncompiled_fit_is_a_clear_error():
    model = keras_gan.GAN.dcgan(latent_dim=LATENT, image_size=16, channels=1, filters=4)
    with pytest.raises(ValueError, match="compile"):
        model.fit(helper.one_batch_dataset(images_only(4)), verbose=0)


@pytest.mark.parametrize("make", [tiny_gan, tiny_conditional])
def test_config_round_trip_and_save_load(make, tmp_path):
    model = make()
    helper.check_fit_step(model, image_batch(6))
    helper.check_config_round_trip(model)
    inputs = z() if model.num_classes is None else [z(), np.array([0, 1, 2, 0], "int32")]
    helper.check_save_load(model, inputs, tmp_path)


def test_save_load_with_ema(tmp_path):
    model = tiny_gan(ema_decay=0.9)
    helper.check_fit_step(model, images_only(4))
    loaded = helper.check_save_load(model, z(), tmp_path)
    np.testing.assert_array_equal(
        loaded.ema_generator.get_weights()[0], model.ema_generator.get_weights()[0]
    )


def test_generator_file_loads_with_keras(tmp_path):
    model = tiny_conditional()
    path = str(tmp_path / "generator.keras")
    model.export_generator().save(path)
    generator = keras.saving.load_model(path)
    assert [i.name for i in generator.inputs] == ["z", "label"]
    out = generator([z(), np.array([0, 1, 2, 0], "int32")])
    assert tuple(out.shape) == (4, 16, 16, 1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Received: image_size=30"):
        keras_gan.GAN.dcgan(image_size=30)
    with pytest.raises(ValueError, match="n_critic"):
        tiny_gan(n_critic=0)
    with pytest.raises(ValueError, match="Received: loss='nope'"):
        tiny_gan("nope")


def test_dcgan_sizes_and_channels():
    for size in (8, 28, 32, 64):
        g = keras_gan.networks.dcgan_generator(latent_dim=4, image_size=size, channels=5, filters=2)
        d = keras_gan.networks.dcgan_discriminator(image_size=size, channels=5, filters=2)
        out = g(np.zeros((2, 4), "float32"))
        assert tuple(out.shape) == (2, size, size, 5)
        assert tuple(d(out).shape) == (2, 1)


def test_extra_convs_add_3x3_convolutions_per_resolution():
    def convs(model, kernel):
        return sum(
            1
            for layer in model.layers
            if isinstance(layer, keras.layers.Conv2D)
            and not isinstance(layer, keras.layers.Conv2DTranspose)
            and layer.kernel_size == (kernel, kernel)
        )

    # 28 px: 7 -> 14 -> 28; the generator refines at 7 and 14, the discriminator at 14 and 7.
    for extra in (0, 1, 2):
        model = keras_gan.GAN.dcgan(
            latent_dim=4,
            image_size=28,
            channels=1,
            filters=2,
            extra_convs=extra,
            discriminator_norm="spectral",
        )
        assert convs(model.generator, 3) == 2 * extra
        spectral = [
            layer
            for layer in model.discriminator.layers
            if isinstance(layer, keras.layers.SpectralNormalization)
        ]
        assert (
            sum(getattr(layer.layer, "kernel_size", None) == (3, 3) for layer in spectral)
            == 2 * extra
        )
        assert tuple(model.generator(z(2)[:, :4]).shape) == (2, 28, 28, 1)
        assert tuple(model.discriminator(np.zeros((2, 28, 28, 1), "float32")).shape) == (2, 1)
    for bad in (-1, 1.5, True):
        with pytest.raises(ValueError, match="extra_convs"):
            keras_gan.networks.dcgan_generator(extra_convs=bad)
        with pytest.raises(ValueError, match="extra_convs"):
            keras_gan.networks.dcgan_discriminator(extra_convs=bad)


@pytest.mark.slow
def test_replica_equivalence():
    # The three models in one subprocess: a subprocess each would import TensorFlow 3 times.
    factories = ["test_gan:tiny_gan", "test_gan:tiny_wgan_gp", "test_gan:tiny_conditional"]
    results = helper.check_replica_equivalence(factories, "test_gan:image_batch", global_batch=8)
    assert list(results) == factories


def test_xla_compiles_the_step_once():
    helper.check_xla_compiles_once("test_gan:tiny_wgan_gp", "test_gan:image_batch")


@pytest.mark.parametrize("loss", ["wasserstein", "non_saturating"])
@pytest.mark.parametrize("n_critic", [1, 3])
def test_n_critic_discriminator_steps_per_generator_step(loss, n_critic):
    # Each optimizer counts its own updates: after k fit steps the discriminator must
    # have been updated n_critic * k times and the generator k times.
    steps = 2
    model = tiny_gan(loss, n_critic=n_critic)
    data = helper.one_batch_dataset(images_only(4)).repeat()
    model.fit(data, epochs=1, steps_per_epoch=steps, verbose=0)
    assert int(model.generator_optimizer.iterations.numpy()) == steps
    assert int(model.discriminator_optimizer.iterations.numpy()) == n_critic * steps
