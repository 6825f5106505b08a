"""FLOPs of a traced TensorFlow graph, summed from the Conv/MatMul ops' static shapes.

Only the ops that dominate a GAN train step are counted (convolutions, their two
gradients, transposed convolutions, matrix products); elementwise ops, reductions
and normalizations are left out, so the figure is a lower bound of the work done.
One multiply-add counts as 2 FLOPs.
"""

import numpy as np
import tensorflow as tf

COUNTED_OPS = (
    "Conv2D",
    "Conv2DBackpropInput",
    "Conv2DBackpropFilter",
    "DepthwiseConv2dNative",
    "DepthwiseConv2dNativeBackpropInput",
    "DepthwiseConv2dNativeBackpropFilter",
    "MatMul",
    "BatchMatMul",
    "BatchMatMulV2",
    "BatchMatMulV3",
    "_FusedConv2D",
    "_MklFusedConv2D",
    "_FusedMatMul",
)


_BATCH = [None]  # the batch size assumed for an unknown leading dimension (graph_flops)


def _shape(tensor):
    shape = tensor.shape
    if shape.rank is None:
        return None
    dims = shape.as_list()
    if dims and dims[0] is None and _BATCH[0]:  # e.g. images drawn from CycleGAN's pools
        dims[0] = _BATCH[0]
    return None if any(d is None for d in dims) else dims


def _conv_flops(op):
    """2 * N * Ho * Wo * Cout * Kh * Kw * Cin for a conv or either of its gradients."""
    kind = op.type
    if kind in ("Conv2D", "_FusedConv2D", "_MklFusedConv2D"):
        filter_shape, out = _shape(op.inputs[1]), _shape(op.outputs[0])
    elif kind == "Conv2DBackpropInput":  # (input_sizes, filter, out_backprop)
        filter_shape, out = _shape(op.inputs[1]), _shape(op.inputs[2])
    else:  # Conv2DBackpropFilter: (input, filter_sizes, out_backprop) -> filter gradient
        filter_shape, out = _shape(op.outputs[0]), _shape(op.inputs[2])
    if filter_shape is None or out is None:
        return None
    kh, kw, cin, _ = filter_shape
    return 2 * int(np.prod(out, dtype=np.int64)) * kh * kw * cin


def _depthwise_flops(op):
    if op.type == "DepthwiseConv2dNative":
        filter_shape, out = _shape(op.inputs[1]), _shape(op.outputs[0])
    elif op.type == "DepthwiseConv2dNativeBackpropInput":
        filter_shape, out = _shape(op.inputs[1]), _shape(op.inputs[2])
    else:
        filter_shape, out = _shape(op.outputs[0]), _shape(op.inputs[2])
    if filter_shape is None or out is None:
        return None
    kh, kw = filter_shape[:2]
    return 2 * int(np.prod(out, dtype=np.int64)) * kh * kw


def _matmul_flops(op):
    a, out = _shape(op.inputs[0]), _shape(op.outputs[0])
    if a is None or out is None:
        return None
    if op.type in ("MatMul", "_FusedMatMul"):
        k = a[0] if op.get_attr("transpose_a") else a[1]
    else:
        adj = op.get_attr("adj_x")
        k = a[-2] if adj else a[-1]
    return 2 * int(np.prod(out, dtype=np.int64)) * k


def op_flops(op):
    """FLOPs of one graph op, 0 for ops not counted, `None` when shapes are unknown."""
    if op.type not in COUNTED_OPS:
        return 0
    if op.type.startswith("Depthwise"):
        return _depthwise_flops(op)
    if "MatMul" in op.type:
        return _matmul_flops(op)
    return _conv_flops(op)


def graph_flops(graph, batch_size=None):
    """Sum `op_flops` over a graph and its nested function graphs (cond/while bodies).

    Args:
        graph: a `tf.Graph` (e.g. `concrete_function.graph`).
        batch_size: taken for a tensor's unknown leading dimension (`None`: such
            ops are not counted).

    Returns:
        `(flops, by_type, unknown)`: total FLOPs, FLOPs per op type, and the number of
        counted ops whose shapes were not static (left out of the total).
    """
    total, by_type, unknown = 0, {}, 0
    seen = set()

    def visit(g):
        nonlocal total, unknown
        for op in g.get_operations():
            flops = op_flops(op)
            if flops is None:
                unknown += 1
            elif flops:
                total += flops
                by_type[op.type] = by_type.get(op.type, 0) + flops
        for function in getattr(g, "_functions", {}).values():
            inner = getattr(function, "graph", None)
            if inner is not None and id(inner) not in seen:
                seen.add(id(inner))
                visit(inner)

    _BATCH[0] = batch_size
    try:
        visit(graph)
    finally:
        _BATCH[0] = None
    return total, by_type, unknown


def function_flops(fn, *input_signature, batch_size=None):
    """FLOPs of one call of `fn` traced as a `tf.function` for `input_signature`.

    Args:
        fn: a Python callable of tensors (e.g. `model.train_step`).
        *input_signature: `tf.TensorSpec` structures of the arguments.
        batch_size: see `graph_flops`.

    Returns:
        The `graph_flops` triple.

    Example:
    ```python
    flops, _, _ = function_flops(tf.matmul, tf.TensorSpec([8, 4]), tf.TensorSpec([4, 2]))  # 128
    ```
    """
    concrete = tf.function(fn, autograph=False).get_concrete_function(*input_signature)
    return graph_flops(concrete.graph, batch_size)
