#!/usr/bin/env python3
"""Make the fuzzers' seed corpora in Fuzz/corpus/<harness>/ (small valid inputs, a few hundred bytes to ~30 KB each).

Run from the repository root with the test venv (the files are committed; rerun only to change them):

    KERAS_BACKEND=jax .venv/bin/python Fuzz/make_corpus.py

Seeds are small so that the fuzzers run fast: a 4 -> 3 -> 2 Keras MLP (.h5 Keras 3 and Keras 2 layouts, .keras),
the same Keras files re-encoded for
fuzz-keras-h5-structure, ONNX Gemm/MatMul chains of the same size plus the small ONNX fixtures (graphs with fan-out,
merges, Concat, Pad, depthwise convolutions, a computed flatten, and a self-loop, a cycle, a dangling input), 3 images
of 2x2 for the datasets.
Also writes the hand-made ONNX regression inputs in fixtures/fuzz/ (the .h5 ones there are fuzzer outputs).
"""
import gzip
import io
import json
import os
import shutil
import zipfile

os.environ.setdefault("KERAS_BACKEND", "jax")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import onnx  # noqa: E402
from onnx import TensorProto, helper, numpy_helper  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "Fuzz", "corpus")
FIXTURES = os.path.join(ROOT, "fixtures")
RNG = np.random.default_rng(7)


def folder(harness):
    path = os.path.join(CORPUS, harness)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write(harness_folder, name, data):
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(harness_folder, name), "wb") as f:
        f.write(data)


def keras_models():
    """The tiny Sequential and functional models, built (not trained) with fixed weights."""
    import keras
    from keras import layers
    keras.utils.set_random_seed(7)
    sequential = keras.Sequential([keras.Input((4,), name="pixels"), layers.Dense(3, activation="relu", name="dense_1"),
                                   layers.Dense(2, activation="softmax", name="logits")], name="tiny")
    inputs = keras.Input((2, 2), name="image")
    x = layers.Flatten(name="flatten")(inputs)
    x = layers.Dense(3, activation="gelu", name="dense_1")(x)
    x = layers.Dropout(0.1, name="dropout")(x)
    x = layers.Dense(2, name="logits")(x)
    functional = keras.Model(inputs, layers.Activation("softmax", name="softmax")(x), name="tiny_functional")
    return sequential, functional


def keras2_h5(path, fixed_length):
    """A Keras 2 / tf.keras layout (`<layer>/<layer>/kernel:0`), written directly with h5py."""
    config = {"class_name": "Sequential", "config": {"name": "tiny2", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32", "name": "pixels"}},
        {"class_name": "Dense", "config": {"name": "dense_1", "units": 3, "activation": "relu", "use_bias": True}},
        {"class_name": "Dense", "config": {"name": "logits", "units": 2, "activation": "softmax", "use_bias": True}}]}}
    def text(value):
        return np.bytes_(value.encode()) if fixed_length else value
    with h5py.File(path, "w") as f:
        f.attrs["model_config"] = text(json.dumps(config))
        f.attrs["keras_version"] = text("2.15.0")
        f.attrs["backend"] = text("tensorflow")
        weights = f.create_group("model_weights")
        weights.attrs["layer_names"] = [text(n) for n in ["dense_1", "logits"]]
        for name, (rows, cols) in [("dense_1", (4, 3)), ("logits", (3, 2))]:
            group = weights.create_group(name)
            group.attrs["weight_names"] = [text(f"{name}/kernel:0"), text(f"{name}/bias:0")]
            group.create_dataset(f"{name}/kernel:0", data=RNG.standard_normal((rows, cols)).astype(np.float32))
            group.create_dataset(f"{name}/bias:0", data=np.zeros(cols, np.float32))


def make_keras():
    h5, archive, config = folder("keras-h5"), folder("keras-archive"), folder("keras-config")
    sequential, functional = keras_models()
    for model in (sequential, functional):
        model.save(os.path.join(h5, model.name + ".h5"))
        model.save(os.path.join(archive, model.name + ".keras"))
    keras2_h5(os.path.join(h5, "tiny_keras2.h5"), fixed_length=True)
    keras2_h5(os.path.join(h5, "tiny_keras2_vlen.h5"), fixed_length=False)
    for name in sorted(os.listdir(h5)):
        with h5py.File(os.path.join(h5, name)) as f:
            write(config, name.replace(".h5", ".json"), f.attrs["model_config"])
    for name in ["tiny_opaque.h5", "tiny_keras2.h5"]:
        with h5py.File(os.path.join(FIXTURES, name)) as f:
            write(config, "fixture_" + name.replace(".h5", ".json"), f.attrs["model_config"])
    structure = folder("keras-h5-structure")
    for name in sorted(os.listdir(h5)):
        write(structure, name.replace(".h5", ".bin"), structure_bytes(os.path.join(h5, name)))
    with zipfile.ZipFile(os.path.join(archive, "tiny.keras")) as z:
        write(config, "tiny_archive_config.json", z.read("config.json"))


