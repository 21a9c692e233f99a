/// The model as this tool sees it: a chain of layers from the input to the output, with weights.
///
/// Importers build it from a file and exporters write it back; the trainer builds a `Network` from it and writes
/// the trained weights back. Layers are kept in execution order; every layer reads the previous one's output.
public struct Model: Sendable, Equatable {
    public var name: String
    public var layers: [LayerSpec]
    /// Facts about the source file that an exporter to the same format may reuse (e.g. `keras_version`).
    public var metadata: [String: String]
    /// Other names a layer is known by in its source file (an ONNX weight initializer's name → the layer's name),
    /// accepted wherever a layer is named.
    public var layerAliases: [String: String]
    /// The image layout of the source format. `inputShape` and every spatial shape here are channels-last whatever
    /// it is; a channels-first model reads its input as `(channels, height, width)` and flattens in that order.
    public var dataLayout: DataLayout

    public init(name: String, layers: [LayerSpec], metadata: [String: String] = [:], layerAliases: [String: String] = [:],
                dataLayout: DataLayout = .channelsLast) {
        self.name = name
        self.layers = layers
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

    /// The shape (without batch) of each layer's output, where it is known; `nil` after an opaque layer that
    /// does not preserve shape.
    public func outputShapes() -> [[Int]?] {
        var shapes: [[Int]?] = []
        var current: [Int]? = nil
        for layer in layers {
            switch layer.kind {
            case .input(let shape): current = shape
            case .dense(let units, _, _): current = current.map { Array($0.dropLast()) + [units] }
            case .bilinear(let shape, _): current = [shape.outputCount]
            case .activation, .dropout, .batchNormalization: break
            case .conv2D(let filters, let window, _, _): current = current.flatMap { Model.spatialOutput($0, window, channels: filters) }
            case .bilinearConv2D(let shape, let window, _):
                current = current.flatMap { Model.spatialOutput($0, window, channels: shape.outputCount) }
            case .pooling2D(_, let window): current = current.flatMap { Model.spatialOutput($0, window, channels: $0.last ?? 0) }
            case .globalAveragePooling2D: current = current.flatMap { $0.count == 3 ? [$0[2]] : nil }
            // A declared shape too large to count (a hostile config) leaves the shape unknown rather than trapping.
            case .flatten: current = current.flatMap { $0.checkedProduct.map { [$0] } }
            case .reshape(let target): current = target
            case .opaque: current = Model.opaqueOutputShape(layer, input: current)
            }
            shapes.append(current)
        }
        return shapes
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
