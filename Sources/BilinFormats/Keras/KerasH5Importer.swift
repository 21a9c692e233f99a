import BilinCore

/// Reads a legacy full-model Keras `.h5` file, as Keras 3 and Keras 2 / tf.keras write it.
///
/// Layout read (paths relative to the root group):
///
///     @model_config, @keras_version, @backend     root attributes; model_config is the JSON of `KerasModelConfig`
///     model_weights/@layer_names                  layer groups (split into layer_names0, 1, … when large)
///     model_weights/<layer>/@weight_names         the layer's weights in order, as paths inside its group:
///         Keras 3 Sequential  <model>/<layer>/kernel
///         Keras 3 functional  <layer>/kernel
///         Keras 2             <layer>/kernel:0
///
/// Weight names are always followed, never guessed. String attributes may be variable-length or fixed-length.
public enum KerasH5Importer {
    /// Imports the model at `path`.
    ///
    /// `Model.metadata` gets `format` (`keras-h5`), `keras_version` and `backend` when the file has them, and
    /// `model_class` (`Sequential`, `Functional` or `Model`).
    /// - Throws: `BilinError` naming `path`: not an HDF5 file, truncated or corrupted, no `model_config` or
    ///   `model_weights`, a config this tool cannot read, or weights that disagree with the config.
    ///   Should libhdf5 itself crash on corrupted data, the process prints that one-line error and exits 1 (`HDF5CrashGuard`).
    public static func importModel(from path: String) throws -> Model {
        do {
            return try HDF5CrashGuard.reading(file: path) { try readModel(HDF5File.open(path: path).rootGroup()) }
        } catch let error as BilinError {
            throw error.naming(file: path)
        }
    }

    private static func readModel(_ root: HDF5Group) throws -> Model {
        guard try root.hasAttribute("model_config") else {
            throw BilinError("no model_config attribute: not a full Keras model file (a weights-only file?)")
        }
        let config = try KerasModelConfig(text: root.readString(attribute: "model_config"))
        guard root.contains("model_weights") else {
            throw BilinError("no model_weights group: the file holds a model config but no weights")
        }
        let weightsGroup = try root.group("model_weights")
        let layerNames = Set(try readChunkedStrings(weightsGroup, attribute: "layer_names"))
        var metadata = ["format": "keras-h5"]
        for key in ["keras_version", "backend"] where try root.hasAttribute(key) {
            metadata[key] = try root.readString(attribute: key)
        }
        let unlisted = layerNames.subtracting(config.layers.map(\.location.h5Group)).sorted().filter(weightsGroup.contains)
        for name in unlisted where try !readChunkedStrings(weightsGroup.group(name), attribute: "weight_names").isEmpty {
            throw BilinError("model_weights holds weights for layer '\(name)', which the model config does not list")
        }
        return try KerasModelAssembler.model(config: config, metadata: metadata) { layer in
            let groupName = layer.location.h5Group
            guard layerNames.contains(groupName), weightsGroup.contains(groupName) else { return [] }
            return try weights(of: layer, in: weightsGroup.group(groupName))
        }
    }

    /// The weights listed in a layer group's `weight_names`, in that order. A nested model's group lists the weights
    /// of all its layers, `<model>/<layer>/kernel` (Keras 3) or `<layer>/kernel:0` (Keras 2): a layer's own are those
    /// whose second-to-last component is its name.
    private static func weights(of layer: KerasLayerConfig, in group: HDF5Group) throws -> [Tensor] {
        let names = try readChunkedStrings(group, attribute: "weight_names")
        let kerasName = layer.location.kerasName
        let own = layer.location.isNested ? names.filter { $0.split(separator: "/").dropLast().last.map(String.init) == kerasName } : names
        return try own.map { weightName in
            guard group.contains(weightName) else {
                throw BilinError("layer '\(layer.name)': weight '\(weightName)' is listed in weight_names but missing")
            }
            return try group.dataset(weightName).read(acceptingIntegers: !KerasLayerDecoder.computesWith(layer))
        }
    }

    /// A string-list attribute that Keras may have split into `<name>0`, `<name>1`, … when it outgrew an HDF5
    /// object header (64 KiB).
    private static func readChunkedStrings(_ group: HDF5Group, attribute name: String) throws -> [String] {
        if try group.hasAttribute(name) { return try group.readStrings(attribute: name) }
        var strings: [String] = []
        var chunk = 0
        while try group.hasAttribute("\(name)\(chunk)") {
            strings += try group.readStrings(attribute: "\(name)\(chunk)")
            chunk += 1
        }
        guard chunk > 0 else { throw BilinError("group \"\(group.path)\" has no \(name) attribute", file: group.file) }
        return strings
    }
}
