"""The recipes' defaults: what they resolve to, their schedules over the whole run, and the
starting points (SR at step 0 is bicubic, inpainting starts from the smooth fill, CycleGAN
from the identity)."""

import os
import types

import keras
import numpy as np
import pytest

from keras_gan.recipes import RECIPES, get_recipe
from keras_gan.recipes.defaults_table import defaults_table
from keras_gan.training import TrainConfig

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = {
    "gan": "docs/gan.md",
    "srgan": "docs/srgan.md",
    "inpainting": "docs/inpainting.md",
    "cyclegan": "docs/cyclegan.md",
}


@pytest.mark.parametrize("model", sorted(RECIPES))
def test_docs_show_the_defaults_the_code_resolves(model):
    with open(os.path.join(REPO, DOCS[model])) as f:
        text = f.read()
    assert defaults_table(model) in text, (
        f"{DOCS[model]} must contain the output of defaults_table({model!r}):\n"
        + defaults_table(model)
    )


@pytest.mark.parametrize("model", sorted(RECIPES))
def test_folder_data_gets_the_same_recipe_as_builtin_data(model):
    recipe = get_recipe(model)
    builtin = recipe.resolve(TrainConfig(model=model))
    folder = recipe.resolve(TrainConfig(model=model, dataset="folder:/x"))
    differ = {f for f in vars(builtin) if getattr(builtin, f) != getattr(folder, f)}
    assert differ == {"dataset"}


def test_unknown_recipe_is_one_clear_error():
    with pytest.raises(ValueError, match="--recipe must be one of"):
        get_recipe("srgan").resolve(TrainConfig(model="srgan", recipe="fast"))


def _learning_rate(optimizer, step):
    rate = optimizer._learning_rate
    return float(rate(step)) if callable(rate) else float(rate)


def _build(model, **overrides):
    recipe = get_recipe(model)
    config = recipe.resolve(TrainConfig(model=model, **overrides))
    data = types.SimpleNamespace(steps_per_epoch=7, num_classes=None)
    return config, recipe.build_model(config, data)


@pytest.mark.parametrize(
    "model,overrides",
    [
        ("srgan", {"filters": 8, "residual_blocks": 1, "image_size": 32}),
        ("inpainting", {"filters": 4, "image_size": 32}),
        ("cyclegan", {"filters": 4, "residual_blocks": 1, "image_size": 32}),
    ],
)
def test_schedule_spans_the_whole_run(model, overrides):
    config, built = _build(model, epochs=4, steps_per_epoch=25, **overrides)
    total = 4 * 25 + (config.pretrain_epochs * 25 if model == "srgan" else 0)
    peak = config.learning_rate
    for optimizer in (built.generator_optimizer,):
        rates = [_learning_rate(optimizer, s) for s in range(total + 1)]
        assert 0 < rates[0] <= peak  # warm-up (SR, inpainting) or constant (CycleGAN)
        assert max(rates) == pytest.approx(peak)
        assert rates[total // 2] > 0.3 * peak  # still learning half-way, whatever the length
        assert rates[-1] == pytest.approx(0.0, abs=1e-12)  # decayed to 0 exactly at the end
        assert all(a >= b - 1e-12 for a, b in zip(rates[total // 4 :], rates[total // 4 + 1 :]))


def test_cyclegan_schedule_is_constant_then_linear_to_zero():
    config, built = _build(
        "cyclegan", epochs=4, steps_per_epoch=25, filters=4, residual_blocks=1, image_size=32
    )
    rates = [_learning_rate(built.generator_optimizer, s) for s in range(101)]
    assert rates[0] == rates[49] == pytest.approx(config.learning_rate)
    assert rates[75] == pytest.approx(config.learning_rate / 2)
    assert rates[100] == 0.0


def test_srgan_generator_schedule_runs_through_both_phases():
    config, built = _build(
        "srgan",
        pretrain_epochs=2,
        epochs=2,
        steps_per_epoch=10,
        filters=8,
        residual_blocks=1,
        image_size=32,
    )
    g = [_learning_rate(built.generator_optimizer, s) for s in range(41)]
    d = [_learning_rate(built.discriminator_optimizer, s) for s in range(21)]
    assert g[20] > 0.4 * config.learning_rate  # the adversarial phase still learns
    assert g[40] == pytest.approx(0.0, abs=1e-12) and d[20] == pytest.approx(0.0, abs=1e-12)
    assert max(d) == pytest.approx(config.learning_rate)


def test_srgan_paper_recipe_keeps_its_constant_rate_then_one_tenth():
    config, built = _build(
        "srgan",
        recipe="paper",
        pretrain_epochs=2,
        epochs=2,
        steps_per_epoch=10,
        filters=8,
        residual_blocks=1,
        image_size=32,
        content_loss="mse",
    )
    g = [_learning_rate(built.generator_optimizer, s) for s in range(41)]
    assert g[0] == g[29] == pytest.approx(1e-4)
    assert g[31] == pytest.approx(1e-5)
    assert built.generator.name == "srresnet"


def test_schedule_length_follows_the_run_length():
    short = _build(
        "srgan",
        pretrain_epochs=10,
        steps_per_epoch=100,
        filters=8,
        residual_blocks=1,
        image_size=32,
    )[1]
    long = _build(
        "srgan",
        pretrain_epochs=2000,
        steps_per_epoch=100,
        filters=8,
        residual_blocks=1,
        image_size=32,
    )[1]
    # three quarters into each run the rate is about the same fraction of the peak
    assert _learning_rate(short.generator_optimizer, 750) == pytest.approx(
        _learning_rate(long.generator_optimizer, 150_000), rel=0.05
    )


def test_sr_default_generator_at_step_0_is_the_bicubic_baseline():
    from keras_gan.data.super_resolution import imresize

    _, built = _build("srgan", filters=8, residual_blocks=2, image_size=32)
    rng = np.random.default_rng(0)
    lr = rng.integers(0, 256, (2, 9, 13, 3)).astype(np.float32) / 127.5 - 1.0
    sr = keras.ops.convert_to_numpy(built.generator(lr))
    bicubic = np.clip(np.stack([imresize(x.astype(np.float64), 4) for x in lr]), -1, 1)
    np.testing.assert_allclose(sr, bicubic, atol=1e-5)


def test_inpainting_default_generator_at_step_0_is_the_smooth_fill():
    from keras_gan.layers.push_pull_fill import PushPullFill

    _, built = _build("inpainting", filters=4, image_size=32)
    rng = np.random.default_rng(0)
    image = rng.uniform(-1, 1, (2, 32, 32, 3)).astype(np.float32)
    mask = np.zeros((2, 32, 32, 1), np.float32)
    mask[:, 8:20, 10:24] = 1.0
    out = keras.ops.convert_to_numpy(built.generator([image, mask]))
    fill = keras.ops.convert_to_numpy(PushPullFill()([image, mask]))
    np.testing.assert_allclose(out, np.clip(fill, -1, 1) * mask + image * (1 - mask), atol=1e-5)
    np.testing.assert_array_equal(out[mask[..., 0] == 0], image[mask[..., 0] == 0])


def test_cyclegan_default_generators_at_step_0_are_the_identity():
    _, built = _build("cyclegan", filters=4, residual_blocks=1, image_size=32)
    image = np.random.default_rng(0).uniform(-1, 1, (1, 32, 32, 3)).astype(np.float32)
    for generator in (built.generator_ab, built.generator_ba):
        np.testing.assert_allclose(keras.ops.convert_to_numpy(generator(image)), image, atol=1e-6)
