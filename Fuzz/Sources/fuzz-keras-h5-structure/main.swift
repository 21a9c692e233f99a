import BilinFormats
import FuzzSupport

// Bytes → a well-formed Keras .h5 file with hostile config, names and weight shapes (KerasH5Structure) → KerasH5Importer.
FuzzDriver.run { data, size in
    let path = FuzzInput.path(extension: "h5")
    guard KerasH5Structure.write([UInt8](UnsafeBufferPointer(start: data, count: size)), to: path) else { return 0 }
    FuzzDriver.expectBilinError { _ = try KerasH5Importer.importModel(from: path) }
    return 0
}
