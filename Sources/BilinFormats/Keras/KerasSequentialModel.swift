import BilinCore

/// A `Model` spelled as a Keras 3 Sequential model: fresh configs for known kinds, the carried entry for opaque ones,
/// and each bilinear layer spelled out as `KerasBilinearChain` (dense) or `KerasBilinearConvChain` (convolution)
/// describes. This is what `KerasExporter` writes.
///
/// Fresh configs hold only what Keras needs to rebuild a layer (`name`, `trainable`, `dtype` plus the kind's own
/// arguments); Keras fills in its defaults for the rest.
struct KerasSequentialModel {
    /// The model name, also the first component of legacy `.h5` weight paths.
    var name: String
    /// The input shape without the batch dimension.
    var inputShape: [Int]
    var input: KerasLayerEntry
    /// The layers after the input, in order: `model.layers` as Keras counts them for a Sequential model.
    var layers: [KerasLayerEntry]

    /// - Throws: `BilinError` (without a file) when the model does not start with its only input layer, a layer's
    ///   weights do not fit its kind, an opaque layer did not come from a Keras file, or a layer name is not one Keras
    ///   accepts (empty, containing `/`, or used twice once bilinear layers are spelled out).
    init(_ model: Model) throws {
        try model.checkWeightShapes()
        guard case .input(let shape)? = model.layers.first?.kind else {
            throw BilinError("the model does not start with an input layer, which a Keras Sequential model needs")
        }
        name = model.name.isEmpty || model.name.contains("/") ? "sequential" : model.name
        inputShape = shape
        input = KerasLayerEntry(className: "InputLayer", name: model.layers[0].name, body: .fresh(config: .object([
            ("batch_shape", Self.batchShape(shape)), ("dtype", .string("float32")), ("sparse", .bool(false)),
            ("name", .string(model.layers[0].name)),
        ])), weights: [])
        let shapes = model.outputShapes()
        layers = try model.layers.indices.dropFirst().flatMap {
            try Self.entries(for: model.layers[$0], input: shapes[$0 - 1], layout: model.dataLayout)
        }
        var seen: Set<String> = []
        for entry in [input] + layers {
            guard !entry.name.isEmpty, !entry.name.contains("/") else {
                throw BilinError("layer name '\(entry.name)' cannot be written to a Keras file (empty or containing '/')")
            }
            guard seen.insert(entry.name).inserted else {
                throw BilinError("two layers would be named '\(entry.name)' in the Keras file")
            }
        }
    }

    /// The model config: the legacy `.h5` form `{"class_name": "Sequential", "config": {…}}`, or for a `.keras`
    /// archive that wrapped in `module`, `registered_name`, `build_config` and `compile_config`, as Keras 3 writes
    /// each.
    func config(forArchive: Bool) -> JSONValue {
        let config = JSONValue.object([
            ("name", .string(name)), ("trainable", .bool(true)), ("dtype", .string("float32")),
            ("layers", .array(([input] + layers).map { $0.entry(forArchive: forArchive) })),
            ("build_input_shape", Self.batchShape(inputShape)),
        ])
        let core: [(key: String, value: JSONValue)] = [("class_name", .string("Sequential")), ("config", config)]
        guard forArchive else { return .object(core) }
        return .object([("module", .string("keras"))] + core + [
            ("registered_name", .null), ("build_config", .object([("input_shape", Self.batchShape(inputShape))])),
            ("compile_config", .null),
        ])
    }

    /// A shape with its batch dimension, `null`, in front, as Keras writes shapes.
    private static func batchShape(_ shape: [Int]) -> JSONValue { .array([.null] + shape.map(JSONValue.number)) }

