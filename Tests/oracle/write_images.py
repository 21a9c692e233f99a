"""Writes the image cases of ImageFolderTests with Pillow, an independent encoder and decoder.

    write_images.py FOLDER

Pixel value of a synthetic case at (row, column, channel): (row * 7 + column * 3 + channel * 50) % 256, the rule the
Swift test recomputes. Cases: grey.png (28x28), rgb.png (6x5 RGB), rgba.png (RGB with alpha 255), palette.png
(grey.png through a palette), wide.png (grey 28 rows x 40 columns), double.png (grey.png with every pixel doubled
both ways: 56x56), photo.jpg (20x16 RGB, quality 90) with photo.jpg.npy, Pillow's decoding of it (float32, HxWx3).
"""
import os
import sys

import numpy as np
from PIL import Image


def pattern(height, width, channels):
    rows, columns, planes = np.meshgrid(np.arange(height), np.arange(width), np.arange(channels), indexing="ij")
    return ((rows * 7 + columns * 3 + planes * 50) % 256).astype(np.uint8)


def main():
    folder = sys.argv[1]
    grey = pattern(28, 28, 1)[:, :, 0]
    Image.fromarray(grey, "L").save(os.path.join(folder, "grey.png"))
    Image.fromarray(pattern(5, 6, 3), "RGB").save(os.path.join(folder, "rgb.png"))
    rgba = np.concatenate([pattern(5, 6, 3), np.full((5, 6, 1), 255, np.uint8)], axis=2)
    Image.fromarray(rgba, "RGBA").save(os.path.join(folder, "rgba.png"))
    Image.fromarray(grey, "L").convert("P").save(os.path.join(folder, "palette.png"))
    Image.fromarray(pattern(28, 40, 1)[:, :, 0], "L").save(os.path.join(folder, "wide.png"))
    Image.fromarray(grey.repeat(2, axis=0).repeat(2, axis=1), "L").save(os.path.join(folder, "double.png"))
    photo = np.random.default_rng(0).integers(0, 256, (16, 20, 3), dtype=np.uint8)
    path = os.path.join(folder, "photo.jpg")
    Image.fromarray(photo, "RGB").save(path, quality=90)
    np.save(path + ".npy", np.asarray(Image.open(path).convert("RGB"), dtype=np.float32))


if __name__ == "__main__":
    main()
