/// The model as this tool sees it: a graph of named layers (nodes) from the input to the outputs, with weights.
///
/// Importers build it from a file and exporters write it back; the trainer builds a `Network` from it and writes
/// the trained weights back. Layers are kept in a topological order, the `.input` node first: every layer reads
/// nodes listed before it (`LayerSpec.inputs`; a layer that names none reads the one before it, so a chain needs
/// no names). `Model+Graph.swift` resolves and checks the edges.
public struct Model: Sendable, Equatable {
    public var name: String
    public var layers: [LayerSpec]
    /// The names of the nodes whose outputs the model returns; empty means the last layer.
    public var outputs: [String]
    /// Facts about the source file that an exporter to the same format may reuse (e.g. `keras_version`).
    public var metadata: [String: String]
    /// Other names a layer is known by in its source file (an ONNX weight initializer's name → the layer's name),
    /// accepted wherever a layer is named.
    public var layerAliases: [String: String]
    /// The image layout of the source format. `inputShape` and every spatial shape here are channels-last whatever
    /// it is; a channels-first model reads its input as `(channels, height, width)` and flattens in that order.
    public var dataLayout: DataLayout

    public init(name: String, layers: [LayerSpec], outputs: [String] = [], metadata: [String: String] = [:],
                layerAliases: [String: String] = [:], dataLayout: DataLayout = .channelsLast) {
        self.name = name
        self.layers = layers
        self.outputs = outputs
        self.metadata = metadata
        self.layerAliases = layerAliases
        self.dataLayout = dataLayout
    }

    /// The most values one example may hold: BLAS indexes with 32-bit integers. Importers refuse larger input shapes.
    public static let maximumInputCount = Int(Int32.max)

    /// The input shape without the batch dimension.
    public var inputShape: [Int] {
        if case .input(let shape)? = layers.first?.kind { return shape }
        return []
    }

    public var parameterCount: Int { layers.reduce(0) { $0 + $1.parameterCount } }

    /// The index of the layer called `name`, or of the layer `name` is an alias of.
    public func layerIndex(named name: String) -> Int? {
        layers.firstIndex { $0.name == name } ?? layerAliases[name].flatMap { alias in layers.firstIndex { $0.name == alias } }
    }

    /// The shape (without batch) of each layer's output, where it is known. A shape stays unknown only after a
    /// layer that changes it in a way the tool cannot compute (an opaque layer), and a Dense layer's kernel gives
    /// its input width where the input's shape is unknown.
    public func outputShapes() -> [[Int]?] {
        let edges = inputIndices()
        var shapes: [[Int]?] = []
        shapes.reserveCapacity(layers.count)
        for (index, layer) in layers.enumerated() {
            let inputs = edges[index].map { shapes[$0] }
            shapes.append(Model.outputShape(of: layer, inputs: inputs))
        }
        return shapes
    }

    /// The shape (without batch) of each layer's first input; `nil` for the input node and where it is unknown.
    public func inputShapes() -> [[Int]?] {
        let shapes = outputShapes()
        return inputIndices().map { $0.first.flatMap { shapes[$0] } }
    }

    /// The output shape of `layer` given the shapes of the nodes it reads.
    static func outputShape(of layer: LayerSpec, inputs: [[Int]?]) -> [Int]? {
        let current = inputs.first ?? nil
        switch layer.kind {
        case .input(let shape): return shape
        case .dense(let units, _, _):
            if let current { return Array(current.dropLast()) + [units] }
            return layer.weights.first?.rank == 2 ? [units] : nil
        case .bilinear(let shape, _): return [shape.outputCount]
        case .activation, .dropout, .batchNormalization, .rescaling, .leakyReLU: return current
        case .conv2D(let filters, let window, _, _): return current.flatMap { Model.spatialOutput($0, window, channels: filters) }
        case .depthwiseConv2D(let multiplier, let window, _, _):
            return current.flatMap { Model.spatialOutput($0, window, channels: ($0.last ?? 0) * multiplier) }
        case .bilinearConv2D(let shape, let window, _):
            return current.flatMap { Model.spatialOutput($0, window, channels: shape.outputCount) }
        case .pooling2D(_, let window): return current.flatMap { Model.spatialOutput($0, window, channels: $0.last ?? 0) }
        case .globalAveragePooling2D: return current.flatMap { $0.count == 3 ? [$0[2]] : nil }
        case .zeroPadding2D(let padding): return current.flatMap { $0.count == 3 ? padding.outputShape($0) : nil }
        // A declared shape too large to count (a hostile config) leaves the shape unknown rather than trapping.
        case .flatten: return current.flatMap { $0.checkedProduct.map { [$0] } }
        case .reshape(let target): return target
        case .merge: return inputs.compactMap { $0 }.first
        case .concatenate(let axis):
            guard let known = inputs as? [[Int]], let first = known.first, axis < first.count,
                  known.allSatisfy({ $0.count == first.count }) else { return nil }
            var shape = first
            shape[axis] = known.reduce(0) { $0 + $1[axis] }
            return shape
        case .opaque: return Model.opaqueOutputShape(layer, input: current)
        }
    }

    /// The `(height, width, channels)` output of a window over a `(height, width, channels)` input; nil for another rank.
    static func spatialOutput(_ input: [Int], _ window: Window2D, channels: Int) -> [Int]? {
        guard input.count == 3 else { return nil }
        let (height, width) = window.outputSize(height: input[0], width: input[1])
        return [height, width, channels]
    }

    /// Opaque layers whose output shape equals their input shape (normalisations, noise) keep the shape known.
    static func opaqueOutputShape(_ layer: LayerSpec, input: [Int]?) -> [Int]? {
        guard case .opaque(let className, _) = layer.kind else { return input }
        let shapePreserving: Set<String> = [
            "LayerNormalization", "BatchNormalization", "GaussianNoise", "GaussianDropout", "AlphaDropout",
            "SpatialDropout1D", "ActivityRegularization", "UnitNormalization",
        ]
        return shapePreserving.contains(className) ? input : nil
    }
}
