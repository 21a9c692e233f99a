/// A 2-D convolution over `(height, width, channels)` examples, Keras' `Conv2D` (a cross-correlation):
///
///     y[r, s, f] = Σ_{i, j, c} x[r·sh − top + i, s·sw − left + j, c] · kernel[i, j, c, f] + bias[f]
///
/// with zero padding as `Window2D` defines it. `kernel` is `(kh, kw, Cin, filters)` as Keras stores it; read
/// row-major as a `(kh·kw·Cin, filters)` matrix its rows are in the patch order `(i, j, c)`, so the whole batch is
/// one GEMM of the patch matrix (`Patches2D`, `.positionMajor`) with it. Examples are flattened row-major:
/// `(n, H·W·Cin)` in, `(n, Ho·Wo·filters)` out.
public final class Conv2D: InputGradientSkipping {
    public let name: String
    public let patches: Patches2D
    public let kernel: Parameter
    public let bias: Parameter?

    /// - Parameter inputShape: `(height, width, channels)` of one example.
    public init(name: String, inputShape: [Int], kernel: Tensor, bias: Tensor?, window: Window2D) {
        precondition(inputShape.count == 3, "Conv2D '\(name)': input shape \(inputShape) is not (height, width, channels)")
        precondition(kernel.shape.count == 4 && kernel.shape[0] == window.height && kernel.shape[1] == window.width
                     && kernel.shape[2] == inputShape[2], "Conv2D '\(name)': kernel \(kernel.shape) for input \(inputShape) and a \(window.height)×\(window.width) window")
        precondition(bias.map { $0.shape == [kernel.shape[3]] } ?? true, "Conv2D '\(name)': bias does not match the kernel")
        self.name = name
        patches = Patches2D(height: inputShape[0], width: inputShape[1], channels: inputShape[2], window: window, order: .positionMajor)
        self.kernel = Parameter(key: "\(name)/kernel", value: kernel)
        self.bias = bias.map { Parameter(key: "\(name)/bias", value: $0) }
    }

    public var parameters: [Parameter] { [kernel] + (bias.map { [$0] } ?? []) }
    public var filters: Int { kernel.value.shape[3] }

    /// The kernel as the `(kh·kw·Cin, filters)` matrix (the same storage).
    private var kernelMatrix: Tensor { kernel.value.reshaped([patches.patchSize, filters]) }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        convolve(patches.extract(input), batch: input.shape[0])
    }

    /// The output `(n, Ho·Wo·filters)` from the patch matrix: every row starts as the bias and the GEMM adds the
    /// product to it (one pass over the output instead of BLAS zeroing it and a second pass adding the bias).
    private func convolve(_ patchMatrix: Tensor, batch: Int) -> Tensor {
        let (rows, size, filters) = (patchMatrix.shape[0], patches.patchSize, filters)
        let scalars = [Float](unsafeUninitializedCapacity: rows * filters) { output, initialized in
            defer { initialized = rows * filters }
            guard let c = output.baseAddress, rows * filters > 0 else { return }
            if let bias {
                bias.value.scalars.withUnsafeBufferPointer { bias in
                    for row in 0..<rows { (c + row * filters).initialize(from: bias.baseAddress!, count: filters) }
                }
            } else {
                c.initialize(repeating: 0, count: rows * filters)
            }
            patchMatrix.scalars.withUnsafeBufferPointer { a in
                kernel.value.scalars.withUnsafeBufferPointer { b in
                    BLAS.gemm(m: rows, n: filters, k: size, a: a.baseAddress!, lda: size, b: b.baseAddress!, ldb: filters, beta: 1, c: c, ldc: filters)
                }
            }
        }
        return Tensor(shape: [batch, patches.positions * filters], scalars: scalars)
    }

    /// The input gradient is a GEMM and a col2im.
    public func train(_ input: Tensor, inputGradient: Bool) -> (output: Tensor, backward: (Tensor) -> Tensor?) {
        let patchMatrix = patches.extract(input)
        let output = convolve(patchMatrix, batch: input.shape[0])
        return (output, { [kernel, bias, patches, kernelMatrix, filters] outputGradient in
            let gradient = outputGradient.reshaped([patchMatrix.shape[0], filters])  // (n·Ho·Wo, filters)
            kernel.gradient = patchMatrix.matmul(gradient, transposeSelf: true).reshaped(kernel.value.shape)
            bias?.gradient = gradient.columnSums()
            return inputGradient ? patches.accumulate(gradient.matmul(kernelMatrix, transposeOther: true)) : nil
        })
    }
}
