"""Fine-tune a model bilin-convert wrote, data-parallel over every device, with Keras 3 on JAX.

    python fine_tune.py MODEL.keras --data DATA [--epochs N | --steps N] [-o OUT.keras] [--json REPORT.json]

MODEL is a `.keras` or `.h5` file from bilin-convert (loaded with no custom objects). DATA is what `--data` takes:
a folder of MNIST-format IDX files (raw or .gz) or an .npz with x_train, y_train, x_test, y_test; pixels are
divided by 255, as the tool does. Each batch is split over `keras.distribution.list_devices()`; on a multi-host
cluster call `keras.distribution.initialize()` first (see Docs/scale-out.md).

Simulated devices on a small CPU machine (XLA_FLAGS=--xla_force_host_platform_device_count=2) need NPROC set above
the core count (NPROC=8), or XLA's thread pool deadlocks in the first all-reduces (Docs/scale-out.md).

The report says how many devices ran, the training loss on a fixed set of training examples before and after,
the test accuracy, and whether every non-trainable weight (the fixed structure of a converted layer) is bit for
bit what it was.
"""
import argparse
import gzip
import hashlib
import json
import os
import sys

os.environ.setdefault("KERAS_BACKEND", "jax")
import keras  # noqa: E402
import numpy as np  # noqa: E402


def read_idx(path):
    """One MNIST-format IDX file (raw, or gzip by its .gz name) as a uint8 array."""
    with (gzip.open if path.endswith(".gz") else open)(path, "rb") as file:
        data = file.read()
    rank = data[3]
    shape = [int.from_bytes(data[4 + 4 * axis:8 + 4 * axis], "big") for axis in range(rank)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * rank).reshape(shape)


def load_data(path):
    """(x_train, y_train, x_test, y_test) from an IDX folder or an .npz; images as stored, labels as int32."""
    if os.path.isdir(path):
        def find(name):
            raw = os.path.join(path, name)
            return raw if os.path.exists(raw) else raw + ".gz"
        arrays = [read_idx(find(name)) for name in
                  ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")]
    else:
        with np.load(path) as archive:
            arrays = [archive[key] for key in ("x_train", "y_train", "x_test", "y_test")]
    return arrays[0], arrays[1].astype(np.int32), arrays[2], arrays[3].astype(np.int32)


def as_inputs(images, model):
    """Images in the model's input shape, integers scaled to [0, 1] as bilin-convert scales them."""
    scaled = images.astype(np.float32) / (255 if images.dtype == np.uint8 else 1)
    return scaled.reshape((len(images),) + tuple(model.input_shape[1:]))


def fixed_digest(model):
    """A hash of every non-trainable weight: the parts that fine-tuning must leave alone."""
    digest = hashlib.sha256()
    for weight in model.non_trainable_weights:
        digest.update(weight.path.encode())
        digest.update(np.ascontiguousarray(keras.ops.convert_to_numpy(weight)).tobytes())
    return digest.hexdigest()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--data", required=True)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--steps", type=int, help="stop each epoch after this many batches")
    parser.add_argument("--batch-size", type=int, default=128, help="global batch, split over the devices")
    parser.add_argument("--lr", type=float, default=0.004, help="Adam's rate, decayed to 0 by a cosine (as the tool does)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output")
    parser.add_argument("--json")
    arguments = parser.parse_args()

    devices = keras.distribution.list_devices()
    if arguments.batch_size % len(devices):
        sys.exit(f"--batch-size {arguments.batch_size} does not split over {len(devices)} devices")
    # Set before the model is built, so that its variables are replicated and each batch is sharded.
    keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
    keras.utils.set_random_seed(arguments.seed)

    model = keras.saving.load_model(arguments.model, compile=False)
    x_train, y_train, x_test, y_test = load_data(arguments.data)
    x_train, x_test = as_inputs(x_train, model), as_inputs(x_test, model)
    # The shipped models end in softmax; a model that ends in raw scores is trained on logits.
    from_logits = model.layers[-1].get_config().get("activation") != "softmax"
    steps_per_epoch = arguments.steps or -(-len(x_train) // arguments.batch_size)
    rate = keras.optimizers.schedules.CosineDecay(arguments.lr, decay_steps=steps_per_epoch * arguments.epochs)
    model.compile(optimizer=keras.optimizers.Adam(rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=from_logits), metrics=["accuracy"])

    probe = slice(0, min(len(x_train), 1024) // arguments.batch_size * arguments.batch_size or len(x_train))
    before_loss = model.evaluate(x_train[probe], y_train[probe], batch_size=arguments.batch_size, verbose=0)[0]
    before_fixed = fixed_digest(model)
    model.fit(x_train, y_train, batch_size=arguments.batch_size, epochs=arguments.epochs,
              steps_per_epoch=arguments.steps, shuffle=True, verbose=2)
    after_loss = model.evaluate(x_train[probe], y_train[probe], batch_size=arguments.batch_size, verbose=0)[0]
    test_accuracy = model.evaluate(x_test, y_test, batch_size=arguments.batch_size, verbose=0)[1]

    report = {
        "devices": len(devices), "trainable_weights": len(model.trainable_weights),
        "fixed_weights": len(model.non_trainable_weights), "fixed_unchanged": fixed_digest(model) == before_fixed,
        "loss_before": float(before_loss), "loss_after": float(after_loss), "test_accuracy": float(test_accuracy),
    }
    print(json.dumps(report))
    if arguments.json:
        with open(arguments.json, "w") as file:
            json.dump(report, file, indent=1)
    if arguments.output:
        model.save(arguments.output)


if __name__ == "__main__":
    main()
