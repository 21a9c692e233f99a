"""Writes the dense kernels the factorisation benchmark reads: raw little-endian float32, (Din, Dout) row-major (the
Keras kernel layout), into the folder given (default out/bench). Nothing here is committed data; run.sh makes them.

    python make_weights.py [--out DIR]
Kinds: `random`: Glorot-uniform, as an untrained layer (a flat spectrum of R: the hard case for a truncated method);
`structured`: Σ_k 0.6^k kron(A_k, B_k) over 16 terms plus 20 % Glorot noise (a decaying spectrum, as trained layers
with some Kronecker structure have); `trained`: the first layer (784→1024) of fixtures/fmnist_mlp.h5, trained by Keras.
"""
import argparse
import math
import os

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TRAINED = {(1024, 784): ("fixtures/fmnist_mlp.h5", "model_weights/dense_1/dense_1/kernel")}
SIZES = [(1024, 784), (4096, 4096), (4096, 25088)]  # (Dout, Din)


def most_square(n):
    rows = int(math.isqrt(n))
    while rows > 1 and n % rows:
        rows -= 1
    return rows, n // rows


def kernel(dout, din, kind, seed=0):
    rng = np.random.default_rng(seed)
    limit = math.sqrt(6.0 / (din + dout))
    noise = rng.uniform(-limit, limit, (din, dout)).astype(np.float32)
    if kind == "random":
        return noise
    (d1, d2), (u1, u2) = most_square(din), most_square(dout)
    k = np.zeros((din, dout), np.float32)
    for term in range(16):
        a = rng.standard_normal((d1, u1)).astype(np.float32)
        b = rng.standard_normal((d2, u2)).astype(np.float32)
        k += np.float32(0.6 ** term) * np.kron(a, b)
    k *= np.float32(np.linalg.norm(noise) / np.linalg.norm(k))
    return k + np.float32(0.2) * noise


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", default="out/bench")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for dout, din in SIZES:
        for kind in ("random", "structured"):
            path = os.path.join(args.out, f"kernel_{kind}_{dout}x{din}.f32")
            if not os.path.exists(path):
                kernel(dout, din, kind).astype("<f4").tofile(path)
    for (dout, din), (model, dataset) in TRAINED.items():
        import h5py

        with h5py.File(os.path.join(ROOT, model), "r") as f:
            np.asarray(f[dataset], "<f4").tofile(os.path.join(args.out, f"kernel_trained_{dout}x{din}.f32"))
            print(path)
