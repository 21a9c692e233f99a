import BilinCore

/// Convolution weights between ONNX's layout and the IR's.
///
/// ONNX (and PyTorch) store a convolution kernel as `(filters, inputChannels, height, width)`; the IR keeps Keras's
/// `(height, width, inputChannels, filters)`.
enum ONNXConvWeights {
    /// `(filters, inputChannels, height, width)` → `(height, width, inputChannels, filters)`.
    static func irKernel(fromONNX kernel: Tensor) -> Tensor { permuted(kernel, [2, 3, 1, 0]) }

    /// `(height, width, inputChannels, filters)` → `(filters, inputChannels, height, width)`.
    static func onnxKernel(fromIR kernel: Tensor) -> Tensor { permuted(kernel, [3, 2, 0, 1]) }

    /// A rank-4 tensor with its axes reordered: axis `k` of the result is axis `permutation[k]` of `tensor` (as
    /// ONNX's `Transpose` and NumPy's `transpose`).
    private static func permuted(_ tensor: Tensor, _ permutation: [Int]) -> Tensor {
        let shape = permutation.map { tensor.shape[$0] }
        // The source stride of each result axis.
        let sourceStrides = (0..<4).map { axis in tensor.shape[(axis + 1)...].reduce(1, *) }
        let strides = permutation.map { sourceStrides[$0] }
        var result = [Float]()
        result.reserveCapacity(tensor.count)
        for a in 0..<shape[0] {
            for b in 0..<shape[1] {
                for c in 0..<shape[2] {
                    for d in 0..<shape[3] {
                        result.append(tensor.scalars[a * strides[0] + b * strides[1] + c * strides[2] + d * strides[3]])
                    }
                }
            }
        }
        return Tensor(shape: shape, scalars: result)
    }

    /// The fixed kernel of a grouped `Conv(group = channels)` that extracts patches in the IR's channel-major order:
    /// shape `(channels · height · width, 1, height, width)`, output channel `c · (height · width) + i · width + j`
    /// (group `c`, so it reads input channel `c`) is one at window position `(i, j)` and zero elsewhere.
    static func patchKernel(channels: Int, height: Int, width: Int) -> Tensor {
        let positions = height * width
        var scalars = [Float](repeating: 0, count: channels * positions * positions)
        for output in 0..<(channels * positions) { scalars[output * positions + output % positions] = 1 }
        return Tensor(shape: [channels * positions, 1, height, width], scalars: scalars)
    }
}
