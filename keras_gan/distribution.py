"""Choosing a `tf.distribute` strategy, and logical CPU replicas."""

import tensorflow as tf

STRATEGIES = ("auto", "default", "one_device", "mirrored", "multi_worker")


def configure_cpu_replicas(num_replicas):
    """Split the first CPU into `num_replicas` logical devices.

    Lets `MirroredStrategy` run N replicas without GPUs (for tests and
    debugging). Must run before TensorFlow initialises its devices, i.e.
    before the first op of the process.

    Args:
        num_replicas: number of logical CPUs (>= 1); 1 changes nothing.
    """
    if not isinstance(num_replicas, int) or num_replicas < 1:
        raise ValueError(
            f"`cpu_replicas` must be an int >= 1. Received: cpu_replicas={num_replicas!r}"
        )
    if num_replicas == 1:
        return
    cpu = tf.config.list_physical_devices("CPU")[0]
    try:
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration() for _ in range(num_replicas)]
        )
    except RuntimeError as error:
        current = len(tf.config.list_logical_devices("CPU"))
        if current != num_replicas:
            raise ValueError(
                "Logical CPU replicas must be configured before TensorFlow initialises "
                f"(there are already {current}). Call configure_cpu_replicas first in a "
                f"fresh process. Received: cpu_replicas={num_replicas}"
            ) from error


def get_strategy(name="auto"):
    """Return a `tf.distribute.Strategy` by name.

    Args:
        name: `"auto"` (mirrored when there is more than one GPU, or more than
            one logical CPU and no GPU; else default), `"default"`,
            `"one_device"` (the first GPU, else CPU), `"mirrored"` (all GPUs,
            else all logical CPUs), `"multi_worker"`
            (`MultiWorkerMirroredStrategy`, cluster from `TF_CONFIG`).

    Returns:
        The strategy.
    """
    if name not in STRATEGIES:
        raise ValueError(
            f"Unknown strategy. Expected one of {STRATEGIES}. Received: strategy={name!r}"
        )
    if name == "multi_worker":  # first: it must configure TensorFlow before it initialises
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_logical_devices("GPU")
    cpus = tf.config.list_logical_devices("CPU")
    if name == "auto":
        name = "mirrored" if len(gpus) > 1 or (not gpus and len(cpus) > 1) else "default"
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "one_device":
        return tf.distribute.OneDeviceStrategy((gpus or cpus)[0].name)
    return tf.distribute.MirroredStrategy([d.name for d in (gpus or cpus)])  # mirrored


def check_global_batch(batch_size, strategy):
    """Raise unless the global batch splits evenly over the replicas."""
    replicas = strategy.num_replicas_in_sync
    if batch_size % replicas:
        raise ValueError(
            f"The global batch size must be divisible by the number of replicas ({replicas}). "
            f"Received: batch_size={batch_size}"
        )
    return batch_size // replicas
