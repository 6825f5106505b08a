"""Unconditional and class-conditional image GAN."""

import keras
import numpy as np
import tensorflow as tf

from keras_gan import losses as losses_lib
from keras_gan.models.adversarial_model import AdversarialModel
from keras_gan.networks import dcgan_discriminator, dcgan_generator


@keras.saving.register_keras_serializable(package="keras_gan")
class GAN(AdversarialModel):
    """An image GAN (DCGAN-style by default), unconditional or conditional.

    The adversarial loss is chosen at `compile` by name: non-saturating
    (default), minimax, least-squares, hinge, or Wasserstein with gradient
    penalty (WGAN-GP, `n_critic` critic steps per generator step). An R1
    penalty and an exponential moving average (EMA) of the generator are
    optional; when `ema_decay` is set the EMA generator is what `sample`,
    `call` and `export_generator` use.

    Training data: batches of images `(B, H, W, C)` in [-1, 1], or
    `(images, labels)`, or dicts `{"image": ..., "label": ...}` (what
    `keras_gan.data.image_dataset` yields). Conditional models need labels.

    Args:
        generator: `keras.Model` with input `z` `(N, latent_dim)` (and int
            `label` `(N,)` when conditional), output images in [-1, 1].
        discriminator: `keras.Model` with input image (and `label`), output
            logits `(N, 1)` or a patch map.
        latent_dim: size of `z`; default: read from the generator.
        num_classes: `None` or the number of classes (conditional GAN).
        n_critic: discriminator steps per generator step (WGAN-GP uses 5).
        gradient_penalty_weight: lambda of the WGAN-GP penalty; used with
            the `"wasserstein"` loss only.
        r1_gamma: weight gamma of the R1 penalty (gamma/2 * ||grad D||^2 on
            real images); 0 disables it.
        ema_decay: `None`, or the decay of the generator's EMA (e.g. 0.999),
            warmed up as min(ema_decay, (1 + t) / (10 + t)) at step t.
        seed: seed of the training noise.
        **kwargs: `keras.Model` arguments such as `name`.

    Returns:
        A `keras.Model`; `model(z)` (or `model([z, label])`) generates images.

    Example:
    ```python
    import keras, keras_gan
    model = keras_gan.GAN.dcgan(latent_dim=64, image_size=28, channels=1)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        loss="non_saturating",
    )
    data = keras_gan.data.image_dataset("builtin:mnist", image_size=28, channels=1,
                                        batch_size=64)
    model.fit(data.dataset, epochs=5, steps_per_epoch=data.steps_per_epoch)
    images = model.sample(16)
    ```

    Reference:
        Goodfellow et al. 2014 (GAN); Radford et al. 2016 (DCGAN);
        Gulrajani et al. 2017 (WGAN-GP); Mescheder et al. 2018 (R1);
        Karras et al. 2018 (generator EMA).
    """

    def __init__(
        self,
        generator,
        discriminator,
        latent_dim=None,
        num_classes=None,
        n_critic=1,
        gradient_penalty_weight=10.0,
        r1_gamma=0.0,
        ema_decay=None,
        seed=None,
        **kwargs,
    ):
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        inferred = generator.inputs[0].shape[-1] if generator.inputs else None
        if latent_dim is None:
            latent_dim = inferred
        if inferred is not None and latent_dim != inferred:
            raise ValueError(
                f"`latent_dim` does not match the generator's input ({inferred}). "
                f"Received: latent_dim={latent_dim}"
            )
        if num_classes is not None and len(generator.inputs) < 2:
            raise ValueError(
                "A conditional GAN needs a generator with inputs [z, label]. "
                f"Received: num_classes={num_classes} and a generator with "
                f"{len(generator.inputs)} input(s)"
            )
        if not isinstance(n_critic, int) or n_critic < 1:
            raise ValueError(f"`n_critic` must be an int >= 1. Received: n_critic={n_critic!r}")
        if r1_gamma < 0 or gradient_penalty_weight < 0:
            raise ValueError(
                "Penalty weights must be >= 0. Received: "
                f"r1_gamma={r1_gamma}, gradient_penalty_weight={gradient_penalty_weight}"
            )
        if ema_decay is not None and not 0.0 < ema_decay < 1.0:
            raise ValueError(
                f"`ema_decay` must be None or in (0, 1). Received: ema_decay={ema_decay}"
            )
        self.latent_dim = int(latent_dim)
        self.num_classes = num_classes
        self.n_critic = n_critic
        self.gradient_penalty_weight = float(gradient_penalty_weight)
        self.r1_gamma = float(r1_gamma)
        self.ema_decay = ema_decay
        self.ema_generator = None
        if ema_decay is not None:
            self.ema_generator = keras.models.clone_model(generator)
            self.ema_generator.set_weights(generator.get_weights())
            self.ema_generator.trainable = False

    @classmethod
    def dcgan(
        cls,
        latent_dim=128,
        image_size=64,
        channels=3,
        num_classes=None,
        filters=64,
        discriminator_norm=None,
        extra_convs=0,
        **kwargs,
    ):
        """Build a GAN with the DCGAN generator and discriminator.

        Args:
            latent_dim: size of `z`.
            image_size: 28 or a power of two >= 8.
            channels: image channels.
            num_classes: `None` or the number of classes.
            filters: base width of both networks.
            discriminator_norm: `None`, `"layer"`, `"batch"` or `"spectral"`.
            extra_convs: 3x3 convolutions added per resolution in both networks
                (0: the paper's DCGAN).
            **kwargs: other `GAN` arguments (`n_critic`, `ema_decay`, ...).

        Returns:
            A `GAN`.
        """
        generator = dcgan_generator(
            latent_dim=latent_dim,
            image_size=image_size,
            channels=channels,
            num_classes=num_classes,
            filters=filters,
            extra_convs=extra_convs,
        )
        discriminator = dcgan_discriminator(
            image_size=image_size,
            channels=channels,
            num_classes=num_classes,
            filters=filters,
            norm=discriminator_norm,
            extra_convs=extra_convs,
        )
        return cls(
            generator, discriminator, latent_dim=latent_dim, num_classes=num_classes, **kwargs
        )

    # ---------------------------------------------------------------- helpers
    def _unpack(self, data):
        if isinstance(data, dict):
            images, labels = data["image"], data.get("label")
        elif isinstance(data, (tuple, list)):
            images, labels = data[0], (data[1] if len(data) > 1 else None)
        else:
            images, labels = data, None
        if self.num_classes is not None:
            if labels is None:
                raise ValueError(
                    f"This GAN is conditional (num_classes={self.num_classes}) but the "
                    "training data has no labels: yield (images, labels) or "
                    "{'image': ..., 'label': ...}."
                )
            labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
        else:
            labels = None
        return images, labels

    def _g(self, z, labels, training, generator=None):
        generator = generator or self.generator
        return generator([z, labels] if labels is not None else z, training=training)

    def _d(self, images, labels, training=True):
        return self.discriminator(
            [images, labels] if labels is not None else images, training=training
        )

    # ------------------------------------------------------------- train step
    def train_step(self, data):
        real, labels = self._unpack(data)
        real = tf.cast(real, self.compute_dtype)
        batch = tf.shape(real)[0]
        loss = self.adversarial_loss
        wgan_gp = loss.is_wasserstein and self.gradient_penalty_weight > 0

        def critic(x):
            return self._d(x, labels)

        # 1. Discriminator (critic), n_critic times on this real batch:
        #    max_D E[log D(x)] + E[log(1 - D(G(z)))]   (Goodfellow et al. 2014, eq. 1)
        #    WGAN-GP: min_D E[D(G(z))] - E[D(x)] + lambda E[(||grad D(x_hat)|| - 1)^2]
        #    (Gulrajani et al. 2017, eq. 3), x_hat = eps x + (1 - eps) G(z), eps ~ U[0, 1].
        extra = {}
        for _ in range(self.n_critic):
            z = self.random_normal(batch, [self.latent_dim])
            fake = self._g(z, labels, training=True)
            with tf.GradientTape() as tape:
                real_logits = critic(real)
                fake_logits = critic(fake)
                d_per_sample = loss.discriminator(real_logits, fake_logits)
                if wgan_gp:
                    eps = self.random_uniform(batch, [1, 1, 1])
                    gp = losses_lib.gradient_penalty(critic, real, fake, eps)
                    d_per_sample += self.gradient_penalty_weight * gp
                    extra["gradient_penalty"] = gp
                if self.r1_gamma > 0:
                    # R1: gamma/2 E[||grad D(x)||^2]  (Mescheder et al. 2018, eq. 9)
                    r1 = losses_lib.r1_penalty(critic, real)
                    d_per_sample += 0.5 * self.r1_gamma * r1
                    extra["r1_penalty"] = r1
                d_loss = self.global_mean(d_per_sample)
            self.apply_gradients(tape, d_loss, self.discriminator, self.discriminator_optimizer)

        # 2. Generator: non-saturating min_G -E[log D(G(z))] (or the chosen loss).
        z = self.random_normal(batch, [self.latent_dim])
        with tf.GradientTape() as tape:
            fake = self._g(z, labels, training=True)
            g_per_sample = loss.generator(critic(fake))
            g_loss = self.global_mean(g_per_sample)
        self.apply_gradients(tape, g_loss, self.generator, self.generator_optimizer)

        # 3. EMA of the generator weights: w_ema <- d w_ema + (1 - d) w, with the
        #    warm-up d_t = min(d, (1 + t) / (10 + t)) of tf.train.ExponentialMovingAverage
        #    so short runs are not dominated by the random initial weights.
        if self.ema_generator is not None:
            t = tf.cast(self.generator_optimizer.iterations, tf.float32)
            decay = tf.minimum(self.ema_decay, (1.0 + t) / (10.0 + t))
            for ema_w, w in zip(self.ema_generator.weights, self.generator.weights):
                ema_w.assign(decay * ema_w + (1.0 - decay) * tf.cast(w, ema_w.dtype))

        self.advance_rng()
        return self.track(
            d_loss=d_per_sample,
            g_loss=g_per_sample,
            d_real=losses_lib.per_sample_mean(real_logits),
            d_fake=losses_lib.per_sample_mean(fake_logits),
            **extra,
        )

    def metric_names(self):
        names = ["d_loss", "g_loss", "d_real", "d_fake"]
        if self.adversarial_loss.is_wasserstein and self.gradient_penalty_weight > 0:
            names.append("gradient_penalty")
        if self.r1_gamma > 0:
            names.append("r1_penalty")
        return names

    # -------------------------------------------------------------- inference
    def export_generator(self):
        """The generator to save and deploy: the EMA copy when there is one."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    def call(self, inputs, training=False):
        if isinstance(inputs, dict):
            z, labels = inputs["z"], inputs.get("label")
        elif isinstance(inputs, (tuple, list)):
            z, labels = inputs[0], (inputs[1] if len(inputs) > 1 else None)
        else:
            z, labels = inputs, None
        generator = self.generator if training else self.export_generator()
        return self._g(z, labels if self.num_classes is not None else None, training, generator)

    def sample(self, num_samples, labels=None, batch_size=256, seed=None, z=None):
        """Generate images with the (EMA) generator.

        Args:
            num_samples: number of images.
            labels: for conditional models, int labels `(num_samples,)`; default
                cycles through the classes.
            batch_size: generation batch size.
            seed: seed of the latent draw (numpy).
            z: optional latents `(num_samples, latent_dim)`; drawn when None.

        Returns:
            np.ndarray `(num_samples, H, W, C)` float32 in [-1, 1].
        """
        if z is None:
            z = np.random.default_rng(seed).standard_normal((num_samples, self.latent_dim))
        z = np.asarray(z, dtype="float32")
        if self.num_classes is not None and labels is None:
            labels = np.arange(num_samples) % self.num_classes
        generator = self.export_generator()
        out = []
        for start in range(0, num_samples, batch_size):
            zb = z[start : start + batch_size]
            inputs = (
                zb
                if self.num_classes is None
                else [zb, np.asarray(labels[start : start + batch_size], "int32")]
            )
            out.append(keras.ops.convert_to_numpy(generator(inputs, training=False)))
        return np.concatenate(out, axis=0).astype("float32")

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "latent_dim": self.latent_dim,
                "num_classes": self.num_classes,
                "n_critic": self.n_critic,
                "gradient_penalty_weight": self.gradient_penalty_weight,
                "r1_gamma": self.r1_gamma,
                "ema_decay": self.ema_decay,
            }
        )
        return config
