/// A depthwise 2-D convolution over `(height, width, channels)` examples, Keras' `DepthwiseConv2D`: each input channel
/// `c` is convolved with its own `multiplier` kernels, giving output channels `c · multiplier + m`:
///
///     y[r, s, c·M + m] = Σ_{i, j} x[r·sh − top + i, s·sw − left + j, c] · kernel[i, j, c, m] + bias[c·M + m]
///
/// The patch matrix is taken in the channel-major order (`Patches2D`, `.channelMajor`), where the `kh·kw` values of
/// channel `c` are contiguous; each channel is then one strided GEMM of its `(n·Ho·Wo, kh·kw)` patches with its
/// `(kh·kw, multiplier)` kernel, written into its output columns.
public final class DepthwiseConv2D: InputGradientSkipping {
    public let name: String
    public let patches: Patches2D
    /// Keras layout `(kh, kw, C, multiplier)`.
    public let kernel: Parameter
    public let bias: Parameter?

    /// - Parameter inputShape: `(height, width, channels)` of one example.
    public init(name: String, inputShape: [Int], kernel: Tensor, bias: Tensor?, window: Window2D) {
        precondition(inputShape.count == 3 && kernel.shape.count == 4 && kernel.shape[0] == window.height
                     && kernel.shape[1] == window.width && kernel.shape[2] == inputShape[2],
                     "DepthwiseConv2D '\(name)': kernel \(kernel.shape) for input \(inputShape)")
        precondition(bias.map { $0.shape == [kernel.shape[2] * kernel.shape[3]] } ?? true, "DepthwiseConv2D '\(name)': bias does not match the kernel")
        self.name = name
        patches = Patches2D(height: inputShape[0], width: inputShape[1], channels: inputShape[2], window: window, order: .channelMajor)
        self.kernel = Parameter(key: "\(name)/depthwise_kernel", value: kernel)
        self.bias = bias.map { Parameter(key: "\(name)/bias", value: $0) }
    }

    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }
    private var channels: Int { kernel.value.shape[2] }
    private var multiplier: Int { kernel.value.shape[3] }
    private var windowSize: Int { kernel.value.shape[0] * kernel.value.shape[1] }

    /// The kernel as `(C, kh·kw, multiplier)`: channel `c`'s `(kh·kw, multiplier)` matrix contiguous.
    private func kernelByChannel() -> [Float] {
        let (channels, multiplier, windowSize) = (channels, multiplier, windowSize)
        var result = [Float](repeating: 0, count: kernel.value.count)
        for position in 0..<windowSize {
            for c in 0..<channels {
                for m in 0..<multiplier {
                    result[(c * windowSize + position) * multiplier + m] = kernel.value.scalars[(position * channels + c) * multiplier + m]
                }
            }
        }
        return result
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        convolve(patches.extract(input), batch: input.shape[0], byChannel: kernelByChannel())
    }

    private func convolve(_ patchMatrix: Tensor, batch: Int, byChannel: [Float]) -> Tensor {
        let rows = patchMatrix.shape[0]
        let (channels, multiplier, windowSize) = (channels, multiplier, windowSize)
        let outputs = channels * multiplier
        var output = [Float](repeating: 0, count: rows * outputs)
        if let bias {
            for row in 0..<rows { for o in 0..<outputs { output[row * outputs + o] = bias.value.scalars[o] } }
        }
        patchMatrix.scalars.withUnsafeBufferPointer { a in
            byChannel.withUnsafeBufferPointer { b in
                output.withUnsafeMutableBufferPointer { c in
                    for channel in 0..<channels {
                        BLAS.gemm(m: rows, n: multiplier, k: windowSize, a: a.baseAddress! + channel * windowSize, lda: channels * windowSize,
                                  b: b.baseAddress! + channel * windowSize * multiplier, ldb: multiplier, beta: 1,
                                  c: c.baseAddress! + channel * multiplier, ldc: outputs)
                    }
                }
            }
        }
        return Tensor(shape: [batch, patches.positions * outputs], scalars: output)
    }

    public func train(_ input: Tensor, inputGradient: Bool) -> (output: Tensor, backward: (Tensor) -> Tensor?) {
        let patchMatrix = patches.extract(input)
        let byChannel = kernelByChannel()
        let output = convolve(patchMatrix, batch: input.shape[0], byChannel: byChannel)
        return (output, { [self] outputGradient in
            let rows = patchMatrix.shape[0]
            let (channels, multiplier, windowSize) = (channels, multiplier, windowSize)
            let outputs = channels * multiplier
            var kernelGradient = [Float](repeating: 0, count: byChannel.count)   // (C, kh·kw, multiplier)
            var patchGradient = [Float](repeating: 0, count: patchMatrix.count)
            patchMatrix.scalars.withUnsafeBufferPointer { a in
                outputGradient.scalars.withUnsafeBufferPointer { g in
                    byChannel.withUnsafeBufferPointer { k in
                        kernelGradient.withUnsafeMutableBufferPointer { kg in
                            patchGradient.withUnsafeMutableBufferPointer { pg in
                                for channel in 0..<channels {
                                    let patchColumns = channel * windowSize
                                    let outputColumns = channel * multiplier
                                    // ∂kernel_c = patches_cᵀ · ∂y_c
                                    BLAS.gemm(transposeA: true, m: windowSize, n: multiplier, k: rows,
                                              a: a.baseAddress! + patchColumns, lda: channels * windowSize,
                                              b: g.baseAddress! + outputColumns, ldb: outputs,
                                              c: kg.baseAddress! + channel * windowSize * multiplier, ldc: multiplier)
                                    guard inputGradient else { continue }
                                    // ∂patches_c = ∂y_c · kernel_cᵀ
                                    BLAS.gemm(transposeB: true, m: rows, n: windowSize, k: multiplier,
                                              a: g.baseAddress! + outputColumns, lda: outputs,
                                              b: k.baseAddress! + channel * windowSize * multiplier, ldb: multiplier,
                                              c: pg.baseAddress! + patchColumns, ldc: channels * windowSize)
                                }
                            }
                        }
                    }
                }
            }
            var gradient = Tensor(shape: kernel.value.shape)
            for position in 0..<windowSize {
                for c in 0..<channels {
                    for m in 0..<multiplier {
                        gradient.scalars[(position * channels + c) * multiplier + m] = kernelGradient[(c * windowSize + position) * multiplier + m]
                    }
                }
            }
            kernel.gradient = gradient
            bias?.gradient = outputGradient.reshaped([rows, outputs]).columnSums()
            return inputGradient ? patches.accumulate(Tensor(shape: patchMatrix.shape, scalars: patchGradient)) : nil
        })
    }
}
