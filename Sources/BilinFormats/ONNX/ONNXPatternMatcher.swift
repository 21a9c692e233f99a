import BilinCore

/// Matches the known forms of `ONNXLayerGraph`, naming layers uniquely (a node's own name, or `<op>_<index>` when it has
/// none or repeats one). The dense forms are here, the image forms in `ONNXPatternMatcher+Spatial`, the merges,
/// concatenation and padding in `ONNXPatternMatcher+Graph`.
struct ONNXPatternMatcher {
    let graph: ONNXGraphIndex
    /// How the graph's images are laid out (inside the graph they are NCHW either way; this decides their flatten).
    let layout: DataLayout
    var usedNames: Set<String> = []
    /// The IR shape of each value a layer matched so far writes (and of the input).
    var valueShapes: [String: [Int]] = [:]

    /// `Identity`, or `Cast` to float (the graph's values are float already): no layer of their own.
    static func isIdentity(_ node: ONNXNode) -> Bool {
        node.inputs.count == 1 && node.outputs.count == 1
            && (node.opType == "Identity" || (node.opType == "Cast" && node.int("to") == Int(ONNXTensorData.floatType)))
    }

    init(graph: ONNXGraphIndex, layout: DataLayout) {
        self.graph = graph
        self.layout = layout
        usedNames = [graph.inputName]
    }

    mutating func uniqueName(_ node: ONNXNode) -> String {
        uniqueName(node.name.isEmpty || usedNames.contains(node.name) ? "\(node.opType)_\(node.index)" : node.name)
    }

    /// `base`, or `base_1`, `base_2`, … if a layer has that name; taken from then on.
    private mutating func uniqueName(_ base: String) -> String {
        let name = ONNXGraphBuilder.uniqueName(base) { usedNames.contains($0) }
        usedNames.insert(name)
        return name
    }

    /// The layers of the known form starting at `node` (a Conv with pads neither valid nor same: a padding layer,
    /// then the convolution), their outputs' shapes recorded; none when the node is no known form, does not read a
    /// value of known shape first, or its output's shape cannot be computed.
    mutating func layers(at node: ONNXNode) throws -> [ONNXMatchedLayer] {
        guard node.domain.isEmpty, let data = node.inputs.first, let shape = valueShapes[data] else { return [] }
        let names = usedNames
        guard let found = try layer(at: node, reading: data, shape: shape) else { return [] }
        var layers = [found]
        if let padding = found.padding {
            let padded = uniqueValue("\(found.output)_padded")
            layers = [ONNXMatchedLayer(layer: LayerSpec(name: uniqueName("\(found.layer.name)_pad"), kind: .zeroPadding2D(padding)),
                                       nodeIndices: [], inputs: [data], output: padded, weightNames: []), found]
            layers[1].inputs[0] = padded
        }
        for layer in layers {
            let operands = layer.inputs.compactMap { valueShapes[$0] }
            guard operands.count == layer.inputs.count, let next = ONNXPatternMatcher.outputShape(of: layer.layer, reading: operands) else {
                usedNames = names
                return []
            }
            valueShapes[layer.output] = next
        }
        return layers
    }

    /// `node` as an opaque layer reading all its inputs (config `Op(inputs) -> outputs`); `reason` why a
    /// dense-looking node is not convertible shows wherever the layer's kind is named.
    mutating func opaque(_ node: ONNXNode, reason: String?) -> ONNXMatchedLayer {
        let config = "\(node.qualifiedOpType)(\(node.inputs.joined(separator: ", "))) -> \(node.outputs.joined(separator: ", "))"
        let className = reason.map { "\(node.qualifiedOpType) [\($0)]" } ?? node.qualifiedOpType
        return ONNXMatchedLayer(layer: LayerSpec(name: uniqueName(node), kind: .opaque(className: className, config: config)),
                                nodeIndices: [node.index], inputs: node.inputs, output: node.outputs.first ?? "", weightNames: [])
    }

    /// The IR output shape of `layer` reading values of `shapes`; nil when the layer does not fit them.
    private static func outputShape(of layer: LayerSpec, reading shapes: [[Int]]) -> [Int]? {
        // Each operand as a Reshape of a placeholder input: a Reshape's output shape is its target, whatever it reads.
        let operands = shapes.indices.map { LayerSpec(name: "operand \($0)", kind: .reshape(targetShape: shapes[$0]), inputs: ["input"]) }
        var node = layer
        node.name = "layer"
        node.inputs = operands.map(\.name)
        return Model(name: "", layers: [LayerSpec(name: "input", kind: .input(shape: [1]))] + operands + [node]).outputShapes().last ?? nil
    }

