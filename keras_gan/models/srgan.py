"""SRGAN: SRResNet pretraining with a pixel loss, then adversarial fine-tuning."""

import keras
import tensorflow as tf

from keras_gan.losses import per_sample_mean, pixel_loss
from keras_gan.metrics.image_quality import psnr
from keras_gan.models.adversarial_model import AdversarialModel
from keras_gan.networks.edsr import edsr_generator
from keras_gan.networks.srgan_discriminator import srgan_discriminator
from keras_gan.networks.srresnet import srresnet_generator

PHASES = ("pretrain", "adversarial")
CONTENT_LOSSES = ("mse", "l1", "vgg")
VGG_RESCALE = 1.0 / 12.75  # Ledig et al. 2017, Section 3.2: VGG features x 1/12.75


@keras.saving.register_keras_serializable(package="keras_gan")
class SRGAN(AdversarialModel):
    """Single-image super-resolution GAN (SRResNet generator), trained in two phases.

    Phase `"pretrain"` (SRResNet): only the generator trains, on a pixel loss
    (`pixel_loss`, MSE as in the paper or L1). Phase `"adversarial"` (SRGAN): the
    discriminator learns to tell HR images from SR images and the generator
    minimizes `content + adversarial_weight * adversarial`, where the content
    loss is the MSE between rescaled VGG19 phi_5,4 feature maps (when a
    `content_network` is given) or the pixel loss. `relativistic=True` uses
    ESRGAN's relativistic-average discriminator instead of the standard one.
    Switch phases between fits with `set_phase`; the phase is part of the
    config, so a saved model reloads in its phase.

    Training data: dicts `{"lr": (B, h, w, 3), "hr": (B, h*s, w*s, 3)}` or
    tuples `(lr, hr)`, float32 in [-1, 1] (`keras_gan.data.super_resolution_dataset`).

    Args:
        generator: `keras.Model` LR `image` -> SR image, `scale` times larger.
        discriminator: `keras.Model` HR-size image -> logits `(N, 1)`.
        scale: the upscaling factor (2 or 4); also the border cropped by the
            `psnr` training monitor.
        pixel_loss: `"mse"` or `"l1"`, the pretraining loss (and the content
            loss when `content_loss` is a pixel loss).
        content_loss: `"vgg"` (needs `content_network`), `"mse"` or `"l1"`.
        content_network: `None`, or a frozen feature extractor (e.g.
            `keras_gan.networks.vgg19_features()`) for `content_loss="vgg"`.
        adversarial_weight: weight of the adversarial generator loss (1e-3).
        relativistic: relativistic-average discriminator (ESRGAN).
        phase: `"pretrain"` or `"adversarial"`.
        seed: seed of the training noise (unused by the losses; kept for the base).
        **kwargs: `keras.Model` arguments such as `name`.

    Returns:
        A `keras.Model`; `model(lr_images)` super-resolves with the generator.

    Example:
    ```python
    import keras, keras_gan
    model = keras_gan.SRGAN.srresnet(scale=4, image_size=96, residual_blocks=16)
    model.compile(generator_optimizer=keras.optimizers.Adam(1e-4),
                  discriminator_optimizer=keras.optimizers.Adam(1e-4))
    data = keras_gan.data.super_resolution_dataset("folder:/data/T91", 96, scale=4)
    model.fit(data.dataset, epochs=10, steps_per_epoch=100)          # SRResNet
    model.set_phase("adversarial")
    model.fit(data.dataset, epochs=2, steps_per_epoch=100)           # SRGAN
    sr = model(lr_images)
    ```

    Reference:
        Ledig et al. 2017, "Photo-Realistic Single Image Super-Resolution Using a
        Generative Adversarial Network"; Wang et al. 2018 (ESRGAN, relativistic D).
    """

    network_arguments = ("generator", "discriminator", "content_network")

    def __init__(
        self,
        generator,
        discriminator,
        scale=4,
        pixel_loss="mse",
        content_loss="mse",
        content_network=None,
        adversarial_weight=1e-3,
        relativistic=False,
        phase="pretrain",
        seed=None,
        **kwargs,
    ):
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        if pixel_loss not in ("mse", "l1"):
            raise ValueError(
                f'`pixel_loss` must be "mse" or "l1". Received: pixel_loss={pixel_loss!r}'
            )
        if content_loss not in CONTENT_LOSSES:
            raise ValueError(
                f"`content_loss` must be one of {CONTENT_LOSSES}. Received: content_loss={content_loss!r}"
            )
        if (content_loss == "vgg") != (content_network is not None):
            raise ValueError(
                'content_loss="vgg" needs a `content_network` (keras_gan.networks.vgg19_features) '
                "and pixel content losses take none. Received: "
                f"content_loss={content_loss!r}, content_network={content_network!r}"
            )
        if content_network is not None and not isinstance(content_network, keras.Model):
            raise ValueError(
                f"`content_network` must be a keras.Model. Received: {content_network!r}"
            )
        if adversarial_weight < 0:
            raise ValueError(
                f"`adversarial_weight` must be >= 0. Received: adversarial_weight={adversarial_weight}"
            )
        self.scale = int(scale)
        self.pixel_loss = pixel_loss
        self.content_loss = content_loss
        self.content_network = content_network
        if content_network is not None:
            content_network.trainable = False
        self.adversarial_weight = float(adversarial_weight)
        self.relativistic = bool(relativistic)
        self.phase = "pretrain"
        self.set_phase(phase)

    @classmethod
    def srresnet(
        cls,
        scale=4,
        image_size=96,
        residual_blocks=16,
        filters=64,
        batch_norm=True,
        discriminator_filters=64,
        **kwargs,
    ):
        """Build an SRGAN with the paper's SRResNet generator and discriminator.

        Args:
            scale: 2 or 4.
            image_size: HR training crop (the discriminator's input size).
            residual_blocks: generator residual blocks B (16 in the paper).
            filters: generator width (64 in the paper).
            batch_norm: batch normalization in both networks.
            discriminator_filters: discriminator base width (64 in the paper).
            **kwargs: other `SRGAN` arguments (`content_loss`, `relativistic`, ...).

        Returns:
            An `SRGAN`.
        """
        generator = srresnet_generator(
            scale=scale, residual_blocks=residual_blocks, filters=filters, batch_norm=batch_norm
        )
        discriminator = srgan_discriminator(
            image_size=image_size, filters=discriminator_filters, batch_norm=batch_norm
        )
        return cls(generator, discriminator, scale=scale, **kwargs)

    @classmethod
    def edsr(
        cls,
        scale=4,
        image_size=96,
        residual_blocks=8,
        filters=64,
        residual_scaling=1.0,
        upsampler="direct",
        discriminator_filters=64,
        **kwargs,
    ):
        """Build an SRGAN whose generator is EDSR-style over a bicubic upsampling.

        The generator (`keras_gan.networks.edsr_generator`) returns MATLAB's bicubic
        image before training and learns the residual; the discriminator is the
        paper's (with batch norm).

        Args:
            scale: 2, 3, 4 or 8.
            image_size: HR training crop (the discriminator's input size).
            residual_blocks: generator residual blocks.
            filters: generator width.
            residual_scaling: factor on each residual branch.
            upsampler: `"direct"` or `"stages"` (see `edsr_generator`).
            discriminator_filters: discriminator base width.
            **kwargs: other `SRGAN` arguments (`pixel_loss`, `content_loss`, ...).

        Returns:
            An `SRGAN`.

        Example:
        ```python
        model = keras_gan.SRGAN.edsr(scale=4, pixel_loss="l1", content_loss="l1")
        ```
        """
        generator = edsr_generator(
            scale=scale,
            residual_blocks=residual_blocks,
            filters=filters,
            residual_scaling=residual_scaling,
            upsampler=upsampler,
        )
        discriminator = srgan_discriminator(image_size=image_size, filters=discriminator_filters)
        return cls(generator, discriminator, scale=scale, **kwargs)

    # ------------------------------------------------------------------ phases
    def set_phase(self, phase):
        """Switch between `"pretrain"` (pixel loss, generator only) and `"adversarial"`.

        The next `fit` retraces its train function for the new phase.

        Args:
            phase: `"pretrain"` or `"adversarial"`.
        """
        if phase not in PHASES:
            raise ValueError(f"`phase` must be one of {PHASES}. Received: phase={phase!r}")
        self.phase = phase
        self.train_function = None  # Keras rebuilds (retraces) it on the next fit

    @property
    def trained_networks(self):
        """Networks that one fit step updates in the current phase."""
        return ("generator",) if self.phase == "pretrain" else ("generator", "discriminator")

    def compile(
        self,
        generator_optimizer="adam",
        discriminator_optimizer="adam",
        loss="non_saturating",
        **kwargs,
    ):
        """Configure the optimizers and the adversarial loss (standard SRGAN: non-saturating).

        With `relativistic=True` the loss must be `"non_saturating"`: the
        relativistic-average discriminator is defined for the logistic loss.
        """
        name = getattr(loss, "name", loss)
        if self.relativistic and name != "non_saturating":
            raise ValueError(
                "The relativistic-average discriminator uses the logistic (non_saturating) "
                f"loss. Received: loss={name!r}"
            )
        super().compile(generator_optimizer, discriminator_optimizer, loss, **kwargs)

    def metric_names(self):
        # One tracker set for both phases, so every epoch logs the same columns
        # (a phase leaves the other phase's values at 0).
        return [
            "pixel_loss",
            "psnr",
            "d_loss",
            "g_loss",
            "content_loss",
            "adversarial_loss",
            "d_real",
            "d_fake",
        ]

    # ----------------------------------------------------------------- helpers
    @staticmethod
    def _unpack(data):
        if isinstance(data, dict):
            return data["lr"], data["hr"]
        if isinstance(data, (tuple, list)) and len(data) == 2:
            return data[0], data[1]
        raise ValueError(
            "SRGAN trains on {'lr': ..., 'hr': ...} dicts or (lr, hr) tuples. "
            f"Received: {type(data).__name__}"
        )

    def _content(self, sr, hr):
        """Per-sample content loss l^SR_X (eq. 4 or 5)."""
        if self.content_loss != "vgg":
            return pixel_loss(sr, hr, self.content_loss)
        # l_VGG/5,4 = 1/(W H) sum (phi(I_HR) - phi(G(I_LR)))^2, features rescaled by 1/12.75
        phi_sr = tf.cast(self.content_network(sr, training=False), tf.float32) * VGG_RESCALE
        phi_hr = tf.cast(self.content_network(hr, training=False), tf.float32) * VGG_RESCALE
        return per_sample_mean(tf.square(phi_sr - tf.stop_gradient(phi_hr)))

    def _global_batch_mean(self, values):
        """Mean over the GLOBAL batch of per-sample values `(B,)` or `(B, K)`.

        All-reduced across replicas; not meant to be differentiated (see `_d_losses`).
        """
        total = tf.reduce_sum(tf.cast(values, tf.float32), axis=0)
        count = tf.cast(tf.shape(values)[0], tf.float32)
        ctx = tf.distribute.get_replica_context()
        if ctx is not None and ctx.num_replicas_in_sync > 1:
            total, count = ctx.all_reduce(tf.distribute.ReduceOp.SUM, [total, count])
        return total / count

    def _psnr(self, sr, hr):
        # Training monitor: Y-channel PSNR, border cropped by the scale (unquantized).
        return psnr(
            tf.clip_by_value(tf.cast(sr, tf.float32), -1.0, 1.0),
            tf.cast(hr, tf.float32),
            max_val=2.0,
            crop_border=self.scale,
            y_channel=True,
        )

    # -------------------------------------------------------------- train step
    def train_step(self, data):
        lr, hr = self._unpack(data)
        lr = tf.cast(lr, self.compute_dtype)
        hr = tf.cast(hr, self.compute_dtype)
        if self.phase == "pretrain":
            return self._pretrain_step(lr, hr)
        return self._adversarial_step(lr, hr)

    def _pretrain_step(self, lr, hr):
        # SRResNet: min_G 1/N sum_n l_MSE(G(I_LR_n), I_HR_n)   (Ledig et al. eq. 3, 4)
        with tf.GradientTape() as tape:
            sr = self.generator(lr, training=True)
            per_sample = pixel_loss(sr, hr, self.pixel_loss)
            loss = self.global_mean(per_sample)
        self.apply_gradients(tape, loss, self.generator, self.generator_optimizer)
        self.advance_rng()
        return self.track(pixel_loss=per_sample, psnr=self._psnr(sr, hr))

    def _d_losses(self, real_logits, fake_logits):
        """Per-sample (discriminator, generator adversarial) losses to minimize.

        For the relativistic loss these include a zero-valued surrogate term that
        carries d(loss)/d(batch mean) across replicas (values are unchanged).
        """
        if not self.relativistic:
            # Standard GAN (eq. 2): D: -log D(I_HR) - log(1 - D(G(I_LR)));  G: -log D(G(I_LR)) (eq. 6)
            return (
                self.adversarial_loss.discriminator(real_logits, fake_logits),
                self.adversarial_loss.generator(fake_logits),
            )
        # Relativistic average (ESRGAN eq. 1-2): D_Ra(a, b) = sigmoid(C(a) - E_b[C(b)])
        #   L_D = -E[log D_Ra(x_r, x_f)] - E[log(1 - D_Ra(x_f, x_r))]
        #   L_G = -E[log(1 - D_Ra(x_r, x_f))] - E[log D_Ra(x_f, x_r)]
        # E[.] is over the GLOBAL batch. Its gradient must reach every replica's
        # samples: the means enter the losses as constants m, and each loss gets
        # (sum over all samples of dl/dm, all-reduced) / N * C(x): summed over
        # replicas this is exactly dL/dm * dm/dtheta.
        real = per_sample_mean(real_logits)
        fake = per_sample_mean(fake_logits)
        mean_real = tf.stop_gradient(self._global_batch_mean(real))
        mean_fake = tf.stop_gradient(self._global_batch_mean(fake))
        real_rel = real - mean_fake
        fake_rel = fake - mean_real
        d = tf.nn.softplus(-real_rel) + tf.nn.softplus(fake_rel)
        g = tf.nn.softplus(real_rel) + tf.nn.softplus(-fake_rel)
        # dl_i/dm_fake and dl_i/dm_real, per sample (d softplus(x)/dx = sigmoid(x))
        d_dmf, d_dmr = tf.sigmoid(-real_rel), -tf.sigmoid(fake_rel)
        g_dmf, g_dmr = -tf.sigmoid(real_rel), tf.sigmoid(-fake_rel)
        coefficients = tf.stop_gradient(
            self._global_batch_mean(tf.stack([d_dmf, d_dmr, g_dmf, g_dmr], axis=1))
        )  # (4,) global means
        d_surrogate = coefficients[0] * (fake - tf.stop_gradient(fake)) + coefficients[1] * (
            real - tf.stop_gradient(real)
        )
        g_surrogate = coefficients[2] * (fake - tf.stop_gradient(fake)) + coefficients[3] * (
            real - tf.stop_gradient(real)
        )
        return d + d_surrogate, g + g_surrogate

    def _adversarial_step(self, lr, hr):
        # 1. Discriminator: min_D L_D on HR images and (fixed) SR images.
        sr = tf.stop_gradient(self.generator(lr, training=True))
        with tf.GradientTape() as tape:
            real_logits = self.discriminator(hr, training=True)
            fake_logits = self.discriminator(sr, training=True)
            d_per_sample, _ = self._d_losses(real_logits, fake_logits)
            d_loss = self.global_mean(d_per_sample)
        self.apply_gradients(tape, d_loss, self.discriminator, self.discriminator_optimizer)

        # 2. Generator: perceptual loss l^SR = l^SR_X + 10^-3 l^SR_Gen   (eq. 3)
        with tf.GradientTape() as tape:
            sr = self.generator(lr, training=True)
            g_fake_logits = self.discriminator(sr, training=True)
            g_real_logits = (
                self.discriminator(hr, training=True) if self.relativistic else real_logits
            )
            _, adversarial = self._d_losses(g_real_logits, g_fake_logits)
            content = self._content(sr, hr)
            g_per_sample = content + self.adversarial_weight * adversarial
            g_loss = self.global_mean(g_per_sample)
        self.apply_gradients(tape, g_loss, self.generator, self.generator_optimizer)

        self.advance_rng()
        return self.track(
            d_loss=d_per_sample,
            g_loss=g_per_sample,
            content_loss=content,
            adversarial_loss=adversarial,
            d_real=per_sample_mean(real_logits),
            d_fake=per_sample_mean(fake_logits),
            psnr=self._psnr(sr, hr),
        )

    # --------------------------------------------------------------- inference
    def call(self, inputs, training=False):
        """Super-resolve LR images `(N, h, w, 3)` in [-1, 1] with the generator."""
        return self.generator(inputs, training=training)

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "scale": self.scale,
                "pixel_loss": self.pixel_loss,
                "content_loss": self.content_loss,
                "adversarial_weight": self.adversarial_weight,
                "relativistic": self.relativistic,
                "phase": self.phase,
            }
        )
        return config
