import BilinCore
import BilinTestSupport

/// Direct-loop references for the spatial layers, in Double, written from the Keras / TensorFlow definitions
/// without the code under test (padding is recomputed here, not taken from `Window2D`).
enum SpatialReference {
    /// A `(height, width, channels)` batch as nested lookups: `x[b][r][s][c]`, flattened row-major in the tensor.
    struct Image {
        var tensor: Tensor
        var height: Int, width: Int, channels: Int
        subscript(_ b: Int, _ r: Int, _ s: Int, _ c: Int) -> Double {
            Double(tensor.scalars[((b * height + r) * width + s) * channels + c])
        }
        func inside(_ r: Int, _ s: Int) -> Bool { r >= 0 && r < height && s >= 0 && s < width }
    }

    /// TensorFlow's geometry along one axis: output length and padding before, for "valid" or "same".
    static func axis(_ input: Int, size: Int, stride: Int, same: Bool) -> (output: Int, before: Int) {
        guard same else { return (input >= size ? (input - size) / stride + 1 : 0, 0) }
        let output = (input + stride - 1) / stride
        let total = max((output - 1) * stride + size - input, 0)
        return (output, total / 2)
    }

    /// `(Ho, Wo, top, left)` for a window over `(height, width)`.
    static func geometry(_ window: Window2D, height: Int, width: Int) -> (outputHeight: Int, outputWidth: Int, top: Int, left: Int) {
        let rows = axis(height, size: window.height, stride: window.strideHeight, same: window.padding == .same)
        let columns = axis(width, size: window.width, stride: window.strideWidth, same: window.padding == .same)
        return (rows.output, columns.output, rows.before, columns.before)
    }

    /// Keras Conv2D: `y[b, r, s, f] = Σ x[b, r·sh − top + i, s·sw − left + j, c] · kernel[i, j, c, f] + bias[f]`.
    static func conv2D(_ x: Tensor, shape: [Int], kernel: Tensor, bias: Tensor?, window: Window2D) -> Tensor {
        let image = Image(tensor: x, height: shape[0], width: shape[1], channels: shape[2])
        let (kh, kw, cin, filters) = (kernel.shape[0], kernel.shape[1], kernel.shape[2], kernel.shape[3])
        let g = geometry(window, height: shape[0], width: shape[1])
        let n = x.shape[0]
        var y = Tensor(shape: [n, g.outputHeight * g.outputWidth * filters])
        for b in 0..<n {
            for r in 0..<g.outputHeight {
                for s in 0..<g.outputWidth {
                    for f in 0..<filters {
                        var sum = Double(bias?.scalars[f] ?? 0)
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let (row, column) = (r * window.strideHeight - g.top + i, s * window.strideWidth - g.left + j)
                                guard image.inside(row, column) else { continue }
                                for c in 0..<cin { sum += image[b, row, column, c] * Double(kernel.scalars[((i * kw + j) * cin + c) * filters + f]) }
                            }
                        }
                        y.scalars[((b * g.outputHeight + r) * g.outputWidth + s) * filters + f] = Float(sum)
                    }
                }
            }
        }
        return y
    }

    /// The bilinear convolution: each patch, read as `x_p[(c·kh + i)·kw + j]` (zero in the padding), projected by
    /// `Y = Uᵀ X V + B` (`Reference.bilinear`); output channel `a·q' + b'` of position `(r, s)`.
    static func bilinearConv2D(_ x: Tensor, shape: [Int], u: Tensor, v: Tensor, bias: Tensor, window: Window2D) -> Tensor {
        let image = Image(tensor: x, height: shape[0], width: shape[1], channels: shape[2])
        let (kh, kw, cin) = (window.height, window.width, shape[2])
        let g = geometry(window, height: shape[0], width: shape[1])
        let n = x.shape[0]
        let positions = g.outputHeight * g.outputWidth
        var patches = Tensor(shape: [n * positions, cin * kh * kw])
        for b in 0..<n {
            for r in 0..<g.outputHeight {
                for s in 0..<g.outputWidth {
                    let row = (b * g.outputHeight + r) * g.outputWidth + s
                    for c in 0..<cin {
                        for i in 0..<kh {
                            for j in 0..<kw {
                                let (inputRow, inputColumn) = (r * window.strideHeight - g.top + i, s * window.strideWidth - g.left + j)
                                let value = image.inside(inputRow, inputColumn) ? image[b, inputRow, inputColumn, c] : 0
                                patches[row, (c * kh + i) * kw + j] = Float(value)
                            }
                        }
                    }
                }
            }
        }
        let projected = Reference.bilinear(patches, u: u, v: v, bias: bias)
        return projected.reshaped([n, positions * bias.count])
    }

    /// Max or average pooling over the window positions inside the input.
    static func pooling(_ x: Tensor, shape: [Int], kind: PoolingKind, window: Window2D) -> Tensor {
        let image = Image(tensor: x, height: shape[0], width: shape[1], channels: shape[2])
        let g = geometry(window, height: shape[0], width: shape[1])
        let (n, channels) = (x.shape[0], shape[2])
        var y = Tensor(shape: [n, g.outputHeight * g.outputWidth * channels])
        for b in 0..<n {
            for r in 0..<g.outputHeight {
                for s in 0..<g.outputWidth {
                    for c in 0..<channels {
                        var values: [Double] = []
                        for i in 0..<window.height {
                            for j in 0..<window.width {
                                let (row, column) = (r * window.strideHeight - g.top + i, s * window.strideWidth - g.left + j)
                                if image.inside(row, column) { values.append(image[b, row, column, c]) }
                            }
                        }
                        let value = kind == .max ? values.max()! : values.reduce(0, +) / Double(values.count)
                        y.scalars[((b * g.outputHeight + r) * g.outputWidth + s) * channels + c] = Float(value)
                    }
                }
            }
        }
        return y
    }

    /// A tensor of `shape` holding distinct values `0.05` apart in a random order, so that a maximum never ties
    /// and a finite-difference step of at most 0.025 never changes which value wins.
    static func distinctValues(_ shape: [Int], using generator: inout SeededGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        var values = (0..<count).map { Float($0 - count / 2) * 0.05 }
        values.shuffle(using: &generator)
        return Tensor(shape: shape, scalars: values)
    }
}