def short(text, long=False):
    data = text.encode() if isinstance(text, str) else bytes(text)
    return (len(data).to_bytes(2, "little") if long else bytes([len(data)])) + data


def short_list(texts):
    return bytes([len(texts)]) + b"".join(short(t) for t in texts)


def structure_bytes(path):
    """An .h5 file's Keras contents in the input format of fuzz-keras-h5-structure (Fuzz/Sources/FuzzSupport/KerasH5Structure.swift)."""
    def text(value):
        return value.decode() if isinstance(value, bytes) else str(value)
    with h5py.File(path) as f:
        out = short(text(f.attrs["model_config"]), long=True) + short(text(f.attrs.get("keras_version", "")))
        weights = f["model_weights"]
        out += bytes([1]) + short_list([text(n) for n in weights.attrs["layer_names"]])
        groups = [name for name in weights if "weight_names" in weights[name].attrs]
        out += bytes([len(groups)])
        for name in groups:
            group = weights[name]
            datasets = []
            group.visititems(lambda member, obj: datasets.append((member, obj.shape)) if isinstance(obj, h5py.Dataset) else None)
            out += short(name) + bytes([1]) + short_list([text(n) for n in group.attrs["weight_names"]]) + bytes([len(datasets)])
            for member, shape in datasets:
                out += short(member) + bytes([len(shape)]) + bytes(shape)
        return out


def onnx_model(nodes, initializers, input_shape, output_shape, opset=13, name="tiny"):
    graph = helper.make_graph(nodes, name, [helper.make_tensor_value_info("x", TensorProto.FLOAT, input_shape)],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, output_shape)],
                              [numpy_helper.from_array(array, key) for key, array in initializers.items()])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="make_corpus")
    model.ir_version = 7
    return model.SerializeToString()


def make_onnx():
    out = folder("onnx")
    w1, b1 = RNG.standard_normal((3, 4)).astype(np.float32), np.zeros(3, np.float32)
    w2, b2 = RNG.standard_normal((3, 2)).astype(np.float32), np.zeros(2, np.float32)
    write(out, "gemm_chain.onnx", onnx_model(
        [helper.make_node("Gemm", ["x", "w1", "b1"], ["h"], name="fc1", transB=1),
         helper.make_node("Relu", ["h"], ["r"], name="relu"),
         helper.make_node("MatMul", ["r", "w2"], ["m"], name="fc2"),
         helper.make_node("Add", ["m", "b2"], ["s"], name="fc2_add"),
         helper.make_node("Softmax", ["s"], ["y"], name="softmax")],
        {"w1": w1, "b1": b1, "w2": w2, "b2": b2}, ["N", 4], ["N", 2]))
    write(out, "flatten_gemm.onnx", onnx_model(
        [helper.make_node("Flatten", ["x"], ["f"], name="flatten"),
         helper.make_node("Gemm", ["f", "w1", "b1"], ["y"], name="fc1", transB=1)],
        {"w1": w1, "b1": b1}, ["N", 1, 2, 2], ["N", 3], opset=11))
    write(out, "identity_cast.onnx", onnx_model(
        [helper.make_node("Identity", ["w2"], ["w2i"], name="id"),
         helper.make_node("Cast", ["x"], ["xc"], name="cast", to=TensorProto.FLOAT),
         helper.make_node("MatMul", ["xc", "w2i"], ["y"], name="fc")],
        {"w2": w2}, ["N", 3], ["N", 2]))
    for name in ["bad_absolute.onnx", "bad_escape.onnx", "bad_size.onnx", "computed_weight.onnx", "computed_weight_mul.onnx",
                 "opset11_mlp.onnx", "graph_nchw.onnx", "torch_view_nchw.onnx", "mlp_ir3.onnx"]:
        shutil.copy(os.path.join(FIXTURES, name), out)
    # Graphs the importer must refuse in linear time (fixtures/fuzz, make_graph_regressions).
    for name in ["onnx_self_loop.onnx", "onnx_cycle.onnx", "onnx_dangling.onnx"]:
        shutil.copy(os.path.join(FIXTURES, "fuzz", name), out)


