import BilinCore
import Foundation
internal import ZIPFoundation

/// Writes a `Model` as a Keras 3 Sequential model (a chain) or functional model (any other graph), in the layouts
/// Keras 3.15 itself writes, with no custom code needed to load it (`keras.saving.load_model(path, compile=False)`).
///
/// Legacy `.h5` (`writeH5`):
///
///     @model_config = {"class_name": "Sequential", "config": {"name", "trainable", "dtype", "layers": […],
///                      "build_input_shape": [null, …]}}
///     @keras_version, @backend
///     model_weights/@layer_names, @backend, @keras_version     (layer names; a functional model's InputLayer too)
///     model_weights/<layer>/@weight_names = ["<model>/<layer>/kernel", …]   (a float64 `[]` when it has none;
///                                                               functional: ["<layer>/kernel", …])
///     model_weights/<layer>/<model>/<layer>/kernel, …          float32 datasets
///     model_weights/top_level_model_weights/@weight_names = []
///
/// `.keras` zip (`writeArchive`): see `KerasArchiveLayout`. Every string attribute is variable-length UTF-8.
/// A functional config is `{"class_name": "Functional", "config": {"name", "trainable", "layers": [… with "name" and
/// "inbound_nodes"], "input_layers", "output_layers"}}`. Layers are spelled by `KerasModelSpelling`; files are replaced atomically by `AtomicFileWriter`.
public enum KerasExporter {
    /// The Keras version whose file layout this exporter writes, recorded in the files.
    public static let kerasVersion = "3.15.1"

    /// Writes `model` as a legacy Keras `.h5` file at `path`.
    ///
    /// - Throws: `BilinError` naming `path` when the model cannot be expressed as a Keras model (no
    ///   leading input layer, merge inputs of different shapes, a weight shape that does not fit its layer, an opaque layer from another format) or
    ///   the file cannot be written.
    public static func writeH5(_ model: Model, to path: String) throws {
        let spelling = try spell(model, path: path)
        let backend = model.metadata["backend"] ?? "tensorflow"
        // Built in memory, so that libhdf5 never writes to the disk: a failed write there can leave a file HDF5
        // neither finishes nor closes (a crash at exit with libhdf5 1.10). `AtomicFileWriter` writes the bytes.
        let file = try HDF5File.createInMemory(path: path)
        let root = try file.rootGroup()
        try root.writeAttribute("backend", string: backend)
        try root.writeAttribute("keras_version", string: kerasVersion)
        try root.writeAttribute("model_config", string: String(spelling.config(forArchive: false).text))
        let weightsGroup = try root.makeGroup("model_weights")
        try weightsGroup.writeAttribute("layer_names", strings: spelling.savedLayers.map(\.name))
        try weightsGroup.writeAttribute("backend", string: backend)
        try weightsGroup.writeAttribute("keras_version", string: kerasVersion)
        for layer in spelling.savedLayers {
            let group = try weightsGroup.makeGroup(layer.name)
            let weightNames = layer.weights.map { spelling.h5WeightName(layer: layer.name, weight: $0.name) }
            try group.writeAttribute("weight_names", strings: weightNames)
            for (weightName, weight) in zip(weightNames, layer.weights) {
                try group.write(weight.value, to: weightName)
            }
        }
        try weightsGroup.makeGroup("top_level_model_weights").writeAttribute("weight_names", strings: [])
        try AtomicFileWriter.write(file.image(), to: path)
    }

    /// Writes `model` as a Keras 3 `.keras` zip archive at `path` (entries stored uncompressed, as Keras does).
    ///
    /// - Throws: `BilinError` naming `path`, as `writeH5(_:to:)` does.
    public static func writeArchive(_ model: Model, to path: String) throws {
        let spelling = try spell(model, path: path)
        let config = spelling.config(forArchive: true)
        let dateFormatter = DateFormatter()
        dateFormatter.locale = Locale(identifier: "en_US_POSIX")
        dateFormatter.dateFormat = "yyyy-MM-dd@HH:mm:ss"
        let metadata = JSONValue.object([("keras_version", .string(kerasVersion)),
                                         ("date_saved", .string(dateFormatter.string(from: Date())))])
        let weights = try archiveWeights(spelling, path: path)
        let archive: Archive
        do {
            // In memory: ZIPFoundation writes files through `FILE*` and does not check the final flush.
            archive = try Archive(accessMode: .create)
            for (entryPath, bytes) in [(KerasArchiveLayout.metadataEntry, Array(metadata.text.utf8)),
                                       (KerasArchiveLayout.configEntry, Array(config.text.utf8)),
                                       (KerasArchiveLayout.weightsEntry, weights)] {
                try archive.addEntry(with: entryPath, type: .file, uncompressedSize: Int64(bytes.count)) { position, size in
                    Data(bytes[Int(position)..<(Int(position) + size)])
                }
            }
        } catch {
            throw BilinError("cannot build the zip archive (\(error))", file: path)
        }
        guard let bytes = archive.data else { throw BilinError("cannot build the zip archive", file: path) }
        try AtomicFileWriter.write(Array(bytes), to: path)
    }

    // MARK: - Parts

    private static func spell(_ model: Model, path: String) throws -> KerasModelSpelling {
        do {
            return try KerasModelSpelling(model)
        } catch let error as BilinError {
            throw error.naming(file: path)
        }
    }

    /// The bytes of `model.weights.h5`: `vars` for the model, then `layers/<path>/vars/<index>` per layer.
    private static func archiveWeights(_ spelling: KerasModelSpelling, path: String) throws -> [UInt8] {
        let file = try HDF5File.createInMemory(path: "\(path) (\(KerasArchiveLayout.weightsEntry))")
        let root = try file.rootGroup()
        try root.makeGroup("vars").writeAttribute("name", string: spelling.name)
        let layers = spelling.savedLayers
        for (layer, layerPath) in zip(layers, KerasArchiveLayout.layerPaths(classNames: layers.map(\.className))) {
            let variables = try root.makeGroup("\(layerPath)/vars")
            try variables.writeAttribute("name", string: layer.name)
            for (index, weight) in layer.weights.enumerated() {
                try variables.write(weight.value, to: String(index))
            }
        }
        return try file.image()
    }
}
