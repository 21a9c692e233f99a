/// A `Model` made runnable: its layers as forward/backward steps over `(batch, features)` tensors, run in the model's
/// topological order.
///
/// Values live in slots: slot 0 is the network's input and node `k` writes slot `k + 1`; every node reads the
/// slots of the model layers it names. A slot read by several nodes gets the sum of their gradients.
/// Flatten and Reshape need no step, because every step already sees each example flattened row-major; spatial
/// steps read it as `(height, width, channels)`. A channels-first model gets one `ExampleTranspose` after its
/// input (`(C, H, W)` → `(H, W, C)`) and one at each Flatten (or Reshape to a vector) of an image (back to
/// `C, H, W` order).
/// A final softmax or sigmoid is kept apart as `outputActivation`: training takes its loss on the logits before it.
public final class Network {
    /// A step and the slots it reads.
    public struct Node {
        public enum Step {
            case layer(any Layer)
            case merge(any MultiInputLayer)
        }
        public let step: Step
        public let inputs: [Int]
    }

    public let nodes: [Node]
    /// The slot the network returns (before `outputActivation`).
    public let outputSlot: Int
    public let outputActivation: Activation?
    /// For each step with parameters or statistics, the index of the model layer whose weights they are.
    private let weightSources: [(step: any Layer, layerIndex: Int)]
    /// For each node, the last node that reads its output (so inference can free it), or `nil` for the output.
    private let lastReader: [Int?]

    /// The single-input steps, in execution order.
    public var steps: [any Layer] {
        nodes.compactMap { if case .layer(let layer) = $0.step { layer } else { nil } }
    }

