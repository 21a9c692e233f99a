import Foundation

/// An element-wise activation (row-wise for softmax), with its derivative.
public final class ActivationLayer: Layer {
    public let name: String
    public let activation: Activation

    public init(name: String, activation: Activation) {
        self.name = name
        self.activation = activation
    }

    public func callAsFunction(_ input: Tensor) -> Tensor {
        var output = input
        switch activation {
        case .linear: break
        case .softmax: output.applySoftmaxToRows()
        case .relu:  // the common case, kept free of the per-element switch
            output.scalars.withUnsafeMutableBufferPointer { values in
                guard let base = values.baseAddress else { return }
                ActivationLayer.relu(base, count: values.count)
            }
        default:
            output.scalars.withUnsafeMutableBufferPointer { values in
                for index in values.indices { values[index] = ActivationLayer.value(activation, values[index]) }
            }
        }
        return output
    }

    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (output: Tensor, backward: (Tensor) -> Tensor) {
        let output = self(input)
        let activation = activation
        return (output, { outputGradient in
            var inputGradient = outputGradient
            if activation == .softmax {
                // ∂x = y ⊙ (∂y − Σ ∂y ⊙ y), row by row.
                let columns = output.shape[1]
                for row in 0..<output.shape[0] {
                    let base = row * columns
                    var dot: Float = 0
                    for column in 0..<columns { dot += outputGradient.scalars[base + column] * output.scalars[base + column] }
                    for column in 0..<columns {
                        inputGradient.scalars[base + column] = output.scalars[base + column] * (outputGradient.scalars[base + column] - dot)
                    }
                }
                return inputGradient
            }
            if activation == .relu {
                // ∂x = ∂y where x > 0, else 0: written into a fresh buffer in one branch-free pass.
                let count = outputGradient.count
                let scalars = [Float](unsafeUninitializedCapacity: count) { target, initialized in
                    input.scalars.withUnsafeBufferPointer { x in
                        outputGradient.scalars.withUnsafeBufferPointer { g in
                            if count > 0 { ActivationLayer.reluGradient(x.baseAddress!, g.baseAddress!, target.baseAddress!, count: count) }
                        }
                    }
                    initialized = count
                }
                return Tensor(shape: outputGradient.shape, scalars: scalars)
            }
            input.scalars.withUnsafeBufferPointer { x in
                output.scalars.withUnsafeBufferPointer { y in
                    inputGradient.scalars.withUnsafeMutableBufferPointer { g in
                        if activation == .relu {
                            for index in g.indices where x[index] <= 0 { g[index] = 0 }
                        } else {
                            for index in g.indices { g[index] *= ActivationLayer.derivative(activation, x: x[index], y: y[index]) }
                        }
                    }
                }
            }
            return inputGradient
        })
    }

    /// `x ← max(x, 0)` in place, eight lanes at a time (a scalar loop here compiles to branches).
    static func relu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        while index + 8 <= count {
            let raw = UnsafeMutableRawPointer(x + index)
            let lanes = raw.loadUnaligned(as: SIMD8<Float>.self)
            raw.storeBytes(of: lanes.replacing(with: 0, where: lanes .< 0), as: SIMD8<Float>.self)
            index += 8
        }
        while index < count { x[index] = max(x[index], 0); index += 1 }
    }

    /// `out = g where x > 0, else 0`, eight lanes at a time and branch-free (the signs of `x` are unpredictable).
    static func reluGradient(_ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, _ out: UnsafeMutablePointer<Float>, count: Int) {
        var index = 0
        while index + 8 <= count {
            let xs = UnsafeRawPointer(x + index).loadUnaligned(as: SIMD8<Float>.self)
            let gs = UnsafeRawPointer(g + index).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(out + index).storeBytes(of: gs.replacing(with: 0, where: xs .<= 0), as: SIMD8<Float>.self)
            index += 8
        }
        while index < count { out[index] = x[index] > 0 ? g[index] : 0; index += 1 }
    }

    /// `f(x)` as Keras 3 defines it (gelu exact, leaky_relu slope 0.2, hard_sigmoid `relu6(x + 3) / 6`).
    @inline(__always)
    static func value(_ activation: Activation, _ x: Float) -> Float {
        switch activation {
        case .linear, .softmax: x
        case .relu: max(x, 0)
        case .relu6: min(max(x, 0), 6)
        case .leakyRelu: x > 0 ? x : 0.2 * x
        case .sigmoid: sigmoid(x)
        case .hardSigmoid: min(max(x + 3, 0), 6) / 6
        case .tanh: Foundation.tanh(x)
        case .gelu: 0.5 * x * (1 + erf(x / Float(2).squareRoot()))
        case .elu: x > 0 ? x : exp(x) - 1
        case .selu: seluScale * (x > 0 ? x : seluAlpha * (exp(x) - 1))
        case .swish: x * sigmoid(x)
        case .softplus: softplus(x)
        case .softsign: x / (1 + abs(x))
        case .exponential: exp(x)
        case .mish: x * Foundation.tanh(softplus(x))
        }
    }

    /// `f'(x)`, given `x` and `y = f(x)`.
    @inline(__always)
    static func derivative(_ activation: Activation, x: Float, y: Float) -> Float {
        switch activation {
        case .linear, .softmax: 1
        case .relu: x > 0 ? 1 : 0
        case .relu6: x > 0 && x < 6 ? 1 : 0
        case .leakyRelu: x > 0 ? 1 : 0.2
        case .sigmoid: y * (1 - y)
        case .hardSigmoid: x > -3 && x < 3 ? 1.0 / 6 : 0
        case .tanh: 1 - y * y
        case .gelu: 0.5 * (1 + erf(x / Float(2).squareRoot())) + x * exp(-0.5 * x * x) / Float(2 * Double.pi).squareRoot()
        case .elu: x > 0 ? 1 : y + 1
        case .selu: x > 0 ? seluScale : y + seluScale * seluAlpha
        case .swish: sigmoid(x) + x * sigmoid(x) * (1 - sigmoid(x))
        case .softplus: sigmoid(x)
        case .softsign: 1 / ((1 + abs(x)) * (1 + abs(x)))
        case .exponential: y
        case .mish: Foundation.tanh(softplus(x)) + x * (1 - pow(Foundation.tanh(softplus(x)), 2)) * sigmoid(x)
        }
    }

    @inline(__always) private static func sigmoid(_ x: Float) -> Float { 1 / (1 + exp(-x)) }
    @inline(__always) private static func softplus(_ x: Float) -> Float { x > 20 ? x : log1p(exp(x)) }

    private static let seluAlpha: Float = 1.673_263_2
    private static let seluScale: Float = 1.050_701
}

extension Tensor {
    /// Replaces each row of a `(rows, columns)` matrix by its softmax, computed stably.
    public mutating func applySoftmaxToRows() {
        let columns = shape[1]
        scalars.withUnsafeMutableBufferPointer { values in
            var base = 0
            while base < values.count {
                var largest = values[base]
                for column in 1..<columns { largest = max(largest, values[base + column]) }
                var total: Float = 0
                for column in 0..<columns {
                    let e = exp(values[base + column] - largest)
                    values[base + column] = e
                    total += e
                }
                for column in 0..<columns { values[base + column] /= total }
                base += columns
            }
        }
    }
}
