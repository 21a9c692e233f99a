#!/usr/bin/env python3
"""Write a VGG-sized dense head as ONNX, for the memory benchmark (scripts/measure_onnx_memory.sh); not committed.

usage: make_vgg_head_onnx.py OUT.onnx

Graph (PyTorch layout, opset 17): input (N, 25088) -> Gemm(transB=1, fc6.weight (4096, 25088), fc6.bias) -> Relu
-> Gemm(transB=1, fc8.weight (10, 4096), fc8.bias) -> Softmax. Weights are seeded normal noise scaled like a
Glorot start; fc6.weight alone is 411 MB of float32, written into the .onnx itself (under the 2 GB protobuf limit).
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def main(path):
    rng = np.random.default_rng(0)
    shapes = {"fc6": (4096, 25088), "fc8": (10, 4096)}
    initializers = []
    for name, (units, inputs) in shapes.items():
        weight = rng.standard_normal((units, inputs), dtype=np.float32)
        weight *= np.float32(np.sqrt(2.0 / (units + inputs)))
        initializers += [numpy_helper.from_array(weight, f"{name}.weight"),
                         numpy_helper.from_array(np.zeros(units, dtype=np.float32), f"{name}.bias")]
        del weight
    nodes = [
        helper.make_node("Gemm", ["input", "fc6.weight", "fc6.bias"], ["fc6_out"], name="/fc6/Gemm", transB=1),
        helper.make_node("Relu", ["fc6_out"], ["relu6_out"], name="/relu6/Relu"),
        helper.make_node("Gemm", ["relu6_out", "fc8.weight", "fc8.bias"], ["logits"], name="/fc8/Gemm", transB=1),
        helper.make_node("Softmax", ["logits"], ["output"], name="/softmax/Softmax", axis=1),
    ]
    graph = helper.make_graph(nodes, "vgg_head", [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 25088])],
                              [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["N", 10])], initializers)
    onnx.save_model(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)


if __name__ == "__main__":
    main(sys.argv[1])
