/// The bilinear convolution: every patch of a `(height, width, channels)` example projected by `Y = Uᵀ X V + B`.
///
/// A patch is read in channel-major order, index `(c · kh + i) · kw + j` (`PatchOrder.channelMajor`), as the `p×q`
/// matrix `X` (`p·q = Cin·kh·kw`); its `p'×q'` output `Y`, flattened row-major, gives the `p'·q'` output channels of
/// that position. The batch of the projection is every output position of every example, so the layer is a
/// `BilinearProjection` over the patch matrix: `(n, H·W·Cin)` in, `(n, Ho·Wo·p'·q')` out.
public final class BilinearConv2D: InputGradientSkipping {
    public let name: String
    public let patches: Patches2D
    /// The projection of one patch; its parameters are this layer's.
    public let projection: BilinearProjection

    /// - Parameter inputShape: `(height, width, channels)` of one example.
    public init(name: String, inputShape: [Int], shape: BilinearShape, window: Window2D, u: Tensor, v: Tensor, bias: Tensor) {
        precondition(inputShape.count == 3, "BilinearConv2D '\(name)': input shape \(inputShape) is not (height, width, channels)")
        precondition(shape.inputCount == window.patchSize(channels: inputShape[2]),
                     "BilinearConv2D '\(name)': \(shape.inputRows)×\(shape.inputColumns) patches for input \(inputShape) and a \(window.height)×\(window.width) window")
        self.name = name
        patches = Patches2D(height: inputShape[0], width: inputShape[1], channels: inputShape[2], window: window, order: .channelMajor)
        projection = BilinearProjection(name: name, shape: shape, u: u, v: v, bias: bias)
    }

    public var parameters: [Parameter] { projection.parameters }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        projection(patches.extract(input)).reshaped([input.shape[0], patches.positions * projection.shape.outputCount])
    }

    /// The input gradient is the projection's and a col2im.
    public func train(_ input: Tensor, inputGradient: Bool) -> (output: Tensor, backward: (Tensor) -> Tensor?) {
        let (projected, backward) = projection.train(patches.extract(input), inputGradient: inputGradient)
        let output = projected.reshaped([input.shape[0], patches.positions * projection.shape.outputCount])
        return (output, { [patches] outputGradient in
            backward(outputGradient.reshaped(projected.shape)).map { patches.accumulate($0) }
        })
    }
}
