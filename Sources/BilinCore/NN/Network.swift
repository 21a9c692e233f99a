/// A `Model` made runnable: its layers as forward/backward steps over `(batch, features)` tensors.
///
/// Flatten and Reshape need no step, because every step already sees each example flattened row-major; spatial
/// steps read it as `(height, width, channels)`. A channels-first model gets one `ExampleTranspose` after its
/// input (`(C, H, W)` → `(H, W, C)`) and one at each Flatten (or Reshape to a vector) of an image (back to
/// `C, H, W` order).
/// A final softmax or sigmoid is kept apart as `outputActivation`: training takes its loss on the logits before it.
public final class Network {
    public let steps: [any Layer]
    public let outputActivation: Activation?
    /// For each step with parameters or statistics, the index of the model layer whose weights they are.
    private let weightSources: [(step: any Layer, layerIndex: Int)]

    /// - Throws: `BilinError` naming the first layer this tool cannot run.
    public init(model: Model) throws {
        Allocator.keepFreedMemory()
        BLAS.useDefaultThreadCount()
        var steps: [any Layer] = []
        var weightSources: [(step: any Layer, layerIndex: Int)] = []
        let shapes = model.outputShapes()
        let channelsFirst = model.dataLayout == .channelsFirst
        for (index, layer) in model.layers.enumerated() {
            let inputShape = index > 0 ? shapes[index - 1] : nil
            /// Appends `step`, remembers where its weights go, and appends its activation unless linear.
            func append(_ step: any Layer, activation: Activation = .linear) {
                steps.append(step)
                if !(step.parameters + step.statistics).isEmpty { weightSources.append((step, index)) }
                if activation != .linear { steps.append(ActivationLayer(name: layer.name, activation: activation)) }
            }
            switch layer.kind {
            case .input(let shape):
                if channelsFirst, shape.count == 3, shape[2] > 1, shape[0] * shape[1] > 1 {
                    append(ExampleTranspose(name: layer.name, rows: shape[2], columns: shape[0] * shape[1]))
                }
            case .flatten, .reshape:
                guard channelsFirst, let inputShape, inputShape.count == 3 else { continue }
                // A channels-first source flattens an image in C, H, W order.
                if case .reshape(let target) = layer.kind, target.count != 1 {
                    throw BilinError("layer '\(layer.name)' (Reshape) reshapes a channels-first \(Network.describe(inputShape)) image to \(Network.describe(target)); only flattening it can be run")
                }
                if inputShape[2] > 1, inputShape[0] * inputShape[1] > 1 {
                    append(ExampleTranspose(name: layer.name, rows: inputShape[0] * inputShape[1], columns: inputShape[2]))
                }
            case .dense(_, let activation, let useBias):
                guard let inputShape, inputShape.count == 1 else {
                    throw BilinError("layer '\(layer.name)' (Dense) acts on a \(Network.describe(inputShape)) input; only flat inputs can be run")
                }
                append(Dense(name: layer.name, kernel: layer.weights[0], bias: useBias ? layer.weights[1] : nil), activation: activation)
            case .bilinear(let shape, let activation):
                append(BilinearProjection(name: layer.name, shape: shape, u: layer.weights[0], v: layer.weights[1], bias: layer.weights[2]),
                       activation: activation)
            case .activation(let activation):
                append(ActivationLayer(name: layer.name, activation: activation))
            case .dropout(let rate):
                append(Dropout(name: layer.name, rate: rate))
            case .conv2D(let filters, let window, let activation, let useBias):
                let image = try Network.image(inputShape, of: layer)
                try Network.expect(layer, weight: 0, shape: [window.height, window.width, image[2], filters])
                if useBias { try Network.expect(layer, weight: 1, shape: [filters]) }
                append(Conv2D(name: layer.name, inputShape: image, kernel: layer.weights[0], bias: useBias ? layer.weights[1] : nil, window: window),
                       activation: activation)
            case .bilinearConv2D(let shape, let window, let activation):
                let image = try Network.image(inputShape, of: layer)
                guard shape.inputCount == window.patchSize(channels: image[2]) else {
                    throw BilinError("layer '\(layer.name)' (BilinearConv2D) reads \(shape.inputRows)×\(shape.inputColumns) patches, but its \(window.height)×\(window.width) window over \(image[2]) channels holds \(window.patchSize(channels: image[2])) values")
                }
                append(BilinearConv2D(name: layer.name, inputShape: image, shape: shape, window: window,
                                      u: layer.weights[0], v: layer.weights[1], bias: layer.weights[2]),
                       activation: activation)
            case .pooling2D(let kind, let window):
                append(Pooling2D(name: layer.name, kind: kind, inputShape: try Network.image(inputShape, of: layer), window: window))
            case .globalAveragePooling2D:
                append(GlobalAveragePooling2D(name: layer.name, inputShape: try Network.image(inputShape, of: layer)))
            case .batchNormalization(let epsilon, let momentum):
                guard let channels = inputShape?.last else {
                    throw BilinError("layer '\(layer.name)' (BatchNormalization) acts on an input of unknown shape")
                }
                for weight in 0..<4 { try Network.expect(layer, weight: weight, shape: [channels]) }
                append(BatchNormalization(name: layer.name, epsilon: epsilon, momentum: momentum, gamma: layer.weights[0], beta: layer.weights[1],
                                          movingMean: layer.weights[2], movingVariance: layer.weights[3]))
            case .opaque(let className, _):
                throw BilinError("layer '\(layer.name)' (\(className)) cannot be run by this tool; training and evaluation support \(Network.supportedLayers)")
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

    /// The layers a network can run, as the "cannot be run" error lists them.
    static let supportedLayers = "Dense, BilinearProjection, Conv2D, BilinearConv2D, MaxPooling2D, AveragePooling2D, "
        + "GlobalAveragePooling2D, BatchNormalization, Activation, Dropout, Flatten and Reshape"

    private static func describe(_ shape: [Int]?) -> String {
        shape.map { $0.map(String.init).joined(separator: "×") } ?? "unknown-shape"
    }

    /// The `(height, width, channels)` input of a spatial layer.
    private static func image(_ shape: [Int]?, of layer: LayerSpec) throws -> [Int] {
        guard let shape, shape.count == 3 else {
            throw BilinError("layer '\(layer.name)' (\(layer.kind.displayName)) acts on a \(describe(shape)) input; only height×width×channels inputs can be run")
        }
        return shape
    }

    /// Checks that the layer's weight `weight` has `shape` (a file may declare an input its weights do not fit).
    private static func expect(_ layer: LayerSpec, weight: Int, shape: [Int]) throws {
        guard weight < layer.weights.count, layer.weights[weight].shape == shape else {
            let found = weight < layer.weights.count ? describe(layer.weights[weight].shape) : "none"
            throw BilinError("layer '\(layer.name)' (\(layer.kind.displayName)) weight \(weight) has shape \(found); its input needs \(describe(shape))")
        }
    }

    /// The trained parameters, in step order: what an optimizer steps.
    public var parameters: [Parameter] { steps.flatMap(\.parameters) }

    /// The parameters, then the statistics training moves without an optimizer (batch normalization's moving mean
    /// and variance): what a training state saves and restores.
    public var variables: [Parameter] { parameters + steps.flatMap(\.statistics) }

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
        // Nobody reads the gradient of the network's input, so the backward pass ends at the first step with
        // parameters, which skips computing its input gradient; steps before it (an activation, a dropout) only
        // run forward.
        let firstTrained = steps.firstIndex(where: { !$0.parameters.isEmpty }) ?? steps.count
        var activations = input
        for step in steps[..<firstTrained] {
            activations = step.forwardForTraining(activations, generator: &generator).output
        }
        guard firstTrained < steps.count else { return (activations, { _ in }) }
        let firstBackward: (Tensor) -> Void
        (activations, firstBackward) = steps[firstTrained].forwardForTrainingWithoutInputGradient(activations, generator: &generator)
        var backwards: [(Tensor) -> Tensor] = []
        backwards.reserveCapacity(steps.count - firstTrained - 1)
        for step in steps[(firstTrained + 1)...] {
            let (output, backward) = step.forwardForTraining(activations, generator: &generator)
            backwards.append(backward)
            activations = output
        }
        return (activations, { logitsGradient in
            firstBackward(backwards.reversed().reduce(logitsGradient) { gradient, backward in backward(gradient) })
        })
    }

    /// Writes the current parameter and statistic values back into the model layers they came from.
    public func write(into model: inout Model) {
        for (step, layerIndex) in weightSources {
            model.layers[layerIndex].weights = zip(step.parameters + step.statistics, model.layers[layerIndex].weights).map { parameter, old in
                parameter.value.reshaped(old.shape)
            }
        }
    }

    /// Logits of every example of `images`, computed in batches.
    public func logits(forAll images: Tensor, batchSize: Int = 1000) -> Tensor {
        let count = images.shape[0]
        var scalars: [Float] = []
        var start = 0
        var classes = 0
        while start < count {
            let end = min(start + batchSize, count)
            let output = logits(images.rows(start..<end))
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
