"""CycleGAN: unpaired image-to-image translation with cycle consistency."""

import keras
import tensorflow as tf

from keras_gan.losses import pixel_loss
from keras_gan.models.adversarial_model import AdversarialModel
from keras_gan.networks.patchgan import patchgan_discriminator
from keras_gan.networks.resnet_generator import resnet_generator


@keras.saving.register_keras_serializable(package="keras_gan")
class CycleGAN(AdversarialModel):
    """CycleGAN: generators G_AB: A->B and G_BA: B->A, discriminators D_A, D_B.

    Names: each network is named by the domain it maps from/to or judges.

    | attribute, argument | maps or judges      | below | Zhu et al. 2017 | junyanz   |
    |---------------------|---------------------|-------|-----------------|-----------|
    | `generator_ab`      | A -> B              | G_AB  | G: X -> Y       | `netG_A`  |
    | `generator_ba`      | B -> A              | G_BA  | F: Y -> X       | `netG_B`  |
    | `discriminator_a`   | a vs G_BA(b), A     | D_A   | D_X             | `netD_B`  |
    | `discriminator_b`   | b vs G_AB(a), B     | D_B   | D_Y             | `netD_A`  |

    (The paper's X is domain A and Y is B. The reference names a discriminator
    after the generator it opposes, so its `netD_A` judges domain B images.)
    Before issue 18 the arguments were `generator` (G_AB), `discriminator`
    (D_B), `generator_ba` and `discriminator_a`; `from_config` still reads
    files with those keys. `model.generator` and `model.discriminator` remain
    as the base class's names of the same G_AB and D_B objects
    (`AdversarialModel.__init__` sets them; code written for any family, or
    before the rename, reads them), and they keep the weight layout of `.keras`
    files unchanged (see `__init__`). CycleGAN code uses the symmetric names.

    One `train_step` follows Zhu et al. 2017 and the reference implementation
    (junyanz/pytorch-CycleGAN-and-pix2pix) with its defaults:

    - generators: L = L_GAN(G_AB, D_B) + L_GAN(G_BA, D_A)
      + lambda_cycle (|G_BA(G_AB(a)) - a|_1 + |G_AB(G_BA(b)) - b|_1)
      + lambda_identity lambda_cycle (|G_AB(b) - b|_1 + |G_BA(a) - a|_1),
      minimised by ONE optimizer over the variables of G_AB and G_BA;
    - discriminators: 0.5 [L_D(D_B; b, G_AB(a)~) + L_D(D_A; a, G_BA(b)~)],
      minimised by ONE optimizer over D_A and D_B, where `~` marks fakes drawn
      from an image history pool of `pool_size` earlier fakes (Shrivastava et
      al. 2017);
    - adversarial loss least-squares by default (`compile(loss=...)` also takes
      `"non_saturating"`, `"minimax"` and `"hinge"`).

    The generator step runs first and the discriminator step reuses its fakes
    (detached), as the reference does.

    Image pool under distribution: each replica keeps its own pool of
    `pool_size` fakes (non-trainable `on_read` variables: a replica reads and
    writes its local copy; saving stores replica 0's pool, loading fills every
    replica with it). With N replicas there are N pools of `pool_size` images
    each, filled from each replica's share of the batch. The pool's coin flips
    and slot choices come from the base class's replica-consistent draws, so a
    replica draws the values one device would draw for the same images.
    One-device and N-replica runs are step-for-step identical only with
    `pool_size=0` (the pools see different histories otherwise).

    Training data: dicts `{"a": (B, H, W, C), "b": (B, H, W, C)}` of unpaired
    images in [-1, 1] (what `keras_gan.data.unpaired_dataset` yields), or a
    tuple `(a, b)`.

    Metrics (per-sample, averaged over the epoch; `g`/`f` are the paper's G and
    F): `g_loss` (adversarial loss of G_AB against D_B), `f_loss` (of G_BA
    against D_A), `cycle_loss` (lambda_cycle times both L1 cycle terms),
    `identity_loss` (lambda_identity lambda_cycle times both L1 identity terms),
    `d_a_loss`, `d_b_loss` (of D_A and D_B, each already halved). The
    generators' total is `g_loss + f_loss + cycle_loss + identity_loss`.

    Args (positional order as before the rename):
        generator_ab: G_AB, A -> B: `keras.Model` mapping images `(N, H, W, C)`
            in [-1, 1] to images in [-1, 1].
        discriminator_b: D_B, on domain B images; logits `(N, 1)` or a patch map.
        generator_ba: G_BA, B -> A.
        discriminator_a: D_A, on domain A images.
        lambda_cycle: weight of the cycle-consistency loss (10).
        lambda_identity: identity loss weight as a fraction of `lambda_cycle`
            (0.5, so 5); 0 disables it.
        pool_size: fakes kept per discriminator (and replica); 0 disables the pool.
        image_size: training image height = width, needed to allocate the
            pools when `pool_size > 0`.
        seed: seed of the training randomness (pool draws).
        **kwargs: `keras.Model` arguments such as `name`.

    Returns:
        A `keras.Model`; `model(images)` is G_AB(images) (A -> B).

    Example:
    ```python
    import keras, keras_gan
    data = keras_gan.data.unpaired_dataset("folder:/data/horse2zebra", image_size=128,
                                           batch_size=1)
    model = keras_gan.CycleGAN.resnet(image_size=128, residual_blocks=6)
    model.compile(
        generator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
        discriminator_optimizer=keras.optimizers.Adam(2e-4, beta_1=0.5),
    )  # least-squares loss by default
    model.fit(data.dataset, epochs=200, steps_per_epoch=data.steps_per_epoch)
    zebras = model.generator_ab(horses)   # A -> B (the paper's G)
    horses2 = model.generator_ba(zebras)  # B -> A (the paper's F)
    ```

    Reference:
        Zhu et al. 2017, "Unpaired Image-to-Image Translation using
        Cycle-Consistent Adversarial Networks" (eq. 1-3, section 4, appendix 7);
        Mao et al. 2017 (LSGAN); Shrivastava et al. 2017 (image history pool);
        Taigman et al. 2017 (identity loss).
    """

    trained_networks = ("generator_ab", "generator_ba", "discriminator_a", "discriminator_b")
    network_arguments = ("generator_ab", "discriminator_b", "generator_ba", "discriminator_a")
    # Old config key -> new one: `.keras` files saved before the symmetric names.
    renamed_arguments = {"generator": "generator_ab", "discriminator": "discriminator_b"}

    def __init__(
        self,
        generator_ab,
        discriminator_b,
        generator_ba,
        discriminator_a,
        lambda_cycle=10.0,
        lambda_identity=0.5,
        pool_size=50,
        image_size=None,
        seed=None,
        **kwargs,
    ):
        # Code name        math   Zhu et al. 2017   junyanz reference
        # generator_ab     G_AB   G: X -> Y         netG_A   (A -> B)
        # generator_ba     G_BA   F: Y -> X         netG_B   (B -> A)
        # discriminator_a  D_A    D_X               netD_B   (judges A images)
        # discriminator_b  D_B    D_Y               netD_A   (judges B images)
        for arg, net in (
            ("generator_ab", generator_ab),
            ("discriminator_b", discriminator_b),
            ("generator_ba", generator_ba),
            ("discriminator_a", discriminator_a),
        ):
            if not isinstance(net, keras.Model):
                raise ValueError(f"`{arg}` must be a keras.Model. Received: {arg}={net!r}")
        # The base class holds G_AB and D_B as `generator` and `discriminator` too.
        # Keras saves a network once, under the first attribute name (sorted) that
        # reaches it: `generator` before `generator_ab`, `discriminator` before
        # `discriminator_b`. So `.keras` files keep the weight layout they had before
        # the symmetric names, and files saved before them load (tests/data fixture).
        super().__init__(generator_ab, discriminator_b, seed=seed, **kwargs)
        if lambda_cycle < 0 or lambda_identity < 0:
            raise ValueError(
                "Loss weights must be >= 0. Received: "
                f"lambda_cycle={lambda_cycle}, lambda_identity={lambda_identity}"
            )
        if not isinstance(pool_size, int) or isinstance(pool_size, bool) or pool_size < 0:
            raise ValueError(f"`pool_size` must be an int >= 0. Received: pool_size={pool_size!r}")
        if pool_size > 0 and (not isinstance(image_size, int) or image_size < 1):
            raise ValueError(
                "The image pool needs the training `image_size` (or pool_size=0). "
                f"Received: image_size={image_size!r}"
            )
        self.generator_ab = generator_ab
        self.generator_ba = generator_ba
        self.discriminator_a = discriminator_a
        self.discriminator_b = discriminator_b
        self.lambda_cycle = float(lambda_cycle)
        self.lambda_identity = float(lambda_identity)
        self.pool_size = pool_size
        self.image_size = image_size
        if pool_size > 0:
            channels_a = int(generator_ab.inputs[0].shape[-1])
            channels_b = int(generator_ba.inputs[0].shape[-1])
            # Created here (in the caller's strategy scope), never in train_step.
            # on_read: one copy per replica, each replica reads/writes its own.
            for domain, channels in (("a", channels_a), ("b", channels_b)):
                images = keras.Variable(
                    keras.initializers.Zeros()((pool_size, image_size, image_size, channels)),
                    trainable=False,
                    synchronization="on_read",
                    aggregation="only_first_replica",
                    name=f"pool_{domain}",
                )
                count = keras.Variable(
                    0,
                    dtype="int32",
                    trainable=False,
                    synchronization="on_read",
                    aggregation="only_first_replica",
                    name=f"pool_{domain}_count",
                )
                setattr(self, f"pool_{domain}_images", images)
                setattr(self, f"pool_{domain}_count", count)

    @classmethod
    def resnet(
        cls,
        image_size=256,
        channels=3,
        filters=64,
        residual_blocks=None,
        discriminator_filters=None,
        discriminator_layers=3,
        norm="instance",
        norm_affine=False,
        output="tanh",
        **kwargs,
    ):
        """Build a CycleGAN with the reference ResNet generators and 70x70 PatchGANs.

        Args:
            image_size: training image size (multiple of 4); the generators
                take any size divisible by 4.
            channels: image channels of both domains.
            filters: base width of the generators (64).
            residual_blocks: generator residual blocks; default 9 for
                `image_size >= 256`, else 6 (the paper's choice).
            discriminator_filters: base width of the discriminators; default
                `filters`.
            discriminator_layers: stride-2 layers of the PatchGAN (3: 70x70).
            norm: `"instance"` (default), `"batch"` or `"none"`, in all four
                networks (the reference's `--norm`).
            norm_affine: learned scale/offset in the instance normalizations.
            output: the generators' output, `"tanh"` (the reference) or
                `"colour_residual"` (identity + per-pixel colour MLP + spatial
                residual; see `keras_gan.networks.resnet_generator`).
            **kwargs: other `CycleGAN` arguments (`lambda_cycle`, `pool_size`,
                `seed`, ...).

        Returns:
            A `CycleGAN`.
        """
        if not isinstance(image_size, int) or image_size < 4 or image_size % 4:
            raise ValueError(
                f"`image_size` must be a multiple of 4. Received: image_size={image_size!r}"
            )
        if residual_blocks is None:
            residual_blocks = 9 if image_size >= 256 else 6
        discriminator_filters = discriminator_filters or filters

        def g(name):
            return resnet_generator(
                channels=channels,
                filters=filters,
                residual_blocks=residual_blocks,
                norm=norm,
                norm_affine=norm_affine,
                output=output,
                name=name,
            )

        def d(name):
            return patchgan_discriminator(
                channels=channels,
                filters=discriminator_filters,
                num_layers=discriminator_layers,
                norm=norm,
                norm_affine=norm_affine,
                name=name,
            )

        return cls(
            generator_ab=g("generator_ab"),
            discriminator_b=d("discriminator_b"),
            generator_ba=g("generator_ba"),
            discriminator_a=d("discriminator_a"),
            image_size=image_size,
            **kwargs,
        )

    # ------------------------------------------------------------- compile
    def compile(
        self,
        generator_optimizer="adam",
        discriminator_optimizer="adam",
        loss="least_squares",
        **kwargs,
    ):
        """Configure the optimizers and the adversarial loss (least-squares default).

        Args:
            generator_optimizer: updates G_AB and G_BA jointly.
            discriminator_optimizer: updates D_A and D_B jointly.
            loss: `"least_squares"` (default), `"non_saturating"`, `"minimax"`
                or `"hinge"`.
            **kwargs: `jit_compile`, `run_eagerly`, `steps_per_execution`.
        """
        name = getattr(loss, "name", loss)
        if name == "wasserstein":
            raise ValueError(
                "CycleGAN has no gradient penalty: use least_squares, non_saturating, "
                f"minimax or hinge. Received: loss={name!r}"
            )
        super().compile(
            generator_optimizer=generator_optimizer,
            discriminator_optimizer=discriminator_optimizer,
            loss=loss,
            **kwargs,
        )

    # The order of the variables is the order of the optimizers' slots in `.keras` files.
    def generator_variables(self):
        return self.generator_ab.trainable_variables + self.generator_ba.trainable_variables

    def discriminator_variables(self):
        return self.discriminator_a.trainable_variables + self.discriminator_b.trainable_variables

    def metric_names(self):
        return ["g_loss", "f_loss", "cycle_loss", "identity_loss", "d_a_loss", "d_b_loss"]

    # ---------------------------------------------------------- image pool
    def query_pool(self, domain, images):
        """Return images for the discriminator of `domain` from its history pool.

        The reference `ImagePool.query`, per image: while the pool has fewer
        than `pool_size` images, store the new one and return it; once full,
        with probability 1/2 return a uniformly chosen stored image and put the
        new one in its place, else return the new image. Images of a batch are
        processed in order. Call once per step per domain (in `train_step`);
        the draws come from `random_uniform` (replica-consistent).

        Args:
            domain: `"a"` (fakes G_BA(b) for D_A) or `"b"` (fakes G_AB(a) for D_B).
            images: `(B, image_size, image_size, C)` fakes.

        Returns:
            A tensor like `images` (no gradient).
        """
        images = tf.stop_gradient(images)
        if self.pool_size == 0:
            return images
        if domain not in ("a", "b"):
            raise ValueError(f"`domain` must be 'a' or 'b'. Received: domain={domain!r}")
        pool, count = getattr(self, f"pool_{domain}_images"), getattr(self, f"pool_{domain}_count")
        if images.shape[1:] != tuple(pool.shape[1:]):
            raise ValueError(
                f"The image pool holds {tuple(pool.shape[1:])} images; train on images of "
                f"the model's image_size ({self.image_size}). Received: images of shape "
                f"{tuple(images.shape)}"
            )
        dtype = images.dtype
        images = tf.cast(images, pool.dtype)
        batch = tf.shape(images)[0]
        draws = self.random_uniform(batch, [2])  # [coin, slot] per image
        size = self.pool_size

        # tf.gather, not `x[i]`: a sliced index is a compile-time constant under XLA,
        # which made `jit_compile=True` recompile the step for every new rng_state.
        def body(i, stored, n, out):
            image = tf.gather(images, i)
            coin, slot_draw = tf.unstack(tf.gather(draws, i))
            not_full = n < size
            swap = tf.logical_and(tf.logical_not(not_full), coin > 0.5)
            slot = tf.where(not_full, n, tf.minimum(tf.cast(slot_draw * size, tf.int32), size - 1))
            old = tf.gather(stored, slot)
            returned = tf.where(swap, old, image)
            new = tf.where(tf.logical_or(not_full, swap), image, old)
            stored = tf.tensor_scatter_nd_update(stored, [[slot]], new[None])
            return i + 1, stored, n + tf.cast(not_full, tf.int32), out.write(i, returned)

        _, stored, n, out = tf.while_loop(
            lambda i, *_: i < batch,
            body,
            (
                tf.constant(0),
                tf.convert_to_tensor(pool),
                tf.convert_to_tensor(count),
                tf.TensorArray(pool.dtype, size=batch, element_shape=images.shape[1:]),
            ),
        )
        pool.assign(stored)
        count.assign(n)
        return tf.cast(out.stack(), dtype)

    # ---------------------------------------------------------- train step
    @staticmethod
    def _unpack(data):
        if isinstance(data, dict):
            return data["a"], data["b"]
        if isinstance(data, (tuple, list)) and len(data) == 2:
            return data[0], data[1]
        raise ValueError(
            "CycleGAN trains on {'a': images, 'b': images} or (a, b) batches "
            f"(keras_gan.data.unpaired_dataset). Received: {type(data).__name__}"
        )

    def train_step(self, data):
        real_a, real_b = self._unpack(data)
        real_a = tf.cast(real_a, self.compute_dtype)
        real_b = tf.cast(real_b, self.compute_dtype)
        loss = self.adversarial_loss
        identity_weight = self.lambda_identity * self.lambda_cycle

        # G_AB = generator_ab (paper G), G_BA = generator_ba (paper F),
        # D_A = discriminator_a (paper D_X), D_B = discriminator_b (paper D_Y).
        # 1. Both generators, one optimizer, both discriminators fixed (Zhu et al. eq. 3):
        #    L(G_AB, G_BA) = L_GAN(G_AB, D_B) + L_GAN(G_BA, D_A) + lambda L_cyc
        #                  + lambda_idt lambda L_idt
        #    L_GAN (LSGAN, eq. 1 in its least-squares form): E_a[(D_B(G_AB(a)) - 1)^2]
        #    L_cyc (eq. 2): E_a[|G_BA(G_AB(a)) - a|_1] + E_b[|G_AB(G_BA(b)) - b|_1]
        #    L_idt (section 5.2): E_b[|G_AB(b) - b|_1] + E_a[|G_BA(a) - a|_1]
        with tf.GradientTape() as tape:
            fake_b = self.generator_ab(real_a, training=True)
            rec_a = self.generator_ba(fake_b, training=True)
            fake_a = self.generator_ba(real_b, training=True)
            rec_b = self.generator_ab(fake_a, training=True)
            g_adv = loss.generator(self.discriminator_b(fake_b, training=True))
            f_adv = loss.generator(self.discriminator_a(fake_a, training=True))
            cycle = self.lambda_cycle * (pixel_loss(rec_a, real_a) + pixel_loss(rec_b, real_b))
            if identity_weight > 0:
                identity = identity_weight * (
                    pixel_loss(self.generator_ab(real_b, training=True), real_b)
                    + pixel_loss(self.generator_ba(real_a, training=True), real_a)
                )
            else:
                identity = tf.zeros_like(cycle)
            g_total = self.global_mean(g_adv + f_adv + cycle + identity)
        self.apply_gradients(tape, g_total, self.generator_variables(), self.generator_optimizer)

        # 2. Both discriminators, one optimizer, on fakes from the history pools
        #    (made by the generators before their update, as in the reference):
        #    L(D_B) = 1/2 (E_b[(D_B(b) - 1)^2] + E[D_B(G_AB(a)~)^2]), L(D_A) likewise.
        pooled_b = self.query_pool("b", fake_b)
        pooled_a = self.query_pool("a", fake_a)
        with tf.GradientTape() as tape:
            d_b = 0.5 * loss.discriminator(
                self.discriminator_b(real_b, training=True),
                self.discriminator_b(pooled_b, training=True),
            )
            d_a = 0.5 * loss.discriminator(
                self.discriminator_a(real_a, training=True),
                self.discriminator_a(pooled_a, training=True),
            )
            d_total = self.global_mean(d_a + d_b)
        self.apply_gradients(
            tape, d_total, self.discriminator_variables(), self.discriminator_optimizer
        )

        self.advance_rng()
        return self.track(
            g_loss=g_adv,
            f_loss=f_adv,
            cycle_loss=cycle,
            identity_loss=identity,
            d_a_loss=d_a,
            d_b_loss=d_b,
        )

    # ----------------------------------------------------------- inference
    def call(self, images, training=False):
        """G_AB(images): translate domain A images to domain B."""
        return self.generator_ab(images, training=training)

    def export_generator(self):
        """G_AB (A -> B): the `generator.keras` of a run; G_BA is `generator_ba.keras`."""
        return self.generator_ab

    # -------------------------------------------------------------- config
    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "lambda_cycle": self.lambda_cycle,
                "lambda_identity": self.lambda_identity,
                "pool_size": self.pool_size,
                "image_size": self.image_size,
            }
        )
        return config

    @classmethod
    def from_config(cls, config):
        """Build from `get_config()`; also reads the keys of files saved before
        the symmetric names (`renamed_arguments`: `generator` -> `generator_ab`,
        `discriminator` -> `discriminator_b`)."""
        config = dict(config)
        for old, new in cls.renamed_arguments.items():
            if old in config:
                if new in config:
                    raise ValueError(
                        f"The config has both `{old}` (the old name) and `{new}`. "
                        f"Received keys: {sorted(config)}"
                    )
                config[new] = config.pop(old)
        return super().from_config(config)
