import BilinCore

/// Reads the layer lists of a Keras model config into the nodes of one graph: Sequential layers read the layer
/// before them, functional ones the tensors their `inbound_nodes` name, and a nested Sequential or functional model
/// is inlined, its input replaced by the node that feeds it and its name by its output node.
///
/// `inbound_nodes` forms read: Keras 3 `[{"args": [tensor or [tensor, …]], "kwargs": {…}}]` with each tensor
/// `{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, index]}}`, and Keras 2
/// `[[[layer, node, index, kwargs], …]]`. A layer called more than once (shared weights) or reading another than the
/// first output of a layer is refused.
struct KerasGraphReader {
    /// The nodes read so far, in file order, nested models inlined; inputs may still name a nested model.
    private(set) var nodes: [KerasLayerConfig] = []
    /// Every node name given out, so that a nested model's layer never takes a name already used.
    private var used: Set<String> = []
    /// A nested model's node name → the node that computes its output.
    private var aliases: [String: String] = [:]

    /// What one model level gives its parent.
    struct Level {
        /// The input node (top level only).
        var input: KerasLayerConfig?
        /// The input shape without the batch dimension (top level only).
        var inputShape: [Int] = []
        var outputs: [String]
    }

    static let modelClasses: Set<String> = ["Sequential", "Functional", "Model"]

