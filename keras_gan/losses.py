"""Adversarial losses by name, gradient penalty and R1 penalty.

Every function returns **per-sample** values of shape `(batch,)`. Models reduce
them over the *global* batch (see `AdversarialModel.global_mean`), which is what
keeps gradients identical on one device and on many replicas.

Discriminator outputs ("logits") may be one number per image `(B, 1)` or a
patch map `(B, h, w, 1)` (PatchGAN); patch maps are averaged per image.
"""

import keras
import tensorflow as tf

LOSSES = {
    "non_saturating": "Goodfellow et al. 2014, -log D(G(z)) for the generator (default).",
    "minimax": "Goodfellow et al. 2014, log(1 - D(G(z))) for the generator.",
    "least_squares": "Mao et al. 2017 (LSGAN), targets 1 and 0.",
    "hinge": "Lim & Ye 2017 / Miyato et al. 2018, hinge for D, -D(G(z)) for G.",
    "wasserstein": "Arjovsky et al. 2017; use with the gradient penalty (WGAN-GP).",
}


def per_sample_mean(x):
    """Average everything but the batch axis, in float32: `(B, ...)` -> `(B,)`.

    Every loss in keras_gan is per sample; `AdversarialModel.global_mean`
    then reduces it over the global batch.

    Args:
        x: a tensor with a leading batch axis.

    Returns:
        float32 tensor `(B,)`.

    Example:
    ```python
    keras_gan.losses.per_sample_mean(patch_logits)  # (B, 14, 14, 1) -> (B,)
    ```
    """
    x = tf.cast(x, tf.float32)
    x = tf.reshape(x, [tf.shape(x)[0], -1])
    return tf.reduce_mean(x, axis=1)


PIXEL_LOSSES = ("l1", "mse")


def pixel_loss(x, y, kind="l1", weights=None):
    """Per-sample mean absolute (`"l1"`) or squared (`"mse"`) error between images.

    Args:
        x: images `(B, H, W, C)`.
        y: target images, same shape.
        kind: `"l1"` or `"mse"`.
        weights: optional map broadcastable to `x` (e.g. a hole mask `(B, H, W, 1)`);
            the error is multiplied by it and still averaged over all pixels.

    Returns:
        float32 tensor `(B,)`.

    Example:
    ```python
    cycle = keras_gan.losses.pixel_loss(reconstructed, real, "l1")
    hole = keras_gan.losses.pixel_loss(output, real, "l1", weights=mask)
    ```
    """
    if kind not in PIXEL_LOSSES:
        raise ValueError(f"`kind` must be one of {PIXEL_LOSSES}. Received: kind={kind!r}")
    diff = tf.cast(x, tf.float32) - tf.cast(y, tf.float32)
    error = tf.abs(diff) if kind == "l1" else tf.square(diff)
    if weights is not None:
        error = error * tf.cast(weights, tf.float32)
    return per_sample_mean(error)


