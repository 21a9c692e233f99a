import BilinCore

/// A Keras model config — root attribute `model_config` of a legacy `.h5`, or `config.json` of a `.keras` — read
/// as a chain of layers.
///
/// Layouts read:
/// - Sequential: `{"class_name": "Sequential", "config": {"name": …, "layers": [entry, …], "build_input_shape": …}}`
///   (Keras 2.0–2.1 put the layer list directly under `config`). Keras 3 starts the list with an `InputLayer`;
///   Keras 2 may instead give the first layer a `batch_input_shape`.
/// - Functional (`"Functional"`, or `"Model"` in Keras 2): entries carry `name` and `inbound_nodes`. Keras 3 writes a
///   node as `{"args": [{"class_name": "__keras_tensor__", "config": {"keras_history": [layer, node, tensor]}}],
///   "kwargs": {…}}`, Keras 2 as `[[layer, node, tensor, kwargs], …]`. The model must be a chain: each layer has a
///   single inbound tensor, from the layer listed before it.
struct KerasModelConfig {
    var className: String
    var name: String
    /// The layers in execution order, `InputLayer` entries included.
    var layers: [KerasLayerConfig]
    /// The input shape without the batch dimension.
    var inputShape: [Int]
    /// The name of the `InputLayer`, or for a model without one, the name Keras 2 gives it: `<first layer>_input`.
    var inputName: String

    var isSequential: Bool { className == "Sequential" }

    /// Reads `text` (JSON). Messages carry no file; the importers add it.
    init(text: String) throws {
        let root: JSONValue
        do {
            root = try JSONValue(parsing: text)
        } catch let error as BilinError {
            throw BilinError("the model config is not valid JSON (\(error.message))")
        }
        guard let className = root["class_name"]?.stringValue else {
            throw BilinError("the model config has no class_name")
        }
        guard ["Sequential", "Functional", "Model"].contains(className) else {
            throw BilinError("the model is a '\(className)'; only Sequential and functional models can be read")
        }
        let config = root["config"]
        guard let entries = config?.arrayValue ?? config?["layers"]?.arrayValue, !entries.isEmpty else {
            throw BilinError("the model config lists no layers")
        }
        self.className = className
        name = config?["name"]?.stringValue ?? className.lowercased()
        layers = try entries.enumerated().map { index, entry in try Self.layer(entry, index: index) }
        let duplicates = Dictionary(grouping: layers.map(\.name), by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
        guard duplicates.isEmpty else {
            throw BilinError("the model config has more than one layer named '\(duplicates[0])'")
        }
        if className != "Sequential", let config {
            try Self.checkChain(layers, config: config)
        }
        let (inputName, inputShape) = try Self.input(of: layers, model: root)
        self.inputName = inputName
        self.inputShape = inputShape
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

    // MARK: - Input

    /// The input layer's name and shape: from the leading `InputLayer`, else from the first layer's
    /// `batch_input_shape`/`batch_shape` (Keras 2), else from the model's `build_input_shape` (legacy `.h5`) or
    /// `build_config.input_shape` (`.keras`).
    private static func input(of layers: [KerasLayerConfig], model: JSONValue) throws -> (String, [Int]) {
        if let misplaced = layers.dropFirst().first(where: { $0.className == "InputLayer" }) {
            throw BilinError("input layer '\(misplaced.name)' is not the first layer; only single-input chains can be read")
        }
        let first = layers[0]
        let batchShape = first.config["batch_shape"] ?? first.config["batch_input_shape"]
            ?? model["config"]?["build_input_shape"] ?? model["build_config"]?["input_shape"]
        let name = first.className == "InputLayer" ? first.name : "\(first.name)_input"
        guard let dimensions = batchShape?.arrayValue, !dimensions.isEmpty else {
            throw BilinError("the model config does not give the input shape")
        }
        let shape = dimensions.dropFirst().map(\.intValue)
        guard shape.allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw BilinError("input '\(name)' has shape \(batchShape?.text ?? "") with unknown or zero dimensions; "
                             + "this tool needs a fixed input shape")
        }
        guard let count = shape.compactMap({ $0 }).checkedProduct, count <= Model.maximumInputCount else {
            throw BilinError("input '\(name)' has shape \(batchShape?.text ?? ""), more than \(Model.maximumInputCount) values per example")
        }
        return (name, shape.compactMap { $0 })
    }

    // MARK: - Functional chains

    /// Checks that a functional model is a chain: the first layer is its only input, the last its only output, and
    /// every other layer has exactly one inbound tensor, from the layer before it.
    private static func checkChain(_ layers: [KerasLayerConfig], config: JSONValue) throws {
        for (index, layer) in layers.enumerated() {
            let sources = inboundLayerNames(layer.entry["inbound_nodes"])
            let expected = index == 0 ? [] : [layers[index - 1].name]
            guard sources == expected else {
                let described = sources.isEmpty ? "no layer" : sources.map { "'\($0)'" }.joined(separator: ", ")
                throw BilinError("the functional model is not a chain: layer '\(layer.name)' takes its input from "
                                 + "\(described); only models where each layer reads the previous one can be read")
            }
        }
        for (key, expected) in [("input_layers", layers[0].name), ("output_layers", layers[layers.count - 1].name)] {
            let names = endpointNames(config[key])
            guard names == [expected] else {
                throw BilinError("the functional model is not a chain: its \(key) are \(names), expected ['\(expected)']")
            }
        }
    }

    /// The layer names of the tensors feeding all inbound nodes, in order, in either the Keras 3 or Keras 2 layout.
    private static func inboundLayerNames(_ nodes: JSONValue?) -> [String] {
        (nodes?.arrayValue ?? []).flatMap { node -> [String] in
            if node.isObject { return kerasHistoryNames(in: node) }
            return (node.arrayValue ?? []).compactMap { $0.arrayValue?.first?.stringValue }
        }
    }

    /// The first element of every `keras_history` found anywhere inside a Keras 3 node.
    private static func kerasHistoryNames(in value: JSONValue) -> [String] {
        switch value.content {
        case .object(let members):
            return members.flatMap { member in
                member.key == "keras_history" ? [member.value.arrayValue?.first?.stringValue].compactMap { $0 }
                    : kerasHistoryNames(in: member.value)
            }
        case .array(let elements): return elements.flatMap(kerasHistoryNames)
        default: return []
        }
    }

    /// The layer names of `input_layers`/`output_layers`: `[name, 0, 0]` for one endpoint, or a list of such.
    private static func endpointNames(_ value: JSONValue?) -> [String] {
        guard let elements = value?.arrayValue else { return [] }
        if let single = elements.first?.stringValue { return [single] }
        return elements.compactMap { $0.arrayValue?.first?.stringValue }
    }
}
