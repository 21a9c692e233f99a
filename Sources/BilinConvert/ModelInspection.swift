import BilinCore
import BilinFormats

/// What `inspect` reports: a model's layers, and what converting it at each scale would do. Nothing is converted.
public struct ModelInspection: Sendable, Codable {
    public struct Layer: Sendable, Codable {
        public var name: String
        public var kind: String
        /// Without the batch dimension; `nil` where it cannot be known (after an opaque layer that reshapes).
        public var outputShape: [Int]?
        public var params: Int
        /// float32 weight bytes.
        public var bytes: Int
        /// Other names `--layers` accepts for the layer (an ONNX layer's weight initializers), sorted.
        public var aliases: [String]
    }

    public struct ScaleOption: Sendable, Codable {
        public var scale: Int
        public var converts: [String]
        /// Layer name → why it stays dense.
        public var skipped: [String: String]
        /// Layer name → why it converts at scale 1 rather than at `scale`.
        public var unwidened: [String: String]
        public var paramsBefore: Int
        public var paramsAfter: Int
        public var paramsSaved: Int
    }

    public var path: String
    public var params: Int
    public var layers: [Layer]
    public var scales: [ScaleOption]

    /// Inspects the model at `path` for the given scales.
    public init(path: String, scales: [Int] = [1, 2, 3, 4]) throws {
        let model = try ModelIO.load(path: path)
        let shapes = model.outputShapes()
        self.path = path
        params = model.parameterCount
        layers = model.layers.enumerated().map { index, layer in
            Layer(name: layer.name, kind: layer.kind.displayName, outputShape: shapes[index], params: layer.parameterCount,
                  bytes: layer.parameterCount * 4, aliases: model.layerAliases.filter { $0.value == layer.name }.keys.sorted())
        }
        self.scales = try scales.map { scale in
            // A random start has the shapes of the SVD start and needs no factorisation.
            let result: ConversionResult
            do {
                result = try Converter.convert(model, options: ConversionOptions(scale: scale, initialization: .random))
            } catch let error as BilinError {
                throw error.naming(file: path)
            }
            let skipped = result.layers.compactMap { line -> (String, String)? in
                guard case .kept(let reason) = line.decision else { return nil }
                return (line.name, reason.text)
            }
            let unwidened = result.layers.compactMap { line -> (String, String)? in
                guard case .converted(let obstacle?) = line.decision, scale > 1 else { return nil }
                return (line.name, obstacle.reason)
            }
            return ScaleOption(
                scale: scale, converts: result.layers.filter(\.converted).map(\.name),
                skipped: Dictionary(uniqueKeysWithValues: skipped), unwidened: Dictionary(uniqueKeysWithValues: unwidened),
                paramsBefore: model.parameterCount, paramsAfter: result.model.parameterCount,
                paramsSaved: model.parameterCount - result.model.parameterCount)
        }
    }
}