@keras.saving.register_keras_serializable(package="keras_gan")
class AdversarialLoss:
    """A named adversarial loss: one formula for D and one for G.

    Args:
        name: one of `keras_gan.losses.LOSSES`: `"non_saturating"`,
            `"minimax"`, `"least_squares"`, `"hinge"`, `"wasserstein"`.

    Returns:
        An object with `discriminator(real_logits, fake_logits)` and
        `generator(fake_logits)`, each returning per-sample losses `(B,)`.

    Example:
    ```python
    loss = keras_gan.losses.AdversarialLoss("hinge")
    d = loss.discriminator(real_logits, fake_logits)  # (B,)
    ```

    Reference:
        Goodfellow et al. 2014; Mao et al. 2017; Lim & Ye 2017;
        Arjovsky et al. 2017.
    """

    def __init__(self, name="non_saturating"):
        if name not in LOSSES:
            raise ValueError(
                f"Unknown adversarial loss. Expected one of {sorted(LOSSES)}. "
                f"Received: loss={name!r}"
            )
        self.name = name

    @property
    def is_wasserstein(self):
        return self.name == "wasserstein"

    def discriminator(self, real_logits, fake_logits):
        """Per-sample discriminator (critic) loss."""
        real = per_sample_mean(real_logits)
        fake = per_sample_mean(fake_logits)
        if self.name in ("non_saturating", "minimax"):
            # -[log D(x) + log(1 - D(G(z)))], in logits: softplus(-r) + softplus(f)
            return tf.nn.softplus(-real) + tf.nn.softplus(fake)
        if self.name == "least_squares":
            # (D(x) - 1)^2 + D(G(z))^2
            return tf.square(real - 1.0) + tf.square(fake)
        if self.name == "hinge":
            # max(0, 1 - D(x)) + max(0, 1 + D(G(z)))
            return tf.nn.relu(1.0 - real) + tf.nn.relu(1.0 + fake)
        # wasserstein: D(G(z)) - D(x)
        return fake - real

    def generator(self, fake_logits):
        """Per-sample generator loss."""
        fake = per_sample_mean(fake_logits)
        if self.name == "non_saturating":
            # -log D(G(z))
            return tf.nn.softplus(-fake)
        if self.name == "minimax":
            # log(1 - D(G(z))) = -softplus(f)
            return -tf.nn.softplus(fake)
        if self.name == "least_squares":
            return tf.square(fake - 1.0)
        # hinge and wasserstein: -D(G(z))
        return -fake

    def get_config(self):
        return {"name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"AdversarialLoss({self.name!r})"


def get(identifier):
    """Return an `AdversarialLoss` from a name or an instance.

    Args:
        identifier: a loss name (see `LOSSES`) or an `AdversarialLoss`.

    Returns:
        An `AdversarialLoss`.
    """
    if isinstance(identifier, AdversarialLoss):
        return identifier
    if isinstance(identifier, str):
        return AdversarialLoss(identifier)
    raise ValueError(
        f"`loss` must be a name in {sorted(LOSSES)} or an AdversarialLoss. "
        f"Received: loss={identifier!r}"
    )


def gradient_penalty(critic, real, fake, epsilon):
    """Per-sample WGAN-GP penalty (||grad D(x_hat)||_2 - 1)^2.

    x_hat = eps * real + (1 - eps) * fake, with eps ~ U[0, 1] per sample.

    Args:
        critic: callable image -> logits (labels already bound).
        real: real images (B, H, W, C).
        fake: generated images, same shape.
        epsilon: interpolation weights (B, 1, 1, 1) in [0, 1].

    Returns:
        Per-sample penalties (B,).

    Reference:
        Gulrajani et al. 2017, "Improved Training of Wasserstein GANs", eq. 3.
    """
    real = tf.cast(real, tf.float32)
    fake = tf.cast(fake, tf.float32)
    interpolated = epsilon * real + (1.0 - epsilon) * fake
    with tf.GradientTape() as tape:
        tape.watch(interpolated)
        logits = tf.reduce_sum(per_sample_mean(critic(interpolated)))
    grads = tape.gradient(logits, interpolated)
    norm = tf.sqrt(tf.reduce_sum(tf.square(grads), axis=[1, 2, 3]) + 1e-12)
    return tf.square(norm - 1.0)


def r1_penalty(critic, real):
    """Per-sample R1 penalty ||grad D(x)||^2 on real data.

    Args:
        critic: callable image -> logits (labels already bound).
        real: real images (B, H, W, C).

    Returns:
        Per-sample squared gradient norms (B,); multiply by gamma / 2.

    Reference:
        Mescheder et al. 2018, "Which Training Methods for GANs do actually
        Converge?", eq. 9.
    """
    real = tf.cast(real, tf.float32)
    with tf.GradientTape() as tape:
        tape.watch(real)
        logits = tf.reduce_sum(per_sample_mean(critic(real)))
    grads = tape.gradient(logits, real)
    return tf.reduce_sum(tf.square(grads), axis=[1, 2, 3])
