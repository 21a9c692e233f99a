/// Zero rows and columns around each `(height, width, channels)` example (Keras `ZeroPadding2D`, and an ONNX
/// `Conv`'s explicit pads that are neither valid nor same).
public final class ZeroPadding2D: Layer {
    public let name: String
    public let inputShape: [Int]
    public let padding: ImagePadding

    public init(name: String, inputShape: [Int], padding: ImagePadding) {
        precondition(inputShape.count == 3, "ZeroPadding2D '\(name)': input shape \(inputShape) is not (height, width, channels)")
        self.name = name
        self.inputShape = inputShape
        self.padding = padding
    }

    private var outputShape: [Int] { padding.outputShape(inputShape) }

    /// Calls `body(inputOffset, outputOffset, count)` for each input row of each example: `count` values of the input
    /// at `inputOffset` sit at `outputOffset` of the output.
    private func forEachRow(batch: Int, _ body: (Int, Int, Int) -> Void) {
        let (height, width, channels) = (inputShape[0], inputShape[1], inputShape[2])
        let (outputHeight, outputWidth) = (outputShape[0], outputShape[1])
        for example in 0..<batch {
            for row in 0..<height {
                let source = (example * height + row) * width * channels
                let target = ((example * outputHeight + row + padding.top) * outputWidth + padding.left) * channels
                body(source, target, width * channels)
            }
        }
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        let batch = input.shape[0]
        var output = [Float](repeating: 0, count: batch * outputShape.reduce(1, *))
        forEachRow(batch: batch) { source, target, count in
            for i in 0..<count { output[target + i] = input.scalars[source + i] }
        }
        return Tensor(shape: [batch, outputShape.reduce(1, *)], scalars: output)
    }

    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor) {
        (self(input), { [self] gradient in
            let batch = gradient.shape[0]
            var inputGradient = [Float](repeating: 0, count: batch * inputShape.reduce(1, *))
            forEachRow(batch: batch) { source, target, count in
                for i in 0..<count { inputGradient[source + i] = gradient.scalars[target + i] }
            }
            return Tensor(shape: [batch, inputShape.reduce(1, *)], scalars: inputGradient)
        })
    }
}