    /// `base`, or `base_1`, `base_2`, … if the graph has a value so named: the name of a value no node writes yet.
    private func uniqueValue(_ base: String) -> String {
        ONNXGraphBuilder.uniqueName(base) { name in
            graph.consumers[name] != nil || graph.graphOutputs.contains(name) || graph.initializers[name] != nil || valueShapes[name] != nil
        }
    }

    /// The layer starting at `node`, which reads `current` of `shape`; nil if it is no known form.
    private mutating func layer(at node: ONNXNode, reading current: String, shape: [Int]) throws -> ONNXMatchedLayer? {
        // Every known form writes exactly one value (a fuzzed MatMul with none crashed here).
        guard node.outputs.count == 1 else { return nil }
        let flat = shape.count == 1 ? shape[0] : nil
        // An image (IR shape (H, W, C), NCHW in the graph) flattens in C,H,W order: the IR's flatten of a
        // channels-first model only.
        let image = shape.count == 3
        switch node.opType {
        case "Flatten" where node.int("axis") ?? 1 == 1:
            guard !image || layout == .channelsFirst else { return nil }
            return single(node, kind: .flatten)
        case "Reshape" where image || shape.count == 1:
            guard !image || layout == .channelsFirst, let count = shape.checkedProduct else { return nil }
            if let shapeNodes = flatteningShapeNodes(of: node) {
                var found = single(node, kind: .flatten)
                found.nodeIndices = (shapeNodes + [node.index]).sorted()
                return found
            }
            if image { return reshapeTarget(node, count: count) == [count] ? single(node, kind: .flatten) : nil }
            fallthrough
        case "Reshape":
            if let bilinear = try bilinear(at: node, shape: shape) { return bilinear }
            // A Reshape to an image is not read: its layout (NCHW or NHWC) is not in the file.
            guard let target = reshapeTarget(node, count: shape.reduce(1, *)), target.count != 3 else { return nil }
            return single(node, kind: .reshape(targetShape: target))
        case "Transpose" where image:
            return channelsLastFlatten(node, shape: shape)
        case "Conv" where image && node.inputs.first == current:
            return try convolution(node, shape: shape)
        case "MaxPool" where image, "AveragePool" where image:
            return try pooling(node, shape: shape)
        case "GlobalAveragePool" where image && node.inputs.count == 1:
            return globalAveragePooling(node, shape: shape)
        case "ReduceMean" where image:
            return spatialMean(node, shape: shape)
        case "BatchNormalization" where node.inputs.first == current:
            return try batchNormalization(node, shape: shape)
        case "Pad" where image:
            return zeroPadding(node)
        case "Add", "Sum", "Sub", "Mul", "Max", "Min", "Mean":
            return merge(node) ?? rescaling(node)
        case "Concat":
            return concatenation(node)
        case "Clip":
            return isReLU6(node) ? single(node, kind: .activation(.relu6)) : nil
        case "LeakyRelu" where node.inputs.count == 1 && abs((node.float("alpha") ?? 0.01) - 0.2) >= 1e-6:
            return single(node, kind: .leakyReLU(negativeSlope: node.float("alpha") ?? 0.01))
        case "Gemm" where node.inputs.first == current:
            guard let flat else { return nil }
            return try gemm(node, inputs: flat)
        case "MatMul" where node.inputs.first == current:
            guard let flat else { return nil }
            return try matMul(node, inputs: flat)
        default:
            guard let activation = activation(node, shape: shape) else { return nil }
            return single(node, kind: .activation(activation))
        }
    }

    mutating func single(_ node: ONNXNode, kind: LayerKind) -> ONNXMatchedLayer {
        ONNXMatchedLayer(layer: LayerSpec(name: uniqueName(node), kind: kind), nodeIndices: [node.index],
                       inputs: [node.inputs[0]], output: node.outputs[0], weightNames: [])
    }

    private func activation(_ node: ONNXNode, shape: [Int]) -> Activation? {
        guard node.inputs.count == 1, node.outputs.count == 1 else { return nil }
        switch node.opType {
        case "Relu": return .relu
        case "Sigmoid": return .sigmoid
        case "Tanh": return .tanh
        case "Softmax":
            let axis = node.int("axis") ?? (graph.opset >= 13 ? -1 : 1)
            return shape.count == 1 && (axis == -1 || axis == 1) ? .softmax : nil
        case "Gelu": return (node.string("approximate") ?? "none") == "none" ? .gelu : nil
        case "LeakyRelu": return abs((node.float("alpha") ?? 0.01) - 0.2) < 1e-6 ? .leakyRelu : nil
        default: return nil
        }
    }

