/// The order of the values of one patch, `kh · kw · C` of them, in a row of the patch matrix.
public enum PatchOrder: Sendable, Equatable {
    /// `(i · kw + j) · C + c`: the rows of a Keras kernel `(kh, kw, C, filters)` read as a `(kh·kw·C, filters)`
    /// matrix. Each window position's channels stay contiguous, as they are in the input.
    case positionMajor
    /// `(c · kh + i) · kw + j`: the order of `BilinearConv2D` (see `LayerKind`).
    case channelMajor
}

/// im2col and its adjoint for a window sliding over `(height, width, channels)` examples flattened row-major.
///
/// `extract` turns a batch `(n, height·width·channels)` into the patch matrix `(n·Ho·Wo, kh·kw·channels)`, one row per
/// output position in `(example, row, column)` order, padding positions read as zero. A product of that matrix with a
/// `(kh·kw·channels, filters)` matrix is then the `(n, Ho, Wo, filters)` output, row-major, with no rearrangement.
/// `accumulate` is the adjoint: it adds each patch value back onto the input position it was read from.
public struct Patches2D: Sendable {
    public let height: Int
    public let width: Int
    public let channels: Int
    public let window: Window2D
    public let order: PatchOrder
    public let outputHeight: Int
    public let outputWidth: Int
    private let top: Int
    private let left: Int

    public init(height: Int, width: Int, channels: Int, window: Window2D, order: PatchOrder) {
        (self.height, self.width, self.channels, self.window, self.order) = (height, width, channels, window, order)
        (outputHeight, outputWidth) = window.outputSize(height: height, width: width)
        let padding = window.padding(height: height, width: width)
        (top, left) = (padding.top, padding.left)
    }

    /// Values in one example of the input.
    public var inputCount: Int { height * width * channels }
    /// Values in one patch: `kh · kw · channels`.
    public var patchSize: Int { window.patchSize(channels: channels) }
    /// Output positions per example, `Ho · Wo`.
    public var positions: Int { outputHeight * outputWidth }

    /// Where channel 0 of window position `(i, j)` goes in a patch, and the step between channels.
    private var strides: (position: Int, channel: Int) {
        order == .positionMajor ? (channels, 1) : (1, window.height * window.width)
    }

    /// Calls `body(slot, pixel, count)` for every run of window positions, along one window row of one patch, that
    /// lies inside the input: `slot` is the offset in the patch matrix of the run's first position (channel 0), `pixel`
    /// the offset in the batch of its first input value, `count` the positions in the run. Before a patch's runs,
    /// `padded(offset)` is called with the patch's offset when part of the patch lies in the padding.
    @inline(__always)
    private func forEachInsideRun(batch: Int, padded: (Int) -> Void, _ body: (_ slot: Int, _ pixel: Int, _ count: Int) -> Void) {
        let (windowHeight, windowWidth, size, positionStride) = (window.height, window.width, patchSize, strides.position)
        for example in 0..<batch {
            for row in 0..<outputHeight {
                let firstRow = row * window.strideHeight - top
                let rows = Patches2D.inside(first: firstRow, size: windowHeight, length: height)
                for column in 0..<outputWidth {
                    let firstColumn = column * window.strideWidth - left
                    let columns = Patches2D.inside(first: firstColumn, size: windowWidth, length: width)
                    let patch = ((example * outputHeight + row) * outputWidth + column) * size
                    if rows.count < windowHeight || columns.count < windowWidth { padded(patch) }
                    guard !columns.isEmpty else { continue }
                    for i in rows {
                        let pixel = ((example * height + firstRow + i) * width + firstColumn + columns.lowerBound) * channels
                        body(patch + (i * windowWidth + columns.lowerBound) * positionStride, pixel, columns.count)
                    }
                }
            }
        }
    }

    /// The window offsets `0..<size` whose position `first + offset` lies in `0..<length`.
    @inline(__always)
    static func inside(first: Int, size: Int, length: Int) -> Range<Int> {
        let lower = min(max(0, -first), size)
        return lower..<max(lower, min(size, length - first))
    }

    /// The patch matrix `(n · Ho · Wo, kh·kw·channels)` of a batch `(n, height·width·channels)`.
    public func extract(_ input: Tensor) -> Tensor {
        let batch = input.shape[0]
        precondition(input.count == batch * inputCount, "Patches2D: input \(input.shape) for examples of \(height)×\(width)×\(channels)")
        let (rows, size, channels, channelStride) = (batch * positions, patchSize, channels, strides.channel)
        let scalars = [Float](unsafeUninitializedCapacity: rows * size) { target, initialized in
            input.scalars.withUnsafeBufferPointer { source in
                guard rows * size > 0, let from = source.baseAddress, let to = target.baseAddress else { return }
                // Padding reads as zero; every other value is written by a run.
                forEachInsideRun(batch: batch, padded: { (to + $0).initialize(repeating: 0, count: size) }) { slot, pixel, count in
                    let (slots, values) = (to + slot, from + pixel)
                    if order == .positionMajor {
                        // The run's positions are contiguous in the input and in the patch.
                        for k in 0..<(count * channels) { slots[k] = values[k] }
                    } else {
                        for j in 0..<count {
                            for c in 0..<channels { slots[j + c * channelStride] = values[j * channels + c] }
                        }
                    }
                }
            }
            initialized = rows * size
        }
        return Tensor(shape: [rows, size], scalars: scalars)
    }

    /// The adjoint of `extract`: the `(n, height·width·channels)` sums, over every patch value of `patches`
    /// `(n · Ho · Wo, kh·kw·channels)`, onto the input position it was read from (padding values are dropped).
    public func accumulate(_ patches: Tensor) -> Tensor {
        let batch = positions > 0 ? patches.shape[0] / positions : 0
        precondition(patches.shape == [batch * positions, patchSize], "Patches2D: patch matrix \(patches.shape) for \(positions) positions of \(patchSize)")
        let (channels, channelStride) = (channels, strides.channel)
        var result = [Float](repeating: 0, count: batch * inputCount)
        patches.scalars.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                guard let from = source.baseAddress, let to = target.baseAddress else { return }
                forEachInsideRun(batch: batch, padded: { _ in }) { slot, pixel, count in
                    let (slots, sums) = (from + slot, to + pixel)
                    if order == .positionMajor {
                        for k in 0..<(count * channels) { sums[k] += slots[k] }
                    } else {
                        for j in 0..<count {
                            for c in 0..<channels { sums[j * channels + c] += slots[j + c * channelStride] }
                        }
                    }
                }
            }
        }
        return Tensor(shape: [batch, inputCount], scalars: result)
    }
}
