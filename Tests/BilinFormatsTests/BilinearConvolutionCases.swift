import BilinCore
import BilinTestSupport
import Foundation

/// Small models with one bilinear convolution, and the definition of that layer computed by loops.
struct BilinearConvolutionCase: CustomStringConvertible {
    var input: [Int]
    var window: Window2D
    var shape: BilinearShape
    var activation: Activation

    var description: String {
        "\(input) \(window.height)×\(window.width)/\(window.strideHeight)×\(window.strideWidth) \(window.padding) \(activation)"
    }

    /// Both paddings, strides 1 and 2, odd padding totals, several input channels, non-square windows.
    static let all = [
        BilinearConvolutionCase(input: [7, 6, 3], window: Window2D(height: 3, width: 3, padding: .same),
                                shape: BilinearShape(inputRows: 3, inputColumns: 9, outputRows: 2, outputColumns: 3), activation: .relu),
        BilinearConvolutionCase(input: [7, 6, 3], window: Window2D(height: 3, width: 2, strideHeight: 2, strideWidth: 2, padding: .valid),
                                shape: BilinearShape(inputRows: 3, inputColumns: 6, outputRows: 4, outputColumns: 2), activation: .tanh),
        BilinearConvolutionCase(input: [9, 8, 2], window: Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2, padding: .same),
                                shape: BilinearShape(inputRows: 2, inputColumns: 4, outputRows: 3, outputColumns: 3), activation: .linear),
        BilinearConvolutionCase(input: [7, 6, 3], window: Window2D(height: 3, width: 3, strideHeight: 2, strideWidth: 1, padding: .same),
                                shape: BilinearShape(inputRows: 9, inputColumns: 3, outputRows: 1, outputColumns: 5), activation: .relu),
    ]

    /// `x (input) → conv: bilinear convolution → flat: Flatten`, with seeded random `U`, `V` and bias.
    func model(seed: UInt64) -> Model {
        var generator = SeededGenerator(seed: seed)
        return Model(name: "biconv", layers: [
            LayerSpec(name: "x", kind: .input(shape: input)),
            LayerSpec(name: "conv", kind: .bilinearConv2D(shape, window: window, activation: activation), weights: [
                Reference.random([shape.inputRows, shape.outputRows], using: &generator),
                Reference.random([shape.inputColumns, shape.outputColumns], using: &generator),
                Reference.random([shape.outputRows, shape.outputColumns], using: &generator),
            ]),
            LayerSpec(name: "flat", kind: .flatten),
        ])
    }

    /// The layer by its definition on `x` `(N, H, W, C)`: at each output position the patch, channel-major
    /// (`(c·kh + i)·kw + j`) with zeros outside the input, read as the `p×q` matrix `X`, gives `act(Uᵀ X V + B)`.
    /// `same` padding puts `floor(total / 2)` before; nothing here uses `Window2D`'s own geometry.
    func reference(_ x: Tensor, weights: [Tensor]) -> Tensor {
        let (count, height, width, channels) = (x.shape[0], input[0], input[1], input[2])
        let (kh, kw, sh, sw) = (window.height, window.width, window.strideHeight, window.strideWidth)
        func axis(_ size: Int, _ kernel: Int, _ stride: Int) -> (output: Int, before: Int) {
            guard window.padding == .same else { return ((size - kernel) / stride + 1, 0) }
            let output = (size + stride - 1) / stride
            return (output, max((output - 1) * stride + kernel - size, 0) / 2)
        }
        let (outputHeight, top) = axis(height, kh, sh)
        let (outputWidth, left) = axis(width, kw, sw)
        var patches = Tensor(shape: [count * outputHeight * outputWidth, channels * kh * kw])
        for n in 0..<count {
            for row in 0..<outputHeight {
                for column in 0..<outputWidth {
                    let patch = (n * outputHeight + row) * outputWidth + column
                    for c in 0..<channels {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let (y, x0) = (row * sh + i - top, column * sw + j - left)
                                guard (0..<height).contains(y), (0..<width).contains(x0) else { continue }
                                patches.scalars[patch * channels * kh * kw + (c * kh + i) * kw + j] =
                                    x.scalars[((n * height + y) * width + x0) * channels + c]
                            }
                        }
                    }
                }
            }
        }
        let linear = Reference.bilinear(patches, u: weights[0], v: weights[1], bias: weights[2])
        let values = linear.scalars.map { Float(Reference.activation(activation, Double($0))) }
        return Tensor(shape: [count, outputHeight * outputWidth * shape.outputCount], scalars: values)
    }
}
