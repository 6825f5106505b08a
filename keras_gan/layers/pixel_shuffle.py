"""Sub-pixel convolution upsampling: channels to space (`depth_to_space`)."""

import keras


@keras.saving.register_keras_serializable(package="keras_gan")
class PixelShuffle(keras.layers.Layer):
    """Rearrange `(N, H, W, C * r^2)` into `(N, H * r, W * r, C)` (sub-pixel upsampling).

    After a convolution with `C * r^2` filters this is the efficient sub-pixel
    convolution layer; H and W may be dynamic. Exports as `DepthToSpace`
    (TFLite `DEPTH_TO_SPACE`, ONNX `DepthToSpace`).

    Args:
        upscale_factor: the factor `r` (an int >= 2).
        **kwargs: `keras.layers.Layer` arguments (`name`, ...).

    Returns:
        A layer mapping NHWC tensors to r-times larger NHWC tensors.

    Example:
    ```python
    x = keras.layers.Conv2D(64 * 4, 3, padding="same")(x)
    x = PixelShuffle(2)(x)  # (N, 2H, 2W, 64)
    ```

    Reference:
        Shi et al. 2016, "Real-Time Single Image and Video Super-Resolution Using an
        Efficient Sub-Pixel Convolutional Neural Network".
    """

    def __init__(self, upscale_factor=2, **kwargs):
        super().__init__(**kwargs)
        if (
            isinstance(upscale_factor, bool)
            or not isinstance(upscale_factor, int)
            or upscale_factor < 2
        ):
            raise ValueError(
                f"`upscale_factor` must be an int >= 2. Received: upscale_factor={upscale_factor!r}"
            )
        self.upscale_factor = upscale_factor

    def call(self, inputs):
        return keras.ops.depth_to_space(inputs, self.upscale_factor, data_format="channels_last")

    def compute_output_shape(self, input_shape):
        n, h, w, c = input_shape
        r = self.upscale_factor
        if c is not None and c % (r * r):
            raise ValueError(
                f"PixelShuffle needs channels divisible by upscale_factor^2 = {r * r}. "
                f"Received: input_shape={input_shape}"
            )
        return (
            n,
            h * r if h is not None else None,
            w * r if w is not None else None,
            c // (r * r) if c is not None else None,
        )

    def get_config(self):
        return {**super().get_config(), "upscale_factor": self.upscale_factor}
