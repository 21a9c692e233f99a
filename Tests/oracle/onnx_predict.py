#!/usr/bin/env python3
"""Test oracle: check an ONNX model and run it with onnxruntime on an input array.

usage: onnx_predict.py MODEL INPUT.npy OUTPUT.npy [MODEL INPUT.npy OUTPUT.npy ...]

Several triples share one start-up (onnx + onnxruntime imports), which is most of the cost.

Each MODEL is first checked with onnx.checker.check_model(path, full_check=True) (external data beside it is
found by the checker); an invalid model fails. It is then run on CPU by onnxruntime with no graph optimisations
(ORT_DISABLE_ALL, so the graph runs as written). INPUT.npy is cast to float32 and reshaped to the model's input
shape when that is fixed apart from the batch (e.g. (N,784) -> (N,1,28,28)); the caller does any /255 scaling.
The first output that is a float tensor (skipping e.g. skl2onnx's int64 `label`) goes to OUTPUT.npy as float32;
failing that, a ZipMap output (one {class: probability} per example), as rows ordered by class.
Exit status 0 on success; otherwise non-zero with a one-line message on stderr (1: check/load/run failure, 2: usage).
"""
import sys


def fail(msg, code=1):
    print(" ".join(str(msg).split()), file=sys.stderr)
    sys.exit(code)


def main(argv):
    if len(argv) < 4 or (len(argv) - 1) % 3 != 0:
        fail("usage: onnx_predict.py MODEL INPUT.npy OUTPUT.npy [MODEL INPUT.npy OUTPUT.npy ...]", 2)
    for start in range(1, len(argv), 3):
        predict(*argv[start:start + 3])
    return 0


def predict(model_path, in_path, out_path):
    import numpy as np
    import onnx
    import onnxruntime as ort

    try:
        onnx.checker.check_model(model_path, full_check=True)
    except Exception as e:  # noqa: BLE001
        fail(f"invalid model: {model_path}: {type(e).__name__}: {e}")
    try:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        options.log_severity_level = 3
        session = ort.InferenceSession(model_path, options, providers=["CPUExecutionProvider"])
    except Exception as e:  # noqa: BLE001
        fail(f"load failed: {model_path}: {type(e).__name__}: {e}")
    try:
        x = np.load(in_path).astype(np.float32)
    except Exception as e:  # noqa: BLE001
        fail(f"cannot read input {in_path}: {type(e).__name__}: {e}")
    model_input = session.get_inputs()[0]
    shape = tuple(model_input.shape[1:])
    if all(isinstance(d, int) for d in shape) and x.shape[1:] != shape:
        x = x.reshape((x.shape[0],) + shape)
    outputs = [o for o in session.get_outputs() if o.type == "tensor(float)"]
    outputs = outputs or [o for o in session.get_outputs() if o.type.startswith("seq(map(")]
    if not outputs:
        fail(f"{model_path}: no float tensor or ZipMap output")
    try:
        y = session.run([outputs[0].name], {model_input.name: x})[0]
    except Exception as e:  # noqa: BLE001
        fail(f"run failed: {model_path}: {type(e).__name__}: {e}")
    if isinstance(y, list):  # ZipMap: one {class: probability} per example
        y = [[row[key] for key in sorted(row)] for row in y]
    np.save(out_path, np.asarray(y, dtype=np.float32))


if __name__ == "__main__":
    sys.exit(main(sys.argv))