    /// `[-1 or 0, dims…]` with at most one `-1` among the dims, resolved against `count` input values (`0` keeps the
    /// batch unless `allowzero` makes it a size).
    func reshapeTarget(_ node: ONNXNode, count: Int) -> [Int]? {
        guard node.inputs.count == 2, let tensor = graph.initializers[node.inputs[1]],
              let target = try? ONNXTensorData.integers(tensor), let first = target.first,
              first == -1 || (first == 0 && node.int("allowzero") ?? 0 == 0)
        else { return nil }
        var dims = Array(target.dropFirst())
        guard !dims.isEmpty, dims.allSatisfy({ $0 > 0 || $0 == -1 }), dims.filter({ $0 == -1 }).count <= 1 else { return nil }
        guard let known = dims.filter({ $0 > 0 }).checkedProduct else { return nil }
        if let unknown = dims.firstIndex(of: -1) {
            guard known > 0, count % known == 0 else { return nil }
            dims[unknown] = count / known
        }
        return dims.checkedProduct == count ? dims : nil
    }

    /// A float initializer feeding `node` as input `position` (a matrix's transpose, if asked).
    func weight(_ node: ONNXNode, _ position: Int, transposed: Bool = false) throws -> (name: String, value: Tensor) {
        let name = node.inputs[position]
        guard let tensor = graph.initializers[name] else {
            throw ONNXLayerGraph.NotConvertible(message: "not convertible: weight '\(name)' is computed by other nodes, not an initializer")
        }
        return (name, try ONNXTensorData.floats(tensor, transposed: transposed))
    }

    /// The error for a matrix weight that does not fit the values its node reads: the graph is invalid.
    func misfit(_ node: ONNXNode, weight name: String, inputs: Int) -> BilinError {
        let shape = graph.initializers[name].map(ONNXTensorData.dimensions) ?? []
        return BilinError("\(node.label) (\(node.opType)): weight '\(name)' of shape \(shape) does not fit its input of \(inputs) values")
    }

    private mutating func gemm(_ node: ONNXNode, inputs: Int) throws -> ONNXMatchedLayer? {
        guard node.inputs.count >= 2, node.int("transA") ?? 0 == 0 else { return nil }
        // transB=1 (PyTorch): B is (Dout, Din), read transposed into the (Din, Dout) kernel.
        let b = try weight(node, 1, transposed: node.int("transB") ?? 0 == 1)
        var kernel = b.value
        guard kernel.rank == 2 else { return nil }
        guard kernel.shape[0] == inputs else { throw misfit(node, weight: b.name, inputs: inputs) }
        let alpha = node.float("alpha") ?? 1
        if alpha != 1 { kernel = kernel.scaled(by: alpha) }
        let units = kernel.shape[1]
        var weights = [kernel]
        var names = [b.name]
        if node.inputs.count >= 3, !node.inputs[2].isEmpty {
            let c = try weight(node, 2)
            let beta = node.float("beta") ?? 1
            guard c.value.shape == [units] || c.value.shape == [1, units] || c.value.count == 1 else { return nil }
            let values = c.value.count == 1 ? [Float](repeating: c.value.scalars[0], count: units) : c.value.scalars
            weights.append(Tensor(shape: [units], scalars: values.map { $0 * beta }))
            names.append(c.name)
        }
        let layer = LayerSpec(name: "", kind: .dense(units: units, activation: .linear, useBias: weights.count == 2),
                              weights: weights)
        var found = ONNXMatchedLayer(layer: layer, nodeIndices: [node.index], inputs: [node.inputs[0]], output: node.outputs[0],
                                   weightNames: names)
        absorbBias(into: &found, after: node, shapes: [[units], [1, units]])
        found.layer.name = uniqueName(node)
        return found
    }

    private mutating func matMul(_ node: ONNXNode, inputs: Int) throws -> ONNXMatchedLayer? {
        guard node.inputs.count == 2 else { return nil }
        let b = try weight(node, 1)
        guard b.value.rank == 2 else { return nil }
        guard b.value.shape[0] == inputs else { throw misfit(node, weight: b.name, inputs: inputs) }
        let units = b.value.shape[1]
        var found = ONNXMatchedLayer(layer: LayerSpec(name: "", kind: .dense(units: units, activation: .linear, useBias: false),
                                                    weights: [b.value]),
                                   nodeIndices: [node.index], inputs: [node.inputs[0]], output: node.outputs[0], weightNames: [b.name])
        absorbBias(into: &found, after: node, shapes: [[units], [1, units]])
        found.layer.name = uniqueName(node)
        return found
    }

