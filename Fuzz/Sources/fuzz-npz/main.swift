import BilinFormats
import FuzzSupport

// .npz (zip) bytes → DatasetLoader: the zip reader, the four .npy arrays, their conversion. The seeds hold 2×2 images.
FuzzDriver.run { data, size in
    let path = FuzzInput.file(UnsafeRawBufferPointer(start: data, count: size), extension: "npz")
    FuzzDriver.expectBilinError { _ = try DatasetLoader.load(path: path, inputShape: [2, 2]) }
    return 0
}
