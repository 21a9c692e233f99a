import BilinCore
internal import COnnxProto
import Foundation

/// An ONNX `ModelProto` in memory, owned by this object and freed with it.
///
/// Read from a file (`init(path:)`): the protobuf is unpacked by the protobuf-c generated code, external data is
/// loaded into `raw_data` (so every initializer is resident), and every initializer's size is checked against its
/// shape. Built from scratch (`init()`): an empty model with a graph, to be filled in by an exporter.
final class ONNXModelFile {
    let model: UnsafeMutablePointer<Onnx__ModelProto>
    /// Whether any initializer of the file read had its values in a side file.
    private(set) var hadExternalData = false

    /// Reads and checks the model at `path`.
    ///
    /// - Throws: `BilinError` naming `path`: unreadable, not an ONNX protobuf (truncated or garbage bytes), no graph,
    ///   a bad or missing external-data file, or an initializer whose data disagrees with its shape.
    init(path: String) throws {
        let unpacked = try ONNXModelFile.unpack(path: path)
        model = unpacked
        guard unpacked.pointee.has_ir_version != 0, let graph = unpacked.pointee.graph, graph.pointee.n_node > 0 else {
            throw BilinError("not an ONNX model: no IR version or no graph nodes", file: path)
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            for tensor in initializers {
                if ONNXExternalData.isExternal(tensor) {
                    try ONNXExternalData.load(tensor, folder: folder)
                    hadExternalData = true
                }
                try ONNXTensorData.checkSize(tensor)
            }
        } catch let error as BilinError {
            throw error.naming(file: path)
        }
    }

    /// The file's `ModelProto`, unpacked from a read-only mapping of the file that is dropped on return.
    private static func unpack(path: String) throws -> UnsafeMutablePointer<Onnx__ModelProto> {
        let bytes: Data
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw BilinError("cannot read the file", file: path)
        }
        let unpacked = bytes.withUnsafeBytes { buffer in
            onnx__model_proto__unpack(nil, buffer.count, buffer.baseAddress?.assumingMemoryBound(to: UInt8.self))
        }
        guard let unpacked else {
            throw BilinError("not an ONNX model: the protobuf does not parse (truncated or not ONNX)", file: path)
        }
        return unpacked
    }

    /// An empty model (IR version 7, opset 13 of the default domain) with an empty graph named `name`.
    init(graphName name: String, producer: String) {
        model = ONNXProtoMemory.message(Onnx__ModelProto.self, initialize: onnx__model_proto__init)
        model.pointee.has_ir_version = 1
        model.pointee.ir_version = 7
        model.pointee.producer_name = ONNXProtoMemory.string(producer)
        let opset = ONNXProtoMemory.message(Onnx__OperatorSetIdProto.self, initialize: onnx__operator_set_id_proto__init)
        opset.pointee.domain = ONNXProtoMemory.string("")
        opset.pointee.has_version = 1
        opset.pointee.version = 13
        ONNXProtoMemory.append(opset, to: &model.pointee.opset_import, count: &model.pointee.n_opset_import)
        let graph = ONNXProtoMemory.message(Onnx__GraphProto.self, initialize: onnx__graph_proto__init)
        graph.pointee.name = ONNXProtoMemory.string(name)
        model.pointee.graph = graph
    }

    deinit { ONNXProtoMemory.free(model) }

    var graph: UnsafeMutablePointer<Onnx__GraphProto> { model.pointee.graph }

    var initializers: [UnsafeMutablePointer<Onnx__TensorProto>] {
        (0..<graph.pointee.n_initializer).map { graph.pointee.initializer[$0]! }
    }

    var nodes: [UnsafeMutablePointer<Onnx__NodeProto>] {
        (0..<graph.pointee.n_node).map { graph.pointee.node[$0]! }
    }

    /// The opset version of the default (`""` or `ai.onnx`) domain, or nil.
    var defaultOpset: Int? {
        for index in 0..<model.pointee.n_opset_import {
            let opset = model.pointee.opset_import[index]!.pointee
            if ["", "ai.onnx"].contains(ONNXProtoMemory.text(opset.domain)) { return Int(opset.version) }
        }
        return nil
    }

    /// Raises the default domain's opset to `version` (and the IR version to 7, the first to allow opset 13).
    func raiseDefaultOpset(to version: Int) {
        for index in 0..<model.pointee.n_opset_import {
            let opset = model.pointee.opset_import[index]!
            if ["", "ai.onnx"].contains(ONNXProtoMemory.text(opset.pointee.domain)), opset.pointee.version < version {
                opset.pointee.version = Int64(version)
            }
        }
        model.pointee.ir_version = max(model.pointee.ir_version, 7)
    }

    /// Writes the model to `path` atomically. With `externalData`, initializers of `ONNXExternalData.sizeThreshold`
    /// bytes or more go to `<file name>.data` beside it (also written atomically); so do they whenever the protobuf
    /// would exceed 2 GB. The model is written and renamed while the side file is still temporary, so that a failure
    /// of either write leaves both earlier files; only a failing flush or rename of the side file, the last step,
    /// can leave the new model beside the old side file.
    ///
    /// - Throws: `BilinError` naming `path` (or the side file).
    func write(to path: String, externalData: Bool) throws {
        guard externalData || onnx__model_proto__get_packed_size(model) > Int(Int32.max) else {
            return try AtomicFileWriter.write(packed(path), to: path)
        }
        var restore: (() -> Void)? = nil
        defer { restore?() }
        let location = URL(fileURLWithPath: path).lastPathComponent + ".data"
        let sidePath = URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent(location).path
        try AtomicFileWriter.write(to: sidePath) { file in
            restore = try ONNXExternalData.store(initializers, to: file, location: location)
            try AtomicFileWriter.write(packed(path), to: path)
        }
    }

    /// The model as protobuf bytes.
    private func packed(_ path: String) throws -> [UInt8] {
        let size = onnx__model_proto__get_packed_size(model)
        guard size <= Int(Int32.max) else {
            throw BilinError("the model's graph alone is over 2 GB, more than a protobuf can hold", file: path)
        }
        var bytes = [UInt8](repeating: 0, count: size)
        let packed = bytes.withUnsafeMutableBufferPointer { onnx__model_proto__pack(model, $0.baseAddress) }
        precondition(packed == size, "protobuf-c packed \(packed) of \(size) bytes")
        return bytes
    }
}