    /// Folds an `Add(·, C)` or `Add(C, ·)` that follows `node`, with `C` an initializer of one of `shapes` (one value
    /// per output unit or channel), into the layer's bias (added to its own, as jax2onnx writes a `Gemm` with
    /// `beta = 0` and an Add, and PyTorch exporters sometimes a Conv's bias).
    func absorbBias(into found: inout ONNXMatchedLayer, after node: ONNXNode, shapes: [[Int]]) {
        guard let add = graph.soleConsumer(of: node.outputs[0]), add.opType == "Add", add.domain.isEmpty, add.inputs.count == 2,
              let position = add.inputs.firstIndex(where: { $0 != node.outputs[0] }),
              let tensor = graph.initializers[add.inputs[position]], let bias = try? ONNXTensorData.floats(tensor),
              shapes.contains(bias.shape)
        else { return }
        if found.layer.weights.count == 2 {
            found.layer.weights[1].scalars = zip(found.layer.weights[1].scalars, bias.scalars).map { $0 + $1 }
        } else {
            found.layer.weights.append(bias.reshaped([bias.count]))
        }
        found.layer.kind = found.layer.kind.withBias
        found.nodeIndices.append(add.index)
        found.output = add.outputs[0]
        found.weightNames.append(add.inputs[position])
    }

    /// The nodes `ONNXLayerSpelling` writes for a bilinear layer, starting at its first Reshape.
    private mutating func bilinear(at reshape: ONNXNode, shape: [Int]) throws -> ONNXMatchedLayer? {
        guard let matrix = reshapeTarget(reshape, count: shape.reduce(1, *)),
              let projection = try bilinearProjection(from: reshape, matrix: matrix, outputDimensions: { [$0.outputCount] })
        else { return nil }
        let layer = LayerSpec(name: uniqueName(projection.nodes[2]), kind: .bilinear(projection.shape, activation: .linear),
                              weights: projection.weights)
        return ONNXMatchedLayer(layer: layer, nodeIndices: projection.nodes.map(\.index), inputs: [reshape.inputs[0]],
                              output: projection.nodes[4].outputs[0], weightNames: projection.weightNames)
    }

    /// The projection of a bilinear layer: its nodes `[reshape, MatMul(·, V), MatMul(Uᵀ, ·), Reshape, Add]`, from
    /// `reshape` (to `[-1, p, q]`, given as `matrix`) to the Add of the bias; `U`, `V` and the bias `(p', q')`.
    struct Projection {
        var shape: BilinearShape
        var weights: [Tensor]
        var nodes: [ONNXNode]
        var weightNames: [String]
    }

    /// `reshape` → `MatMul(·, V)` → `MatMul(Uᵀ, ·)` → `Reshape[-1, outputDimensions…]` → `Add(·, b)`; nil if the
    /// nodes or weights are of another form.
    func bilinearProjection(from reshape: ONNXNode, matrix: [Int], outputDimensions: (BilinearShape) -> [Int]) throws -> Projection? {
        guard matrix.count == 2,
              let right = graph.soleConsumer(of: reshape.outputs[0]), right.opType == "MatMul", right.inputs.count == 2,
              right.inputs[0] == reshape.outputs[0], let vTensor = graph.initializers[right.inputs[1]],
              let left = graph.soleConsumer(of: right.outputs[0]), left.opType == "MatMul", left.inputs.count == 2,
              left.inputs[1] == right.outputs[0], let uTensor = graph.initializers[left.inputs[0]],
              let flatten = graph.soleConsumer(of: left.outputs[0]), flatten.opType == "Reshape",
              let add = graph.soleConsumer(of: flatten.outputs[0]), add.opType == "Add", add.inputs.count == 2,
              let biasPosition = add.inputs.firstIndex(where: { $0 != flatten.outputs[0] }),
              let biasTensor = graph.initializers[add.inputs[biasPosition]]
        else { return nil }
        let (v, ut, bias) = (try ONNXTensorData.floats(vTensor), try ONNXTensorData.floats(uTensor), try ONNXTensorData.floats(biasTensor))
        guard v.rank == 2, ut.rank == 2, v.shape[0] == matrix[1], ut.shape[1] == matrix[0] else { return nil }
        let shape = BilinearShape(inputRows: matrix[0], inputColumns: matrix[1], outputRows: ut.shape[0], outputColumns: v.shape[1])
        let dimensions = outputDimensions(shape)
        guard let count = dimensions.checkedProduct, reshapeTarget(flatten, count: count) == dimensions,
              bias.count == shape.outputCount
        else { return nil }
        return Projection(shape: shape, weights: [ut.transposed(), v, bias.reshaped([shape.outputRows, shape.outputColumns])],
                          nodes: [reshape, right, left, flatten, add],
                          weightNames: [left.inputs[0], right.inputs[1], add.inputs[biasPosition]])
    }
}

extension LayerKind {
    /// The kind with its bias used (a dense or convolution layer that gained one).
    var withBias: LayerKind {
        switch self {
        case .dense(let units, let activation, _): .dense(units: units, activation: activation, useBias: true)
        case .conv2D(let filters, let window, let activation, _): .conv2D(filters: filters, window: window, activation: activation, useBias: true)
        case .depthwiseConv2D(let multiplier, let window, let activation, _):
            .depthwiseConv2D(multiplier: multiplier, window: window, activation: activation, useBias: true)
        default: self
        }
    }
}
