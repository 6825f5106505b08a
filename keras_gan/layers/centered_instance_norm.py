"""Instance normalization that centres before scaling: int8 TFLite ops XNNPACK runs."""

import keras
import numpy as np


def _per_channel(value, name):
    if value is None:
        return None
    value = np.asarray(value, np.float32).reshape(-1)
    if value.size == 0:
        raise ValueError(
            f"`{name}` must be None or a non-empty list of per-channel values. "
            f"Received: {name}={value.tolist()}"
        )
    return value


@keras.saving.register_keras_serializable(package="keras_gan")
class CenteredInstanceNorm(keras.layers.Layer):
    """Instance normalization as `d = x - mean; d * rsqrt(mean(d * d) + epsilon)`.

    The same function as `keras.layers.GroupNormalization(groups=-1)` (statistics
    over height and width, per image and channel, then an optional per-channel
    `gamma` and `beta`), written with 4-D ops in the order that survives int8:
    Keras' layer reshapes to 5-D and returns `x * inv + (-mean * inv)`, two large
    int8 terms that cancel, with a float `SQUARE` and `NEG` between quantized ops;
    here the mean is removed first, so every intermediate is centred and the
    TFLite graph is `MEAN`, `SUB`, `MUL`, `RSQRT` on 4-D tensors.
    `keras_gan.export` swaps it in for instance normalization in the int8 TFLite
    variant only; it is not for training (`gamma` and `beta` are constants).

    Its ops run in the name scope `CenteredInstanceNorm.float_scope`: the int8
    export keeps them in float (`float_scopes` of
    `keras_gan.export.tflite.convert_tflite`), since a per-tensor int8 scale cannot
    hold per-image, per-channel variances and inverse deviations that span a wide
    range; XNNPACK runs them in float between the int8 convolutions.

    Args:
        epsilon: added to the variance, a float > 0 (or one per channel).
        gamma: per-channel scale `(C,)`, or `None` for none.
        beta: per-channel offset `(C,)`, or `None` for none.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Returns:
        A layer mapping `(N, H, W, C)` to `(N, H, W, C)`.

    Example:
    ```python
    norm = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5)  # after it is built
    same = CenteredInstanceNorm(norm.epsilon, norm.gamma.numpy(), norm.beta.numpy())
    ```

    Reference:
        Ulyanov et al. 2016, "Instance Normalization: The Missing Ingredient
        for Fast Stylization".
    """

    float_scope = "int8_keep_float"

    def __init__(self, epsilon=1e-3, gamma=None, beta=None, **kwargs):
        super().__init__(**kwargs)
        epsilon = np.asarray(epsilon, np.float32).reshape(-1)
        if epsilon.size == 0 or not np.all(epsilon > 0):
            raise ValueError(
                "`epsilon` must be a float > 0 (or one per channel). "
                f"Received: epsilon={epsilon.tolist()}"
            )
        self.epsilon = epsilon
        self.gamma = _per_channel(gamma, "gamma")
        self.beta = _per_channel(beta, "beta")

    def build(self, input_shape):
        channels = input_shape[-1]
        if len(input_shape) != 4:
            raise ValueError(
                f"`CenteredInstanceNorm` needs NHWC inputs. Received: input_shape={input_shape}"
            )
        for name in ("epsilon", "gamma", "beta"):
            value = getattr(self, name)
            if value is not None and value.size not in (1, channels):
                raise ValueError(
                    f"`{name}` has {value.size} values for {channels} channels. "
                    f"Received: input_shape={input_shape}"
                )

    def call(self, inputs):
        def constant(value):
            return keras.ops.cast(value.reshape(1, 1, 1, -1), inputs.dtype)

        with keras.name_scope(self.float_scope):  # the ops the int8 export keeps in float
            centred = inputs - keras.ops.mean(inputs, axis=(1, 2), keepdims=True)
            variance = keras.ops.mean(centred * centred, axis=(1, 2), keepdims=True)
            inv = keras.ops.rsqrt(variance + constant(self.epsilon))
            if self.gamma is not None:
                inv = inv * constant(self.gamma)
            outputs = centred * inv
            if self.beta is not None:
                outputs = outputs + constant(self.beta)
        return outputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        def listed(value):
            return None if value is None else value.tolist()

        epsilon = float(self.epsilon[0]) if self.epsilon.size == 1 else self.epsilon.tolist()
        return {
            **super().get_config(),
            "epsilon": epsilon,
            "gamma": listed(self.gamma),
            "beta": listed(self.beta),
        }