def make_regressions():
    """fixtures/fuzz/onnx_{matmul,gemm}_no_output.onnx: the shape of the crash fuzz-onnx found (a node that writes no value);
    onnx_add_no_output.onnx: the same for the bias Add after a MatMul (found again by `.ci/run`'s fuzz stage)."""
    w = RNG.standard_normal((4, 2)).astype(np.float32)
    for op in ["MatMul", "Gemm"]:
        model = onnx_model([helper.make_node(op, ["x", "w"], [], name="fc")], {"w": w}, ["N", 4], ["N", 2])
        write(os.path.join(FIXTURES, "fuzz"), f"onnx_{op.lower()}_no_output.onnx", model)
    b = np.zeros(2, np.float32)
    model = onnx_model([helper.make_node("MatMul", ["x", "w"], ["m"], name="fc"), helper.make_node("Add", ["m", "b"], [], name="fc_add")],
                       {"w": w, "b": b}, ["N", 4], ["N", 2])
    write(os.path.join(FIXTURES, "fuzz"), "onnx_add_no_output.onnx", model)


def make_graph_regressions():
    """fixtures/fuzz/onnx_self_loop.onnx: the shape of the file fuzz-onnx wrote on which `inspect` allocated 5.7 GB
    (a Relu that reads its own output, a Softmax output feeding the first MatMul); onnx_cycle.onnx: a cycle through
    four nodes back to the Add that reads the input; onnx_dangling.onnx: a node reading a value nothing writes."""
    rng = np.random.default_rng(15)
    w = rng.standard_normal((4, 4)).astype(np.float32)
    out = os.path.join(FIXTURES, "fuzz")
    write(out, "onnx_self_loop.onnx", onnx_model(
        [helper.make_node("Softmax", ["x"], ["s"], name="softmax"), helper.make_node("MatMul", ["s", "w"], ["h"], name="fc"),
         helper.make_node("Relu", ["h"], ["h"], name="relu")], {"w": w}, ["N", 4], ["N", 4]))
    write(out, "onnx_cycle.onnx", onnx_model(
        [helper.make_node("Add", ["x", "y"], ["a"], name="add"), helper.make_node("MatMul", ["a", "w"], ["h"], name="fc"),
         helper.make_node("Relu", ["h"], ["r"], name="relu"), helper.make_node("Softmax", ["r"], ["y"], name="softmax")],
        {"w": w}, ["N", 4], ["N", 4]))
    write(out, "onnx_dangling.onnx", onnx_model(
        [helper.make_node("MatMul", ["x", "w"], ["h"], name="fc"), helper.make_node("Add", ["h", "missing"], ["y"], name="add")],
        {"w": w}, ["N", 4], ["N", 4]))


def idx_bytes(array):
    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(np.uint8).tobytes()


def npy_bytes(array, version=None):
    buffer = io.BytesIO()
    if version is None:
        np.save(buffer, array)
    else:
        np.lib.format.write_array(buffer, array, version=version)
    return buffer.getvalue()


def make_datasets():
    idx, npy, npz = folder("idx"), folder("npy"), folder("npz")
    images = RNG.integers(0, 256, (3, 2, 2), dtype=np.uint8)
    labels = np.array([0, 1, 2], np.uint8)
    write(idx, "images-idx3-ubyte", idx_bytes(images))
    write(idx, "labels-idx1-ubyte", idx_bytes(labels))
    write(idx, "images-idx3-ubyte.gz", gzip.compress(idx_bytes(images), mtime=0))
    write(idx, "labels-idx1-ubyte.gz", gzip.compress(idx_bytes(labels), mtime=0))
    arrays = {"images_u1": images, "images_f4": images.astype(np.float32) / 255, "images_f8": images / 255.0,
              "labels_u1": labels, "labels_i4": labels.astype(np.int32), "labels_i8": labels.astype(np.int64)}
    for name, array in arrays.items():
        write(npy, name + ".npy", npy_bytes(array))
    write(npy, "images_v2.npy", npy_bytes(images, version=(2, 0)))
    write(npy, "images_v3.npy", npy_bytes(images, version=(3, 0)))
    dataset = {"x_train": images, "y_train": labels.astype(np.int64), "x_test": images[:2].astype(np.float32),
               "y_test": labels[:2].astype(np.int32)}
    np.savez(os.path.join(npz, "stored.npz"), **dataset)
    np.savez_compressed(os.path.join(npz, "deflated.npz"), **dataset)


if __name__ == "__main__":
    make_keras()
    make_graph_regressions()  # before make_onnx, which copies them; its own generator leaves RNG's sequence as it was
    make_onnx()
    make_datasets()
    make_regressions()
