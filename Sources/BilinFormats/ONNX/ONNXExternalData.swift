import BilinCore
internal import COnnxProto
import Foundation

/// Initializer values kept outside the `.onnx` file (`data_location = EXTERNAL`), as recent PyTorch exporters and
/// `onnx.save(..., save_as_external_data=True)` write them, and as any model over 2 GB needs.
///
/// Layout: the tensor's `external_data` entries `location` (a path relative to the model's folder), `offset` (bytes,
/// default 0) and `length` (bytes, default: the declared size); the bytes are the same little-endian row-major
/// values `raw_data` would hold. Paths must stay inside the model's folder: absolute paths, `..` and symbolic links
/// that lead out are refused.
enum ONNXExternalData {
    /// Tensors with at least this many bytes go to the side file when writing (onnx's own default threshold).
    static let sizeThreshold = 1024

    static func isExternal(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>) -> Bool {
        tensor.pointee.has_data_location != 0 && tensor.pointee.data_location == ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL
    }

    /// Reads an external tensor's bytes from its side file into its `raw_data` and marks it resident.
    ///
    /// Sizes are checked (declared shape, `length`, the side file's size) before anything is allocated.
    /// - Throws: `BilinError` naming the initializer and the side file.
    static func load(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>, folder: String) throws {
        let name = ONNXTensorData.name(tensor)
        var keys: [String: String] = [:]
        for index in 0..<tensor.pointee.n_external_data {
            let entry = tensor.pointee.external_data[index]!.pointee
            keys[ONNXProtoMemory.text(entry.key)] = ONNXProtoMemory.text(entry.value)
        }
        guard let location = keys["location"], !location.isEmpty else {
            throw BilinError("initializer '\(name)' has external data but no location")
        }
        guard !location.hasPrefix("/"), !location.split(separator: "/").contains("..") else {
            throw BilinError("initializer '\(name)': external data path '\(location)' leaves the model's folder")
        }
        guard let declared = try ONNXTensorData.declaredByteCount(tensor) else {
            throw BilinError("initializer '\(name)' has external data of a type without a fixed element size")
        }
        guard let offset = Int(keys["offset"] ?? "0"), offset >= 0, let length = Int(keys["length"] ?? String(declared)) else {
            throw BilinError("initializer '\(name)' has an invalid external data offset or length")
        }
        guard length == declared else {
            throw BilinError("initializer '\(name)' declares shape \(ONNXTensorData.dimensions(tensor)) (\(declared) bytes of data) "
                             + "but its external data length is \(length) bytes")
        }
        guard let path = resolved((folder as NSString).appendingPathComponent(location), inside: folder) else {
            throw BilinError("initializer '\(name)': external data path '\(location)' leaves the model's folder through a symbolic link")
        }
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path),
              let fileSize = (attributes[.size] as? NSNumber)?.intValue else {
            throw BilinError("initializer '\(name)': external data file '\(location)' does not exist")
        }
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard !overflow, end <= fileSize else {
            throw BilinError("initializer '\(name)': external data file '\(location)' has \(fileSize) bytes, "
                             + "but the initializer needs bytes \(offset)..<\(offset &+ length)")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw BilinError("initializer '\(name)': cannot read external data file '\(location)'")
        }
        defer { try? handle.close() }
        let bytes: Data
        do {
            try handle.seek(toOffset: UInt64(offset))
            bytes = try handle.read(upToCount: length) ?? Data()
        } catch {
            throw BilinError("initializer '\(name)': cannot read external data file '\(location)'")
        }
        guard bytes.count == length else {
            throw BilinError("initializer '\(name)': external data file '\(location)' ended early")
        }
        free(tensor.pointee.raw_data.data)
        bytes.withUnsafeBytes { tensor.pointee.raw_data = ONNXProtoMemory.binary($0) }
        tensor.pointee.has_raw_data = 1
        clearExternalKeys(tensor)
        tensor.pointee.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT
        tensor.pointee.has_data_location = 0
    }

    /// `path` with its symbolic links resolved, or nil when that leads out of `folder` (resolved too). A path that
    /// does not resolve is returned as it is: reading it fails as a missing file.
    private static func resolved(_ path: String, inside folder: String) -> String? {
        guard let resolvedPath = realpath(path, nil) else { return path }
        defer { free(resolvedPath) }
        guard let resolvedFolder = realpath(folder, nil) else { return nil }
        defer { free(resolvedFolder) }
        let (file, root) = (String(cString: resolvedPath), String(cString: resolvedFolder))
        return file.hasPrefix(root.hasSuffix("/") ? root : root + "/") ? file : nil
    }

    /// Writes the `raw_data` of every tensor of `tensors` with at least `sizeThreshold` bytes to `file`, one after
    /// another, and points the tensors there (`location` = `location`).
    ///
    /// - Returns: a function that puts the bytes back into the tensors, for after packing.
    /// - Throws: `file`'s `BilinError` when it cannot be written; the tensors are then as they were.
    static func store(_ tensors: [UnsafeMutablePointer<Onnx__TensorProto>], to file: OutputFile, location: String) throws -> () -> Void {
        var moved: [(UnsafeMutablePointer<Onnx__TensorProto>, ProtobufCBinaryData)] = []
        let restore = {
            for (tensor, data) in moved {
                clearExternalKeys(tensor)
                tensor.pointee.raw_data = data
                tensor.pointee.has_raw_data = 1
                tensor.pointee.has_data_location = 0
                tensor.pointee.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__DEFAULT
            }
        }
        var offset = 0
        do {
            for tensor in tensors where tensor.pointee.raw_data.len >= sizeThreshold {
                let data = tensor.pointee.raw_data
                try file.write(UnsafeRawBufferPointer(start: data.data, count: data.len))
                moved.append((tensor, data))
                tensor.pointee.raw_data = ProtobufCBinaryData(len: 0, data: nil)
                tensor.pointee.has_raw_data = 0
                tensor.pointee.has_data_location = 1
                tensor.pointee.data_location = ONNX__TENSOR_PROTO__DATA_LOCATION__EXTERNAL
                for (key, value) in [("location", location), ("offset", String(offset)), ("length", String(data.len))] {
                    ONNXProtoMemory.append(ONNXProtoMemory.entry(key: key, value: value),
                                           to: &tensor.pointee.external_data, count: &tensor.pointee.n_external_data)
                }
                offset += data.len
            }
        } catch {
            restore()
            throw error
        }
        return restore
    }

    private static func clearExternalKeys(_ tensor: UnsafeMutablePointer<Onnx__TensorProto>) {
        for index in 0..<tensor.pointee.n_external_data { ONNXProtoMemory.free(tensor.pointee.external_data[index]!) }
        Foundation.free(tensor.pointee.external_data)
        tensor.pointee.external_data = nil
        tensor.pointee.n_external_data = 0
    }
}
