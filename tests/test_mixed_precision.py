"""Mixed precision (`train.py --mixed_precision`): every family's fit step, loss scaling, export.

`--mixed_precision` sets `mixed_bfloat16` on CPU and `mixed_float16` on GPU. Both
are tested here on CPU with the families' tiny test models: TensorFlow has CPU
kernels for every float16 op these networks use (convolutions included), only
slowly (the first float16 step of the larger tiny models takes tens of seconds),
so the float16 steps of CycleGAN, SRGAN and inpainting are marked slow, and so
are their bfloat16 steps for CycleGAN and SRGAN (10-15 s of CPU each) and the
exports of the image-to-image generators.
"""

import json

import gan_test_helper as helper
import keras
import numpy as np
import pytest
import tensorflow as tf
import test_cyclegan
import test_gan
import test_inpainting
import test_srgan
from test_export import _spread

from keras_gan.export import export_generator
from keras_gan.models.adversarial_model import AdversarialModel

# family: (factory of a compiled model, one batch, inputs of model(...), export image size)
FAMILIES = {
    "gan": (test_gan.tiny_gan, lambda: test_gan.images_only(4), lambda: test_gan.z(2), None),
    "cyclegan": (
        test_cyclegan.tiny_cyclegan,
        lambda: test_cyclegan.unpaired_batch(2),
        lambda: test_cyclegan.unpaired_batch(2)["a"],
        test_cyclegan.SIZE,
    ),
    "srgan": (
        lambda: test_srgan.tiny_srgan("adversarial"),
        lambda: test_srgan.sr_batch(2),
        lambda: test_srgan.sr_batch(2)["lr"],
        test_srgan.LR,
    ),
    "inpainting": (
        test_inpainting.tiny_inpainting,
        lambda: test_inpainting.inpainting_batch(2),
        lambda: list(test_inpainting.inpainting_batch(2).values()),
        test_inpainting.SIZE,
    ),
}
SLOW = pytest.mark.slow
# 16-bit outputs against float32 ones (generators ending in float32 tanh, values in [-1, 1]):
# a few units of the 16-bit epsilon (bfloat16 2^-8, float16 2^-11) accumulated over the layers.
LOW_PRECISION_ATOL = {"mixed_bfloat16": 0.05, "mixed_float16": 0.01}


@pytest.fixture(autouse=True)
def float32_policy_around_each_test():
    """Every test starts and ends with the float32 global policy, whatever fails inside."""
    with helper.global_dtype_policy("float32"):
        yield


@pytest.mark.parametrize(
    "family",
    ["gan", pytest.param("cyclegan", marks=SLOW), pytest.param("srgan", marks=SLOW), "inpainting"],
)
def test_bfloat16_fit_step_save_load(family, tmp_path):
    factory, batch, inputs, _ = FAMILIES[family]
    helper.check_mixed_precision_fit_step(factory, batch(), inputs(), tmp_path, "mixed_bfloat16")


@pytest.mark.parametrize("family", list(FAMILIES))
def test_float16_policy_wraps_both_optimizers(family):
    factory = FAMILIES[family][0]
    with helper.global_dtype_policy("mixed_float16"):
        model = factory()
    for optimizer in (model.generator_optimizer, model.discriminator_optimizer):
        assert isinstance(optimizer, keras.optimizers.LossScaleOptimizer)
        assert isinstance(optimizer.inner_optimizer, keras.optimizers.Adam)
        assert float(optimizer.dynamic_scale.numpy()) == optimizer.initial_scale == 2.0**15
    assert helper.non_float32_variables(model) == {}
    # compile() with an optimizer that is already wrapped (as compile_from_config passes it)
    # does not wrap it twice.
    model.compile(
        model.generator_optimizer, model.discriminator_optimizer, loss=model.adversarial_loss.name
    )
    assert isinstance(model.generator_optimizer.inner_optimizer, keras.optimizers.Adam)


