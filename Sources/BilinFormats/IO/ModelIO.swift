import BilinCore

/// Loading and saving models in any supported format, the entry point for the command line.
public enum ModelIO {
    /// The model in the file at `path`, whose format is detected by `ModelFormat.detect(path:)`.
    ///
    /// - Throws: `BilinError` naming `path` for a missing, unreadable, corrupt or unsupported file.
    public static func load(path: String) throws -> Model {
        switch try ModelFormat.detect(path: path) {
        case .kerasH5: try KerasH5Importer.importModel(from: path)
        case .kerasArchive: try KerasArchiveImporter.importModel(from: path)
        case .onnx: try ONNXImporter.importModel(from: path)
        }
    }

    /// Writes `model` to `path` atomically, in the format the extension names (`ModelFormat.forOutput(path:)`).
    ///
    /// - Throws: `BilinError` naming `path`; any earlier file at `path` is then left as it was.
    public static func save(_ model: Model, to path: String) throws {
        switch try ModelFormat.forOutput(path: path) {
        case .kerasH5: try KerasExporter.writeH5(model, to: path)
        case .kerasArchive: try KerasExporter.writeArchive(model, to: path)
        case .onnx: try ONNXExporter.write(model, to: path)
        }
    }
}
