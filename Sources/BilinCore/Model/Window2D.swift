/// How a convolution or pooling window pads its input.
public enum Padding: String, Sendable, Equatable, Codable {
    /// No padding: the window stays inside the input.
    case valid
    /// Zero padding so that the output has `ceil(input / stride)` positions; an odd total goes after (bottom,
    /// right), as Keras and ONNX `SAME_UPPER` do.
    case same
}

/// The spatial geometry of a convolution or pooling window over a `(height, width, channels)` example.
public struct Window2D: Sendable, Equatable, Codable {
    public var height: Int
    public var width: Int
    public var strideHeight: Int
    public var strideWidth: Int
    public var padding: Padding

    public init(height: Int, width: Int, strideHeight: Int = 1, strideWidth: Int = 1, padding: Padding = .valid) {
        self.height = height
        self.width = width
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padding = padding
    }

    /// The output positions along one axis of `input` positions, for a window of `size` and `stride`.
    private func outputLength(_ input: Int, size: Int, stride: Int) -> Int {
        switch padding {
        case .valid: input >= size ? (input - size) / stride + 1 : 0
        case .same: (input + stride - 1) / stride
        }
    }

    /// The padding before (top or left) along one axis: half the total, rounded down.
    private func paddingBefore(_ input: Int, size: Int, stride: Int) -> Int {
        guard padding == .same else { return 0 }
        let output = outputLength(input, size: size, stride: stride)
        return max((output - 1) * stride + size - input, 0) / 2
    }

    /// The output `(height, width)` for an input of `(height, width)`.
    public func outputSize(height inputHeight: Int, width inputWidth: Int) -> (height: Int, width: Int) {
        (outputLength(inputHeight, size: height, stride: strideHeight), outputLength(inputWidth, size: width, stride: strideWidth))
    }

    /// The rows and columns of zero padding before the input (top, left) and after it (bottom, right).
    public func padding(height inputHeight: Int, width inputWidth: Int) -> (top: Int, left: Int, bottom: Int, right: Int) {
        let (outputHeight, outputWidth) = outputSize(height: inputHeight, width: inputWidth)
        let top = paddingBefore(inputHeight, size: height, stride: strideHeight)
        let left = paddingBefore(inputWidth, size: width, stride: strideWidth)
        let totalHeight = padding == .same ? max((outputHeight - 1) * strideHeight + height - inputHeight, 0) : 0
        let totalWidth = padding == .same ? max((outputWidth - 1) * strideWidth + width - inputWidth, 0) : 0
        return (top, left, totalHeight - top, totalWidth - left)
    }

    /// Values in one patch of a `channels`-channel input: `channels · height · width`.
    public func patchSize(channels: Int) -> Int { channels * height * width }
}

/// What a pooling window computes.
public enum PoolingKind: String, Sendable, Equatable, Codable {
    case max
    /// The mean over the window's positions inside the input (padding is not counted, as in Keras and ONNX's
    /// default `count_include_pad = 0`).
    case average
}

/// The layout the source format gives images in. Layers always compute channels-last, `(height, width, channels)`
/// per example; a channels-first model (ONNX, PyTorch) is read as `(channels, height, width)` at its input and
/// flattens features in that order, so its dense kernels keep the rows its file gives.
public enum DataLayout: String, Sendable, Equatable, Codable {
    case channelsLast
    case channelsFirst
}
