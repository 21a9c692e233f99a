/// What a layer computes. Known kinds can be run and trained; anything else is `opaque` and carried verbatim.
///
/// Weight layouts (row-major), in `LayerSpec.weights` order:
/// - `dense`: kernel `(inputs, units)` as Keras stores it (`y = x · kernel + bias`), then bias `(units)` if used.
/// - `bilinear`: `U (inputRows, outputRows)`, `V (inputColumns, outputColumns)`, bias `(outputRows, outputColumns)`.
/// - `conv2D`: kernel `(height, width, inputChannels, filters)` as Keras stores it, then bias `(filters)` if used.
/// - `bilinearConv2D`: as `bilinear`. Its input vector is one patch in channel-major order, index
///   `(c · height + i) · width + j` for input channel `c` and window row `i`, column `j` (the order a depthwise or
///   grouped convolution with a one-hot kernel extracts); its output `outputRows · outputColumns` are the channels.
/// - `batchNormalization`: gamma, beta, moving mean, moving variance, each `(channels)` (Keras order).
/// - `depthwiseConv2D`: kernel `(height, width, channels, multiplier)` as Keras stores it, then bias
///   `(channels · multiplier)` if used; output channel `c · multiplier + m` reads input channel `c` only.
///
/// Spatial layers act on `(height, width, channels)` examples, flattened row-major like every example.
public enum LayerKind: Sendable, Equatable {
    /// The model input; `shape` excludes the batch dimension.
    case input(shape: [Int])
    case dense(units: Int, activation: Activation, useBias: Bool)
    case bilinear(BilinearShape, activation: Activation)
    case activation(Activation)
    /// Inverted dropout: active only while training.
    case dropout(rate: Float)
    /// A 2-D convolution, `filters` output channels.
    case conv2D(filters: Int, window: Window2D, activation: Activation, useBias: Bool)
    /// The bilinear convolution: each patch projected by `Y = Uᵀ X V + B` (see `bilinear`).
    case bilinearConv2D(BilinearShape, window: Window2D, activation: Activation)
    case pooling2D(PoolingKind, window: Window2D)
    /// The mean of each channel over all positions: `(height, width, channels)` → `(channels)`.
    case globalAveragePooling2D
    /// `y = gamma · (x − mean) / sqrt(variance + epsilon) + beta` over the last axis; while training, the batch's
    /// mean and variance, and the moving ones move by `1 − momentum` towards them.
    case batchNormalization(epsilon: Float, momentum: Float)
    case flatten
    /// A convolution of each input channel by its own `multiplier` kernels.
    case depthwiseConv2D(multiplier: Int, window: Window2D, activation: Activation, useBias: Bool)
    /// Zero rows and columns around an image.
    case zeroPadding2D(ImagePadding)
    /// `y = x · scale + offset`, element by element (Keras `Rescaling`).
    case rescaling(scale: Float, offset: Float)
    /// `y = x` for `x ≥ 0`, `negativeSlope · x` otherwise.
    case leakyReLU(negativeSlope: Float)
    /// Tensors of one shape combined element by element; reads two or more nodes.
    case merge(MergeOperation)
    /// Tensors joined along `axis` of the example shape (no batch axis; `0 ..< rank`); reads two or more nodes.
    case concatenate(axis: Int)
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
        case .conv2D: "Conv2D"
        case .bilinearConv2D: "BilinearConv2D"
        case .pooling2D(.max, _): "MaxPooling2D"
        case .pooling2D(.average, _): "AveragePooling2D"
        case .globalAveragePooling2D: "GlobalAveragePooling2D"
        case .batchNormalization: "BatchNormalization"
        case .flatten: "Flatten"
        case .depthwiseConv2D: "DepthwiseConv2D"
        case .zeroPadding2D: "ZeroPadding2D"
        case .rescaling: "Rescaling"
        case .leakyReLU: "LeakyReLU"
        case .merge(let operation): operation.kerasClassName
        case .concatenate: "Concatenate"
        case .reshape: "Reshape"
        case .opaque(let className, _): className
        }
    }
}

/// How a merge node combines its inputs, element by element.
public enum MergeOperation: String, Sendable, Equatable, CaseIterable {
    case add, subtract, multiply, average, maximum, minimum

    /// The Keras layer class that computes it.
    public var kerasClassName: String {
        switch self {
        case .add: "Add"
        case .subtract: "Subtract"
        case .multiply: "Multiply"
        case .average: "Average"
        case .maximum: "Maximum"
        case .minimum: "Minimum"
        }
    }
}

/// Zero rows before (top) and after (bottom) an image, and zero columns before (left) and after (right) it.
public struct ImagePadding: Sendable, Equatable {
    public var top: Int
    public var bottom: Int
    public var left: Int
    public var right: Int

    public init(top: Int, bottom: Int, left: Int, right: Int) {
        (self.top, self.bottom, self.left, self.right) = (top, bottom, left, right)
    }

    /// The `(height, width, channels)` of a padded `(height, width, channels)` image.
    public func outputShape(_ input: [Int]) -> [Int] {
        [input[0] + top + bottom, input[1] + left + right, input[2]]
    }
}
