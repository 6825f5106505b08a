"""What a generator takes and returns, and the `tf.Module` that serves it.

Generators are recognised by their input names (falling back on dtype and rank):

* latent generators (GAN): `z` float32 `(N, latent_dim)`, plus `label` int32 `(N,)`
  when class-conditional;
* image-to-image generators: `image` float32 NHWC in [-1, 1], H and W may be dynamic;
* inpainting generators: `image` and `mask` (float32 NHW1, 1 = hole).

The output is the first (or only) model output, an NHWC float32 image in [-1, 1].
"""

import dataclasses

import keras
import tensorflow as tf

from keras_gan.data.pixels import from_uint8, to_uint8

LATENT = "latent"
LABEL = "label"
IMAGE = "image"
MASK = "mask"

_ROLE_BY_NAME = {
    "z": LATENT,
    "latent": LATENT,
    "noise": LATENT,
    "label": LABEL,
    "labels": LABEL,
    "class": LABEL,
    "class_id": LABEL,
    "image": IMAGE,
    "images": IMAGE,
    "input_image": IMAGE,
    "mask": MASK,
    "masks": MASK,
}


@dataclasses.dataclass(frozen=True)
class InputSpec:
    """One generator input.

    Attributes:
        name: the input's name (the serving signature's key).
        role: `"latent"`, `"label"`, `"image"` or `"mask"`.
        shape: shape including the batch dimension (`None` where dynamic).
        dtype: dtype name, e.g. `"float32"` or `"int32"`.
    """

    name: str
    role: str
    shape: tuple
    dtype: str


@dataclasses.dataclass(frozen=True)
class GeneratorSpec:
    """The serving interface of a generator.

    Attributes:
        kind: `"latent"` (GAN), `"image"` (image-to-image) or `"inpainting"`.
        inputs: tuple of `InputSpec`, in the order of `generator.inputs`.
        output_shape: the output shape including the batch dimension.
        num_classes: classes of the `label` input (from its embedding), or `None`.
    """

    kind: str
    inputs: tuple
    output_shape: tuple
    num_classes: int | None = None

    def input(self, role):
        """Return the first `InputSpec` with `role`, or `None`."""
        return next((i for i in self.inputs if i.role == role), None)

    def to_json(self):
        """Return a JSON-serializable dict."""
        return {
            "kind": self.kind,
            "inputs": [
                {"name": i.name, "role": i.role, "shape": list(i.shape), "dtype": i.dtype}
                for i in self.inputs
            ],
            "output": {"name": "image", "shape": list(self.output_shape), "dtype": "float32"},
            "num_classes": self.num_classes,
        }


def _dtype_name(dtype):
    return keras.backend.standardize_dtype(dtype)


def _role(name, dtype, rank, seen):
    role = _ROLE_BY_NAME.get(name.lower().split(":")[0])
    if role is not None:
        return role
    if "int" in dtype:
        return LABEL
    if rank == 2:
        return LATENT
    if rank == 4:
        return MASK if IMAGE in seen else IMAGE
    raise ValueError(
        "Cannot tell what a generator input is: name it `z`, `label`, `image` or "
        f"`mask`. Received: input name={name!r}, dtype={dtype}, rank={rank}"
    )


def _num_classes(generator):
    for layer in iter_layers(generator):
        if isinstance(layer, keras.layers.Embedding):
            return int(layer.input_dim)
    return None


def iter_layers(model):
    """Yield every layer of `model`, recursing into nested models and wrappers.

    Args:
        model: a `keras.Model` or layer.

    Returns:
        A generator of `keras.layers.Layer`.

    Example:
    ```python
    names = [layer.name for layer in iter_layers(generator)]
    ```
    """
    for layer in getattr(model, "layers", []):
        yield layer
        if getattr(layer, "layers", None):
            yield from iter_layers(layer)
        inner = getattr(layer, "layer", None)
        if isinstance(inner, keras.layers.Layer):
            yield inner


def describe_generator(generator):
    """Find out what kind of generator `generator` is from its inputs.

    Args:
        generator: a functional `keras.Model` (see the module docstring).

    Returns:
        A `GeneratorSpec`.

    Example:
    ```python
    spec = describe_generator(keras_gan.networks.dcgan_generator(latent_dim=8, image_size=16))
    spec.kind  # "latent"
    ```
    """
    if hasattr(generator, "export_generator"):  # a whole keras_gan training model
        raise ValueError(
            f"This is a whole `{type(generator).__name__}` training model, not a generator: "
            "export the generator it saved next to it (`generator.keras`), or pass "
            "`model.export_generator()`. Received: generator="
            f"<{type(generator).__name__} {generator.name!r}>"
        )
    if not isinstance(generator, keras.Model) or not getattr(generator, "inputs", None):
        raise ValueError(
            "Export needs a functional `keras.Model` with named inputs. "
            f"Received: generator={generator!r}"
        )
    inputs = [
        (t.name, _dtype_name(t.dtype), tuple(None if d is None else int(d) for d in t.shape))
        for t in generator.inputs
    ]
    output_shape = tuple(None if d is None else int(d) for d in generator.outputs[0].shape)
    spec = spec_from_inputs(inputs, output_shape)
    if spec.input(LABEL) is not None:
        spec = dataclasses.replace(spec, num_classes=_num_classes(generator))
    return spec


