"""SavedModel writing: serving signatures, TF Serving warmup requests, version folders."""

import os
import warnings

import numpy as np
import tensorflow as tf

from keras_gan.export.signatures import ServingModule

WARMUP_FILE = os.path.join("assets.extra", "tf_serving_warmup_requests")


def list_versions(base_dir):
    """Return the sorted integer versions (all-digit folders) under `base_dir`.

    Args:
        base_dir: a TF Serving model base path, e.g. `saved_models/gan`.

    Returns:
        A sorted list of ints (empty when there is none, or no folder).

    Example:
    ```python
    list_versions("saved_models/gan")  # [1, 2]
    ```
    """
    if not os.path.isdir(base_dir):
        return []
    return sorted(
        int(d)
        for d in os.listdir(base_dir)
        if d.isdigit() and os.path.isdir(os.path.join(base_dir, d))
    )


def next_version(base_dir):
    """Return the next free version number under `base_dir` (1 for a new model)."""
    versions = list_versions(base_dir)
    return versions[-1] + 1 if versions else 1


def write_saved_model(
    generator, spec, path, uint8=True, batch_size=None, image_size=None, image_bytes=None
):
    """Save a generator as a SavedModel with named serving signatures.

    Args:
        generator: the generator `keras.Model`.
        spec: its `GeneratorSpec`.
        path: destination folder (must not exist yet).
        uint8: also write the `serving_uint8` signature.
        batch_size: `None` for a dynamic batch, or a fixed batch size.
        image_size: fixes dynamic image H/W (for TFLite conversion).
        image_bytes: add the `serving_image_bytes` signature (encoded images in, PNG
            out) for image generators with dynamic H/W; `None` = with `uint8`.

    Returns:
        `path`.

    Example:
    ```python
    write_saved_model(generator, describe_generator(generator), "/tmp/gan/1")
    ```
    """
    image_bytes = uint8 if image_bytes is None else image_bytes
    module = ServingModule(
        generator, spec, batch_size=batch_size, image_size=image_size, image_bytes=image_bytes
    )
    tf.saved_model.save(module, path, signatures=module.signatures(uint8=uint8))
    return path


def write_warmup_requests(path, model_name, inputs_list, signature_name="serving_default"):
    """Write TF Serving warmup requests (`assets.extra/tf_serving_warmup_requests`).

    Args:
        path: the SavedModel version folder.
        model_name: the served model name.
        inputs_list: list of `{input_name: numpy array}`, one `PredictRequest` each.
        signature_name: the signature the requests call.

    Returns:
        The warmup file's path, or `None` (with a one-line warning) when
        tensorflow-serving-api (`keras_gan[export]`) is not installed.

    Example:
    ```python
    write_warmup_requests("saved_models/gan/1", "gan", [{"z": np.zeros((1, 64), "float32")}])
    ```
    """
    try:
        from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2
    except ImportError:
        from keras_gan.optional import missing_message

        warnings.warn(
            missing_message("tensorflow_serving", "Writing TF Serving warmup requests")
            + "; exported without them.",
            stacklevel=2,
        )
        return None

    target = os.path.join(path, WARMUP_FILE)
    os.makedirs(os.path.dirname(target), exist_ok=True)
    with tf.io.TFRecordWriter(target) as writer:
        for inputs in inputs_list:
            request = predict_pb2.PredictRequest(
                model_spec=model_pb2.ModelSpec(name=model_name, signature_name=signature_name)
            )
            for key, value in inputs.items():
                request.inputs[key].CopyFrom(tf.make_tensor_proto(np.asarray(value)))
            log = prediction_log_pb2.PredictionLog(
                predict_log=prediction_log_pb2.PredictLog(request=request)
            )
            writer.write(log.SerializeToString())
    return target
