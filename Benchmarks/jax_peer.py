"""The JAX (CPU) side of Benchmarks/run.sh: the same MLPs, the same initial distribution, the same batch and Adam.

PyTorch's CPU-only wheels are not on PyPI (the PyPI `torch` pulls the CUDA packages), so JAX on CPU is the training
peer. Threads: set by run.sh through XLA_FLAGS (`--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=N`).

    python jax_peer.py train --network dense|bilinear|cnn --scale S [--steps N] [--batch B]
    python jax_peer.py infer --network dense|bilinear --scale S --batch B [--layer yes]
Prints one JSON object per measurement, as bilin-bench does.
"""
import argparse
import json
import math
import time

import jax
import jax.numpy as jnp
import numpy as np


def most_square(n):
    rows = int(math.isqrt(n))
    while rows > 1 and n % rows:
        rows -= 1
    return rows, n // rows


def glorot(key, shape, fan_in, fan_out):
    limit = math.sqrt(6.0 / (fan_in + fan_out))
    return jax.random.uniform(key, shape, jnp.float32, -limit, limit)


def build(network, scale, seed=0):
    """Parameters and a forward function of the 784-1024-1024-10 ReLU MLP or its bilinear version (DESIGN.md §2):
    layer 1 reads 28×28 and writes (32s)×(32s); layer 2 reads that and writes (32s)×(32s); the classifier stays dense."""
    key = jax.random.PRNGKey(seed)
    keys = jax.random.split(key, 8)
    if network == "dense":
        sizes = [784, 1024, 1024, 10]
        params = []
        for index in range(3):
            fan_in, fan_out = sizes[index], sizes[index + 1]
            params.append((glorot(keys[index], (fan_in, fan_out), fan_in, fan_out), jnp.zeros((fan_out,), jnp.float32)))

        def forward(params, x):
            for index, (kernel, bias) in enumerate(params):
                x = x @ kernel + bias
                if index < 2:
                    x = jax.nn.relu(x)
            return x
        return params, forward

    shapes = []  # (p, q, p', q')
    p, q = most_square(784)
    for _ in range(2):
        u1, u2 = most_square(1024)
        shapes.append((p, q, u1 * scale, u2 * scale))
        p, q = u1 * scale, u2 * scale
    params = []
    for index, (p, q, po, qo) in enumerate(shapes):
        u = glorot(keys[2 * index], (p, po), p, po)
        v = glorot(keys[2 * index + 1], (q, qo), q, qo)
        params.append((u, v, jnp.zeros((po * qo,), jnp.float32)))
    inputs = shapes[-1][2] * shapes[-1][3]
    params.append((glorot(keys[6], (inputs, 10), inputs, 10), jnp.zeros((10,), jnp.float32)))

    def forward(params, x):
        n = x.shape[0]
        for (u, v, bias), (p, q, po, qo) in zip(params[:2], shapes):
            t = x.reshape(n, p, q) @ v                      # (n, p, q')
            y = jnp.einsum("ia,niq->naq", u, t)             # Uᵀ X V, (n, p', q')
            x = jax.nn.relu(y.reshape(n, po * qo) + bias)
        kernel, bias = params[2]
        return x @ kernel + bias
    return params, forward


