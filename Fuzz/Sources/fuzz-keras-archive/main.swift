import BilinFormats
import FuzzSupport

// Keras .keras (zip) bytes → KerasArchiveImporter: the zip reader, config.json, metadata.json, model.weights.h5.
FuzzDriver.run { data, size in
    let path = FuzzInput.file(UnsafeRawBufferPointer(start: data, count: size), extension: "keras")
    FuzzDriver.expectBilinError { _ = try KerasArchiveImporter.importModel(from: path) }
    return 0
}
