#!/usr/bin/env python3
"""Test oracle: run one Keras layer, built from a JSON spec, on an input array.

usage: keras_layer.py SPEC.json INPUT.npy OUTPUT.npy [SPEC.json INPUT.npy OUTPUT.npy ...]

Several triples share one start-up of Keras. SPEC.json holds:
  class_name     a keras.layers class, e.g. "Conv2D", "MaxPooling2D", "BatchNormalization"
  config         its constructor arguments
  input_shape    one example's shape, e.g. [5, 7, 3] (channels last)
  weights        .npy paths, in the order of layer.get_weights() (may be empty)
  training       call the layer with training=True (default false)
  input          optional .npy path: the layer's input, used instead of INPUT.npy
  weights_after  optional .npy paths: where to save layer.get_weights() after the call (e.g. moving statistics)
The input is cast to float32 and reshaped to (N,) + input_shape; the output is saved as float32 (N, -1).
Exit status 0 on success; otherwise non-zero with a one-line message on stderr (1: failure, 2: usage).
Backend: jax on CPU (see _keras_env.py).
"""
import json
import sys

import _keras_env  # noqa: F401  (must come before keras)
from _keras_env import fail


def main(argv):
    if len(argv) < 4 or (len(argv) - 1) % 3 != 0:
        fail("usage: keras_layer.py SPEC.json INPUT.npy OUTPUT.npy [SPEC.json INPUT.npy OUTPUT.npy ...]", 2)
    for start in range(1, len(argv), 3):
        run(*argv[start:start + 3])
    return 0


def run(spec_path, in_path, out_path):
    import keras
    import numpy as np

    try:
        with open(spec_path) as f:
            spec = json.load(f)
        layer = getattr(keras.layers, spec["class_name"])(**spec["config"])
        shape = tuple(spec["input_shape"])
        x = np.load(spec.get("input", in_path)).astype(np.float32)
        x = x.reshape((x.shape[0],) + shape)
        layer.build((None,) + shape)
        layer.set_weights([np.load(path).astype(np.float32) for path in spec.get("weights", [])])
        y = layer(x, training=bool(spec.get("training", False)))
        np.save(out_path, np.asarray(y, dtype=np.float32).reshape(x.shape[0], -1))
        for value, path in zip(layer.get_weights(), spec.get("weights_after", [])):
            np.save(path, np.asarray(value, dtype=np.float32))
    except Exception as e:  # noqa: BLE001
        fail(f"layer failed: {spec_path}: {type(e).__name__}: {e}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
