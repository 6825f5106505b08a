"""Free-form image inpainting GAN: gated-convolution generator and SN-PatchGAN."""

import keras
import tensorflow as tf

from keras_gan.losses import PIXEL_LOSSES, per_sample_mean, pixel_loss
from keras_gan.models.adversarial_model import AdversarialModel
from keras_gan.networks.gated_generator import RAW_OUTPUT_NAMES, gated_generator
from keras_gan.networks.sn_patchgan import sn_patchgan_discriminator


def _input_names(network):
    return [t.name.split(":")[0] for t in network.inputs]


@keras.saving.register_keras_serializable(package="keras_gan")
class InpaintingGAN(AdversarialModel):
    """Image completion with free-form masks (DeepFill v2 style).

    The generator takes `[image, mask]` (mask `(N, H, W, 1)`, 1 = hole),
    ignores the pixel values under the hole and returns the completed image
    with the known pixels unchanged. The discriminator (SN-PatchGAN) scores
    every patch of `[image, mask]`; the default adversarial loss is hinge.
    Generator loss (per image, averaged over pixels as in Liu et al. 2018):

        L_G = hole_weight * sum_s mean(rho(M * (G_s - x)))
            + valid_weight * sum_s mean(rho((1 - M) * (G_s - x)))
            + adversarial_weight * L_adv(D(x_hat, M))
            + perceptual_weight * L_perc

    where `G_s` are the raw outputs of the generator's stages (coarse, and
    refined when two-stage), `x_hat = G_last * M + x * (1 - M)` is the
    composite and `L_perc = mean|phi(G_last) - phi(x)| + mean|phi(x_hat) - phi(x)|`
    with VGG19 features `phi` (only when `perceptual_weight > 0`, which needs
    local VGG19 weights), and `rho` is `|.|` (`reconstruction_loss="l1"`) or
    `(.)^2` (`"mse"`: PSNR's optimum, the conditional mean of the hole). With
    L1 and both weights at 1 the reconstruction term is DeepFill v2's plain
    pixel-wise L1. The `hole_l1` and `valid_l1` metrics are L1 with either loss.

    Training data: dicts `{"image": (B, H, W, C), "mask": (B, H, W, 1)}` or
    tuples `(image, mask)` (see `keras_gan.data.inpainting_dataset`).

    Args:
        generator: `keras.Model` with inputs named `image` and `mask`; raw stage
            outputs are read from its layers named `coarse` / `refined` when
            present (see `keras_gan.networks.gated_generator`).
        discriminator: `keras.Model` `[image, mask] -> patch scores`.
        hole_weight: weight of the reconstruction loss on hole pixels.
        valid_weight: weight of the reconstruction loss on known pixels.
        reconstruction_loss: `"l1"` (DeepFill v2) or `"mse"`
            (`keras_gan.losses.PIXEL_LOSSES`).
        adversarial_weight: weight of the generator's adversarial loss.
        perceptual_weight: weight of the VGG19 perceptual loss; 0 disables it.
        vgg_weights: local VGG19 (no top) weights file, or `"imagenet"`;
            required when `perceptual_weight > 0`.
        perceptual_layer: VGG19 layer of the perceptual loss.
        seed: seed of the training noise (unused by the losses; kept for the base).
        **kwargs: `keras.Model` arguments such as `name`.

    Returns:
        A `keras.Model`; `model([image, mask])` returns the completed images.

    Example:
    ```python
    import keras, keras_gan
    model = keras_gan.InpaintingGAN.deepfill(filters=16, image_size=64)
    model.compile(generator_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
                  discriminator_optimizer=keras.optimizers.Adam(1e-4, beta_1=0.5),
                  loss="hinge")
    data = keras_gan.data.inpainting_dataset("builtin:photos", image_size=64,
                                             load_size=256, batch_size=8, seed=0)
    model.fit(data.dataset, epochs=1, steps_per_epoch=50)
    completed = model([images, masks])
    ```

    Reference:
        Yu et al. 2019, "Free-Form Image Inpainting with Gated Convolution"
        (DeepFill v2); Liu et al. 2018 (hole/valid L1 and perceptual losses);
        Lim & Ye 2017 / Miyato et al. 2018 (hinge loss, spectral normalization).
    """

    def __init__(
        self,
        generator,
        discriminator,
        hole_weight=1.0,
        valid_weight=1.0,
        adversarial_weight=0.01,
        perceptual_weight=0.0,
        vgg_weights=None,
        perceptual_layer="block3_conv4",
        seed=None,
        reconstruction_loss="l1",
        **kwargs,
    ):
        super().__init__(generator, discriminator, seed=seed, **kwargs)
        if reconstruction_loss not in PIXEL_LOSSES:
            raise ValueError(
                f"`reconstruction_loss` must be one of {PIXEL_LOSSES}. "
                f"Received: reconstruction_loss={reconstruction_loss!r}"
            )
        for net_name, net in (("generator", generator), ("discriminator", discriminator)):
            names = _input_names(net)
            if names != ["image", "mask"]:
                raise ValueError(
                    f"The {net_name} must take inputs named ['image', 'mask']. "
                    f"Received: {net_name} inputs={names}"
                )
        weights = {
            "hole_weight": hole_weight,
            "valid_weight": valid_weight,
            "adversarial_weight": adversarial_weight,
            "perceptual_weight": perceptual_weight,
        }
        for key, value in weights.items():
            if value is None or value < 0:
                raise ValueError(f"Loss weights must be >= 0. Received: {key}={value!r}")
        if perceptual_weight > 0 and not vgg_weights:
            raise ValueError(
                "The perceptual loss needs VGG19 weights: pass vgg_weights=PATH (a local "
                "VGG19 no-top weights file) or 'imagenet'. "
                f"Received: perceptual_weight={perceptual_weight}, vgg_weights={vgg_weights!r}"
            )
        self.hole_weight = float(hole_weight)
        self.valid_weight = float(valid_weight)
        self.adversarial_weight = float(adversarial_weight)
        self.perceptual_weight = float(perceptual_weight)
        self.vgg_weights = vgg_weights
        self.perceptual_layer = perceptual_layer
        self.reconstruction_loss = reconstruction_loss
        # The stages' raw outputs (before compositing) share the generator's layers.
        layer_names = {layer.name for layer in generator.layers}
        raw = [generator.get_layer(n).output for n in RAW_OUTPUT_NAMES if n in layer_names]
        self.raw_generator = keras.Model(
            generator.inputs, raw or [generator.outputs[0]], name=f"{generator.name}_raw"
        )
        self.perceptual_network = None
        if self.perceptual_weight > 0:
            from keras_gan.networks.vgg_features import vgg19_features

            self.perceptual_network = vgg19_features(weights=vgg_weights, layer=perceptual_layer)

    @classmethod
    def deepfill(
        cls,
        image_size=None,
        channels=3,
        filters=32,
        discriminator_filters=None,
        discriminator_layers=None,
        dilations=(2, 4, 8, 16),
        two_stage=False,
        skip_connections=True,
        fill="zeros",
        **kwargs,
    ):
        """Build an `InpaintingGAN` with the gated generator and the SN-PatchGAN.

        Args:
            image_size: training size (the generator itself takes any size
                divisible by 8; the discriminator needs a multiple of 2**layers).
            channels: image channels.
            filters: generator base width.
            discriminator_filters: SN-PatchGAN base width (default `2 * filters`).
            discriminator_layers: stride-2 layers; default 6 at >= 256 px, else
                `log2(image_size) - 2` (4 at 64 px).
            dilations: dilation rates of the generator's bottleneck.
            two_stage: add the coarse-to-fine refinement network.
            skip_connections: U-Net skips in the generator (see `gated_generator`).
            fill: `"zeros"` (DeepFill v2) or `"push_pull"` (a residual over a
                smooth fill, see `gated_generator`).
            **kwargs: other `InpaintingGAN` arguments (loss weights, seed).

        Returns:
            An `InpaintingGAN`.
        """
        if discriminator_layers is None:
            size = image_size or 256
            discriminator_layers = max(1, min(6, size.bit_length() - 3))
        generator = gated_generator(
            channels=channels,
            filters=filters,
            dilations=dilations,
            two_stage=two_stage,
            skip_connections=skip_connections,
            fill=fill,
        )
        discriminator = sn_patchgan_discriminator(
            channels=channels,
            filters=discriminator_filters or 2 * filters,
            num_layers=discriminator_layers,
        )
        return cls(generator, discriminator, **kwargs)

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _unpack(data):
        if isinstance(data, dict):
            image, mask = data["image"], data["mask"]
        elif isinstance(data, (tuple, list)) and len(data) >= 2:
            image, mask = data[0], data[1]
        else:
            raise ValueError(
                "InpaintingGAN trains on {'image': ..., 'mask': ...} or (image, mask) "
                f"batches. Received: {type(data).__name__}"
            )
        return image, mask

    def _perceptual(self, raw, completed, real):
        phi = self.perceptual_network
        target = tf.cast(phi(real, training=False), tf.float32)
        per_sample = 0.0
        for image in (raw, completed):
            diff = tf.abs(tf.cast(phi(image, training=False), tf.float32) - target)
            per_sample += tf.reduce_mean(diff, axis=[1, 2, 3])
        return per_sample

    # ------------------------------------------------------------- train step
    def train_step(self, data):
        real, mask = self._unpack(data)
        real = tf.cast(real, self.compute_dtype)
        mask = tf.cast(mask, self.compute_dtype)
        loss = self.adversarial_loss
        real32, mask32 = tf.cast(real, tf.float32), tf.cast(mask, tf.float32)

        # One generator forward pass serves both updates (DeepFill v2 updates
        # G and D from the same batch and the same completed images).
        with tf.GradientTape() as g_tape:
            raws = self.raw_generator([real, mask], training=True)
            raws = raws if isinstance(raws, (list, tuple)) else [raws]
            raws = [tf.cast(r, tf.float32) for r in raws]
            # Composite: x_hat = G(x * (1 - M), M) * M + x * (1 - M).
            completed = raws[-1] * mask32 + real32 * (1.0 - mask32)
            # Reconstruction (Liu et al. 2018, eq. 1-2, summed over stages as in
            # DeepFill's coarse + refined L1): mean over pixels of rho(M (G_s - x))
            # and rho((1 - M)(G_s - x)), rho = |.| or (.)^2 (`reconstruction_loss`);
            # the logged hole_l1 / valid_l1 are the L1 terms either way.
            hole_l1 = tf.add_n([pixel_loss(r, real32, "l1", weights=mask32) for r in raws])
            valid_l1 = tf.add_n([pixel_loss(r, real32, "l1", weights=1.0 - mask32) for r in raws])
            hole_rec, valid_rec = hole_l1, valid_l1
            if self.reconstruction_loss != "l1":
                hole_rec = tf.add_n(
                    [pixel_loss(r, real32, self.reconstruction_loss, weights=mask32) for r in raws]
                )
                valid_rec = tf.add_n(
                    [
                        pixel_loss(r, real32, self.reconstruction_loss, weights=1.0 - mask32)
                        for r in raws
                    ]
                )
            # Adversarial (DeepFill v2, eq. 3): L_G = -E[D^sn(G(z))] for hinge.
            g_adversarial = loss.generator(
                self.discriminator([tf.cast(completed, self.compute_dtype), mask], training=True)
            )
            g_per_sample = (
                self.hole_weight * hole_rec
                + self.valid_weight * valid_rec
                + self.adversarial_weight * g_adversarial
            )
            extra = {}
            if self.perceptual_network is not None:
                perceptual = self._perceptual(raws[-1], completed, real32)
                g_per_sample += self.perceptual_weight * perceptual
                extra["perceptual"] = perceptual
            g_loss = self.global_mean(g_per_sample)

        # Discriminator, hinge (DeepFill v2, eq. 3):
        # L_D = E[relu(1 - D^sn(x))] + E[relu(1 + D^sn(G(z)))], on image + mask,
        # real and completed images in one batch.
        fake = tf.cast(tf.stop_gradient(completed), self.compute_dtype)
        with tf.GradientTape() as d_tape:
            scores = self.discriminator(
                [tf.concat([real, fake], axis=0), tf.concat([mask, mask], axis=0)], training=True
            )
            real_scores, fake_scores = tf.split(scores, 2, axis=0)
            d_per_sample = loss.discriminator(real_scores, fake_scores)
            d_loss = self.global_mean(d_per_sample)

        self.apply_gradients(g_tape, g_loss, self.generator_variables(), self.generator_optimizer)
        self.apply_gradients(d_tape, d_loss, self.discriminator, self.discriminator_optimizer)
        self.advance_rng()
        return self.track(
            d_loss=d_per_sample,
            g_loss=g_per_sample,
            hole_l1=hole_l1,
            valid_l1=valid_l1,
            g_adversarial=g_adversarial,
            d_real=per_sample_mean(real_scores),
            d_fake=per_sample_mean(fake_scores),
            **extra,
        )

    def metric_names(self):
        names = ["d_loss", "g_loss", "hole_l1", "valid_l1", "g_adversarial", "d_real", "d_fake"]
        if self.perceptual_network is not None:
            names.append("perceptual")
        return names

    # -------------------------------------------------------------- inference
    def call(self, inputs, training=False):
        if isinstance(inputs, dict):
            inputs = [inputs["image"], inputs["mask"]]
        return self.generator(list(inputs), training=training)

    # ------------------------------------------------------------------ config
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "hole_weight": self.hole_weight,
                "valid_weight": self.valid_weight,
                "adversarial_weight": self.adversarial_weight,
                "perceptual_weight": self.perceptual_weight,
                "vgg_weights": self.vgg_weights,
                "perceptual_layer": self.perceptual_layer,
                "reconstruction_loss": self.reconstruction_loss,
            }
        )
        return config
