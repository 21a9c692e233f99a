import BilinCore

/// Reads a Keras 3 `.keras` zip archive (layout in `KerasArchiveLayout`).
///
/// Each layer's weights are `layers/<path>/vars/0, 1, …` in `model.weights.h5`, a nested model's layers'
/// `layers/<path>/layers/<inner path>/vars/…`. When the `vars` group carries the
/// layer's name (Keras ≥ 3.1x writes it), it must match the config, which guards the path rule.
public enum KerasArchiveImporter {
    /// Imports the model at `path`.
    ///
    /// `Model.metadata` gets `format` (`keras`), `keras_version` from `metadata.json` when present, and `model_class`.
    /// - Throws: `BilinError` naming `path`: not a zip archive, no `config.json` or `model.weights.h5`, a corrupt
    ///   entry, a config this tool cannot read, or weights that disagree with the config.
    ///   Should libhdf5 itself crash on corrupted data, the process prints that one-line error and exits 1 (`HDF5CrashGuard`).
    public static func importModel(from path: String) throws -> Model {
        do {
            return try HDF5CrashGuard.reading(file: path) { try readModel(ZipArchiveReader(path: path), path: path) }
        } catch let error as BilinError {
            throw error.naming(file: path)
        }
    }

    private static func readModel(_ archive: ZipArchiveReader, path: String) throws -> Model {
        guard let configBytes = try archive.contents(of: KerasArchiveLayout.configEntry) else {
            throw BilinError("not a Keras archive: it has no \(KerasArchiveLayout.configEntry)")
        }
        guard let weightsImage = try archive.contents(of: KerasArchiveLayout.weightsEntry) else {
            throw BilinError("not a Keras archive: it has no \(KerasArchiveLayout.weightsEntry)")
        }
        let config = try KerasModelConfig(text: String(decoding: configBytes, as: UTF8.self))
        var metadata = ["format": "keras"]
        if let metadataBytes = try archive.contents(of: KerasArchiveLayout.metadataEntry),
           let version = (try? JSONValue(parsing: String(decoding: metadataBytes, as: UTF8.self)))?["keras_version"]?.stringValue {
            metadata["keras_version"] = version
        }
        let root = try HDF5File.open(image: weightsImage, path: "\(path) (\(KerasArchiveLayout.weightsEntry))").rootGroup()
        return try KerasModelAssembler.model(config: config, metadata: metadata) { layer in
            guard let layerPath = layer.location.archivePath, root.contains(layerPath) else { return [] }
            return try weights(of: layer, in: root.group(layerPath))
        }
    }

    /// `vars/0`, `vars/1`, … of a layer group, after checking that the group belongs to `layer`.
    private static func weights(of layer: KerasLayerConfig, in group: HDF5Group) throws -> [Tensor] {
        guard try group.memberCount() <= 1 else {
            throw BilinError("layer '\(layer.name)' (\(layer.className)) has nested sub-layer weights at \"\(group.path)\", "
                             + "which this tool cannot carry")
        }
        guard group.contains("vars") else { return [] }
        let variables = try group.group("vars")
        if try variables.hasAttribute("name") {
            let savedName = try variables.readString(attribute: "name")
            guard savedName == layer.location.kerasName else {
                throw BilinError("weights at \"\(variables.path)\" belong to layer '\(savedName)', expected '\(layer.location.kerasName)'",
                                 file: group.file)
            }
        }
        var weights: [Tensor] = []
        while variables.contains(String(weights.count)) {
            weights.append(try variables.dataset(String(weights.count)).read(acceptingIntegers: !KerasLayerDecoder.computesWith(layer)))
        }
        return weights
    }
}