    /// - Throws: `BilinError` naming the first layer this tool cannot run.
    public init(model: Model) throws {
        Allocator.keepFreedMemory()
        BLAS.useDefaultThreadCount()
        try model.checkGraph()
        let outputIndices = model.outputIndices()
        guard outputIndices.count == 1 else {
            throw BilinError("the model has \(outputIndices.count) outputs; only models with one output can be run")
        }
        var nodes: [Node] = []
        var weightSources: [(step: any Layer, layerIndex: Int)] = []
        let shapes = model.outputShapes()
        let edges = model.inputIndices()
        // The slot holding each model layer's output.
        var layerSlots = [Int](repeating: 0, count: model.layers.count)
        let channelsFirst = model.dataLayout == .channelsFirst
        for (index, layer) in model.layers.enumerated() {
            let inputShapes = edges[index].map { shapes[$0] }
            let inputShape = inputShapes.first ?? nil
            var slot = edges[index].first.map { layerSlots[$0] } ?? 0
            /// Appends `step` reading the current slot, remembers where its weights go, and appends its activation
            /// unless linear.
            func append(_ step: any Layer, activation: Activation = .linear) {
                nodes.append(Node(step: .layer(step), inputs: [slot]))
                slot = nodes.count
                if !(step.parameters + step.statistics).isEmpty { weightSources.append((step, index)) }
                if activation != .linear {
                    nodes.append(Node(step: .layer(ActivationLayer(name: layer.name, activation: activation)), inputs: [slot]))
                    slot = nodes.count
                }
            }
            switch layer.kind {
            case .input(let shape):
                slot = 0
                if channelsFirst, shape.count == 3, shape[2] > 1, shape[0] * shape[1] > 1 {
                    append(ExampleTranspose(name: layer.name, rows: shape[2], columns: shape[0] * shape[1]))
                }
            case .flatten, .reshape:
                if channelsFirst, let inputShape, inputShape.count == 3 {
                    // A channels-first source flattens an image in C, H, W order.
                    if case .reshape(let target) = layer.kind, target.count != 1 {
                        throw BilinError("layer '\(layer.name)' (Reshape) reshapes a channels-first \(Network.describe(inputShape)) image to \(Network.describe(target)); only flattening it can be run")
                    }
                    if inputShape[2] > 1, inputShape[0] * inputShape[1] > 1 {
                        append(ExampleTranspose(name: layer.name, rows: inputShape[0] * inputShape[1], columns: inputShape[2]))
                    }
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
            case .leakyReLU(let slope):
                append(ElementwiseAffine(name: layer.name, function: .leakyReLU(negativeSlope: slope)))
            case .rescaling(let scale, let offset):
                append(ElementwiseAffine(name: layer.name, function: .rescaling(scale: scale, offset: offset)))
            case .dropout(let rate):
                append(Dropout(name: layer.name, rate: rate))
            case .conv2D(let filters, let window, let activation, let useBias):
                let image = try Network.image(inputShape, of: layer)
                try Network.expect(layer, weight: 0, shape: [window.height, window.width, image[2], filters])
                if useBias { try Network.expect(layer, weight: 1, shape: [filters]) }
                append(Conv2D(name: layer.name, inputShape: image, kernel: layer.weights[0], bias: useBias ? layer.weights[1] : nil, window: window),
                       activation: activation)
            case .depthwiseConv2D(let multiplier, let window, let activation, let useBias):
                let image = try Network.image(inputShape, of: layer)
                try Network.expect(layer, weight: 0, shape: [window.height, window.width, image[2], multiplier])
                if useBias { try Network.expect(layer, weight: 1, shape: [image[2] * multiplier]) }
                append(DepthwiseConv2D(name: layer.name, inputShape: image, kernel: layer.weights[0], bias: useBias ? layer.weights[1] : nil,
                                       window: window),
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
            case .zeroPadding2D(let padding):
                append(ZeroPadding2D(name: layer.name, inputShape: try Network.image(inputShape, of: layer), padding: padding))
            case .batchNormalization(let epsilon, let momentum):
                guard let channels = inputShape?.last else {
                    throw BilinError("layer '\(layer.name)' (BatchNormalization) acts on an input of unknown shape")
                }
                for weight in 0..<4 { try Network.expect(layer, weight: weight, shape: [channels]) }
                append(BatchNormalization(name: layer.name, epsilon: epsilon, momentum: momentum, gamma: layer.weights[0], beta: layer.weights[1],
                                          movingMean: layer.weights[2], movingVariance: layer.weights[3]))
            case .merge(let operation):
                try Network.checkMergeInputs(layer, inputShapes, sameShape: true)
                nodes.append(Node(step: .merge(Merge(name: layer.name, operation: operation)), inputs: edges[index].map { layerSlots[$0] }))
                slot = nodes.count
            case .concatenate(let axis):
                try Network.checkMergeInputs(layer, inputShapes, sameShape: false)
                let known = inputShapes.compactMap { $0 }
                guard known.allSatisfy({ $0.count == known[0].count && axis < $0.count
                                         && $0.enumerated().allSatisfy { $0.offset == axis || $0.element == known[0][$0.offset] } }) else {
                    throw BilinError("layer '\(layer.name)' (Concatenate) joins inputs of shapes \(known.map(Network.describe).joined(separator: ", ")) along axis \(axis + 1), which differ elsewhere")
                }
                nodes.append(Node(step: .merge(Concatenate(name: layer.name, inputShapes: known, axis: axis)),
                                  inputs: edges[index].map { layerSlots[$0] }))
                slot = nodes.count
            case .opaque(let className, _):
                throw BilinError("layer '\(layer.name)' (\(className)) cannot be run by this tool; training and evaluation support \(Network.supportedLayers)")
            }
            layerSlots[index] = slot
        }
        var outputSlot = layerSlots[outputIndices[0]]
        // A final softmax or sigmoid, the last step, is kept apart.
        if outputSlot == nodes.count, case .layer(let last as ActivationLayer)? = nodes.last?.step, last.activation.isLogitSquashing {
            outputActivation = last.activation
            outputSlot = nodes.removeLast().inputs[0]
        } else {
            outputActivation = nil
        }
        self.nodes = nodes
        self.outputSlot = outputSlot
        self.weightSources = weightSources
        let slotReaders = Network.readers(of: nodes)
        lastReader = (0...nodes.count).map { slot in slot == outputSlot ? nil : slotReaders[slot].max() }
    }

    /// For each slot, the nodes that read it.
    private static func readers(of nodes: [Node]) -> [[Int]] {
        var readers = [[Int]](repeating: [], count: nodes.count + 1)
        for (index, node) in nodes.enumerated() {
            for slot in node.inputs { readers[slot].append(index) }
        }
        return readers
    }

    /// Checks that a merge's known input shapes agree (all of them, or all but the joined axis).
    private static func checkMergeInputs(_ layer: LayerSpec, _ shapes: [[Int]?], sameShape: Bool) throws {
        guard shapes.count >= 2 else {
            throw BilinError("layer '\(layer.name)' (\(layer.kind.displayName)) has \(shapes.count) input; it needs two or more")
        }
        let known = shapes.compactMap { $0 }
        guard known.count == shapes.count else {
            throw BilinError("layer '\(layer.name)' (\(layer.kind.displayName)) has an input of unknown shape")
        }
        if sameShape, let mismatch = known.first(where: { $0 != known[0] }) {
            throw BilinError("layer '\(layer.name)' (\(layer.kind.displayName)) merges inputs of shapes \(describe(known[0])) and \(describe(mismatch)); they must agree")
        }
    }

    /// The layers a network can run, as the "cannot be run" error lists them.
    static let supportedLayers = "Dense, BilinearProjection, Conv2D, DepthwiseConv2D, BilinearConv2D, MaxPooling2D, AveragePooling2D, "
        + "GlobalAveragePooling2D, ZeroPadding2D, BatchNormalization, Activation, ReLU, LeakyReLU, Rescaling, Dropout, Flatten, Reshape, "
        + "Add, Subtract, Multiply, Average, Maximum, Minimum and Concatenate"

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
        var slots = [Tensor?](repeating: nil, count: nodes.count + 1)
        slots[0] = input
        for (index, node) in nodes.enumerated() {
            switch node.step {
            case .layer(let layer): slots[index + 1] = layer(slots[node.inputs[0]]!)
            case .merge(let merge): slots[index + 1] = merge(node.inputs.map { slots[$0]! })
            }
            // Free what no later node reads.
            for slot in node.inputs where lastReader[slot] == index { slots[slot] = nil }
        }
        return slots[outputSlot]!
    }

    /// The model's output, final squashing included.
    public func predict(_ input: Tensor) -> Tensor {
        var output = logits(input)
        if let outputActivation { output = ActivationLayer(name: "output", activation: outputActivation)(output) }
        return output
    }

    /// Forward for training through every step; returns the logits and the backward pass of the whole graph.
    ///
    /// Nobody reads the gradient of the network's input, so a node computes the gradient of an input slot only if
    /// some step with parameters wrote into it: steps before the first one with parameters (an activation, a dropout)
    /// only run forward, and the first step with parameters skips its input gradient.
    public func forwardForTraining(_ input: Tensor, generator: inout SeededGenerator) -> (logits: Tensor, backward: (Tensor) -> Void) {
        var carriesParameters = [Bool](repeating: false, count: nodes.count + 1)
        var slots = [Tensor?](repeating: nil, count: nodes.count + 1)
        slots[0] = input
        // The backward pass of each node: slot gradients in, input-slot gradients out (nil where not needed).
        var backwards = [((Tensor) -> [Tensor?])?](repeating: nil, count: nodes.count)
        for (index, node) in nodes.enumerated() {
            let needed = node.inputs.map { carriesParameters[$0] }
            switch node.step {
            case .layer(let layer):
                let hasParameters = !layer.parameters.isEmpty
                let value = slots[node.inputs[0]]!
                if needed[0] {
                    let (output, backward) = layer.forwardForTraining(value, generator: &generator)
                    (slots[index + 1], backwards[index]) = (output, { [backward($0)] })
                } else if hasParameters {
                    let (output, backward) = layer.forwardForTrainingWithoutInputGradient(value, generator: &generator)
                    (slots[index + 1], backwards[index]) = (output, { backward($0); return [nil] })
                } else {
                    slots[index + 1] = layer.forwardForTraining(value, generator: &generator).output
                }
                carriesParameters[index + 1] = needed[0] || hasParameters
            case .merge(let merge):
                let (output, backward) = merge.forwardForTraining(node.inputs.map { slots[$0]! })
                slots[index + 1] = output
                if needed.contains(true) {
                    backwards[index] = { gradient in zip(backward(gradient), needed).map { $1 ? $0 : nil } }
                }
                carriesParameters[index + 1] = needed.contains(true)
            }
        }
        let logits = slots[outputSlot]!
        let (nodes, outputSlot) = (nodes, outputSlot)
        return (logits, { logitsGradient in
            var gradients = [Tensor?](repeating: nil, count: nodes.count + 1)
            gradients[outputSlot] = logitsGradient
            for index in nodes.indices.reversed() {
                guard let backward = backwards[index], let gradient = gradients[index + 1] else { continue }
                gradients[index + 1] = nil
                for (slot, inputGradient) in zip(nodes[index].inputs, backward(gradient)) {
                    guard let inputGradient else { continue }
                    // A slot read by several nodes gets the sum of their gradients.
                    if var sum = gradients[slot] {
                        sum.add(inputGradient)
                        gradients[slot] = sum
                    } else {
                        gradients[slot] = inputGradient
                    }
                }
            }
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
