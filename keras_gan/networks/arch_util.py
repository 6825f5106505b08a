"""Shared pieces of the network factories."""

import keras


def normal_init():
    """A new `RandomNormal(mean=0, stddev=0.02)` weight initializer.

    The weight initialization of DCGAN (Radford et al. 2016) and of the pix2pix and
    CycleGAN reference code (`init_type="normal"`, gain 0.02; biases stay zero). Call
    it once per layer: an unseeded Keras initializer draws its seed when it is
    created, so layers sharing one instance start from the same random stream (same
    shape: the same weights).

    Returns:
        A `keras.initializers.RandomNormal` (serialized by class and config, so saved
        models do not depend on this function).

    Example:
    ```python
    keras.layers.Conv2D(64, 4, kernel_initializer=normal_init())
    ```
    """
    return keras.initializers.RandomNormal(mean=0.0, stddev=0.02)


def check_int(name, value, minimum):
    """Raise `ValueError` unless `value` is an int (not a bool) >= `minimum`.

    Args:
        name: the argument's name, for the message.
        value: the value received.
        minimum: the smallest value allowed.

    Example:
    ```python
    check_int("filters", filters, 1)
    ```
    """
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum}. Received: {name}={value!r}")
