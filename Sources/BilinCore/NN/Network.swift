/// A `Model` made runnable: its layers as forward/backward steps over `(batch, features)` tensors.
///
/// Flatten and Reshape need no step, because every step already sees each example flattened row-major.
/// A final softmax or sigmoid is kept apart as `outputActivation`: training takes its loss on the logits before it.
public final class Network {
    public let steps: [any Layer]
    public let outputActivation: Activation?
    /// For each step with parameters, the index of the model layer whose weights they are.
    private let weightSources: [(step: any Layer, layerIndex: Int)]

    /// - Throws: `BilinError` naming the first layer this tool cannot run.
    public init(model: Model) throws {
        Allocator.keepFreedMemory()
        BLAS.useDefaultThreadCount()
        var steps: [any Layer] = []
        var weightSources: [(step: any Layer, layerIndex: Int)] = []
        let shapes = model.outputShapes()
        for (index, layer) in model.layers.enumerated() {
            let inputShape = index > 0 ? shapes[index - 1] : nil
            switch layer.kind {
            case .input, .flatten, .reshape:
                continue
            case .dense(_, let activation, let useBias):
                guard let inputShape, inputShape.count == 1 else {
                    throw BilinError("layer '\(layer.name)' (Dense) acts on a \(Network.describe(inputShape)) input; only flat inputs can be run")
                }
                let dense = Dense(name: layer.name, kernel: layer.weights[0], bias: useBias ? layer.weights[1] : nil)
                steps.append(dense)
                weightSources.append((dense, index))
                if activation != .linear { steps.append(ActivationLayer(name: layer.name, activation: activation)) }
            case .bilinear(let shape, let activation):
                let projection = BilinearProjection(
                    name: layer.name, shape: shape, u: layer.weights[0], v: layer.weights[1], bias: layer.weights[2])
                steps.append(projection)
                weightSources.append((projection, index))
                if activation != .linear { steps.append(ActivationLayer(name: layer.name, activation: activation)) }
            case .activation(let activation):
                steps.append(ActivationLayer(name: layer.name, activation: activation))
            case .dropout(let rate):
                steps.append(Dropout(name: layer.name, rate: rate))
            case .conv2D, .bilinearConv2D, .pooling2D, .globalAveragePooling2D, .batchNormalization:
                throw BilinError("layer '\(layer.name)' (\(layer.kind.displayName)) cannot be run by this tool yet")
            case .opaque(let className, _):
                throw BilinError("layer '\(layer.name)' (\(className)) cannot be run by this tool; training and evaluation support Dense, BilinearProjection, Activation, Dropout, Flatten and Reshape")
            }
        }
        if let last = steps.last as? ActivationLayer, last.activation.isLogitSquashing {
            outputActivation = last.activation
            steps.removeLast()
        } else {
            outputActivation = nil
        }
        self.steps = steps
        self.weightSources = weightSources
    }

    private static func describe(_ shape: [Int]?) -> String {
        shape.map { $0.map(String.init).joined(separator: "×") } ?? "unknown-shape"
    }

    public var parameters: [Parameter] { steps.flatMap(\.parameters) }

    /// The output before the final softmax or sigmoid.
    public func logits(_ input: Tensor) -> Tensor {
        steps.reduce(input) { $1($0) }
    }

    /// The model's output, final squashing included.
    public func predict(_ input: Tensor) -> Tensor {
        var output = logits(input)
        if let outputActivation { output = ActivationLayer(name: "output", activation: outputActivation)(output) }
        return output
    }

    /// Forward for training through every step; returns the logits and the backward pass of the whole chain.
    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (logits: Tensor, backward: (Tensor) -> Void) {
        var activations = input
        var backwards: [(Tensor) -> Tensor] = []
        backwards.reserveCapacity(steps.count)
        for step in steps {
            let (output, backward) = step.forwardForTraining(activations, generator: &generator)
            backwards.append(backward)
            activations = output
        }
        return (activations, { logitsGradient in
            var gradient = logitsGradient
            // The first step's input gradient is not needed; skip that product.
            for (offset, backward) in backwards.enumerated().reversed() {
                if offset == 0 { _ = backward(gradient) } else { gradient = backward(gradient) }
            }
        })
    }

    /// Writes the current parameter values back into the model layers they came from.
    public func write(into model: inout Model) {
        for (step, layerIndex) in weightSources {
            model.layers[layerIndex].weights = zip(step.parameters, model.layers[layerIndex].weights).map { parameter, old in
                parameter.value.reshaped(old.shape)
            }
        }
    }

    /// Logits of every example of `images`, computed in batches.
    public func logits(forAll images: Tensor, batchSize: Int = 1000) -> Tensor {
        let (count, features) = images.matrixSize
        var scalars: [Float] = []
        var start = 0
        var classes = 0
        while start < count {
            let end = min(start + batchSize, count)
            let batch = Tensor(shape: [end - start, features], scalars: Array(images.scalars[(start * features)..<(end * features)]))
            let output = logits(batch)
            classes = output.shape[1]
            scalars.append(contentsOf: output.scalars)
            start = end
        }
        return Tensor(shape: [count, classes], scalars: scalars)
    }

    /// The fraction of `split` whose largest output is its label.
    public func accuracy(on split: LabelledSplit) -> Double {
        guard split.count > 0 else { return 0 }
        let predictions = logits(forAll: split.images).rowArgmax()
        let correct = zip(predictions, split.labels).filter { $0 == Int($1) }.count
        return Double(correct) / Double(split.count)
    }
}
