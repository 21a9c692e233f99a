/// Everything a conversion or a comparison reports: printed as a table for people, written as JSON for machines.
public struct ConversionReport: Sendable, Codable {
    public var original: ModelSummary
    public var converted: ModelSummary
    /// One line per weighted layer.
    public var layers: [LayerConversion]
    /// Scale, start and widening used; `nil` for a comparison of two files.
    public var scale: Int?
    public var initialization: Initialization?
    /// The factor per fitted layer the data-aware start was shrunk by before fine-tuning (`ShrunkStart`).
    public var startShrink: Float?
    public var widening: Widening?
    /// Test accuracy right after conversion (epoch 0) and after each epoch of fine-tuning.
    public var history: [EpochRecord]
    /// Wall-clock seconds of the whole run.
    public var seconds: Double?
    /// An image folder's class names, by label id.
    public var classNames: [String]?
    /// The images `--skip-bad-images` left out because they do not decode.
    public var skippedImages: [String]?

    public init(
        original: ModelSummary, converted: ModelSummary, layers: [LayerConversion], scale: Int? = nil,
        initialization: Initialization? = nil, widening: Widening? = nil, history: [EpochRecord] = [], seconds: Double? = nil
    ) {
        self.original = original
        self.converted = converted
        self.layers = layers
        self.scale = scale
        self.initialization = initialization
        self.widening = widening
        self.history = history
        self.seconds = seconds
    }

    /// Lines comparing two models layer by layer, matching weighted layers by name.
    public static func layerComparison(_ original: Model, _ converted: Model) -> [LayerConversion] {
        original.layers.filter { !$0.weights.isEmpty }.map { before in
            let after = converted.layers.first { $0.name == before.name } ?? before
            return LayerConversion(
                name: before.name, kindBefore: before.kind.displayName, kindAfter: after.kind.displayName,
                shapeBefore: shapeText(before), shapeAfter: shapeText(after),
                parametersBefore: before.parameterCount, parametersAfter: after.parameterCount, relativeError: nil, decision: nil)
        }
    }

    /// `784→1024` for a dense layer, `28×28→64×64` for a bilinear one, `3×3×32→64` for a convolution (window and
    /// input channels → filters), `16×18→16×16 (3×3)` for a bilinear one.
    public static func shapeText(_ layer: LayerSpec) -> String {
        switch layer.kind {
        case .bilinear(let shape, _): "\(shape.inputRows)×\(shape.inputColumns)→\(shape.outputRows)×\(shape.outputColumns)"
        case .bilinearConv2D(let shape, let window, _):
            "\(shape.inputRows)×\(shape.inputColumns)→\(shape.outputRows)×\(shape.outputColumns) (\(window.height)×\(window.width))"
        case .conv2D(let filters, let window, _, _) where layer.weights.first?.rank == 4:
            "\(window.height)×\(window.width)×\(layer.weights[0].shape[2])→\(filters)"
        default:
            if let kernel = layer.weights.first, kernel.rank == 2 { "\(kernel.shape[0])→\(kernel.shape[1])" }
            else { layer.weights.first.map { $0.shape.map(String.init).joined(separator: "×") } ?? "" }
        }
    }
}
