import BilinFormats
import FuzzSupport

// ONNX model bytes → ONNXImporter (protobuf-c unpack, external-data checks, graph index, chain finding).
FuzzDriver.run { data, size in
    let path = FuzzInput.file(UnsafeRawBufferPointer(start: data, count: size), extension: "onnx")
    FuzzDriver.expectBilinError { _ = try ONNXImporter.importModel(from: path) }
    return 0
}
