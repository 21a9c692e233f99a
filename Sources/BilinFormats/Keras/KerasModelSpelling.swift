import BilinCore

/// A `Model` spelled as a Keras 3 model: a Sequential one for a chain, a functional one (`inbound_nodes` in the Keras 2
/// list form, which Keras 3 reads) for any other graph. Fresh configs for known kinds, the carried entry for opaque
/// ones, and each bilinear layer spelled out as `KerasBilinearChain` (dense) or `KerasBilinearConvChain`
/// (convolution) describes, its first entry reading what the layer read and its readers reading its last entry.
/// This is what `KerasExporter` writes.
///
/// Fresh configs hold only what Keras needs to rebuild a layer (`name`, `trainable`, `dtype` plus the kind's own
/// arguments); Keras fills in its defaults for the rest.
struct KerasModelSpelling {
    /// The model name, also the first component of a Sequential model's legacy `.h5` weight paths.
    var name: String
    /// The input shape without the batch dimension.
    var inputShape: [Int]
    var input: KerasLayerEntry
    /// The layers after the input, in order.
    var layers: [KerasLayerEntry]
    /// For a functional model, the names of the entries each of `layers` reads; nil for a Sequential model.
    var inbound: [[String]]?
    /// The entries the model returns (functional models).
    var outputs: [String]

    var isFunctional: Bool { inbound != nil }

    /// The layers Keras saves weights for, in `model.layers` order: a functional model's `InputLayer` too.
    var savedLayers: [KerasLayerEntry] { isFunctional ? [input] + layers : layers }

    /// The path of a weight in a legacy `.h5` layer group: `<model>/<layer>/<weight>` (Sequential) or
    /// `<layer>/<weight>` (functional), as Keras 3 writes them.
    func h5WeightName(layer: String, weight: String) -> String {
        isFunctional ? "\(layer)/\(weight)" : "\(name)/\(layer)/\(weight)"
    }

