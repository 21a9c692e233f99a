/// How the output channels of a layer reach the next layer with weights (its consumer), and so which of the
/// consumer's weight rows read each channel when the output is widened.
///
/// The consumer's weights are seen as a matrix whose rows are indexed `(outer, channel, inner)` row-major:
///
///     Dense reading a flat output           (1, C, 1)
///     Dense after Flatten of (H, W, C)      (H·W, C, 1) channels-last;  (1, C, H·W) channels-first (C,H,W order)
///     Dense after GlobalAveragePooling2D    (1, C, 1)
///     Conv2D, kernel (kh, kw, C, filters)   (kh·kw, C, 1)
///
/// Activations, dropout and pooling pass channels through unchanged; batch normalizations in between are widened
/// along (`batchNormalizations`).
public struct ConsumerPath: Sendable, Equatable {
    /// The index of the consumer layer.
    public var consumer: Int
    /// Batch normalizations between the layer and its consumer, by index.
    public var batchNormalizations: [Int]
    /// The consumer's weight rows as `(outer, channel, inner)`.
    public var outer: Int
    public var inner: Int

    /// Rows of the consumer that read one channel.
    public var rowsPerChannel: Int { outer * inner }

    /// The path from layer `index` to its consumer, or why its output cannot be widened.
    public static func find(in model: Model, after index: Int) -> Result<ConsumerPath, Blocker> {
        let shapes = model.outputShapes()
        var batchNormalizations: [Int] = []
        // The shape a Flatten or a global pooling saw, when one stands between.
        var flattened: [Int]? = nil
        for next in (index + 1)..<model.layers.count {
            let layer = model.layers[next]
            switch layer.kind {
            case .activation, .dropout, .pooling2D, .rescaling, .leakyReLU, .zeroPadding2D:
                continue
            case .batchNormalization:
                batchNormalizations.append(next)
            case .flatten, .globalAveragePooling2D:
                if let shape = shapes[next - 1], shape.count == 3 {
                    flattened = layer.kind == .flatten ? shape : [1, 1, shape[2]]
                }
            case .dense:
                guard let input = shapes[next - 1], input.count == 1 else {
                    return .failure(Blocker("its consumer '\(layer.name)' does not take a flat input"))
                }
                let (outer, inner): (Int, Int)
                if let flattened {
                    let positions = flattened[0] * flattened[1]
                    (outer, inner) = model.dataLayout == .channelsFirst ? (1, positions) : (positions, 1)
                } else {
                    (outer, inner) = (1, 1)
                }
                return .success(ConsumerPath(consumer: next, batchNormalizations: batchNormalizations, outer: outer, inner: inner))
            case .conv2D(_, let window, _, _):
                return .success(ConsumerPath(consumer: next, batchNormalizations: batchNormalizations,
                                             outer: window.height * window.width, inner: 1))
            case .bilinear, .bilinearConv2D:
                return .failure(Blocker("its consumer '\(layer.name)' is bilinear already"))
            case .input, .reshape, .opaque, .depthwiseConv2D, .merge, .concatenate:
                return .failure(Blocker("its output feeds \(layer.kind.displayName) '\(layer.name)', which cannot be widened"))
            }
        }
        return .failure(Blocker("it is the model's output"))
    }

    /// Why a layer's output cannot be widened.
    public struct Blocker: Error, Sendable, Equatable {
        public var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
