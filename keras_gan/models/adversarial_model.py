"""The thin base class shared by every keras_gan model family."""

import copy
import random
import threading

import keras
import tensorflow as tf

from keras_gan import losses as losses_lib


@keras.saving.register_keras_serializable(package="keras_gan")
class AdversarialModel(keras.Model):
    """Base class for adversarial models trained with `model.fit`.

    It holds what every family shares and nothing else:

    - `compile(generator_optimizer=..., discriminator_optimizer=..., loss=...)`,
      building both optimizers' variables inside the model's distribution
      strategy scope before the first step (avoids keras-team/keras#19246:
      lazily created Adam slots inside a replica context);
    - `keras.metrics.Mean` trackers, created with `add_tracker` and listed in
      `metrics`;
    - `global_mean`: reduces per-sample losses over the **global** batch, so
      the summed replica gradients equal a single-device gradient;
    - replica-consistent random draws (`random_normal`, `random_uniform`): each
      replica takes its slice of noise drawn for the global batch from a
      stateless seed, so N replicas see exactly the noise one device would;
    - `apply_gradients`: loss scaling (mixed precision) and the update;
    - `get_config`/`from_config` that serialize the sub-networks, and
      `get_compile_config`/`compile_from_config` so `.keras` files restore
      the optimizers and their state.

    Subclasses write their whole `train_step` in their own file.

    Args:
        generator: the generator network (a `keras.Model`).
        discriminator: the discriminator network (a `keras.Model`).
        seed: int seed of the training noise; `None` draws one.
        **kwargs: passed to `keras.Model` (e.g. `name`).
    """

    def __init__(self, generator, discriminator, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(generator, keras.Model):
            raise ValueError(
                f"`generator` must be a keras.Model. Received: generator={generator!r}"
            )
        if not isinstance(discriminator, keras.Model):
            raise ValueError(
                f"`discriminator` must be a keras.Model. Received: discriminator={discriminator!r}"
            )
        self.generator = generator
        self.discriminator = discriminator
        self.seed = seed
        self._trackers = {}
        # [seed, step]: saved with the model so a resumed run continues the
        # same noise sequence. ONLY_FIRST_REPLICA: every replica increments it.
        self.rng_state = keras.Variable(
            [seed if seed is not None else random.randrange(2**31), 0],
            dtype="int64",
            trainable=False,
            aggregation="only_first_replica",
            name="rng_state",
        )
        # Draw counter per replica thread (MirroredStrategy runs replicas in
        # interleaved threads, so a shared counter would race).
        self._draw_counter = threading.local()
        # The sub-networks are built functional models: the wrapper is built too
        # (otherwise fit would try to trace `call` on training data).
        self.built = True

    # ------------------------------------------------------------------ compile
    def compile(
        self,
        generator_optimizer="adam",
        discriminator_optimizer="adam",
        loss="non_saturating",
        **kwargs,
    ):
        """Configure the two optimizers and the adversarial loss.

        Args:
            generator_optimizer: optimizer name, config or instance.
            discriminator_optimizer: optimizer name, config or instance.
            loss: adversarial loss name (see `keras_gan.losses.LOSSES`) or a
                `keras_gan.losses.AdversarialLoss`.
            **kwargs: `jit_compile`, `run_eagerly`, `steps_per_execution`.
        """
        for key in ("optimizer", "metrics", "loss_weights", "weighted_metrics"):
            if key in kwargs:
                raise ValueError(
                    f"{type(self).__name__}.compile() takes generator_optimizer and "
                    f"discriminator_optimizer; metrics are built in. Received: {key}={kwargs[key]!r}"
                )
        kwargs.setdefault("jit_compile", False)
        super().compile(optimizer=None, loss=None, **kwargs)
        self.adversarial_loss = losses_lib.get(loss)
        self.generator_optimizer = self._prepare_optimizer(generator_optimizer)
        self.discriminator_optimizer = self._prepare_optimizer(discriminator_optimizer)
        with self.distribute_strategy.scope():
            # Create every variable now, in the strategy scope: optimizer slots
            # and metric trackers made lazily inside a replica context break
            # MirroredStrategy (keras-team/keras#19246, #20164).
            self.generator_optimizer.build(self.generator_variables())
            self.discriminator_optimizer.build(self.discriminator_variables())
            self._trackers = {}
            for name in self.metric_names():
                self.add_tracker(name)
        self._keras_gan_compile_config = {
            "generator_optimizer": keras.saving.serialize_keras_object(self.generator_optimizer),
            "discriminator_optimizer": keras.saving.serialize_keras_object(
                self.discriminator_optimizer
            ),
            "loss": self.adversarial_loss.name,
            **{
                k: kwargs[k]
                for k in ("jit_compile", "run_eagerly", "steps_per_execution")
                if k in kwargs
            },
        }

    def _prepare_optimizer(self, identifier):
        with self.distribute_strategy.scope():
            optimizer = keras.optimizers.get(identifier)
            if optimizer is None:
                raise ValueError("Both optimizers are required. Received: None")
            if self.dtype_policy.name == "mixed_float16" or (
                keras.mixed_precision.dtype_policy().name == "mixed_float16"
            ):
                if not isinstance(optimizer, keras.optimizers.LossScaleOptimizer):
                    optimizer = keras.optimizers.LossScaleOptimizer(optimizer)
        return optimizer

    def get_compile_config(self):
        return dict(getattr(self, "_keras_gan_compile_config", {}))

    def compile_from_config(self, config):
        config = dict(config)
        for key in ("generator_optimizer", "discriminator_optimizer"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        self.compile(**config)

    def generator_variables(self):
        """Variables the generator optimizer updates.

        Families with several generators (CycleGAN's G and F) override this
        and `discriminator_variables`; one optimizer then updates them jointly.
        """
        return self.generator.trainable_variables

    def discriminator_variables(self):
        """Variables the discriminator optimizer updates."""
        return self.discriminator.trainable_variables

    # ------------------------------------------------------------------ metrics
    def metric_names(self):
        """Names of the values `train_step` tracks, given the compiled config.

        Subclasses override this; `compile` creates one tracker per name.
        """
        return []

    def add_tracker(self, name):
        """Create (once) and return a `keras.metrics.Mean` tracker."""
        if name not in self._trackers:
            self._trackers[name] = keras.metrics.Mean(name=name)
        return self._trackers[name]

    @property
    def metrics(self):
        return list(self._trackers.values())

    def track(self, **values):
        """Update trackers with per-sample values (B,) or scalars.

        Each replica records its local mean; `keras.metrics.Mean` averages
        replicas, which gives the global mean for equal replica batches.

        Returns:
            A dict name -> tracker result, what `train_step` returns.
        """
        for name, value in values.items():
            if name not in self._trackers:
                raise ValueError(
                    f"Tracker {name!r} was not declared in {type(self).__name__}.metric_names(). "
                    f"Declared: {sorted(self._trackers)}"
                )
            self._trackers[name].update_state(tf.reduce_mean(tf.cast(value, tf.float32)))
        results = {name: tracker.result() for name, tracker in self._trackers.items()}
        strategy = self.distribute_strategy
        if isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy) and (
            strategy.extended._in_multi_worker_mode()
        ):
            # Keras reduces train_step outputs across workers with a MEAN over axis 0,
            # which fails for scalars (tensorflow/tensorflow#72388): give them that axis.
            results = {name: tf.reshape(value, [1]) for name, value in results.items()}
        return results

    # ------------------------------------------------------------ distribution
    @staticmethod
    def _replica():
        ctx = tf.distribute.get_replica_context()
        if ctx is None:  # cross-replica context: behave as one replica
            return 0, 1
        return ctx.replica_id_in_sync_group, ctx.num_replicas_in_sync

    def global_mean(self, per_sample):
        """Sum of per-sample values over this replica / the global batch size.

        Summed over replicas (as the optimizer all-reduces gradients), this is
        the mean over the global batch.
        """
        per_sample = tf.cast(per_sample, tf.float32)
        _, num_replicas = self._replica()
        global_batch = tf.cast(tf.shape(per_sample)[0] * num_replicas, tf.float32)
        return tf.reduce_sum(per_sample) / global_batch

    def _next_seed(self):
        # A distinct stateless seed for every draw of every step.
        draws = getattr(self._draw_counter, "value", 0) + 1
        self._draw_counter.value = draws
        return tf.random.experimental.stateless_fold_in(tf.cast(self.rng_state, tf.int64), draws)

    def _replica_slice(self, draw, local_batch, shape):
        replica_id, num_replicas = self._replica()
        full = draw([local_batch * num_replicas, *shape], self._next_seed())
        start = replica_id * local_batch
        return full[start : start + local_batch]

    def random_normal(self, local_batch, shape):
        """N(0, 1) noise (local_batch, *shape), consistent across replica counts."""
        return self._replica_slice(
            lambda s, seed: tf.random.stateless_normal(s, seed), local_batch, shape
        )

    def random_uniform(self, local_batch, shape):
        """U[0, 1) noise (local_batch, *shape), consistent across replica counts."""
        return self._replica_slice(
            lambda s, seed: tf.random.stateless_uniform(s, seed), local_batch, shape
        )

    def advance_rng(self):
        """Move to the next step's noise; call once at the end of `train_step`."""
        self._draw_counter.value = 0
        self.rng_state.assign_add(tf.constant([0, 1], tf.int64))

    # ---------------------------------------------------------------- updating
    @staticmethod
    def apply_gradients(tape, loss, network, optimizer):
        """Differentiate `loss` w.r.t. `network` and apply `optimizer`.

        Args:
            tape: the `tf.GradientTape` that recorded `loss`.
            loss: scalar loss already reduced with `global_mean`.
            network: the network to update, or a list of variables (e.g.
                `self.generator_variables()`).
            optimizer: its optimizer.
        """
        variables = (
            network.trainable_variables if isinstance(network, keras.Model) else list(network)
        )
        # d(scale * loss)/dw with the optimizer's loss scale (LossScaleOptimizer's dynamic
        # scale under mixed_float16; 1 otherwise) seeded as the output gradient: the tape
        # has closed, so `tape.gradient(optimizer.scale_loss(loss), ...)` would not see the
        # product and returns no gradients. `apply_gradients` unscales them.
        scale = optimizer.scale_loss(tf.ones_like(loss))
        grads = tape.gradient(loss, variables, output_gradients=scale)
        optimizer.apply_gradients(zip(grads, variables))

    def train_step(self, data):
        raise NotImplementedError(f"{type(self).__name__} must implement train_step.")

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        # Keras peeks at a batch and all-reduces it to build unbuilt state before fit.
        # Everything here is built at construction and compile, and that all-reduce
        # fails on dict batches under MultiWorkerMirroredStrategy: skip it then.
        if all(layer.built for layer in self._flatten_layers()):
            return
        super()._maybe_symbolic_build(iterator=iterator, data_batch=data_batch)

    def export_generator(self):
        """The generator to save and deploy (GAN overrides it with its EMA copy)."""
        return self.generator

    # ------------------------------------------------------------------- config
    # Constructor arguments that are networks: serialized in `get_config` and
    # deserialized in `from_config` (`None` allowed). Families with more
    # networks extend it (CycleGAN's F and D_A, SRGAN's content network).
    network_arguments = ("generator", "discriminator")

    def get_config(self):
        config = super().get_config()
        for key in self.network_arguments:
            network = getattr(self, key)
            config[key] = None if network is None else keras.saving.serialize_keras_object(network)
        config["seed"] = self.seed
        return config

    @classmethod
    def from_config(cls, config):
        config = copy.deepcopy(config)  # deserialization consumes nested dicts
        for key in cls.network_arguments:
            if config.get(key) is not None:
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
