import BilinCore
import Foundation

/// Independent reference computations for tests: explicit loops in Double, no BLAS, no code under test.
public enum Reference {
    /// A tensor of uniform values in `range`, from a seeded generator.
    public static func random(_ shape: [Int], in range: ClosedRange<Float> = -1...1, using generator: inout SeededGenerator) -> Tensor {
        let count = shape.reduce(1, *)
        let width = range.upperBound - range.lowerBound
        return Tensor(shape: shape, scalars: (0..<count).map { _ in range.lowerBound + width * generator.nextUnitFloat() })
    }

    /// A tensor of uniform values in `range`, each pushed away from the given breakpoints by at least `margin`.
    public static func random(
        _ shape: [Int], in range: ClosedRange<Float>, avoiding breakpoints: [Float], margin: Float, using generator: inout SeededGenerator
    ) -> Tensor {
        var tensor = random(shape, in: range, using: &generator)
        for index in tensor.scalars.indices {
            while breakpoints.contains(where: { abs(tensor.scalars[index] - $0) < margin }) {
                tensor.scalars[index] = range.lowerBound + (range.upperBound - range.lowerBound) * generator.nextUnitFloat()
            }
        }
        return tensor
    }

    /// `op(a) · op(b)` by the textbook triple loop, accumulated in Double.
    public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
        let (ar, ac) = (a.shape[0], a.shape[1])
        let (br, bc) = (b.shape[0], b.shape[1])
        let (m, k) = transposeA ? (ac, ar) : (ar, ac)
        let (k2, n) = transposeB ? (bc, br) : (br, bc)
        precondition(k == k2, "reference matmul: \(a.shape) \(b.shape)")
        var result = Tensor(shape: [m, n])
        for i in 0..<m {
            for j in 0..<n {
                var sum = 0.0
                for l in 0..<k {
                    let x = transposeA ? a.scalars[l * ac + i] : a.scalars[i * ac + l]
                    let y = transposeB ? b.scalars[j * bc + l] : b.scalars[l * bc + j]
                    sum += Double(x) * Double(y)
                }
                result.scalars[i * n + j] = Float(sum)
            }
        }
        return result
    }

    /// The transpose by explicit loops.
    public static func transpose(_ a: Tensor) -> Tensor {
        let (rows, columns) = (a.shape[0], a.shape[1])
        var result = Tensor(shape: [columns, rows])
        for r in 0..<rows { for c in 0..<columns { result.scalars[c * rows + r] = a.scalars[r * columns + c] } }
        return result
    }

    /// `kron(a, b)[i·br + k, j·bc + l] = a[i, j] · b[k, l]`.
    public static func kron(_ a: Tensor, _ b: Tensor) -> Tensor {
        let (ar, ac, br, bc) = (a.shape[0], a.shape[1], b.shape[0], b.shape[1])
        var result = Tensor(shape: [ar * br, ac * bc])
        for i in 0..<ar {
            for j in 0..<ac {
                for k in 0..<br {
                    for l in 0..<bc {
                        result.scalars[(i * br + k) * (ac * bc) + j * bc + l] = a.scalars[i * ac + j] * b.scalars[k * bc + l]
                    }
                }
            }
        }
        return result
    }

    /// `x · kernel + bias` for a batch `(n, in)` and kernel `(in, out)`, in Double.
    public static func dense(_ x: Tensor, kernel: Tensor, bias: Tensor?) -> Tensor {
        let (n, inputs) = (x.shape[0], x.shape[1])
        let outputs = kernel.shape[1]
        precondition(kernel.shape[0] == inputs)
        var y = Tensor(shape: [n, outputs])
        for b in 0..<n {
            for o in 0..<outputs {
                var sum = Double(bias?.scalars[o] ?? 0)
                for i in 0..<inputs { sum += Double(x.scalars[b * inputs + i]) * Double(kernel.scalars[i * outputs + o]) }
                y.scalars[b * outputs + o] = Float(sum)
            }
        }
        return y
    }

    /// `Y[b,i,j] = Σ_k Σ_l U[k,i] X[b,k,l] V[l,j] + bias[i,j]`, flattened row-major per example.
    public static func bilinear(_ x: Tensor, u: Tensor, v: Tensor, bias: Tensor) -> Tensor {
        let n = x.shape[0]
        let (p, pOut) = (u.shape[0], u.shape[1])
        let (q, qOut) = (v.shape[0], v.shape[1])
        precondition(x.shape[1] == p * q && bias.count == pOut * qOut)
        var y = Tensor(shape: [n, pOut * qOut])
        for b in 0..<n {
            for i in 0..<pOut {
                for j in 0..<qOut {
                    var sum = Double(bias.scalars[i * qOut + j])
                    for k in 0..<p {
                        for l in 0..<q {
                            sum += Double(u.scalars[k * pOut + i]) * Double(x.scalars[b * p * q + k * q + l]) * Double(v.scalars[l * qOut + j])
                        }
                    }
                    y.scalars[b * pOut * qOut + i * qOut + j] = Float(sum)
                }
            }
        }
        return y
    }

    /// Keras 3's activations in Double, elementwise (softmax row-wise over `columns`).
    public static func activation(_ activation: Activation, _ x: Double) -> Double {
        func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        func softplus(_ x: Double) -> Double { Foundation.log(1 + Foundation.exp(x)) }
        switch activation {
        case .linear, .softmax: return x
        case .relu: return max(x, 0)
        case .relu6: return min(max(x, 0), 6)
        case .leakyRelu: return x > 0 ? x : 0.2 * x
        case .sigmoid: return sigmoid(x)
        case .hardSigmoid: return min(max(x + 3, 0), 6) / 6
        case .tanh: return (Foundation.exp(2 * x) - 1) / (Foundation.exp(2 * x) + 1)
        case .gelu: return 0.5 * x * (1 + Foundation.erf(x / 2.0.squareRoot()))
        case .elu: return x > 0 ? x : Foundation.exp(x) - 1
        case .selu:
            let (alpha, scale) = (1.6732632423543772848170429916717, 1.0507009873554804934193349852946)
            return scale * (x > 0 ? x : alpha * (Foundation.exp(x) - 1))
        case .swish: return x * sigmoid(x)
        case .softplus: return softplus(x)
        case .softsign: return x / (1 + abs(x))
        case .exponential: return Foundation.exp(x)
        case .mish:
            let s = softplus(x)
            return x * (Foundation.exp(2 * s) - 1) / (Foundation.exp(2 * s) + 1)
        }
    }

    /// Row-wise softmax of a `(rows, columns)` matrix in Double.
    public static func softmaxRows(_ logits: Tensor) -> [[Double]] {
        let (rows, columns) = (logits.shape[0], logits.shape[1])
        return (0..<rows).map { row in
            let values = (0..<columns).map { Double(logits.scalars[row * columns + $0]) }
            let largest = values.max()!
            let exps = values.map { Foundation.exp($0 - largest) }
            let total = exps.reduce(0, +)
            return exps.map { $0 / total }
        }
    }
}


