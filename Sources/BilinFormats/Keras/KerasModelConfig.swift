import BilinCore

/// A Keras model config — root attribute `model_config` of a legacy `.h5`, or `config.json` of a `.keras` — read
/// as a graph of layers (`KerasGraphReader` reads the layer lists and inlines nested models).
///
/// Layouts read:
/// - Sequential: `{"class_name": "Sequential", "config": {"name": …, "layers": [entry, …], "build_input_shape": …}}`
///   (Keras 2.0–2.1 put the layer list directly under `config`). Keras 3 starts the list with an `InputLayer`;
///   Keras 2 may instead give the first layer a `batch_input_shape`.
/// - Functional (`"Functional"`, or `"Model"` in Keras 2): entries carry `name` and `inbound_nodes`; the config
///   names `input_layers` (one) and `output_layers`.
struct KerasModelConfig {
    var className: String
    var name: String
    /// The nodes in an order where each comes after the nodes it reads, the input layer first, nested models inlined.
    var layers: [KerasLayerConfig]
    /// The input shape without the batch dimension.
    var inputShape: [Int]
    /// The name of the `InputLayer`, or for a model without one, the name Keras 2 gives it: `<first layer>_input`.
    var inputName: String
    /// The nodes the model returns, in order.
    var outputs: [String]

    var isSequential: Bool { className == "Sequential" }

    /// Reads `text` (JSON). Messages carry no file; the importers add it.
    /// - Throws: `BilinError` naming the node at fault, for a cycle or a name no node writes among others.
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
        guard KerasGraphReader.modelClasses.contains(className) else {
            throw BilinError("the model is a '\(className)'; only Sequential and functional models can be read")
        }
        var reader = KerasGraphReader()
        let level = try reader.read(model: root, source: nil, archivePrefix: "", h5Group: nil)
        guard let input = level.input else { throw BilinError("the model config does not give the input shape") }
        var nodes = reader.nodes
        for index in nodes.indices { nodes[index].inputs = try reader.resolved(nodes[index].inputs) }
        self.className = className
        name = root["config"]?["name"]?.stringValue ?? className.lowercased()
        inputName = input.name
        inputShape = level.inputShape
        outputs = try reader.resolved(level.outputs)
        guard !outputs.isEmpty else { throw BilinError("the functional model names no output_layers") }
        layers = try Self.ordered(nodes)
    }

    /// `nodes` in topological order (`Model.topologicallyOrdered`, which refuses cycles and dangling names).
    private static func ordered(_ nodes: [KerasLayerConfig]) throws -> [KerasLayerConfig] {
        let specs = nodes.map { LayerSpec(name: $0.name, kind: .opaque(className: $0.className, config: ""), inputs: $0.inputs) }
        let position = Dictionary(uniqueKeysWithValues: nodes.enumerated().map { ($1.name, $0) })
        return try Model.topologicallyOrdered(specs).map { nodes[position[$0.name]!] }
    }

    // MARK: - Input

    /// The input node: the `InputLayer`, else (Keras 2 Sequential) a node named `<first layer>_input` with the first
    /// layer's `batch_input_shape`/`batch_shape`, else the model's `build_input_shape` (legacy `.h5`) or
    /// `build_config.input_shape` (`.keras`); and its shape without the batch dimension.
    static func inputLayer(of layers: [KerasLayerConfig], isSequential: Bool, model: JSONValue) throws -> (KerasLayerConfig, [Int]) {
        if isSequential, let misplaced = layers.dropFirst().first(where: { $0.className == "InputLayer" }) {
            throw BilinError("input layer '\(misplaced.name)' is not the first layer; only single-input chains can be read")
        }
        guard let first = isSequential ? layers.first : layers.first(where: { $0.className == "InputLayer" }) else {
            throw BilinError("the functional model has no InputLayer")
        }
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
        return (KerasLayerConfig(className: "InputLayer", name: name, config: first.config, entry: first.entry), shape.compactMap { $0 })
    }
}