@pytest.mark.parametrize(
    "family",
    [
        "gan",
        pytest.param("cyclegan", marks=SLOW),
        pytest.param("srgan", marks=SLOW),
        pytest.param("inpainting", marks=SLOW),
    ],
)
def test_float16_fit_step_with_dynamic_loss_scale(family, tmp_path):
    factory, batch, inputs, _ = FAMILIES[family]
    model, _ = helper.check_mixed_precision_fit_step(
        factory, batch(), inputs(), tmp_path, "mixed_float16"
    )
    if family == "gan":  # small gradients: both steps apply at the initial scale
        for optimizer in (model.generator_optimizer, model.discriminator_optimizer):
            assert int(optimizer.iterations.numpy()) == 1
            assert float(optimizer.dynamic_scale.numpy()) == 2.0**15


def test_loss_scale_reaches_the_float16_backward_pass():
    """`AdversarialModel.apply_gradients` differentiates the scaled loss (conv-free).

    The product `scale * loss` is taken after the tape has closed, so the scale
    must enter as the output gradient. A float32 gradient of 1e-9 flowing into a
    float16 layer underflows to 0 without the scale; with it the step is taken.
    """

    def step(optimizer):
        with helper.global_dtype_policy("mixed_float16"):
            dense = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")
            x = tf.ones((1, 4))
            dense.build(x.shape)
        with tf.GradientTape() as tape:
            loss = 1e-9 * tf.reduce_sum(tf.cast(dense(x), tf.float32))  # d loss / d y = 1e-9
        AdversarialModel.apply_gradients(tape, loss, dense.trainable_variables, optimizer)
        return 1.0 - dense.kernel.numpy()  # the update, lr * gradient

    scaled = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(1e6))
    np.testing.assert_allclose(step(scaled), 1e-3, rtol=1e-2)  # 1e6 * 1e-9 per weight
    assert int(scaled.iterations.numpy()) == 1 and float(scaled.dynamic_scale.numpy()) == 2.0**15
    np.testing.assert_array_equal(step(keras.optimizers.SGD(1e6)), 0.0)  # underflowed in float16
    # A fixed `loss_scale_factor` of a plain optimizer takes the same path.
    np.testing.assert_allclose(
        step(keras.optimizers.SGD(1e6, loss_scale_factor=2.0**15)), 1e-3, rtol=1e-2
    )

    # Non-finite scaled gradients: the step is skipped and the scale halved.
    v = keras.Variable([1.0])
    scaled = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(1.0))
    with tf.GradientTape() as tape:
        loss = 1e36 * tf.reduce_sum(v)  # times 2^15: inf in float32
    AdversarialModel.apply_gradients(tape, loss, [v], scaled)
    assert v.numpy().tolist() == [1.0] and float(scaled.dynamic_scale.numpy()) == 2.0**14


def _signature_dtypes(base, name):
    """Input and output dtypes of the SavedModel, TFLite float32 and ONNX artifacts."""
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter

    loaded = tf.saved_model.load(str(base / "1"))
    dtypes = {}
    for key in ("serving_default", "serving_uint8"):
        signature = loaded.signatures[key]
        dtypes[key] = (
            {k: s.dtype.name for k, s in signature.structured_input_signature[1].items()},
            {k: s.dtype.name for k, s in signature.structured_outputs.items()},
        )
    interpreter = Interpreter(model_path=str(base / "tflite" / f"{name}_float32.tflite"))
    dtypes["tflite"] = (
        {d["name"]: np.dtype(d["dtype"]).name for d in interpreter.get_input_details()},
        {d["name"]: np.dtype(d["dtype"]).name for d in interpreter.get_output_details()},
    )
    session = ort.InferenceSession(str(base / "onnx" / f"{name}.onnx"))
    dtypes["onnx"] = (
        {i.name: i.type for i in session.get_inputs()},
        {o.name: o.type for o in session.get_outputs()},
    )
    return loaded, dtypes


