"""The int8 export rewrite of instance norms: CenteredInstanceNorm + range-equalized convs."""

import collections
import os

import keras
import numpy as np
import pytest

import keras_gan
from keras_gan.export import export_generator
from keras_gan.export.int8_rewrite import int8_friendly
from keras_gan.layers import CenteredInstanceNorm


def _group_norm(x, affine):
    norm = keras.layers.GroupNormalization(groups=-1, epsilon=1e-5, center=affine, scale=affine)
    norm.build(x.shape)
    if affine:
        rng = np.random.default_rng(3)
        norm.gamma.assign(rng.uniform(0.5, 1.5, x.shape[-1]).astype("float32"))
        norm.beta.assign(rng.normal(size=x.shape[-1]).astype("float32"))
    return norm


@pytest.mark.parametrize("affine", [False, True])
def test_centered_instance_norm_equals_group_norm(affine):
    rng = np.random.default_rng(0)
    # Channels with large offsets and very different contrasts, one nearly constant.
    x = (rng.normal(size=(2, 6, 5, 4)) * [1.0, 0.01, 3.0, 1e-4] + [5.0, -2.0, 0.0, 1.0])
    x = x.astype(np.float32)
    norm = _group_norm(x, affine)
    gamma = keras.ops.convert_to_numpy(norm.gamma) if affine else None
    beta = keras.ops.convert_to_numpy(norm.beta) if affine else None
    layer = CenteredInstanceNorm(1e-5, gamma=gamma, beta=beta)
    np.testing.assert_allclose(layer(x), norm(x), atol=2e-4)
    again = CenteredInstanceNorm.from_config(layer.get_config())
    np.testing.assert_allclose(again(x), norm(x), atol=2e-4)
    # A per-channel epsilon scaled with the channel: the same function on k * x.
    k = np.array([2.0, 100.0, 0.5, 3.0], np.float32)
    scaled = CenteredInstanceNorm(1e-5 * k**2, gamma=gamma, beta=beta)
    np.testing.assert_allclose(scaled(x * k), norm(x), atol=2e-4)


def test_centered_instance_norm_errors():
    with pytest.raises(ValueError, match="epsilon"):
        CenteredInstanceNorm(0.0)
    with pytest.raises(ValueError, match="gamma"):
        CenteredInstanceNorm(1e-5, gamma=[])
    with pytest.raises(ValueError, match="3 values for 4 channels"):
        CenteredInstanceNorm(1e-5, beta=[0.0, 1.0, 2.0])(np.zeros((1, 2, 2, 4), np.float32))


def _generator():
    keras.utils.set_random_seed(1)
    generator = keras_gan.networks.resnet_generator(filters=4, residual_blocks=1, norm_affine=True)
    rng = np.random.default_rng(4)
    for layer in generator.layers:  # trained-like biases: offsets the norms remove
        if isinstance(layer, keras.layers.Conv2D) and layer.use_bias:
            layer.bias.assign(rng.normal(0, 0.5, layer.bias.shape).astype("float32"))
    return generator


def _images(n, size=16, seed=2):
    return np.random.default_rng(seed).uniform(-1, 1, (n, size, size, 3)).astype(np.float32)


def test_int8_friendly_equalizes_instance_norm_convs():
    generator = _generator()
    images = _images(20)
    original = [keras.ops.convert_to_numpy(w).copy() for w in generator.weights]
    assert int8_friendly(generator) is generator  # no calibration, no PReLU: unchanged
    rewritten = int8_friendly(generator, images)
    types = collections.Counter(type(layer).__name__ for layer in rewritten.layers)
    assert types["CenteredInstanceNorm"] == 7 and types["GroupNormalization"] == 0
    np.testing.assert_allclose(rewritten.predict_on_batch(images[:4]),
                               generator.predict_on_batch(images[:4]), atol=1e-4)
    # The generator keeps its layers and weights.
    assert sum(isinstance(layer, keras.layers.GroupNormalization) for layer in generator.layers) == 7
    for before, after in zip(original, generator.weights):
        np.testing.assert_array_equal(before, keras.ops.convert_to_numpy(after))
    # Each convolution before a norm now spans [-1, 1] per channel on the calibration data.
    convs = [rewritten.get_layer(name) for name in ("c7s1_conv", "res1b_conv", "up2_conv")]
    ranges = keras.Model(rewritten.inputs, [c.output for c in convs]).predict_on_batch(images)
    for out in ranges:
        np.testing.assert_allclose(out.min(axis=(0, 1, 2)), -1.0, atol=1e-4)
        np.testing.assert_allclose(out.max(axis=(0, 1, 2)), 1.0, atol=1e-4)
    assert rewritten.get_layer("output_conv") is generator.get_layer("output_conv")  # shared
    with pytest.raises(ValueError, match="at least one example"):
        int8_friendly(generator, images[:0])


def test_int8_friendly_leaves_shared_conv_outputs_unscaled():
    inputs = keras.Input((8, 8, 3))
    y = keras.layers.Conv2D(4, 3, padding="same", bias_initializer="ones")(inputs)
    normed = keras.layers.GroupNormalization(groups=-1, center=False, scale=False)(y)
    model = keras.Model(inputs, keras.layers.Add()([normed, y]))  # y also used unnormalized
    images = _images(6, size=8)
    rewritten = int8_friendly(model, images)
    assert isinstance(rewritten.layers[2], CenteredInstanceNorm)
    assert rewritten.layers[1] is model.layers[1]  # the conv is not rescaled
    np.testing.assert_allclose(rewritten.predict_on_batch(images), model.predict_on_batch(images),
                               atol=1e-5)


def _ops(path):
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    return collections.Counter(op["op_name"] for op in interpreter._get_ops_details())


def test_export_int8_instance_norm_stays_int8(tmp_path):
    generator = _generator()
    report = export_generator(generator, name="cg", output_dir=str(tmp_path), formats="tflite",
                              quantize="float32,int8", representative_data=_images(100),
                              image_size=16, num_verify=2, verbose=False)
    by_key = {a["key"]: a for a in report["artifacts"]}
    folder = os.path.join(str(tmp_path), "cg", "tflite")
    float_ops, int8_ops = _ops(os.path.join(folder, "cg_float32.tflite")), _ops(
        os.path.join(folder, "cg_int8.tflite"))
    assert float_ops["SQUARE"] == 7  # the float32 model is the unchanged network
    # The int8 model: centred norms, every op int8 (no float islands between them).
    assert int8_ops["SQUARE"] == 0 and int8_ops["DEQUANTIZE"] == 0 and int8_ops["RSQRT"] == 7
    assert by_key["tflite_int8"]["tensor_dtypes"].get("float32", 0) == 0, by_key["tflite_int8"]
    assert by_key["tflite_int8"]["passed"], by_key["tflite_int8"]  # >= 30 dB against float