extension Reference {
    /// Eigenvalues (descending) and unit eigenvectors of a symmetric matrix by cyclic Jacobi rotations, in Double.
    public static func symmetricEigen(_ matrix: [[Double]]) -> (values: [Double], vectors: [[Double]]) {
        let n = matrix.count
        var a = matrix
        var v = (0..<n).map { i in (0..<n).map { j in i == j ? 1.0 : 0.0 } }
        for _ in 0..<100 {
            var off = 0.0
            for i in 0..<n { for j in 0..<n where i != j { off += a[i][j] * a[i][j] } }
            if off < 1e-26 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where abs(a[p][q]) > 1e-300 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot()
                    let s = t * c
                    for k in 0..<n {
                        let (akp, akq) = (a[k][p], a[k][q])
                        a[k][p] = c * akp - s * akq
                        a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let (apk, aqk) = (a[p][k], a[q][k])
                        a[p][k] = c * apk - s * aqk
                        a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let (vkp, vkq) = (v[k][p], v[k][q])
                        v[k][p] = c * vkp - s * vkq
                        v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        let order = (0..<n).sorted { a[$0][$0] > a[$1][$1] }
        return (order.map { a[$0][$0] }, order.map { k in (0..<n).map { v[$0][k] } })
    }

    /// The Van Loan–Pitsianis rearrangement of `W = kernelᵀ` written from DESIGN.md §2 as NumPy would:
    /// `R = W.reshape(u1,u2,d1,d2).transpose(0,2,1,3).reshape(u1*d1, u2*d2)`, in Double.
    public static func rearrangement(kernel: Tensor, d1: Int, d2: Int, u1: Int, u2: Int) -> [[Double]] {
        let dout = u1 * u2
        // W[o, i] = kernel[i, o]; W as (u1, u2, d1, d2): W[a, b, c, d] = W[a*u2 + b, c*d2 + d].
        var r = [[Double]](repeating: [Double](repeating: 0, count: u2 * d2), count: u1 * d1)
        for a in 0..<u1 {
            for b in 0..<u2 {
                for c in 0..<d1 {
                    for d in 0..<d2 {
                        r[a * d1 + c][b * d2 + d] = Double(kernel.scalars[(c * d2 + d) * dout + a * u2 + b])
                    }
                }
            }
        }
        return r
    }

    /// The best rank-`terms` Kronecker approximation of a Keras kernel `(d1·d2, u1·u2)`, as a kernel, and the relative
    /// Frobenius error, from an eigen-decomposition of `RᵀR` in Double (independent of LAPACK and the code under test).
    public static func kroneckerApproximation(kernel: Tensor, d1: Int, d2: Int, u1: Int, u2: Int, terms: Int)
        -> (kernel: Tensor, relativeError: Double, singularValues: [Double])
    {
        let r = rearrangement(kernel: kernel, d1: d1, d2: d2, u1: u1, u2: u2)
        let (rows, columns) = (u1 * d1, u2 * d2)
        var gram = [[Double]](repeating: [Double](repeating: 0, count: columns), count: columns)
        for i in 0..<columns {
            for j in 0..<columns {
                var sum = 0.0
                for k in 0..<rows { sum += r[k][i] * r[k][j] }
                gram[i][j] = sum
            }
        }
        let (values, vectors) = symmetricEigen(gram)
        let singularValues = values.map { max($0, 0).squareRoot() }
        // R_k = R q q^T summed over the top terms = Σ σ p qᵀ.
        var approx = [[Double]](repeating: [Double](repeating: 0, count: columns), count: rows)
        for k in 0..<min(terms, columns) {
            let q = vectors[k]
            for i in 0..<rows {
                var rq = 0.0
                for j in 0..<columns { rq += r[i][j] * q[j] }
                for j in 0..<columns { approx[i][j] += rq * q[j] }
            }
        }
        var result = Tensor(shape: kernel.shape)
        var errorSquares = 0.0
        var totalSquares = 0.0
        let dout = u1 * u2
        for a in 0..<u1 {
            for b in 0..<u2 {
                for c in 0..<d1 {
                    for d in 0..<d2 {
                        let value = approx[a * d1 + c][b * d2 + d]
                        let original = r[a * d1 + c][b * d2 + d]
                        result.scalars[(c * d2 + d) * dout + a * u2 + b] = Float(value)
                        errorSquares += (original - value) * (original - value)
                        totalSquares += original * original
                    }
                }
            }
        }
        return (result, (errorSquares / totalSquares).squareRoot(), singularValues)
    }

    /// `‖a − b‖F / ‖b‖F` in Double.
    public static func relativeDifference(_ a: Tensor, _ b: Tensor) -> Double {
        var difference = 0.0
        var norm = 0.0
        for index in a.scalars.indices {
            let d = Double(a.scalars[index]) - Double(b.scalars[index])
            difference += d * d
            norm += Double(b.scalars[index]) * Double(b.scalars[index])
        }
        return (difference / norm).squareRoot()
    }

    /// Columns `start ..< start + count` of a matrix.
    public static func columns(_ a: Tensor, _ range: Range<Int>) -> Tensor {
        var result = Tensor(shape: [a.shape[0], range.count])
        for r in 0..<a.shape[0] { for (offset, c) in range.enumerated() { result.scalars[r * range.count + offset] = a.scalars[r * a.shape[1] + c] } }
        return result
    }
}
