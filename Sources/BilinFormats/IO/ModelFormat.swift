import BilinCore
import Foundation

/// The model file formats this tool reads and writes.
///
/// An existing file's format comes from its first bytes — the HDF5 signature `\x89HDF\r\n\x1a\n` (a legacy Keras
/// `.h5`) or the zip signature `PK\x03\x04` (a Keras 3 `.keras`) — and from its extension when the bytes match
/// neither (ONNX has no signature). A file to be written gets the format its extension names.
public enum ModelFormat: String, Sendable, CaseIterable {
    /// A legacy full-model Keras HDF5 file (`.h5`, `.hdf5`).
    case kerasH5 = "h5"
    /// A Keras 3 zip archive (`.keras`).
    case kerasArchive = "keras"
    /// An ONNX protobuf (`.onnx`).
    case onnx

    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]
    static let zipSignature: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    /// The format a file name's extension names (case-insensitive), or nil.
    public init?(pathExtension: String) {
        switch pathExtension.lowercased() {
        case "h5", "hdf5": self = .kerasH5
        case "keras": self = .kerasArchive
        case "onnx": self = .onnx
        default: return nil
        }
    }

    /// The format of the existing file at `path`: by signature, else by extension.
    ///
    /// - Throws: `BilinError` naming `path` when it does not exist, cannot be read, or matches no format.
    public static func detect(path: String) throws -> ModelFormat {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw BilinError("no such file", file: path)
        }
        guard !isFolder.boolValue, let handle = FileHandle(forReadingAtPath: path) else {
            throw BilinError(isFolder.boolValue ? "is a folder, not a model file" : "cannot read the file", file: path)
        }
        defer { try? handle.close() }
        let head = [UInt8]((try? handle.read(upToCount: hdf5Signature.count)) ?? Data())
        if head.starts(with: hdf5Signature) { return .kerasH5 }
        if head.starts(with: zipSignature) { return .kerasArchive }
        guard let format = ModelFormat(pathExtension: URL(fileURLWithPath: path).pathExtension) else {
            throw BilinError("not a model file this tool reads (no HDF5 or zip signature, and not named .h5, .keras or .onnx)",
                             file: path)
        }
        return format
    }

    /// The format to write to `path`, from its extension.
    ///
    /// - Throws: `BilinError` naming `path` when the extension is not `.h5`, `.hdf5`, `.keras` or `.onnx`.
    public static func forOutput(path: String) throws -> ModelFormat {
        guard let format = ModelFormat(pathExtension: URL(fileURLWithPath: path).pathExtension) else {
            throw BilinError("cannot tell the output format: name the file .h5, .keras or .onnx", file: path)
        }
        return format
    }
}
