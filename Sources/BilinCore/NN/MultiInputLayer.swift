/// A step of a `Network` that reads two or more tensors of `(batch, features)`: a merge of branches.
public protocol MultiInputLayer: AnyObject {
    var name: String { get }

    /// Inference.
    func callAsFunction(_ inputs: [Tensor]) -> Tensor

    /// The output, and a backward pass that maps ∂loss/∂output to ∂loss/∂input for each input.
    func forwardForTraining(_ inputs: [Tensor]) -> (output: Tensor, backward: (Tensor) -> [Tensor])
}

/// Tensors of one shape combined element by element (Keras `Add`, `Subtract`, `Multiply`, `Average`, `Maximum`,
/// `Minimum`). `subtract` takes exactly two inputs, first minus second; a tie of `maximum`/`minimum` sends the
/// gradient to the first input that holds the extreme.
public final class Merge: MultiInputLayer {
    public let name: String
    public let operation: MergeOperation

    public init(name: String, operation: MergeOperation) {
        self.name = name
        self.operation = operation
    }

    public func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        precondition(inputs.count >= 2 && inputs.allSatisfy { $0.shape == inputs[0].shape },
                     "\(operation.kerasClassName) '\(name)': inputs of shapes \(inputs.map(\.shape))")
        var output = inputs[0]
        output.scalars.withUnsafeMutableBufferPointer { result in
            for other in inputs.dropFirst() {
                other.scalars.withUnsafeBufferPointer { values in
                    switch operation {
                    case .add, .average: for i in result.indices { result[i] += values[i] }
                    case .subtract: for i in result.indices { result[i] -= values[i] }
                    case .multiply: for i in result.indices { result[i] *= values[i] }
                    case .maximum: for i in result.indices { result[i] = max(result[i], values[i]) }
                    case .minimum: for i in result.indices { result[i] = min(result[i], values[i]) }
                    }
                }
            }
            if operation == .average {
                let scale = 1 / Float(inputs.count)
                for i in result.indices { result[i] *= scale }
            }
        }
        return output
    }

    public func forwardForTraining(_ inputs: [Tensor]) -> (output: Tensor, backward: (Tensor) -> [Tensor]) {
        let output = self(inputs)
        let operation = operation
        return (output, { gradient in
            switch operation {
            case .add:
                return Array(repeating: gradient, count: inputs.count)
            case .average:
                return Array(repeating: gradient.scaled(by: 1 / Float(inputs.count)), count: inputs.count)
            case .subtract:
                return [gradient] + inputs.dropFirst().map { _ in gradient.scaled(by: -1) }
            case .multiply:
                // ∂/∂xₖ = g · Π_{j≠k} xⱼ, computed directly (no division, so zeros are exact).
                return inputs.indices.map { k in
                    var partial = gradient
                    for (j, other) in inputs.enumerated() where j != k {
                        for i in partial.scalars.indices { partial.scalars[i] *= other.scalars[i] }
                    }
                    return partial
                }
            case .maximum, .minimum:
                var gradients = inputs.map { Tensor(shape: $0.shape) }
                for i in output.scalars.indices {
                    let winner = inputs.firstIndex { $0.scalars[i] == output.scalars[i] } ?? 0
                    gradients[winner].scalars[i] = gradient.scalars[i]
                }
                return gradients
            }
        })
    }
}

/// Tensors joined along one axis of the example shape (Keras `Concatenate`). Each input example, flattened
/// row-major, is `outer` blocks of `sizes[k]` values; the output interleaves the blocks input by input.
public final class Concatenate: MultiInputLayer {
    public let name: String
    /// The product of the example dimensions before the axis.
    public let outer: Int
    /// For each input, the values of one block: its size along the axis times the dimensions after it.
    public let sizes: [Int]

    /// - Parameters:
    ///   - inputShapes: The example shape of every input (no batch axis).
    ///   - axis: The axis of the example shape, `0 ..< rank`.
    public init(name: String, inputShapes: [[Int]], axis: Int) {
        self.name = name
        outer = inputShapes[0][..<axis].reduce(1, *)
        sizes = inputShapes.map { $0[axis...].reduce(1, *) }
    }

    public func callAsFunction(_ inputs: [Tensor]) -> Tensor {
        let batch = inputs[0].shape[0]
        let total = sizes.reduce(0, +)
        var output = [Float](repeating: 0, count: batch * outer * total)
        var offset = 0
        for (input, size) in zip(inputs, sizes) {
            input.scalars.withUnsafeBufferPointer { source in
                for block in 0..<(batch * outer) {
                    for i in 0..<size { output[block * total + offset + i] = source[block * size + i] }
                }
            }
            offset += size
        }
        return Tensor(shape: [batch, outer * total], scalars: output)
    }

    public func forwardForTraining(_ inputs: [Tensor]) -> (output: Tensor, backward: (Tensor) -> [Tensor]) {
        (self(inputs), { [outer, sizes] gradient in
            let batch = gradient.shape[0]
            let total = sizes.reduce(0, +)
            var offset = 0
            return sizes.map { size in
                var part = [Float](repeating: 0, count: batch * outer * size)
                for block in 0..<(batch * outer) {
                    for i in 0..<size { part[block * size + i] = gradient.scalars[block * total + offset + i] }
                }
                offset += size
                return Tensor(shape: [batch, outer * size], scalars: part)
            }
        })
    }
}