def build_cnn(seed=0):
    """The Fashion-MNIST CNN of fixtures/make_cnn_fixture.py, NHWC: Conv 32 3×3 same relu → MaxPool 2 → Conv 64 3×3
    same relu → MaxPool 2 → Flatten → Dense 128 relu → Dense 10; Glorot-uniform kernels, zero biases."""
    keys = jax.random.split(jax.random.PRNGKey(seed), 4)
    params = [
        (glorot(keys[0], (3, 3, 1, 32), 9, 9 * 32), jnp.zeros((32,), jnp.float32)),
        (glorot(keys[1], (3, 3, 32, 64), 9 * 32, 9 * 64), jnp.zeros((64,), jnp.float32)),
        (glorot(keys[2], (3136, 128), 3136, 128), jnp.zeros((128,), jnp.float32)),
        (glorot(keys[3], (128, 10), 128, 10), jnp.zeros((10,), jnp.float32)),
    ]

    def pool(x):
        return jax.lax.reduce_window(x, -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")

    def forward(params, x):
        x = x.reshape(x.shape[0], 28, 28, 1)
        for kernel, bias in params[:2]:
            x = jax.lax.conv_general_dilated(x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"))
            x = pool(jax.nn.relu(x + bias))
        x = jax.nn.relu(x.reshape(x.shape[0], -1) @ params[2][0] + params[2][1])
        return x @ params[3][0] + params[3][1]
    return params, forward


def build_resnet(seed=0):
    """The residual CNN of Benchmarks/Sources/bilin-bench/ResidualCNN.swift, NHWC: stem Conv 16 3×3 same → BN → relu;
    two blocks (16→32, 32→64): pad 1 → Conv 3×3 /2 valid → BN → relu → Conv 3×3 same → BN, plus a 1×1 /2 projection
    shortcut → BN, added → relu; global average pooling → Dense 10. Batch normalization in training mode (the
    batch's statistics), as the tool trains it."""
    shapes = [(3, 3, 1, 16)]
    for channels, filters in [(16, 32), (32, 64)]:
        shapes += [(3, 3, channels, filters), (3, 3, filters, filters), (1, 1, channels, filters)]
    keys = jax.random.split(jax.random.PRNGKey(seed), len(shapes) + 1)
    convs = [(glorot(k, s, s[0] * s[1] * s[2], s[0] * s[1] * s[3]), jnp.ones((s[3],), jnp.float32), jnp.zeros((s[3],), jnp.float32))
             for k, s in zip(keys, shapes)]
    params = convs + [(glorot(keys[-1], (64, 10), 64, 10), jnp.zeros((10,), jnp.float32))]

    def conv_bn(x, layer, stride, padding):
        kernel, gamma, beta = layer
        x = jax.lax.conv_general_dilated(x, kernel, (stride, stride), padding, dimension_numbers=("NHWC", "HWIO", "NHWC"))
        mean = jnp.mean(x, axis=(0, 1, 2))
        variance = jnp.var(x, axis=(0, 1, 2))
        return gamma * (x - mean) / jnp.sqrt(variance + 1e-3) + beta

    def forward(params, x):
        x = jax.nn.relu(conv_bn(x.reshape(x.shape[0], 28, 28, 1), params[0], 1, "SAME"))
        for block in range(2):
            first, second, shortcut = params[1 + 3 * block:4 + 3 * block]
            y = jax.nn.relu(conv_bn(x, first, 2, ((1, 1), (1, 1))))
            y = conv_bn(y, second, 1, "SAME")
            x = jax.nn.relu(y + conv_bn(x, shortcut, 2, "VALID"))
        kernel, bias = params[-1]
        return jnp.mean(x, axis=(1, 2)) @ kernel + bias
    return params, forward


def multiply_adds(network, scale):
    if network == "resnet":
        return (28 * 28 * 9 * 16 + 14 * 14 * (9 * 16 * 32 + 9 * 32 * 32 + 16 * 32)
                + 7 * 7 * (9 * 32 * 64 + 9 * 64 * 64 + 32 * 64) + 64 * 10)
    if network == "cnn":
        return 28 * 28 * 9 * 32 + 14 * 14 * 9 * 32 * 64 + 3136 * 128 + 128 * 10
    if network == "dense":
        return 784 * 1024 + 1024 * 1024 + 1024 * 10
    total, (p, q) = 0, most_square(784)
    for _ in range(2):
        po, qo = 32 * scale, 32 * scale
        total += p * q * qo + p * po * qo
        p, q = po, qo
    return total + p * q * 10


def train(args):
    builders = {"cnn": build_cnn, "resnet": build_resnet}
    params, forward = builders[args.network]() if args.network in builders else build(args.network, args.scale)
    lr, b1, b2, eps = 1e-3, 0.9, 0.999, 1e-7

    def loss_fn(params, x, y):
        logits = forward(params, x)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), y[:, None], axis=1))

    @jax.jit
    def step(params, m, v, t, images, labels, indices):
        x, y = images[indices], labels[indices]
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        t = t + 1
        m = jax.tree_util.tree_map(lambda m, g: b1 * m + (1 - b1) * g, m, grads)
        v = jax.tree_util.tree_map(lambda v, g: b2 * v + (1 - b2) * g * g, v, grads)
        rate = lr * jnp.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        params = jax.tree_util.tree_map(lambda p, m, v: p - rate * m / (jnp.sqrt(v) + eps), params, m, v)
        return params, m, v, t, loss

    rng = np.random.default_rng(2)
    count = args.batch * (args.steps + 5)
    images = jnp.asarray(rng.random((count, 784), dtype=np.float32))
    labels = jnp.asarray(rng.integers(0, 10, count).astype(np.int32))
    order = rng.permutation(count).astype(np.int32)
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)
    t = jnp.float32(0)
    times = []
    for index in range(args.steps + 5):
        indices = jnp.asarray(order[index * args.batch:(index + 1) * args.batch])
        start = time.perf_counter()
        params, m, v, t, loss = step(params, m, v, t, images, labels, indices)
        loss.block_until_ready()
        times.append(time.perf_counter() - start)
    seconds = float(np.median(times[5:]))
    macs = 3 * multiply_adds(args.network, args.scale)
    print(json.dumps({"kind": "train", "peer": "jax", "network": args.network, "scale": args.scale, "batch": args.batch,
                      "steps": args.steps, "step_seconds": seconds, "samples_per_second": args.batch / seconds,
                      "multiply_adds_per_sample": macs, "gflops": 2.0 * macs * args.batch / seconds / 1e9}))


def infer(args):
    params, forward = build(args.network, args.scale)
    if args.layer == "yes":
        if args.network == "dense":
            kernel, bias = params[0]
            run = jax.jit(lambda x: x @ kernel + bias)
        else:
            (u, v, bias) = params[0]
            run = jax.jit(lambda x: (jnp.einsum("ia,niq->naq", u, x.reshape(x.shape[0], 28, 28) @ v)).reshape(x.shape[0], -1) + bias)
    else:
        run = jax.jit(lambda x: jax.nn.softmax(forward(params, x)))
    x = jnp.asarray(np.random.default_rng(5).random((args.batch, 784), dtype=np.float32))
    for _ in range(5):
        run(x).block_until_ready()
    probe = time.perf_counter()
    for _ in range(3):
        run(x).block_until_ready()
    inner = max(1, int(0.005 / max((time.perf_counter() - probe) / 3, 1e-7)))  # about 5 ms per timed repeat
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        for _ in range(inner):
            out = run(x)
        out.block_until_ready()
        times.append((time.perf_counter() - start) / inner)
    print(json.dumps({"kind": "infer", "peer": "jax", "network": args.network, "scale": args.scale, "batch": args.batch,
                      "layer_only": args.layer == "yes", "seconds_per_batch": float(np.median(times))}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["train", "infer"])
    parser.add_argument("--network", default="dense")
    parser.add_argument("--scale", type=int, default=1)
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--layer", default="no")
    args = parser.parse_args()
    {"train": train, "infer": infer}[args.command](args)
