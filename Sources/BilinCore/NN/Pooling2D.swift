/// Max or average pooling over `(height, width, channels)` examples, channel by channel.
///
/// Only window positions inside the input take part: padding never wins a maximum and is not counted in a mean
/// (Keras; ONNX `count_include_pad = 0`). Examples are flattened row-major: `(n, H·W·C)` in, `(n, Ho·Wo·C)` out.
/// A maximum's gradient goes to the first position (row-major in the window) that holds it.
public final class Pooling2D: Layer {
    public let name: String
    public let kind: PoolingKind
    /// The geometry; the patch order is irrelevant here.
    public let patches: Patches2D

    /// - Parameter inputShape: `(height, width, channels)` of one example.
    public init(name: String, kind: PoolingKind, inputShape: [Int], window: Window2D) {
        precondition(inputShape.count == 3, "Pooling2D '\(name)': input shape \(inputShape) is not (height, width, channels)")
        self.name = name
        self.kind = kind
        patches = Patches2D(height: inputShape[0], width: inputShape[1], channels: inputShape[2], window: window, order: .positionMajor)
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        pool(input, winners: nil)
    }

    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor) {
        var winners = [Int](repeating: 0, count: kind == .max ? input.shape[0] * patches.positions * patches.channels : 0)
        let output = winners.withUnsafeMutableBufferPointer { pool(input, winners: $0.baseAddress) }
        return (output, { [self] outputGradient in
            kind == .max ? scatter(outputGradient, to: winners) : spreadMeans(outputGradient)
        })
    }

    /// Calls `body(output, rows, columns, firstInput)` for each output position of the batch: `output` the offset of
    /// its first channel, `rows` and `columns` the window positions inside the input, `firstInput` the offset of the
    /// input value at window position `(0, 0)` channel 0 (which may lie in the padding).
    @inline(__always)
    private func forEachWindow(batch: Int, _ body: (_ output: Int, _ rows: Range<Int>, _ columns: Range<Int>, _ firstInput: Int) -> Void) {
        let (window, height, width, channels) = (patches.window, patches.height, patches.width, patches.channels)
        let padding = window.padding(height: height, width: width)
        for example in 0..<batch {
            for row in 0..<patches.outputHeight {
                let firstRow = row * window.strideHeight - padding.top
                let rows = Patches2D.inside(first: firstRow, size: window.height, length: height)
                for column in 0..<patches.outputWidth {
                    let firstColumn = column * window.strideWidth - padding.left
                    let columns = Patches2D.inside(first: firstColumn, size: window.width, length: width)
                    let output = ((example * patches.outputHeight + row) * patches.outputWidth + column) * channels
                    body(output, rows, columns, ((example * height + firstRow) * width + firstColumn) * channels)
                }
            }
        }
    }

    /// The pooled batch; for max pooling with `winners`, also the input offset each output value was taken from.
    private func pool(_ input: Tensor, winners: UnsafeMutablePointer<Int>?) -> Tensor {
        let batch = input.shape[0]
        let (channels, rowStride, kind) = (patches.channels, patches.width * patches.channels, kind)
        let count = batch * patches.positions * channels
        var output = [Float](repeating: kind == .max ? -.infinity : 0, count: count)
        input.scalars.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                guard count > 0, let from = source.baseAddress, let to = target.baseAddress else { return }
                forEachWindow(batch: batch) { outputOffset, rows, columns, firstInput in
                    let values = to + outputOffset
                    for i in rows {
                        for j in columns {
                            let pixel = firstInput + i * rowStride + j * channels
                            let read = from + pixel
                            switch kind {
                            case .average:
                                for c in 0..<channels { values[c] += read[c] }
                            case .max:
                                if let winners {
                                    for c in 0..<channels where read[c] > values[c] {
                                        values[c] = read[c]
                                        winners[outputOffset + c] = pixel + c
                                    }
                                } else {
                                    for c in 0..<channels { values[c] = max(values[c], read[c]) }
                                }
                            }
                        }
                    }
                    if kind == .average {
                        let scale = 1 / Float(rows.count * columns.count)
                        for c in 0..<channels { values[c] *= scale }
                    }
                }
            }
        }
        return Tensor(shape: [batch, patches.positions * channels], scalars: output)
    }

    /// Max pooling's input gradient: each output gradient added at the input offset that won.
    private func scatter(_ outputGradient: Tensor, to winners: [Int]) -> Tensor {
        var gradient = [Float](repeating: 0, count: outputGradient.shape[0] * patches.inputCount)
        for (index, winner) in winners.enumerated() { gradient[winner] += outputGradient.scalars[index] }
        return Tensor(shape: [outputGradient.shape[0], patches.inputCount], scalars: gradient)
    }

    /// Average pooling's input gradient: each output gradient divided among the window positions it averaged.
    private func spreadMeans(_ outputGradient: Tensor) -> Tensor {
        let batch = outputGradient.shape[0]
        let (channels, rowStride) = (patches.channels, patches.width * patches.channels)
        var gradient = [Float](repeating: 0, count: batch * patches.inputCount)
        outputGradient.scalars.withUnsafeBufferPointer { source in
            gradient.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                forEachWindow(batch: batch) { outputOffset, rows, columns, firstInput in
                    let scale = 1 / Float(rows.count * columns.count)
                    let values = from + outputOffset
                    for i in rows {
                        for j in columns {
                            let sums = to + firstInput + i * rowStride + j * channels
                            for c in 0..<channels { sums[c] += values[c] * scale }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch, patches.inputCount], scalars: gradient)
    }
}
