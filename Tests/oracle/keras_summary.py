#!/usr/bin/env python3
"""Test oracle: describe the layers of a Keras model file.

usage: keras_summary.py MODEL

Loads MODEL (.h5 or .keras) with keras.saving.load_model(path, compile=False), no custom
objects, and prints on stdout one line of JSON: a list with one entry per layer, in
model.layers order,
    {"name": str, "class_name": str, "output_shape": [null|int, ...], "param_count": int}
(output_shape without batch dimension removed, i.e. [null, 96]; a list of such lists for a layer
with several outputs; null if the layer has no symbolic output). Functional models list their
InputLayer; Sequential models hide it, as model.layers does.
Exit status 0 on success; otherwise non-zero with a one-line message on stderr.
"""
import json
import sys

import _keras_env  # noqa: F401  (must come before keras)
from _keras_env import fail, load_model


def shape_of(layer):
    try:
        out = layer.output
    except Exception:  # noqa: BLE001  (layer never called symbolically)
        return None
    if isinstance(out, (list, tuple)):
        return [list(t.shape) for t in out]
    return list(out.shape)


def main(argv):
    if len(argv) != 2:
        fail("usage: keras_summary.py MODEL", 2)
    model = load_model(argv[1])
    try:
        rows = [{"name": l.name, "class_name": l.__class__.__name__,
                 "output_shape": shape_of(l), "param_count": int(l.count_params())}
                for l in model.layers]
    except Exception as e:  # noqa: BLE001
        fail(f"summary failed: {argv[1]}: {type(e).__name__}: {e}")
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