def _max_abs_errors(base, name, loaded, input_names):
    """Max abs errors of the SavedModel (both signatures), TFLite float32 and ONNX artifacts
    against the export's references, measured here as the verifier measures them
    (keras_gan/export/verify_worker.py: the npz inputs, TFLite one example at a time)."""
    import onnxruntime as ort
    from ai_edge_litert.interpreter import Interpreter

    data = np.load(base / "export_verification.npz")
    inputs = {k: data[f"in/{k}"] for k in input_names}
    inputs_uint8 = {k: data[f"in_uint8/{k}"] for k in input_names}
    reference, reference_uint8 = data["ref/image"], data["ref_uint8/image"].astype(np.int64)

    def signature(key, values):
        return loaded.signatures[key](**{k: tf.constant(v) for k, v in values.items()})["image"]

    runner = Interpreter(
        model_path=str(base / "tflite" / f"{name}_float32.tflite")
    ).get_signature_runner("serving_default")
    (out_name,) = runner.get_output_details()
    tflite = np.concatenate(
        [
            runner(**{k: v[i : i + 1] for k, v in inputs.items()})[out_name]
            for i in range(len(reference))
        ]
    )
    session = ort.InferenceSession(str(base / "onnx" / f"{name}.onnx"))
    onnx = session.run(None, {i.name: inputs[i.name] for i in session.get_inputs()})[0]
    outputs = {
        "saved_model": signature("serving_default", inputs).numpy(),
        "tflite_float32": tflite,
        "onnx": onnx,
    }
    for key, output in outputs.items():
        assert output.shape == reference.shape, (key, output.shape)
    errors = {key: float(np.abs(output - reference).max()) for key, output in outputs.items()}
    uint8 = signature("serving_uint8", inputs_uint8).numpy()
    assert uint8.dtype == np.uint8 and uint8.shape == reference_uint8.shape
    errors["saved_model_uint8"] = float(np.abs(uint8.astype(np.int64) - reference_uint8).max())
    return errors


# Exported with the separate-process verifier (its TensorFlow import and SavedModel loads
# take 20-30 s): inpainting, two inputs, the image one uint8 in serving_uint8 (the latent
# GAN's SavedModels go through it in tests/test_export.py). The other cases check the same
# tolerances in this process (`_max_abs_errors`).
VERIFIED = ("inpainting", "mixed_bfloat16")


