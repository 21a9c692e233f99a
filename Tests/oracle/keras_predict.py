#!/usr/bin/env python3
"""Test oracle: run a Keras model file on an input array.

usage: keras_predict.py MODEL INPUT.npy OUTPUT.npy [MODEL INPUT.npy OUTPUT.npy ...]

Several triples share one start-up of Keras (seconds), which is most of the cost.

MODEL is a .h5 (legacy HDF5) or .keras (zip) file. It is loaded with
keras.saving.load_model(path, compile=False) and NO custom objects, so a file that needs custom
code fails here, on purpose. INPUT.npy is cast to float32 and reshaped to the model's input shape
(e.g. (N,784) -> (N,28,28) when the model wants that; the caller does any /255 scaling); the
predictions of model.predict(x, verbose=0) go to OUTPUT.npy as float32.
Exit status 0 on success; otherwise non-zero with a one-line message on stderr
(1: load/input/predict failure, 2: usage).
Backend: jax on CPU, TensorFlow is never imported (see _keras_env.py for the start-up tricks).
"""
import sys

import _keras_env  # noqa: F401  (must come before keras)
from _keras_env import fail, load_model


def main(argv):
    if len(argv) < 4 or (len(argv) - 1) % 3 != 0:
        fail("usage: keras_predict.py MODEL INPUT.npy OUTPUT.npy [MODEL INPUT.npy OUTPUT.npy ...]", 2)
    for start in range(1, len(argv), 3):
        predict(*argv[start:start + 3])
    return 0


def predict(model_path, in_path, out_path):
    import numpy as np

    model = load_model(model_path)
    try:
        x = np.load(in_path).astype(np.float32)
    except Exception as e:  # noqa: BLE001
        fail(f"cannot read input {in_path}: {type(e).__name__}: {e}")
    try:
        shape = tuple(model.inputs[0].shape[1:])
        if None not in shape and x.shape[1:] != shape:
            x = x.reshape((x.shape[0],) + shape)
        y = model.predict(x, verbose=0)
    except Exception as e:  # noqa: BLE001
        fail(f"predict failed: {model_path}: {type(e).__name__}: {e}")
    try:
        np.save(out_path, np.asarray(y, dtype=np.float32))
    except Exception as e:  # noqa: BLE001
        fail(f"cannot write {out_path}: {type(e).__name__}: {e}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
