/// The output channels of a layer converted at `scale`: its `pair.rows × pair.columns` grid of channels becomes
/// `(rows·s) × (columns·s)`. Old channel `i1·columns + i2` sits at block (k, k) as new channel
/// `(k·rows + i1)·(columns·s) + k·columns + i2`: block 0 only (`firstBlock`), or every diagonal block (`diagonal`).
struct ChannelWidening: Sendable {
    var pair: FactorPair
    var scale: Int

    var oldCount: Int { pair.count }
    var newCount: Int { pair.count * scale * scale }

    /// Where old channel `channel` goes.
    func destinations(of channel: Int, widening: Widening) -> [Int] {
        let (i1, i2) = (channel / pair.columns, channel % pair.columns)
        let blocks = widening == .diagonal ? scale : 1
        return (0..<blocks).map { k in (k * pair.rows + i1) * (pair.columns * scale) + k * pair.columns + i2 }
    }

    /// A matrix whose rows are indexed `(outer, channel, inner)` (see `ConsumerPath`) widened to the new channels:
    /// each old row copied to its destinations, every other new row zero.
    func widenRows(_ matrix: Tensor, outer: Int, inner: Int, widening: Widening) -> Tensor {
        let (rows, columns) = matrix.matrixSize
        precondition(rows == outer * oldCount * inner, "\(rows) rows do not read \(outer)×\(oldCount)×\(inner)")
        var widened = Tensor(shape: [outer * newCount * inner, columns])
        let runLength = inner * columns
        matrix.scalars.withUnsafeBufferPointer { source in
            widened.scalars.withUnsafeMutableBufferPointer { target in
                for o in 0..<outer {
                    for channel in 0..<oldCount {
                        let from = (o * oldCount + channel) * runLength
                        for destination in destinations(of: channel, widening: widening) {
                            let to = (o * newCount + destination) * runLength
                            for offset in 0..<runLength { target[to + offset] = source[from + offset] }
                        }
                    }
                }
            }
        }
        return widened
    }

    /// A per-channel vector (a batch normalization's gamma, beta, mean or variance) widened: old values copied to
    /// their destinations, new channels `fill`.
    func widenVector(_ vector: Tensor, fill: Float, widening: Widening) -> Tensor {
        precondition(vector.count == oldCount, "\(vector.count) values for \(oldCount) channels")
        var widened = Tensor(shape: [newCount], repeating: fill)
        for channel in 0..<oldCount {
            for destination in destinations(of: channel, widening: widening) { widened.scalars[destination] = vector.scalars[channel] }
        }
        return widened
    }
}