    /// Reads the model whose entry is `model` (`class_name`, `config`).
    /// - Parameters:
    ///   - source: For a nested model, the node that feeds it; nil at the top level.
    ///   - archivePrefix: The `.keras` weight path its layer paths go under: `""` at the top level.
    ///   - h5Group: The `.h5` group holding its weights when nested: its outermost model's.
    mutating func read(model: JSONValue, source: String?, archivePrefix: String, h5Group: String?) throws -> Level {
        let className = model["class_name"]?.stringValue ?? ""
        let config = model["config"]
        let modelName = config?["name"]?.stringValue ?? className.lowercased()
        guard let entries = config?.arrayValue ?? config?["layers"]?.arrayValue, !entries.isEmpty else {
            throw BilinError(source == nil ? "the model config lists no layers" : "nested model '\(modelName)' lists no layers")
        }
        let layers = try entries.enumerated().map { index, entry in try Self.layer(entry, index: index) }
        let duplicates = Dictionary(grouping: layers.map(\.name), by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        guard duplicates.isEmpty else {
            throw BilinError("the model config has more than one layer named '\(duplicates[0])'")
        }
        let isSequential = className == "Sequential"
        // Keras saves weights per entry of `model.layers`, which leaves out a Sequential model's InputLayer.
        let saved = isSequential ? layers.filter { $0.className != "InputLayer" } : layers
        let paths = Dictionary(uniqueKeysWithValues: zip(saved.map(\.name), KerasArchiveLayout.layerPaths(classNames: saved.map(\.className))))

        // Top-level names stay as they are; a nested model's layers take what is left.
        if source == nil { used.formUnion(layers.map(\.name)) }
        var local: [String: String] = [:]  // Keras name in this model → node name
        var level = Level(input: nil, outputs: [])
        let inputLayers = layers.filter { $0.className == "InputLayer" }
        if inputLayers.count > 1 {
            throw BilinError("the model has \(inputLayers.count) inputs (\(inputLayers.map { "'\($0.name)'" }.joined(separator: ", "))); "
                             + "only models with one input can be read")
        }
        if let source {
            if let inputLayer = inputLayers.first { local[inputLayer.name] = source }
        } else {
            var (input, shape) = try KerasModelConfig.inputLayer(of: layers, isSequential: isSequential, model: model)
            level.inputShape = shape
            used.insert(input.name)
            input.location = .init(kerasName: input.name, h5Group: input.name, archivePath: paths[input.name].map { archivePrefix + $0 },
                                   isNested: false)
            local[input.name] = input.name
            level.input = input
            nodes.append(input)
        }
        var previous = source ?? level.input?.name ?? ""
        for var layer in layers where layer.className != "InputLayer" {
            let kerasName = layer.name
            let sources = isSequential ? [previous] : try Self.inboundNames(of: layer).map { local[$0] ?? $0 }
            if Self.modelClasses.contains(layer.className) {
                guard sources.count == 1 else {
                    throw BilinError("nested model '\(kerasName)' reads \(sources.count) tensors; only nested models with one input can be read")
                }
                let path = paths[kerasName].map { archivePrefix + $0 + "/" } ?? ""
                let inner = try read(model: layer.entry, source: sources[0], archivePrefix: path, h5Group: h5Group ?? kerasName)
                guard inner.outputs.count == 1 else {
                    throw BilinError("nested model '\(kerasName)' has \(inner.outputs.count) outputs; only nested models with one output can be read")
                }
                let name = source == nil ? kerasName : unique(kerasName, in: modelName)
                aliases[name] = inner.outputs[0]
                local[kerasName] = name
                previous = name
                continue
            }
            layer.name = source == nil ? kerasName : unique(kerasName, in: modelName)
            layer.inputs = sources
            layer.location = .init(kerasName: kerasName, h5Group: h5Group ?? kerasName,
                                   archivePath: paths[kerasName].map { archivePrefix + $0 }, isNested: h5Group != nil)
            local[kerasName] = layer.name
            previous = layer.name
            nodes.append(layer)
        }
        level.outputs = isSequential ? [previous] : Self.endpointNames(config?["output_layers"]).map { local[$0] ?? $0 }
        return level
    }

    /// The nodes with every name of a nested model replaced by its output node.
    func resolved(_ names: [String]) throws -> [String] {
        try names.map { name in
            var current = name
            // A nested model's output is a node inside it, so a chain of aliases is as long as the nesting at most;
            // a longer one comes from a nested model that returns its own input read from itself.
            for _ in 0...aliases.count {
                guard let next = aliases[current] else { return current }
                current = next
            }
            throw BilinError("nested model '\(name)' reads its own output (a cycle)")
        }
    }

    /// A node name not used yet: `name`, else `<model>_<name>`, else that with `_2`, `_3`, ….
    private mutating func unique(_ name: String, in model: String) -> String {
        var candidate = name
        if used.contains(candidate) { candidate = "\(model)_\(name)" }
        var suffix = 2
        while used.contains(candidate) {
            candidate = "\(model)_\(name)_\(suffix)"
            suffix += 1
        }
        used.insert(candidate)
        return candidate
    }

    private static func layer(_ entry: JSONValue, index: Int) throws -> KerasLayerConfig {
        guard let className = entry["class_name"]?.stringValue, let config = entry["config"], config.isObject else {
            throw BilinError("layer \(index) of the model config has no class_name or config")
        }
        guard let name = entry["name"]?.stringValue ?? config["name"]?.stringValue else {
            throw BilinError("layer \(index) (\(className)) of the model config has no name")
        }
        return KerasLayerConfig(className: className, name: name, config: config, entry: entry)
    }

    // MARK: - Inbound nodes

    /// The layer names of the tensors a functional layer reads, in call order.
    private static func inboundNames(of layer: KerasLayerConfig) throws -> [String] {
        let calls = layer.entry["inbound_nodes"]?.arrayValue ?? []
        guard calls.count <= 1 else {
            throw BilinError("layer '\(layer.name)' is called \(calls.count) times (shared weights); only layers called once can be read")
        }
        let tensors = calls.first.map { call in
            call.isObject ? kerasHistories(in: call) : (call.arrayValue ?? []).map { $0.arrayValue ?? [] }
        } ?? []
        guard !tensors.isEmpty else { throw BilinError("layer '\(layer.name)' reads no tensor in the model config") }
        return try tensors.map { history in
            guard let source = history.first?.stringValue else {
                throw BilinError("layer '\(layer.name)' has an inbound tensor without a layer name")
            }
            guard history.count < 2 || history[1].intValue == 0 else {
                throw BilinError("layer '\(layer.name)' reads call \(history[1].text) of layer '\(source)' (a shared layer); only layers called once can be read")
            }
            guard history.count < 3 || history[2].intValue == 0 else {
                throw BilinError("layer '\(layer.name)' reads output \(history[2].text) of layer '\(source)'; only single-output layers can be read")
            }
            return source
        }
    }

    /// Every `keras_history` inside a Keras 3 call, in order.
    private static func kerasHistories(in value: JSONValue) -> [[JSONValue]] {
        switch value.content {
        case .object(let members):
            return members.flatMap { member in
                member.key == "keras_history" ? [member.value.arrayValue ?? []] : kerasHistories(in: member.value)
            }
        case .array(let elements): return elements.flatMap(kerasHistories)
        default: return []
        }
    }

    /// The layer names of `input_layers`/`output_layers`: `[name, 0, 0]` for one endpoint, or a list of such.
    static func endpointNames(_ value: JSONValue?) -> [String] {
        guard let elements = value?.arrayValue else { return [] }
        if let single = elements.first?.stringValue { return [single] }
        return elements.compactMap { $0.arrayValue?.first?.stringValue }
    }
}
