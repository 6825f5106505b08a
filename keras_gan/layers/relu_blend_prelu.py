"""PReLU as `relu((1 - alpha) * x) + alpha * x`: int8 TFLite ops that XNNPACK runs."""

import keras
import numpy as np


@keras.saving.register_keras_serializable(package="keras_gan")
class ReluBlendPReLU(keras.layers.Layer):
    """Per-channel PReLU with fixed slopes `alpha < 1`, as two 1x1 depthwise products.

    `relu((1 - alpha) * x) + alpha * x` equals `PReLU(x)` when every `alpha < 1`
    (then `1 - alpha > 0` commutes with relu). In TFLite it becomes two
    `DEPTHWISE_CONV_2D` ops (one with a fused RELU) and an `ADD`, which an int8
    model keeps inside the XNNPACK delegate, while an int8 `PRELU` runs on the
    reference kernel and cuts the delegated graph around each PReLU.
    `keras_gan.export` swaps it in for `PReLU` in the int8 TFLite variant only;
    it is not for training (its slopes are constants).

    Args:
        alpha: the per-channel slopes, shape `(C,)` (or `PReLU.alpha` of shape
            `(1, 1, C)`), every value below 1.
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Returns:
        A layer mapping `(N, H, W, C)` to `(N, H, W, C)`.

    Example:
    ```python
    prelu = keras.layers.PReLU(shared_axes=[1, 2])  # after it is built
    same = ReluBlendPReLU(keras.ops.convert_to_numpy(prelu.alpha))
    ```
    """

    def __init__(self, alpha, **kwargs):
        super().__init__(**kwargs)
        alpha = np.asarray(alpha, np.float32).reshape(-1)
        if alpha.size == 0 or not np.all(alpha < 1.0):
            raise ValueError(
                "`alpha` must be a non-empty list of slopes below 1. "
                f"Received: alpha={alpha.tolist()}"
            )
        self.alpha = alpha

    def call(self, inputs):
        channels = self.alpha.shape[0]
        negative = keras.ops.cast(self.alpha.reshape(1, 1, channels, 1), inputs.dtype)
        positive = keras.ops.cast((1.0 - self.alpha).reshape(1, 1, channels, 1), inputs.dtype)
        scaled = keras.ops.depthwise_conv(inputs, positive, strides=1, padding="valid")
        return keras.ops.relu(scaled) + keras.ops.depthwise_conv(
            inputs, negative, strides=1, padding="valid"
        )

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha.tolist()}