@pytest.mark.parametrize(
    "family,policy",
    [
        ("gan", "mixed_bfloat16"),
        pytest.param("gan", "mixed_float16", marks=SLOW),
        pytest.param("cyclegan", "mixed_bfloat16", marks=SLOW),
        pytest.param("srgan", "mixed_bfloat16", marks=SLOW),
        pytest.param("inpainting", "mixed_bfloat16", marks=SLOW),
    ],
)
def test_export_of_a_mixed_precision_generator(family, policy, tmp_path):
    """A generator trained with mixed precision exports float32 signatures that verify.

    Exported as `train.py` does it: from its `.keras` file (whose layers keep the
    mixed policy), with the mixed global policy still set. The exporter rebuilds it
    in float32, so SavedModel, TFLite float32 and ONNX meet the float32 tolerances
    of tests/test_export.py against that float32 generator; the 16-bit Keras model
    itself is within `LOW_PRECISION_ATOL` of them.
    """
    factory, batch, _, image_size = FAMILIES[family]
    verified = (family, policy) == VERIFIED
    path = tmp_path / "generator.keras"
    with helper.global_dtype_policy(policy):
        model = factory()
        if family == "gan":
            _spread(model.generator)  # outputs spanning [-1, 1]: tolerances that mean something
        model.fit(helper.one_batch_dataset(batch()), epochs=1, verbose=0)
        model.export_generator().save(path)
        report = export_generator(
            str(path),
            family,
            output_dir=str(tmp_path / "saved_models"),
            formats="saved_model,tflite,onnx",
            quantize="float32",
            image_size=image_size,
            verify=verified,
            verbose=False,
        )
        assert keras.mixed_precision.dtype_policy().name == policy  # left as it was
    assert report["passed"] is (True if verified else None)
    assert report["mixed_precision"] == policy
    by_key = {a["key"]: a for a in report["artifacts"]}
    assert sorted(by_key) == ["onnx", "saved_model", "saved_model_uint8", "tflite_float32"]
    if verified:
        for key in ("saved_model", "tflite_float32", "onnx"):
            assert by_key[key]["max_abs_error"] <= 1e-3, by_key[
                key
            ]  # tests/test_export.py's bounds
        assert by_key["saved_model_uint8"]["max_abs_error"] <= 1

    base = tmp_path / "saved_models" / family
    loaded, dtypes = _signature_dtypes(base, family)
    inputs = {i["name"]: i["dtype"] for i in report["generator"]["inputs"]}
    assert set(inputs.values()) <= {"float32", "int32"} and "float32" in inputs.values()
    assert dtypes["serving_default"] == (inputs, {"image": "float32"})
    assert dtypes["serving_uint8"][1] == {"image": "uint8"}
    assert sorted(dtypes["tflite"][0].values()) == sorted(inputs.values())
    assert list(dtypes["tflite"][1].values()) == ["float32"]
    assert set(dtypes["onnx"][0].values()) <= {"tensor(float)", "tensor(int32)"}
    assert list(dtypes["onnx"][1].values()) == ["tensor(float)"]
    errors = _max_abs_errors(base, family, loaded, inputs)
    for key in ("saved_model", "tflite_float32", "onnx"):
        assert errors[key] <= 1e-3, (key, errors[key])  # tests/test_export.py's bounds
    assert errors["saved_model_uint8"] <= 1

    # The verification inputs through the SavedModel and through the 16-bit Keras generator.
    data = np.load(base / "export_verification.npz")
    args = [data[f"in/{name}"] for name in inputs]
    served = loaded.signatures["serving_default"](
        **{k: tf.constant(v) for k, v in zip(inputs, args)}
    )
    served = served["image"].numpy()
    np.testing.assert_allclose(served, data["ref/image"], atol=1e-3)
    assert data["ref/image"].std() > 0.05  # 50 x the tolerance: not a near-constant output
    generator = keras.saving.load_model(path)
    assert {layer.dtype_policy.name for layer in generator.layers} >= {policy, "float32"}
    low = keras.ops.convert_to_numpy(generator(args if len(args) > 1 else args[0], training=False))
    assert low.dtype == np.float32
    error = float(np.abs(low - served).max())
    assert 0 < error <= LOW_PRECISION_ATOL[policy], error  # 0: it did compute in 16 bits
    on_disk = json.loads((base / "export_report.json").read_text())
    assert on_disk["mixed_precision"] == policy


@SLOW
def test_train_run_with_mixed_precision(tmp_path, monkeypatch):
    """`run(mixed_precision=True)` trains in bfloat16 on CPU, exports float32, restores the policy."""
    from keras_gan.training import TrainConfig, run

    monkeypatch.chdir(tmp_path)  # the export goes to ./saved_models
    config = TrainConfig(
        model="gan",
        dataset="builtin:digits",
        image_size=16,
        channels=1,
        filters=4,
        latent_dim=8,
        batch_size=4,
        epochs=1,
        steps_per_epoch=2,
        samples=4,
        verbose=0,
        mixed_precision=True,
        export="saved_model,tflite,onnx",
        output_dir=str(tmp_path / "run"),
    )
    model, history = run(config)
    assert keras.mixed_precision.dtype_policy().name == "float32"
    assert model.dtype_policy.name == "mixed_bfloat16"
    assert all(np.isfinite(v[-1]) for v in history.history.values())
    assert json.loads((tmp_path / "run" / "config.json").read_text())["mixed_precision"] is True
    generator = keras.saving.load_model(tmp_path / "run" / "generator.keras")
    assert "mixed_bfloat16" in {layer.dtype_policy.name for layer in generator.layers}
    (report_path,) = (tmp_path / "saved_models").glob("*/export_report.json")
    report = json.loads(report_path.read_text())
    assert report["passed"] is True and report["mixed_precision"] == "mixed_bfloat16"
    assert {a["key"] for a in report["artifacts"]} >= {"saved_model", "tflite_float32", "onnx"}
