/// What a layer computes. Known kinds can be run and trained; anything else is `opaque` and carried verbatim.
///
/// Weight layouts (row-major), in `LayerSpec.weights` order:
/// - `dense`: kernel `(inputs, units)` as Keras stores it (`y = x · kernel + bias`), then bias `(units)` if used.
/// - `bilinear`: `U (inputRows, outputRows)`, `V (inputColumns, outputColumns)`, bias `(outputRows, outputColumns)`.
public enum LayerKind: Sendable, Equatable {
    /// The model input; `shape` excludes the batch dimension.
    case input(shape: [Int])
    case dense(units: Int, activation: Activation, useBias: Bool)
    case bilinear(BilinearShape, activation: Activation)
    case activation(Activation)
    /// Inverted dropout: active only while training.
    case dropout(rate: Float)
    case flatten
    /// `targetShape` excludes the batch dimension.
    case reshape(targetShape: [Int])
    /// A layer this tool cannot run, carried to the output as it came. `config` is the source format's own text
    /// for it (Keras: the layer's JSON object).
    case opaque(className: String, config: String)

    /// The name users see in reports: the Keras class name where there is one.
    public var displayName: String {
        switch self {
        case .input: "InputLayer"
        case .dense: "Dense"
        case .bilinear: "BilinearProjection"
        case .activation: "Activation"
        case .dropout: "Dropout"
        case .flatten: "Flatten"
        case .reshape: "Reshape"
        case .opaque(let className, _): className
        }
    }
}
