"""Writes the streaming benchmark's ONNX model: MatMul(25088×4096, 411 MB) + Add → Relu → MatMul(4096×10) + Add →
Softmax, with onnx.helper (Glorot-uniform weights from numpy; generated, never committed).

    python make_big_onnx.py OUT.onnx
"""
import math
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

path = sys.argv[1]
rng = np.random.default_rng(0)


def glorot(fan_in, fan_out):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32)


initializers = [
    numpy_helper.from_array(glorot(25088, 4096), "fc6_kernel"),
    numpy_helper.from_array(np.zeros(4096, np.float32), "fc6_bias"),
    numpy_helper.from_array(glorot(4096, 10), "predictions_kernel"),
    numpy_helper.from_array(np.zeros(10, np.float32), "predictions_bias"),
]
nodes = [
    helper.make_node("MatMul", ["input", "fc6_kernel"], ["fc6_mm"], name="fc6"),
    helper.make_node("Add", ["fc6_mm", "fc6_bias"], ["fc6_out"], name="fc6_add"),
    helper.make_node("Relu", ["fc6_out"], ["fc6_relu"], name="fc6_relu"),
    helper.make_node("MatMul", ["fc6_relu", "predictions_kernel"], ["pred_mm"], name="predictions"),
    helper.make_node("Add", ["pred_mm", "predictions_bias"], ["logits"], name="predictions_add"),
    helper.make_node("Softmax", ["logits"], ["probabilities"], name="softmax", axis=-1),
]
graph = helper.make_graph(
    nodes, "vgg_head",
    [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 25088])],
    [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["N", 10])],
    initializers)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
onnx.save(model, path)
print(path)