    /// - Throws: `BilinError` (without a file) when the model does not start with its only input layer, a layer's
    ///   weights do not fit its kind, the inputs of a merge disagree, an opaque layer did not come from a Keras file,
    ///   or a layer name is not one Keras accepts (empty, containing `/`, or used twice once bilinear layers are
    ///   spelled out).
    init(_ model: Model) throws {
        try model.checkWeightShapes()
        guard case .input(let shape)? = model.layers.first?.kind else {
            throw BilinError("the model does not start with an input layer, which a Keras model needs")
        }
        let isFunctional = !model.isChain
        name = model.name.isEmpty || model.name.contains("/") ? (isFunctional ? "functional" : "sequential") : model.name
        inputShape = shape
        input = KerasLayerEntry(className: "InputLayer", name: model.layers[0].name, body: .fresh(config: .object([
            ("batch_shape", Self.batchShape(shape)), ("dtype", .string("float32")), ("sparse", .bool(false)),
            ("name", .string(model.layers[0].name)),
        ])), weights: [])
        let (inputShapes, edges) = (model.inputShapes(), model.inputIndices())
        var lastEntry = [model.layers[0].name]  // per layer, the entry its readers read
        var inbound: [[String]] = []
        layers = []
        for index in model.layers.indices.dropFirst() {
            let entries = try Self.entries(for: model.layers[index], input: inputShapes[index], layout: model.dataLayout)
            inbound += entries.indices.map { $0 == 0 ? edges[index].map { lastEntry[$0] } : [entries[$0 - 1].name] }
            lastEntry.append(entries.last?.name ?? model.layers[index].name)
            layers += entries
        }
        self.inbound = isFunctional ? inbound : nil
        outputs = model.outputIndices().map { lastEntry[$0] }
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

    /// The model config: the legacy `.h5` form `{"class_name": …, "config": {…}}`, or for a `.keras` archive that
    /// wrapped in `module`, `registered_name`, `build_config` and `compile_config`, as Keras 3 writes each.
    func config(forArchive: Bool) -> JSONValue {
        guard let inbound else {
            let config = JSONValue.object([
                ("name", .string(name)), ("trainable", .bool(true)), ("dtype", .string("float32")),
                ("layers", .array(([input] + layers).map { $0.entry(forArchive: forArchive) })),
                ("build_input_shape", Self.batchShape(inputShape)),
            ])
            return Self.wrapped(className: "Sequential", module: "keras", config: config, inputShape: inputShape, forArchive: forArchive)
        }
        let entries = zip([input] + layers, [[]] + inbound).map { entry, sources in
            Self.calling(entry.entry(forArchive: forArchive), name: entry.name, sources: sources)
        }
        let endpoint = { (name: String) in JSONValue.array([.string(name), .number(0), .number(0)]) }
        let config = JSONValue.object([
            ("name", .string(name)), ("trainable", .bool(true)), ("layers", .array(entries)),
            ("input_layers", .array([endpoint(input.name)])), ("output_layers", .array(outputs.map(endpoint))),
        ])
        return Self.wrapped(className: "Functional", module: "keras.src.models.functional", config: config, inputShape: nil,
                            forArchive: forArchive)
    }

    /// `{"class_name", "config"}`, and for an archive with `module`, `registered_name`, `build_config`, `compile_config`.
    private static func wrapped(className: String, module: String, config: JSONValue, inputShape: [Int]?, forArchive: Bool) -> JSONValue {
        let core: [(key: String, value: JSONValue)] = [("class_name", .string(className)), ("config", config)]
        guard forArchive else { return .object(core) }
        return .object([("module", .string(module))] + core + [
            ("registered_name", className == "Sequential" ? .null : .string(className)),
            ("build_config", .object([("input_shape", inputShape.map(batchShape) ?? .null)])), ("compile_config", .null),
        ])
    }

    /// A layer entry with its functional `name` and `inbound_nodes` (the Keras 2 form, `[[[source, 0, 0, {}], …]]`;
    /// none for the input), replacing any a carried entry had.
    private static func calling(_ entry: JSONValue, name: String, sources: [String]) -> JSONValue {
        guard case .object(let members) = entry.content else { return entry }
        let call = JSONValue.array(sources.map { .array([.string($0), .number(0), .number(0), .object([])]) })
        let kept = members.filter { $0.key != "name" && $0.key != "inbound_nodes" }
        return .object(kept + [("name", .string(name)), ("inbound_nodes", .array(sources.isEmpty ? [] : [call]))])
    }

    /// A shape with its batch dimension, `null`, in front, as Keras writes shapes.
    private static func batchShape(_ shape: [Int]) -> JSONValue { .array([.null] + shape.map(JSONValue.number)) }

    /// The entries of `layer`, whose input has shape `input` when known, in a model of `layout`.
    private static func entries(for layer: LayerSpec, input: [Int]?, layout: DataLayout) throws -> [KerasLayerEntry] {
        let name = layer.name
        switch layer.kind {
        case .input:
            throw BilinError("layer '\(name)' is a second input layer; this tool writes Keras models with one input")
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
        case .depthwiseConv2D(let multiplier, let window, let activation, let useBias):
            return [KerasLayerEntry(className: "DepthwiseConv2D", name: name,
                                    config: window.kerasConfig(size: "kernel_size")
                                        + [("depth_multiplier", .number(multiplier)), ("data_format", .string("channels_last")),
                                           ("dilation_rate", .integers([1, 1])), ("activation", .string(activation.rawValue)),
                                           ("use_bias", .bool(useBias))],
                                    weights: zip(["kernel", "bias"], layer.weights).map { ($0, $1) })]
        case .zeroPadding2D(let padding):
            return [KerasLayerEntry(className: "ZeroPadding2D", name: name,
                                    config: [("padding", .array([.integers([padding.top, padding.bottom]), .integers([padding.left, padding.right])])),
                                             ("data_format", .string("channels_last"))])]
        case .rescaling(let scale, let offset):
            return [KerasLayerEntry(className: "Rescaling", name: name, config: [("scale", .number(scale)), ("offset", .number(offset))])]
        case .leakyReLU(let slope):
            return [KerasLayerEntry(className: "LeakyReLU", name: name, config: [("negative_slope", .number(slope))])]
        case .merge(let operation):
            return [KerasLayerEntry(className: operation.kerasClassName, name: name, config: [])]
        case .concatenate(let axis):
            // Keras counts the batch axis.
            return [KerasLayerEntry(className: "Concatenate", name: name, config: [("axis", .number(axis + 1))])]
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
