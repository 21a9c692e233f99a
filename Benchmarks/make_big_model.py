"""Writes the streaming benchmark's model: a Keras .h5 with one 400 MB Dense layer (VGG's fc6 shape).

    KERAS_BACKEND=jax python make_big_model.py OUT.h5
Input 25088 → Dense 4096 (relu, kernel 25088×4096 float32 = 411 MB) → Dense 10 (softmax). Glorot-uniform weights from
Keras itself; the file is generated, never committed.
"""
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402

path = sys.argv[1]
keras.utils.set_random_seed(0)
model = keras.Sequential([
    keras.Input(shape=(25088,)),
    keras.layers.Dense(4096, activation="relu", name="fc6"),
    keras.layers.Dense(10, activation="softmax", name="predictions"),
], name="vgg_head")
model.save(path)
print(path, os.path.getsize(path))
