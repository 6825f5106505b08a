"""The int8 export rewrite of instance norms: CenteredInstanceNorm + range-equalized convs."""

import collections
import os

import keras
import numpy as np
import pytest
import tensorflow as tf

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
    x = rng.normal(size=(2, 6, 5, 4)) * [1.0, 0.01, 3.0, 1e-4] + [5.0, -2.0, 0.0, 1.0]
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
    np.testing.assert_allclose(
        rewritten.predict_on_batch(images[:4]), generator.predict_on_batch(images[:4]), atol=1e-4
    )
    # The generator keeps its layers and weights.
    assert (
        sum(isinstance(layer, keras.layers.GroupNormalization) for layer in generator.layers) == 7
    )
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
    np.testing.assert_allclose(
        rewritten.predict_on_batch(images), model.predict_on_batch(images), atol=1e-5
    )


def _ops(path):
    """`{"OP:output dtype": count}` of a TFLite model."""
    from ai_edge_litert.interpreter import Interpreter

    interpreter = Interpreter(model_path=path)
    dtypes = {t["index"]: np.dtype(t["dtype"]).name for t in interpreter.get_tensor_details()}
    return collections.Counter(
        f"{op['op_name']}:{dtypes[op['outputs'][0]]}" for op in interpreter._get_ops_details()
    )


def _undelegated_ops(path):
    """Op types XNNPACK leaves to the TFLite kernels, and the number of delegate partitions.

    After delegation the interpreter lists the model's nodes, then one DELEGATE node
    per partition; a model node runs outside XNNPACK when its output is not produced
    by a partition and is read by a partition, by such a node, or is a model output.
    """
    from ai_edge_litert import interpreter as litert

    plain = litert.Interpreter(
        model_path=path,
        experimental_op_resolver_type=litert.OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES,
    )
    count = len(plain._get_ops_details())
    interpreter = litert.Interpreter(model_path=path, num_threads=2)
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():
        interpreter.set_tensor(detail["index"], np.zeros(detail["shape"], detail["dtype"]))
    interpreter.invoke()
    ops = interpreter._get_ops_details()
    nodes, partitions = ops[:count], ops[count:]
    assert partitions and all(op["op_name"] == "DELEGATE" for op in partitions)
    produced = {i for op in partitions for i in op["outputs"]}
    read = {i for op in partitions for i in op["inputs"]}
    read |= {d["index"] for d in interpreter.get_output_details()}
    outside, grown = set(), True
    while grown:
        grown = False
        for op in nodes:
            out = op["outputs"][0]
            if op["index"] not in outside and out not in produced and out in read:
                outside.add(op["index"])
                read |= set(op["inputs"])
                grown = True
    return collections.Counter(op["op_name"] for op in nodes if op["index"] in outside), len(
        partitions
    )


def _norm_model():
    inputs = keras.Input(batch_shape=(1, 8, 8, 3))
    identity = keras.layers.Conv2D(3, 1)
    y = CenteredInstanceNorm(1e-5, gamma=[1.0, 2.0, 0.5])(identity(inputs))
    model = keras.Model(inputs, keras.layers.Conv2D(3, 1)(keras.layers.ReLU()(y)))
    identity.set_weights([np.eye(3, dtype="float32")[None, None], np.zeros(3, "float32")])
    return model


def _int8_psnr(path, images, reference):
    """PSNR (dB, peak-to-peak of the reference) of an int8-in/out TFLite model."""
    from ai_edge_litert.interpreter import Interpreter

    runner = Interpreter(model_path=path).get_signature_runner("serving_default")
    ((in_name, in_detail),) = runner.get_input_details().items()
    ((out_name, out_detail),) = runner.get_output_details().items()
    assert in_detail["dtype"] == np.int8 and out_detail["dtype"] == np.int8
    (in_scale, in_zero), (out_scale, out_zero) = (
        in_detail["quantization"],
        out_detail["quantization"],
    )
    outputs = []
    for image in images:
        value = np.clip(np.round(image[None] / in_scale + in_zero), -128, 127).astype(np.int8)
        outputs.append(
            (runner(**{in_name: value})[out_name].astype(np.float32) - out_zero) * out_scale
        )
    mse = np.mean((np.concatenate(outputs) - reference) ** 2)
    return 10 * np.log10(np.ptp(reference) ** 2 / mse)


