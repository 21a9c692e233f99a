#!/usr/bin/env python3
"""Write an MNIST-format IDX dataset out as a folder of PNG files, the layout `--data` reads as an image folder.

    scripts/write_image_folder.py [--idx /usr/share/datasets/fashion-mnist] [--train N] [--test N] OUT

OUT/train/<label>-<name>/<index>.png and OUT/test/<label>-<name>/<index>.png, 8-bit greyscale, one per image
(Fashion-MNIST: 60,000 + 10,000). The class folders sort into the original label ids, and the zero-padded indices
keep the IDX order, so the folder feeds the same batches as the IDX files for the same seed. --train N and
--test N write only the first N images of a split (for tests). Standard library only (zlib writes the PNGs).
"""
import argparse
import gzip
import os
import struct
import zlib

FASHION_CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def read_idx(folder, name):
    raw = os.path.join(folder, name)
    with (open(raw, "rb") if os.path.exists(raw) else gzip.open(raw + ".gz", "rb")) as file:
        data = file.read()
    rank = data[3]
    shape = struct.unpack(">" + "I" * rank, data[4:4 + 4 * rank])
    return shape, data[4 + 4 * rank:]


def png(width, height, pixels):
    """An 8-bit greyscale PNG of `pixels` (height × width bytes, row-major)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    rows = b"".join(b"\x00" + pixels[row * width:(row + 1) * width] for row in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 6)) + chunk(b"IEND", b""))


def write_split(idx, out, images_name, labels_name, split, limit):
    (count, height, width), pixels = read_idx(idx, images_name)
    _, labels = read_idx(idx, labels_name)
    count = min(count, limit) if limit else count
    digits = len(str(count - 1))
    for index in range(count):
        label = labels[index]
        folder = os.path.join(out, split, f"{label}-{FASHION_CLASSES[label]}")
        os.makedirs(folder, exist_ok=True)
        size = height * width
        with open(os.path.join(folder, f"{index:0{digits}d}.png"), "wb") as file:
            file.write(png(width, height, pixels[index * size:(index + 1) * size]))
    return count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--idx", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--train", type=int, help="only the first N training images")
    parser.add_argument("--test", type=int, help="only the first N test images")
    arguments = parser.parse_args()
    train = write_split(arguments.idx, arguments.out, "train-images-idx3-ubyte", "train-labels-idx1-ubyte", "train", arguments.train)
    test = write_split(arguments.idx, arguments.out, "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "test", arguments.test)
    print(f"wrote {train} training and {test} test images to {arguments.out}")


if __name__ == "__main__":
    main()
