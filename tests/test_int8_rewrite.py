"""The int8 export rewrite: PReLU -> ReluBlendPReLU (same outputs, XNNPACK-delegated int8)."""

import collections
import os

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan.export import export_generator
from keras_gan.export.int8_rewrite import int8_friendly
from keras_gan.layers import ReluBlendPReLU


def _prelu_model(alpha):
    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    prelu = keras.layers.PReLU(shared_axes=[1, 2])
    x = keras.layers.Conv2D(3, 3, padding="same")(prelu(x))
    model = keras.Model(inputs, x)
    prelu.alpha.assign(np.reshape(alpha, (1, 1, 4)).astype("float32"))
    return model


def test_relu_blend_prelu_equals_prelu():
    alpha = np.array([0.25, -0.5, 0.0, 0.9], np.float32)
    x = np.random.default_rng(0).normal(size=(2, 5, 5, 4)).astype(np.float32)
    prelu = keras.layers.PReLU(shared_axes=[1, 2])
    prelu.build(x.shape)
    prelu.alpha.assign(alpha.reshape(1, 1, 4))
    layer = ReluBlendPReLU(alpha)
    np.testing.assert_allclose(layer(x), prelu(x), atol=1e-6)
    again = ReluBlendPReLU.from_config(layer.get_config())
    np.testing.assert_allclose(again(x), prelu(x), atol=1e-6)
    with pytest.raises(ValueError, match="below 1"):
        ReluBlendPReLU([0.5, 1.0])


def test_int8_friendly_replaces_prelu_and_keeps_outputs():
    model = _prelu_model([0.25, -0.5, 0.0, 0.9])
    rewritten = int8_friendly(model)
    types = [type(layer).__name__ for layer in rewritten.layers]
    assert "ReluBlendPReLU" in types and "PReLU" not in types
    assert any(isinstance(layer, keras.layers.PReLU) for layer in model.layers)  # unchanged
    x = np.random.default_rng(1).uniform(-1, 1, (2, 8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(rewritten.predict_on_batch(x), model.predict_on_batch(x), atol=1e-5)
    # Slopes >= 1 are not rewritten (relu((1 - a) x) would be wrong there).
    steep = _prelu_model([0.25, 1.5, 0.0, 0.1])
    assert int8_friendly(steep) is steep
    plain = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)])
    assert int8_friendly(plain) is plain


def _ops(path):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    return collections.Counter(op["op_name"] for op in interpreter._get_ops_details())


def test_export_int8_has_no_prelu(tmp_path):
    generator = keras_gan.networks.srresnet_generator(scale=2, residual_blocks=1, filters=4)
    images = np.random.default_rng(2).uniform(-1, 1, (100, 8, 8, 3)).astype(np.float32)
    report = export_generator(
        generator,
        name="sr",
        output_dir=str(tmp_path),
        formats="tflite",
        quantize="float32,int8",
        representative_data=images,
        image_size=8,
        num_verify=2,
        verbose=False,
    )
    by_key = {a["key"]: a for a in report["artifacts"]}
    assert by_key["tflite_int8"]["passed"], by_key["tflite_int8"]
    float_ops = _ops(os.path.join(str(tmp_path), "sr", "tflite", "sr_float32.tflite"))
    int8_ops = _ops(os.path.join(str(tmp_path), "sr", "tflite", "sr_int8.tflite"))
    assert float_ops["PRELU"] > 0  # the float32 model is the unchanged network
    assert int8_ops["PRELU"] == 0 and int8_ops["DEPTHWISE_CONV_2D"] > 0
