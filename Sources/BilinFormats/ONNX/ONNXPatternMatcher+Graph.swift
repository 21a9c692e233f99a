import BilinCore

/// The forms of `ONNXLayerGraph` that join, pad or scale values: merges of computed values, `Concat`, a zero `Pad`,
/// `Mul`/`Add` of one constant, and `Clip(0, 6)`.
extension ONNXPatternMatcher {
    /// `Add`, `Sum`, `Sub`, `Mul`, `Max`, `Min` or `Mean` of two or more values that layers compute, all of one
    /// shape (no broadcasting): a residual, not the `Add` of a bias initializer.
    mutating func merge(_ node: ONNXNode) -> ONNXMatchedLayer? {
        let operations: [String: MergeOperation] = ["Add": .add, "Sum": .add, "Sub": .subtract, "Mul": .multiply,
                                                    "Max": .maximum, "Min": .minimum, "Mean": .average]
        guard let operation = operations[node.opType], node.inputs.count >= 2, node.outputs.count == 1,
              let first = valueShapes[node.inputs[0]], node.inputs.allSatisfy({ valueShapes[$0] == first })
        else { return nil }
        return ONNXMatchedLayer(layer: LayerSpec(name: uniqueName(node), kind: .merge(operation)), nodeIndices: [node.index],
                                inputs: node.inputs, output: node.outputs[0], weightNames: [])
    }

    /// `Mul(x, s)`, optionally followed by `Add(·, o)`, or `Add(x, o)` alone, with `s` and `o` initializers of one
    /// value: a `.rescaling(scale: s, offset: o)` (as `ONNXLayerSpelling` writes Keras's `Rescaling`).
    mutating func rescaling(_ node: ONNXNode) -> ONNXMatchedLayer? {
        guard node.inputs.count == 2, node.outputs.count == 1, let constant = scalar(node.inputs[1]) else { return nil }
        if node.opType == "Add" {
            return single(node, kind: .rescaling(scale: 1, offset: constant))
        }
        guard node.opType == "Mul" else { return nil }
        var found = single(node, kind: .rescaling(scale: constant, offset: 0))
        if let add = graph.soleConsumer(of: node.outputs[0]), add.domain.isEmpty, add.opType == "Add", add.inputs.count == 2,
           add.inputs[0] == node.outputs[0], add.outputs.count == 1, let offset = scalar(add.inputs[1]) {
            found.layer.kind = .rescaling(scale: constant, offset: offset)
            found.nodeIndices.append(add.index)
            found.output = add.outputs[0]
        }
        return found
    }

    /// `Concat` of values that layers compute, of one rank, along an axis other than the batch's. The IR's axis is
    /// that of the channels-last example: an image's NCHW axes 1, 2, 3 are its axes 2, 0, 1.
    mutating func concatenation(_ node: ONNXNode) -> ONNXMatchedLayer? {
        guard node.inputs.count >= 2, node.outputs.count == 1, let axis = node.int("axis"),
              let first = valueShapes[node.inputs[0]], node.inputs.allSatisfy({ valueShapes[$0]?.count == first.count })
        else { return nil }
        let rank = first.count + 1
        let graphAxis = axis < 0 ? axis + rank : axis
        guard (1..<rank).contains(graphAxis) else { return nil }
        let irAxis = first.count == 3 ? [2, 0, 1][graphAxis - 1] : graphAxis - 1
        return ONNXMatchedLayer(layer: LayerSpec(name: uniqueName(node), kind: .concatenate(axis: irAxis)), nodeIndices: [node.index],
                                inputs: node.inputs, output: node.outputs[0], weightNames: [])
    }

    /// `Pad` of an NCHW image in constant mode with value 0, on height and width only: pads from the `pads`
    /// attribute (before opset 11) or an initializer input, `[0, 0, top, left, 0, 0, bottom, right]`.
    mutating func zeroPadding(_ node: ONNXNode) -> ONNXMatchedLayer? {
        guard (node.string("mode") ?? "constant") == "constant", node.outputs.count == 1 else { return nil }
        let pads: [Int]?
        let zeroValue: Bool
        if graph.opset < 11 {
            (pads, zeroValue) = (node.ints("pads"), node.inputs.count == 1 && (node.float("value") ?? 0) == 0)
        } else {
            pads = node.inputs.count >= 2 ? graph.initializers[node.inputs[1]].flatMap { try? ONNXTensorData.integers($0) } : nil
            zeroValue = node.inputs.count == 2 || (node.inputs.count == 3 && (node.inputs[2].isEmpty || scalar(node.inputs[2]) == 0))
        }
        guard let pads, zeroValue, pads.count == 8, pads.allSatisfy({ $0 >= 0 }), [pads[0], pads[1], pads[4], pads[5]] == [0, 0, 0, 0]
        else { return nil }
        var found = single(node, kind: .zeroPadding2D(ImagePadding(top: pads[2], bottom: pads[6], left: pads[3], right: pads[7])))
        found.inputs = [node.inputs[0]]
        return found
    }

    /// `Clip` to `[0, 6]`: bounds as attributes before opset 11, as scalar initializers from it.
    func isReLU6(_ node: ONNXNode) -> Bool {
        guard node.outputs.count == 1 else { return false }
        if graph.opset < 11 { return node.inputs.count == 1 && node.float("min") == 0 && node.float("max") == 6 }
        return node.inputs.count == 3 && scalar(node.inputs[1]) == 0 && scalar(node.inputs[2]) == 6
    }

    /// The value of an initializer `name` holding one float.
    private func scalar(_ name: String) -> Float? {
        guard let tensor = graph.initializers[name], let values = try? ONNXTensorData.floats(tensor), values.count == 1 else { return nil }
        return values.scalars[0]
    }
}
