#!/usr/bin/env python3
"""Test helper: writes keras.applications models with random weights (weights=None) into a folder.

usage: keras_applications.py FOLDER

Writes, each as .h5 and .keras (sizes: ResNet50 ~95 MB, the others < 3 MB; never commit them):
  mobilenet_v2   MobileNetV2(input_shape=(32, 32, 3), alpha=0.35, classes=10)
  resnet50       ResNet50(input_shape=(32, 32, 3), classes=10)
  transfer       Sequential([Input((32, 32, 3)), MobileNetV2(include_top=False, alpha=0.35),
                 GlobalAveragePooling2D(), Dense(5, softmax)]): a nested functional model
Seeded; batch norm statistics are left as Keras initialises them. Exit status 0 on success, else a
one-line message on stderr.
"""
import os
import sys

import _keras_env  # noqa: F401  (must come before keras)
from _keras_env import fail


def main(argv):
    if len(argv) != 2:
        fail("usage: keras_applications.py FOLDER", 2)
    import keras
    keras.utils.set_random_seed(7)
    shape = (32, 32, 3)
    models = {
        "mobilenet_v2": keras.applications.MobileNetV2(input_shape=shape, alpha=0.35, weights=None, classes=10),
        "resnet50": keras.applications.ResNet50(input_shape=shape, weights=None, classes=10),
        "transfer": keras.Sequential([
            keras.Input(shape),
            keras.applications.MobileNetV2(input_shape=shape, alpha=0.35, include_top=False, weights=None),
            keras.layers.GlobalAveragePooling2D(), keras.layers.Dense(5, activation="softmax"),
        ], name="transfer"),
    }
    for name, model in models.items():
        for extension in (".h5", ".keras"):
            try:
                model.save(os.path.join(argv[1], name + extension))
            except Exception as e:  # noqa: BLE001
                fail(f"cannot save {name}{extension}: {type(e).__name__}: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
