/// How the output channels of a layer reach a layer with weights that reads them (a consumer), and so which of the
/// consumer's weight rows read each channel when the output is widened.
///
/// The consumer's weights are seen as a matrix whose rows are indexed `(outer, channel, inner)` row-major:
///
///     Dense reading a flat output           (1, C, 1)
///     Dense after Flatten of (H, W, C)      (H·W, C, 1) channels-last;  (1, C, H·W) channels-first (C,H,W order)
///     Dense after GlobalAveragePooling2D    (1, C, 1)
///     Conv2D, kernel (kh, kw, C, filters)   (kh·kw, C, 1)
///
/// Activations, dropout, rescaling, zero padding and pooling pass channels through unchanged; batch normalizations in
/// between are widened along (`batchNormalizations`). A layer's output may reach several consumers (fan-out): it can
/// be widened only if every path reaches one.
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

    /// The paths from layer `index` to every consumer of its output, or why its output cannot be widened.
    public static func find(in model: Model, after index: Int) -> Result<[ConsumerPath], WideningObstacle> {
        find(in: model, after: index, graph: ModelGraph(model))
    }

    /// `find(in:after:)` with the model's edges and shapes computed once.
    static func find(in model: Model, after index: Int, graph: ModelGraph) -> Result<[ConsumerPath], WideningObstacle> {
        var paths: [ConsumerPath] = []
        // Depth-first over the nodes the output flows through; each entry carries what its path has seen so far.
        var pending: [(node: Int, batchNormalizations: [Int], flattened: [Int]?)] = [(index, [], nil)]
        var visited = Set<Int>()
        while let (node, normalizations, flattened) = pending.popLast() {
            if graph.outputs.contains(node) { return .failure(.modelOutput) }
            for next in graph.consumers[node] where visited.insert(next).inserted {
                let layer = model.layers[next]
                let input = graph.inputShapes[next]
                switch layer.kind {
                case .activation, .dropout, .pooling2D, .rescaling, .leakyReLU, .zeroPadding2D:
                    pending.append((next, normalizations, flattened))
                case .batchNormalization:
                    pending.append((next, normalizations + [next], flattened))
                case .flatten, .globalAveragePooling2D:
                    let seen = input.flatMap { $0.count == 3 ? (layer.kind == .flatten ? $0 : [1, 1, $0[2]]) : nil }
                    pending.append((next, normalizations, seen ?? flattened))
                case .dense:
                    guard let input, input.count == 1 else { return .failure(.consumerNotFlat(layer.name)) }
                    var (outer, inner) = (1, 1)
                    if let flattened {
                        let positions = flattened[0] * flattened[1]
                        (outer, inner) = model.dataLayout == .channelsFirst ? (1, positions) : (positions, 1)
                    }
                    paths.append(ConsumerPath(consumer: next, batchNormalizations: normalizations, outer: outer, inner: inner))
                case .conv2D(_, let window, _, _):
                    paths.append(ConsumerPath(consumer: next, batchNormalizations: normalizations,
                                              outer: window.height * window.width, inner: 1))
                case .bilinear, .bilinearConv2D:
                    return .failure(.consumerIsBilinear(layer.name))
                case .merge, .concatenate:
                    return .failure(.meetsOtherBranches(layer.name, kind: layer.kind.displayName))
                case .input, .reshape, .opaque, .depthwiseConv2D:
                    return .failure(.consumerCannotWiden(layer.name, kind: layer.kind.displayName))
                }
            }
        }
        return paths.isEmpty ? .failure(.modelOutput) : .success(paths.sorted { $0.consumer < $1.consumer })
    }
}

/// Why a layer's output is not widened by its scale: the plan converts it at scale 1.
public enum WideningObstacle: Error, Sendable, Equatable, Codable {
    /// The output is (or flows unchanged into) a model output, whose width users rely on.
    case modelOutput
    /// A Dense consumer reads it without flattening it first.
    case consumerNotFlat(String)
    /// The consumer is bilinear already (a converted file converted again).
    case consumerIsBilinear(String)
    /// It meets other tensors at a merge or concatenation: a residual stream keeps its width (`Docs/method.md`).
    case meetsOtherBranches(String, kind: String)
    /// It reaches a layer whose input cannot grow (a reshape, a depthwise convolution, a layer the tool carries).
    case consumerCannotWiden(String, kind: String)
    /// At this scale the layer, its consumers' new rows and the batch normalizations between hold at least as many
    /// parameters as the original layer.
    case wideningCostsMore(scale: Int)

    /// The reason as the report prints it.
    public var reason: String {
        switch self {
        case .modelOutput: "it is the model's output"
        case .consumerNotFlat(let name): "its consumer '\(name)' does not take a flat input"
        case .consumerIsBilinear(let name): "its consumer '\(name)' is bilinear already"
        case .meetsOtherBranches(let name, let kind): "its output meets other branches at \(kind) '\(name)', which keeps the stream's width"
        case .consumerCannotWiden(let name, let kind): "its output feeds \(kind) '\(name)', which cannot be widened"
        case .wideningCostsMore(let scale): "at scale \(scale) it and its widened consumers would hold more parameters than it does"
        }
    }
}

/// A model's edges and shapes, computed once for the planner and the converter.
struct ModelGraph {
    var consumers: [[Int]]
    var outputs: Set<Int>
    var inputShapes: [[Int]?]

    init(_ model: Model) {
        consumers = model.consumerIndices()
        outputs = Set(model.outputIndices())
        inputShapes = model.inputShapes()
    }
}
