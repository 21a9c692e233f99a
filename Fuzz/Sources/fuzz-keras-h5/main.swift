import BilinFormats
import FuzzSupport

// Keras .h5 bytes → KerasH5Importer: raw bytes straight into libhdf5, then the model config and weights.
FuzzDriver.run { data, size in
    let path = FuzzInput.file(UnsafeRawBufferPointer(start: data, count: size), extension: "h5")
    FuzzDriver.expectBilinError { _ = try KerasH5Importer.importModel(from: path) }
    return 0
}