def test_convert_tflite_float_scopes_keep_norm_ops_float(tmp_path):
    from keras_gan.export import tflite as tflite_lib

    keras.utils.set_random_seed(5)
    model = _norm_model()
    model.export(str(tmp_path / "sm"), verbose=False)
    # Half the images low-contrast: per-image variances 1000x apart, which one int8
    # scale for the variance cannot hold (the small ones round to 0).
    contrast = np.where(np.arange(100) % 2, 1.0, 0.03)[:, None, None, None]
    images = (_images(100, size=8) * contrast).astype(np.float32)
    signature = tf.saved_model.load(str(tmp_path / "sm")).signatures["serving_default"]
    (input_name,) = signature.structured_input_signature[1]

    def representative():
        for image in images:
            yield {input_name: image[None]}

    paths = {}
    for key, scopes in (
        ("all_int8", None),
        ("float_norm", [CenteredInstanceNorm.float_scope]),
        ("no_match", ["no_such_scope"]),
    ):
        content = tflite_lib.convert_tflite(
            str(tmp_path / "sm"), "int8", representative, float_scopes=scopes
        )
        paths[key] = str(tmp_path / f"{key}.tflite")
        with open(paths[key], "wb") as f:
            f.write(content)
    ops = {key: _ops(path) for key, path in paths.items()}
    # Every op int8 without scopes, or when no op is in them.
    for key in ("all_int8", "no_match"):
        assert not [op for op in ops[key] if op.endswith(":float32")], ops[key]
    # The norm's ops (MEAN, SUB, MUL, MEAN, ADD, RSQRT, MUL gamma, MUL) float, one island.
    floats = {op: n for op, n in ops["float_norm"].items() if op.endswith(":float32")}
    assert floats == {
        "MEAN:float32": 2,
        "SUB:float32": 1,
        "MUL:float32": 3,
        "ADD:float32": 1,
        "RSQRT:float32": 1,
        "DEQUANTIZE:float32": 1,
    }, ops["float_norm"]
    assert ops["float_norm"]["CONV_2D:int8"] == 2 and ops["float_norm"]["QUANTIZE:int8"] == 1
    # Far more accurate (int8 inputs and outputs in both).
    reference = model.predict(images[:10], verbose=0)
    psnr = {key: _int8_psnr(paths[key], images[:10], reference) for key in paths}
    assert psnr["float_norm"] > psnr["all_int8"] + 6.0, psnr
    # XNNPACK runs everything, float and int8, in one partition.
    assert _undelegated_ops(paths["float_norm"]) == (collections.Counter(), 1)


def test_export_int8_instance_norm_float_between_int8(tmp_path):
    generator = _generator()
    report = export_generator(
        generator,
        name="cg",
        output_dir=str(tmp_path),
        formats="tflite",
        quantize="float32,int8",
        representative_data=_images(100),
        image_size=16,
        num_verify=2,
        verbose=False,
    )
    by_key = {a["key"]: a for a in report["artifacts"]}
    folder = os.path.join(str(tmp_path), "cg", "tflite")
    float_ops, int8_ops = (
        _ops(os.path.join(folder, "cg_float32.tflite")),
        _ops(os.path.join(folder, "cg_int8.tflite")),
    )
    assert float_ops["SQUARE:float32"] == 7  # the float32 model is the unchanged network
    # The int8 model: centred norms in float (one DEQUANTIZE/QUANTIZE each), the
    # convolutions, pads and residual adds int8.
    assert int8_ops["SQUARE:float32"] == 0 and int8_ops["RSQRT:float32"] == 7, int8_ops
    assert int8_ops["DEQUANTIZE:float32"] == 7 and int8_ops["QUANTIZE:int8"] == 7, int8_ops
    assert int8_ops["CONV_2D:int8"] == 6 and int8_ops["ADD:int8"] >= 1, int8_ops
    assert not [
        op
        for op in int8_ops
        if op.startswith(("CONV_2D:", "TRANSPOSE_CONV:")) and not op.endswith(":int8")
    ], int8_ops
    assert by_key["tflite_int8"]["tensor_dtypes"].get("int8", 0) > 0, by_key["tflite_int8"]
    # XNNPACK runs all but the reflection pads (as in the float32 model).
    undelegated, _ = _undelegated_ops(os.path.join(folder, "cg_int8.tflite"))
    assert set(undelegated) <= {"MIRROR_PAD"}, undelegated
    assert by_key["tflite_int8"]["passed"], by_key["tflite_int8"]  # >= 30 dB against float