def spec_from_inputs(inputs, output_shape, num_classes=None):
    """Build a `GeneratorSpec` from input names, dtypes and shapes (any runtime's).

    Args:
        inputs: list of `(name, dtype_name, shape)`; shape includes the batch axis.
        output_shape: the output shape including the batch axis.
        num_classes: classes of the `label` input, when known.

    Returns:
        A `GeneratorSpec`.

    Raises:
        ValueError: for inputs or outputs that are not a generator's.

    Example:
    ```python
    spec = spec_from_inputs([("z", "float32", (None, 64))], (None, 28, 28, 1))
    ```
    """
    items, roles = [], []
    for name, dtype, shape in inputs:
        role = _role(name, dtype, len(shape), roles)
        roles.append(role)
        items.append(InputSpec(name=name, role=role, shape=tuple(shape), dtype=dtype))
    if LATENT in roles:
        kind = LATENT
    elif IMAGE in roles and MASK in roles:
        kind = "inpainting"
    elif IMAGE in roles:
        kind = IMAGE
    else:
        raise ValueError(
            "A generator needs a `z` (latent) or an `image` input. "
            f"Received: inputs={[i.name for i in items]}"
        )
    output_shape = tuple(output_shape)
    if len(output_shape) != 4:
        raise ValueError(
            f"A generator must output NHWC images. Received: output shape={output_shape}"
        )
    if kind != LATENT:
        _check_image_output(next(i for i in items if i.role == IMAGE).shape, output_shape)
    return GeneratorSpec(
        kind=kind,
        inputs=tuple(items),
        output_shape=output_shape,
        num_classes=num_classes if LABEL in roles else None,
    )


def _check_image_output(input_shape, output_shape):
    """Raise unless the output is an image like the input (a discriminator's scores are not).

    Image generators output the input's H and W or an integer multiple of them
    (super-resolution), and not one channel from several (a score map); dynamic
    dimensions are not checked.
    """
    bad = output_shape[3] == 1 and (input_shape[3] or 1) > 1
    for axis in (1, 2):
        size_in, size_out = input_shape[axis], output_shape[axis]
        if size_in and size_out and (size_out < size_in or size_out % size_in):
            bad = True
    if bad:
        raise ValueError(
            "This model is not an image generator: it outputs one channel from several, or "
            "images smaller than (or not an integer multiple of) its input, as a "
            "discriminator's score map does. Received: input shape="
            f"{tuple(input_shape)}, output shape={tuple(output_shape)}"
        )


def _tensor_spec(item, batch_size, image_size, dtype=None):
    shape = list(item.shape)
    shape[0] = batch_size
    if item.role in (IMAGE, MASK) and image_size is not None:
        for axis in (1, 2):
            if shape[axis] is None:
                shape[axis] = image_size
            elif shape[axis] != image_size:
                raise ValueError(
                    f"The generator's `{item.name}` input is {shape[axis]} px, not the "
                    f"requested size. Received: image_size={image_size}"
                )
    return tf.TensorSpec(shape, dtype or item.dtype, name=item.name)


def _check_shapes(args, input_signature):
    """`args` with their signature shapes checked when the graph runs.

    A loaded SavedModel signature does not check its inputs' shapes: a wrong shape
    fails somewhere inside the network, or not at all (convolutions take any size).
    `EnsureShape` fails first, naming the input and both shapes.
    """
    return [tf.ensure_shape(a, spec.shape) for a, spec in zip(args, input_signature, strict=True)]


