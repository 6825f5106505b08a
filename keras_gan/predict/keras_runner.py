"""`KerasRunner`: a `generator.keras` file (or an in-memory generator)."""

import os

import keras
import tensorflow as tf

from keras_gan.export.signatures import describe_generator
from keras_gan.predict.runner import Runner


class KerasRunner(Runner):
    """Runs a Keras generator, loaded in safe mode from a `.keras` file.

    Args:
        generator: path of a `.keras` file, or a generator `keras.Model`.

    Returns:
        A `Runner`.

    Example:
    ```python
    runner = KerasRunner("runs/srgan/generator.keras")
    ```
    """

    format = "keras"

    def __init__(self, generator):
        from keras_gan.export.exporter import load_generator

        path = os.fspath(generator) if isinstance(generator, (str, os.PathLike)) else None
        self.model = load_generator(generator)
        super().__init__(describe_generator(self.model), path or self.model.name)
        specs = [
            tf.TensorSpec([None, *i.shape[1:]], i.dtype, name=i.name) for i in self.spec.inputs
        ]
        self._function = tf.function(self._call, input_signature=specs)

    def _call(self, *args):
        outputs = self.model(list(args) if len(args) > 1 else args[0], training=False)
        if isinstance(outputs, dict):
            outputs = outputs.get("image", next(iter(outputs.values())))
        elif isinstance(outputs, (list, tuple)):
            outputs = outputs[0]
        return tf.cast(outputs, tf.float32)

    def _run(self, inputs):
        args = [tf.convert_to_tensor(inputs[i.name], i.dtype) for i in self.spec.inputs]
        return keras.ops.convert_to_numpy(self._function(*args))
