"""`SavedModelRunner`: a SavedModel version folder, or a model base path (newest version)."""

import os

import tensorflow as tf

from keras_gan.export.saved_model import list_versions
from keras_gan.export.signatures import spec_from_inputs
from keras_gan.predict.runner import Runner, report_num_classes


def resolve_version_dir(path):
    """The SavedModel folder for `path`: itself, or its newest integer version.

    Args:
        path: a version folder (has `saved_model.pb`) or a TF Serving model base path.

    Returns:
        The version folder.

    Raises:
        ValueError: when `path` is neither.

    Example:
    ```python
    resolve_version_dir("saved_models/srgan")  # "saved_models/srgan/3"
    ```
    """
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    versions = list_versions(path)
    if versions:
        return os.path.join(path, str(versions[-1]))
    raise ValueError(
        "Not a SavedModel folder nor a model base path with version folders. "
        f"Received: generator={path!r}"
    )


class SavedModelRunner(Runner):
    """Runs the `serving_default` signature of an exported SavedModel.

    Args:
        path: a version folder, or the model base path (its newest version is used).
        threads: intra-op threads (`None` = TensorFlow's default).

    Returns:
        A `Runner`.

    Example:
    ```python
    runner = SavedModelRunner("saved_models/srgan")
    ```
    """

    format = "saved_model"

    def __init__(self, path, threads=None):
        version_dir = resolve_version_dir(path)
        if threads:
            try:
                tf.config.threading.set_intra_op_parallelism_threads(threads)
            except RuntimeError:  # TensorFlow already initialised: keep its setting
                pass
        self.model = tf.saved_model.load(version_dir)
        if "serving_default" not in self.model.signatures:
            raise ValueError(
                f"The SavedModel has no `serving_default` signature. Received: generator={path!r}"
            )
        self._signature = self.model.signatures["serving_default"]
        _, kwargs = self._signature.structured_input_signature
        inputs = [(name, s.dtype.name, tuple(s.shape.as_list())) for name, s in kwargs.items()]
        order = {"z": 0, "label": 1, "image": 2, "mask": 3}
        inputs.sort(key=lambda item: order.get(item[0], 4))
        output = self._signature.structured_outputs["image"]
        super().__init__(
            spec_from_inputs(
                inputs, tuple(output.shape.as_list()), report_num_classes(version_dir)
            ),
            version_dir,
        )

    def _run(self, inputs):
        kwargs = {i.name: tf.constant(inputs[i.name], i.dtype) for i in self.spec.inputs}
        return self._signature(**kwargs)["image"].numpy()
