import math

import numpy as np
import pytest
import tensorflow as tf

from keras_gan import losses


def _v(x):
    return np.asarray(x, dtype="float32").reshape(-1, 1)


def sp(x):
    return math.log1p(math.exp(x))


@pytest.mark.parametrize(
    "name, real, fake, d_expected, g_expected",
    [
        ("non_saturating", 2.0, -1.0, sp(-2.0) + sp(-1.0), sp(1.0)),
        ("minimax", 2.0, -1.0, sp(-2.0) + sp(-1.0), -sp(-1.0)),
        ("least_squares", 0.5, 0.25, 0.25 + 0.0625, 0.5625),
        ("hinge", 0.5, -0.25, 0.5 + 0.75, 0.25),
        ("hinge", 3.0, -3.0, 0.0, 3.0),
        ("wasserstein", 2.0, -1.0, -3.0, 1.0),
    ],
)
def test_loss_values(name, real, fake, d_expected, g_expected):
    loss = losses.get(name)
    d = loss.discriminator(_v([real, real]), _v([fake, fake])).numpy()
    g = loss.generator(_v([fake, fake])).numpy()
    np.testing.assert_allclose(d, [d_expected] * 2, rtol=1e-5)
    np.testing.assert_allclose(g, [g_expected] * 2, rtol=1e-5)


def test_patch_logits_are_averaged_per_sample():
    loss = losses.get("least_squares")
    fake = np.zeros((2, 4, 4, 1), "float32")
    fake[1] = 1.0  # LSGAN generator loss (D - 1)^2: 1 for sample 0, 0 for sample 1
    np.testing.assert_allclose(loss.generator(fake).numpy(), [1.0, 0.0])


def test_unknown_loss_names_valid_ones():
    with pytest.raises(ValueError, match="Received: loss='bogus'") as error:
        losses.get("bogus")
    assert "hinge" in str(error.value)


def test_gradient_penalty_known_values():
    # D(x) = sum(w * x): gradient w everywhere, penalty (||w|| - 1)^2.
    w = tf.constant(np.full((1, 2, 2, 1), 0.5 * 3.0, "float32"))  # ||w|| = 3

    def critic(x):
        return tf.reduce_sum(w * x, axis=[1, 2, 3])[:, None]

    real = tf.random.normal((3, 2, 2, 1))
    fake = tf.random.normal((3, 2, 2, 1))
    eps = tf.random.uniform((3, 1, 1, 1))
    gp = losses.gradient_penalty(critic, real, fake, eps).numpy()
    np.testing.assert_allclose(gp, [4.0] * 3, rtol=1e-5)


def test_r1_penalty_known_values():
    # D(x) = sum(x^2): gradient 2x, R1 = sum(4 x^2).
    def critic(x):
        return tf.reduce_sum(tf.square(x), axis=[1, 2, 3])[:, None]

    real = np.arange(8, dtype="float32").reshape(2, 2, 2, 1)
    r1 = losses.r1_penalty(critic, real).numpy()
    np.testing.assert_allclose(r1, [4 * (0 + 1 + 4 + 9), 4 * (16 + 25 + 36 + 49)], rtol=1e-5)


def test_pixel_loss_known_values_and_weights():
    x = np.zeros((2, 2, 2, 1), "float32")
    y = np.array([1.0, -3.0], "float32").reshape(2, 1, 1, 1) * np.ones((2, 2, 2, 1), "float32")
    np.testing.assert_allclose(losses.pixel_loss(x, y, "l1").numpy(), [1.0, 3.0])
    np.testing.assert_allclose(losses.pixel_loss(x, y, "mse").numpy(), [1.0, 9.0])
    mask = np.zeros((2, 2, 2, 1), "float32")
    mask[:, 0, 0] = 1.0  # one pixel of four: averaged over all pixels, not the masked ones
    np.testing.assert_allclose(losses.pixel_loss(x, y, "l1", weights=mask).numpy(), [0.25, 0.75])
    with pytest.raises(ValueError, match="Received: kind='l2'"):
        losses.pixel_loss(x, y, "l2")