    /// The entries of `layer`, whose input has shape `input` when known, in a model of `layout`.
    private static func entries(for layer: LayerSpec, input: [Int]?, layout: DataLayout) throws -> [KerasLayerEntry] {
        let name = layer.name
        switch layer.kind {
        case .input:
            throw BilinError("layer '\(name)' is a second input layer; a Keras Sequential model has one")
        case .dense(let units, let activation, let useBias):
            return [KerasLayerEntry(className: "Dense", name: name,
                                    config: [("units", .number(units)), ("activation", .string(activation.rawValue)),
                                             ("use_bias", .bool(useBias))],
                                    weights: zip(["kernel", "bias"], layer.weights).map { ($0, $1) })]
        case .bilinear(let shape, let activation):
            return KerasBilinearChain.entries(for: layer, shape: shape, activation: activation)
        case .activation(let activation):
            return [KerasLayerEntry(className: "Activation", name: name, config: [("activation", .string(activation.rawValue))])]
        case .dropout(let rate):
            return [KerasLayerEntry(className: "Dropout", name: name, config: [("rate", .number(rate))])]
        case .flatten:
            let flatten = KerasLayerEntry(className: "Flatten", name: name, config: [("data_format", .string("channels_last"))])
            // A channels-first model flattens images in C, H, W order: Permute((3, 1, 2)) first turns (H, W, C) into
            // (C, H, W). (Keras' own channels_first Flatten does the opposite: it expects a (C, H, W) input.)
            guard layout == .channelsFirst, input?.count == 3 else { return [flatten] }
            return [KerasLayerEntry(className: "Permute", name: "\(name)_channels_first", config: [("dims", .integers([3, 1, 2]))]), flatten]
        case .reshape(let targetShape):
            return [KerasLayerEntry(className: "Reshape", name: name,
                                    config: [("target_shape", .integers(targetShape))])]
        case .conv2D(let filters, let window, let activation, let useBias):
            return [KerasLayerEntry(className: "Conv2D", name: name,
                                    config: [("filters", .number(filters))] + window.kerasConfig(size: "kernel_size")
                                        + [("data_format", .string("channels_last")), ("dilation_rate", .integers([1, 1])),
                                           ("groups", .number(1)), ("activation", .string(activation.rawValue)), ("use_bias", .bool(useBias))],
                                    weights: zip(["kernel", "bias"], layer.weights).map { ($0, $1) })]
        case .bilinearConv2D(let shape, let window, let activation):
            guard let input, input.count == 3 else {
                throw BilinError("layer '\(name)' (\(layer.kind.displayName)) needs a known (height, width, channels) input "
                                 + "to be written to a Keras file")
            }
            return KerasBilinearConvChain.entries(for: layer, shape: shape, window: window, activation: activation, input: input)
        case .pooling2D(let kind, let window):
            return [KerasLayerEntry(className: kind == .max ? "MaxPooling2D" : "AveragePooling2D", name: name,
                                    config: window.kerasConfig(size: "pool_size")
                                        + [("data_format", .string("channels_last"))])]
        case .globalAveragePooling2D:
            return [KerasLayerEntry(className: "GlobalAveragePooling2D", name: name,
                                    config: [("data_format", .string("channels_last")), ("keepdims", .bool(false))])]
        case .batchNormalization(let epsilon, let momentum):
            return [KerasLayerEntry(className: "BatchNormalization", name: name,
                                    config: [("axis", .number(-1)), ("momentum", .number(momentum)), ("epsilon", .number(epsilon)),
                                             ("center", .bool(true)), ("scale", .bool(true))],
                                    weights: zip(["gamma", "beta", "moving_mean", "moving_variance"], layer.weights).map { ($0, $1) })]
        case .depthwiseConv2D, .zeroPadding2D, .rescaling, .leakyReLU, .merge, .concatenate:
            throw BilinError("layer '\(name)' (\(layer.kind.displayName)) cannot be written to a Keras Sequential model")
        case .opaque(let className, let config):
            guard let entry = try? JSONValue(parsing: config), entry["class_name"]?.stringValue == className,
                  let carriedName = entry["config"]?["name"]?.stringValue else {
                throw BilinError("layer '\(name)' (\(className)) came from another format and cannot be written to a Keras file")
            }
            guard carriedName == name else {
                throw BilinError("layer '\(name)' (\(className)) was renamed, but its carried Keras config still calls it '\(carriedName)'")
            }
            return [KerasLayerEntry(className: className, name: name, carried: entry, weights: layer.weights)]
        }
    }
}