class ServingModule(tf.Module):
    """A `tf.Module` with the serving signatures of a generator.

    `serving_default` takes the generator's inputs by name and returns
    `{"image": float32 NHWC in [-1, 1]}`; `serving_uint8` returns uint8 RGB pixels
    and, for image inputs, takes uint8 pixels too (latents and labels are unchanged;
    masks stay float32). Both check their inputs' shapes when they run
    (`EnsureShape`), since a loaded SavedModel signature does not.

    Image-to-image generators with dynamic H and W also get `serving_image_bytes`:
    `image_bytes` (string `[N]`, encoded PNG/JPEG/BMP/GIF files of any size; TF
    Serving's REST API takes them as `{"b64": ...}`) and, for inpainting,
    `mask_bytes` (white = hole, resized to its image) in; `{"image_bytes": PNG
    files}` out. Each image is reflect-padded to the multiple the network needs
    and the output cropped back, so any H x W works.

    The Keras model's `tf.Variable`s are tracked explicitly: without that, the
    TFLite converter leaves READ_VARIABLE ops in the graph.

    Args:
        generator: the generator `keras.Model`.
        spec: its `GeneratorSpec`.
        batch_size: `None` (dynamic) or a fixed batch size (TFLite uses 1).
        image_size: fixes dynamic image H and W (TFLite needs static shapes).
        image_bytes: add `serving_image_bytes` (image generators with dynamic H
            and W only; ignored otherwise).

    Returns:
        A `tf.Module` with `serving_default` and `serving_uint8` (and
        `serving_image_bytes`) `tf.function`s.

    Example:
    ```python
    module = ServingModule(generator, describe_generator(generator))
    tf.saved_model.save(module, path, signatures=module.signatures())
    ```
    """

    def __init__(self, generator, spec, batch_size=None, image_size=None, image_bytes=False):
        super().__init__(name="serving")
        self.generator = generator
        self.tracked_variables = [getattr(v, "value", v) for v in generator.variables]
        self._spec = spec
        float_specs = [_tensor_spec(i, batch_size, image_size) for i in spec.inputs]
        uint8_specs = [
            _tensor_spec(i, batch_size, image_size, "uint8" if i.role == IMAGE else None)
            for i in spec.inputs
        ]
        self.serving_default = tf.function(self._serve_float, input_signature=float_specs)
        self.serving_uint8 = tf.function(self._serve_uint8, input_signature=uint8_specs)
        self.serving_image_bytes = None
        image = spec.input(IMAGE)
        if (
            image_bytes
            and spec.kind != LATENT
            and image_size is None
            and image.shape[1] is None
            and image.shape[2] is None
        ):
            self._scale, self._multiple = _generator_geometry(generator, spec)
            bytes_specs = [tf.TensorSpec([batch_size], tf.string, name="image_bytes")]
            if spec.kind == "inpainting":
                bytes_specs.append(tf.TensorSpec([batch_size], tf.string, name="mask_bytes"))
            self.serving_image_bytes = tf.function(
                self._serve_image_bytes, input_signature=bytes_specs
            )

    def _generate(self, args):
        inputs = list(args) if len(args) > 1 else args[0]
        outputs = self.generator(inputs, training=False)
        if isinstance(outputs, dict):
            outputs = outputs.get("image", next(iter(outputs.values())))
        elif isinstance(outputs, (list, tuple)):
            outputs = outputs[0]
        return tf.cast(outputs, tf.float32)

    def _serve_float(self, *args):
        args = _check_shapes(args, self.serving_default.input_signature)
        return {"image": self._generate(args)}

    def _serve_uint8(self, *args):
        args = _check_shapes(args, self.serving_uint8.input_signature)
        args = [
            from_uint8(a) if item.role == IMAGE else a
            for item, a in zip(self._spec.inputs, args, strict=True)
        ]
        return {"image": to_uint8(self._generate(args))}

    def _serve_image_bytes(self, image_bytes, mask_bytes=None):
        channels = self._spec.input(IMAGE).shape[3]
        multiple, scale = self._multiple, self._scale

        def pad(x, height, width):
            return tf.pad(
                x,
                [[0, 0], [0, (-height) % multiple], [0, (-width) % multiple], [0, 0]],
                mode="REFLECT",
            )

        def one(elements):
            image = tf.io.decode_image(
                elements[0], channels=channels, dtype=tf.uint8, expand_animations=False
            )
            height, width = tf.shape(image)[0], tf.shape(image)[1]
            args = [pad(from_uint8(image)[None], height, width)]
            if len(elements) > 1:
                mask = tf.io.decode_image(
                    elements[1], channels=1, dtype=tf.float32, expand_animations=False
                )
                mask = tf.image.resize(mask, [height, width], method="area")
                args.append(pad(tf.cast(mask > 0.5, tf.float32)[None], height, width))
            output = self._generate(args)[0, : height * scale, : width * scale]
            return tf.io.encode_png(to_uint8(output))

        elements = (image_bytes,) if mask_bytes is None else (image_bytes, mask_bytes)
        encoded = tf.map_fn(one, elements, fn_output_signature=tf.TensorSpec([], tf.string))
        return {"image_bytes": encoded}

    def signatures(self, uint8=True):
        """Return the `signatures` dict for `tf.saved_model.save`."""
        signatures = {"serving_default": self.serving_default.get_concrete_function()}
        if uint8:
            signatures["serving_uint8"] = self.serving_uint8.get_concrete_function()
        if self.serving_image_bytes is not None:
            signatures["serving_image_bytes"] = self.serving_image_bytes.get_concrete_function()
        return signatures


def _generator_geometry(generator, spec):
    """`(scale, multiple)` of a dynamic-size image generator, probed on small images."""
    from keras_gan.predict.geometry import probe_geometry

    def run(image, mask):
        inputs = [image] if mask is None else [image, mask]
        outputs = generator(inputs if len(inputs) > 1 else inputs[0], training=False)
        if isinstance(outputs, dict):
            outputs = outputs.get("image", next(iter(outputs.values())))
        elif isinstance(outputs, (list, tuple)):
            outputs = outputs[0]
        return keras.ops.convert_to_numpy(outputs)

    return probe_geometry(run, spec.input(IMAGE).shape[3], with_mask=spec.kind == "inpainting")
