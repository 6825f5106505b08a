"""Reflection padding of the height and width of NHWC feature maps."""

import keras


@keras.saving.register_keras_serializable(package="keras_gan")
class ReflectionPadding2D(keras.layers.Layer):
    """Pad height and width by mirroring the border (without repeating the edge).

    What CycleGAN's ResNet generator uses instead of zero padding before its
    7x7 and 3x3 convolutions, so borders carry image content rather than a
    dark frame. Exports as `MIRROR_PAD` (TFLite) and `Pad(mode="reflect")` (ONNX).

    Args:
        padding: int, or `((top, bottom), (left, right))`; every amount must be
            smaller than the side it pads.
        **kwargs: `keras.layers.Layer` arguments such as `name`.

    Returns:
        A layer mapping `(N, H, W, C)` to `(N, H + top + bottom, W + left + right, C)`.

    Example:
    ```python
    x = keras_gan.layers.ReflectionPadding2D(3)(keras.Input((None, None, 3)))
    ```

    Reference:
        Zhu et al. 2017, "Unpaired Image-to-Image Translation using
        Cycle-Consistent Adversarial Networks", appendix 7.2.
    """

    def __init__(self, padding=1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(padding, int) and not isinstance(padding, bool):
            padding = ((padding, padding), (padding, padding))
        try:
            padding = tuple(tuple(int(p) for p in pair) for pair in padding)
            valid = len(padding) == 2 and all(len(pair) == 2 and min(pair) >= 0 for pair in padding)
        except (TypeError, ValueError):
            valid = False
        if not valid:
            raise ValueError(
                "`padding` must be an int >= 0 or ((top, bottom), (left, right)). "
                f"Received: padding={padding!r}"
            )
        self.padding = padding

    def call(self, inputs):
        (top, bottom), (left, right) = self.padding
        return keras.ops.pad(inputs, [[0, 0], [top, bottom], [left, right], [0, 0]], mode="reflect")

    def compute_output_shape(self, input_shape):
        (top, bottom), (left, right) = self.padding
        n, h, w, c = input_shape
        return (
            n,
            None if h is None else h + top + bottom,
            None if w is None else w + left + right,
            c,
        )

    def get_config(self):
        config = super().get_config()
        config.update({"padding": [list(pair) for pair in self.padding]})
        return config
