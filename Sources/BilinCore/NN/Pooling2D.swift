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
        var winners = [Int32](repeating: 0, count: kind == .max ? input.shape[0] * patches.positions * patches.channels : 0)
        let output = winners.withUnsafeMutableBufferPointer { pool(input, winners: $0.baseAddress) }
        return (output, { [self] outputGradient in
            kind == .max ? scatter(outputGradient, to: winners) : spreadMeans(outputGradient)
        })
    }

    /// Calls `body(example, output, rows, columns, firstInput)` for each output position of the batch: `output` the
    /// offset of its first channel in the batch, `rows` and `columns` the window positions inside the input,
    /// `firstInput` the offset in the example of the input value at window position `(0, 0)` channel 0 (which may
    /// lie in the padding).
    @inline(__always)
    private func forEachWindow(
        batch: Int, _ body: (_ example: Int, _ output: Int, _ rows: Range<Int>, _ columns: Range<Int>, _ firstInput: Int) -> Void
    ) {
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
                    body(example, output, rows, columns, (firstRow * width + firstColumn) * channels)
                }
            }
        }
    }

    /// The pooled batch; for max pooling with `winners`, also the offset in its example of the input value each
    /// output value was taken from.
    private func pool(_ input: Tensor, winners: UnsafeMutablePointer<Int32>?) -> Tensor {
        let batch = input.shape[0]
        let (channels, rowStride, inputCount, kind) = (patches.channels, patches.width * patches.channels, patches.inputCount, kind)
        let count = batch * patches.positions * channels
        var output = [Float](repeating: kind == .max ? -.infinity : 0, count: count)
        input.scalars.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                guard count > 0, let from = source.baseAddress, let to = target.baseAddress else { return }
                forEachWindow(batch: batch) { example, outputOffset, rows, columns, firstInput in
                    let values = to + outputOffset
                    for i in rows {
                        for j in columns {
                            let pixel = firstInput + i * rowStride + j * channels
                            let read = from + example * inputCount + pixel
                            switch kind {
                            case .average:
                                for c in 0..<channels { values[c] += read[c] }
                            case .max:
                                if let winners {
                                    Pooling2D.takeLarger(read, into: values, winners: winners + outputOffset, offset: Int32(pixel), count: channels)
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

    /// `values[c] = read[c]` and `winners[c] = offset + c` where `read[c] > values[c]`; eight lanes at a time and
    /// branch-free (which value wins is unpredictable).
    @inline(__always)
    private static func takeLarger(
        _ read: UnsafePointer<Float>, into values: UnsafeMutablePointer<Float>, winners: UnsafeMutablePointer<Int32>, offset: Int32, count: Int
    ) {
        let lanes = SIMD8<Int32>(0, 1, 2, 3, 4, 5, 6, 7)
        var c = 0
        while c + 8 <= count {
            let candidate = UnsafeRawPointer(read + c).loadUnaligned(as: SIMD8<Float>.self)
            let best = UnsafeRawPointer(values + c).loadUnaligned(as: SIMD8<Float>.self)
            let larger = candidate .> best
            UnsafeMutableRawPointer(values + c).storeBytes(of: best.replacing(with: candidate, where: larger), as: SIMD8<Float>.self)
            let won = UnsafeRawPointer(winners + c).loadUnaligned(as: SIMD8<Int32>.self)
            let position = SIMD8<Int32>(repeating: offset &+ Int32(truncatingIfNeeded: c)) &+ lanes
            UnsafeMutableRawPointer(winners + c).storeBytes(of: won.replacing(with: position, where: larger), as: SIMD8<Int32>.self)
            c += 8
        }
        while c < count {
            if read[c] > values[c] { (values[c], winners[c]) = (read[c], offset &+ Int32(truncatingIfNeeded: c)) }
            c += 1
        }
    }

    /// Max pooling's input gradient: each output gradient added at the input value that won.
    private func scatter(_ outputGradient: Tensor, to winners: [Int32]) -> Tensor {
        let batch = outputGradient.shape[0]
        let (perExample, inputCount) = (patches.positions * patches.channels, patches.inputCount)
        var gradient = [Float](repeating: 0, count: batch * inputCount)
        gradient.withUnsafeMutableBufferPointer { target in
            outputGradient.scalars.withUnsafeBufferPointer { source in
                winners.withUnsafeBufferPointer { winners in
                    for example in 0..<batch {
                        let sums = target.baseAddress! + example * inputCount
                        for index in (example * perExample)..<((example + 1) * perExample) { sums[Int(winners[index])] += source[index] }
                    }
                }
            }
        }
        return Tensor(shape: [batch, inputCount], scalars: gradient)
    }

    /// Average pooling's input gradient: each output gradient divided among the window positions it averaged.
    private func spreadMeans(_ outputGradient: Tensor) -> Tensor {
        let batch = outputGradient.shape[0]
        let (channels, rowStride) = (patches.channels, patches.width * patches.channels)
        var gradient = [Float](repeating: 0, count: batch * patches.inputCount)
        outputGradient.scalars.withUnsafeBufferPointer { source in
            gradient.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                forEachWindow(batch: batch) { example, outputOffset, rows, columns, firstInput in
                    let scale = 1 / Float(rows.count * columns.count)
                    let values = from + outputOffset
                    for i in rows {
                        for j in columns {
                            let sums = to + example * patches.inputCount + firstInput + i * rowStride + j * channels
                            for c in 0..<channels { sums[c] += values[c] * scale }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch, patches.inputCount], scalars: gradient)
    }
}
