"""Gated convolution (DeepFill v2): a learned soft mask gates every feature."""

import keras


@keras.saving.register_keras_serializable(package="keras_gan")
class GatedConv2D(keras.layers.Layer):
    """Gated 2D convolution: `activation(conv_f(x)) * sigmoid(conv_g(x))`.

    One convolution produces `2 * filters` channels; the first half are the
    features, the second half the gates. The gates learn, per pixel and per
    channel, how much a feature should be trusted, which generalizes the
    hand-crafted mask update of partial convolutions to free-form holes.

    Args:
        filters: output channels.
        kernel_size: int or pair.
        strides: int or pair.
        dilation_rate: int or pair (dilated bottleneck layers).
        padding: `"same"` or `"valid"`.
        activation: feature activation (DeepFill v2 uses ELU); `None` for linear.
        kernel_initializer: initializer of the convolution kernel.
        **kwargs: `keras.layers.Layer` arguments (`name`, `dtype`).

    Returns:
        A layer mapping `(N, H, W, C)` to `(N, H/strides, W/strides, filters)`.

    Example:
    ```python
    x = keras.Input((64, 64, 5))
    y = keras_gan.layers.GatedConv2D(32, 3, strides=2)(x)  # (None, 32, 32, 32)
    ```

    Reference:
        Yu et al. 2019, "Free-Form Image Inpainting with Gated Convolution"
        (DeepFill v2), eq. (1)-(2).
    """

    def __init__(
        self,
        filters,
        kernel_size=3,
        strides=1,
        dilation_rate=1,
        padding="same",
        activation="elu",
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        if not isinstance(filters, int) or filters < 1:
            raise ValueError(f"`filters` must be an int >= 1. Received: filters={filters!r}")
        self.filters = filters
        self.kernel_size = kernel_size
        self.strides = strides
        self.dilation_rate = dilation_rate
        self.padding = padding
        self.activation = keras.activations.get(activation)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.conv = keras.layers.Conv2D(
            2 * filters,
            kernel_size,
            strides=strides,
            dilation_rate=dilation_rate,
            padding=padding,
            kernel_initializer=self.kernel_initializer,
            dtype=self.dtype_policy,
            name="conv",
        )

    def build(self, input_shape):
        self.conv.build(input_shape)
        self.built = True

    def call(self, inputs):
        # Yu et al. 2019, eq. (1)-(2): Gating = W_g * I, Feature = W_f * I,
        # O = phi(Feature) * sigmoid(Gating).
        features, gating = keras.ops.split(self.conv(inputs), 2, axis=-1)
        return self.activation(features) * keras.ops.sigmoid(gating)

    def compute_output_shape(self, input_shape):
        shape = self.conv.compute_output_shape(input_shape)
        return (*shape[:-1], self.filters)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "strides": self.strides,
                "dilation_rate": self.dilation_rate,
                "padding": self.padding,
                "activation": keras.activations.serialize(self.activation),
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            }
        )
        return config
