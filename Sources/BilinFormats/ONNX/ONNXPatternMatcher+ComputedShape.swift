import BilinCore

/// Operands computed by small subgraphs that a layer's nodes include: the nodes computing a flattening `Reshape`'s
/// shape and those computing a bilinear convolution's one-hot patch kernel (`operandNodes`).
///
/// The `Reshape` whose target shape is computed from the tensor itself, as PyTorch's exporter writes
/// `x.view(x.size(0), -1)`:
///
///     Shape(x) → Gather(·, 0, axis 0) → Unsqueeze(·, axes [0]) → Concat(·, [-1], axis 0) → Reshape(x, ·)
///
/// the constants as initializers or `Constant` nodes, each node read only by the next. It flattens: the nodes are part
/// of the `.flatten` layer.
extension ONNXPatternMatcher {
    /// The nodes computing an operand of `node` that its layer includes, if it is a flattening `Reshape` or a patch
    /// `Conv` of that form; nil otherwise.
    func operandNodes(of node: ONNXNode) -> [Int]? {
        node.opType == "Reshape" ? flatteningShapeNodes(of: node) : node.opType == "Conv" ? patchKernelNodes(of: node) : nil
    }

    /// The nodes computing `conv`'s one-hot patch kernel as `ONNXLayerSpelling` writes it from opset 9, so that no
    /// value of it is stored: `ConstantOfShape([k², k²])` (zeros) → `EyeLike` → `Tile([C, 1])` →
    /// `Reshape([C·k², 1, kh, kw])` for a `kh × kw` window (`k² = kh·kw`) on `C` channels (the conv's `group`).
    func patchKernelNodes(of conv: ONNXNode) -> [Int]? {
        guard conv.domain.isEmpty, conv.inputs.count >= 2, let window = conv.ints("kernel_shape"), window.count == 2,
              case let channels = conv.int("group") ?? 1, channels > 0,
              let reshape = writer(of: conv.inputs[1], reader: conv, opType: "Reshape"), reshape.inputs.count == 2,
              let tile = writer(of: reshape.inputs[0], reader: reshape, opType: "Tile"), tile.inputs.count == 2,
              let eye = writer(of: tile.inputs[0], reader: tile, opType: "EyeLike"), !eye.hasAttributes(besides: []),
              let zeros = writer(of: eye.inputs[0], reader: eye, opType: "ConstantOfShape"), !zeros.hasAttributes(besides: []),
              let positions = window.checkedProduct, let patchSize = [channels, positions].checkedProduct,
              let size = constant(zeros.inputs[0], reader: zeros), size.values == [positions, positions],
              let repeats = constant(tile.inputs[1], reader: tile), repeats.values == [channels, 1],
              let target = constant(reshape.inputs[1], reader: reshape), target.values == [patchSize, 1] + window
        else { return nil }
        return ([zeros.index, eye.index, tile.index, reshape.index] + size.nodes + repeats.nodes + target.nodes).sorted()
    }

    /// The nodes computing `reshape`'s target shape in that form (constants' `Constant` nodes included); nil for any
    /// other.
    func flatteningShapeNodes(of reshape: ONNXNode) -> [Int]? {
        guard reshape.domain.isEmpty, reshape.opType == "Reshape", reshape.inputs.count == 2,
              let concat = writer(of: reshape.inputs[1], reader: reshape, opType: "Concat"), concat.inputs.count == 2,
              concat.int("axis") == 0, let minusOne = constant(concat.inputs[1], reader: concat), minusOne.values == [-1],
              let unsqueeze = writer(of: concat.inputs[0], reader: concat, opType: "Unsqueeze"),
              let gather = writer(of: unsqueeze.inputs[0], reader: unsqueeze, opType: "Gather"), gather.inputs.count == 2,
              gather.int("axis") ?? 0 == 0, let index = constant(gather.inputs[1], reader: gather), index.values == [0],
              let shape = writer(of: gather.inputs[0], reader: gather, opType: "Shape"), shape.inputs == [reshape.inputs[0]],
              !shape.hasAttributes(besides: [])
        else { return nil }
        var nodes = [shape.index, gather.index, unsqueeze.index, concat.index] + minusOne.nodes + index.nodes
        // Unsqueeze's axes: an attribute before opset 13, an input from it.
        if unsqueeze.inputs.count == 2 {
            guard let axes = constant(unsqueeze.inputs[1], reader: unsqueeze), axes.values == [0] else { return nil }
            nodes += axes.nodes
        } else {
            guard unsqueeze.inputs.count == 1, unsqueeze.ints("axes") == [0] else { return nil }
        }
        return nodes.sorted()
    }

    /// The node of `opType` writing `value`, when `reader` is its one reader and it writes nothing else.
    func writer(of value: String, reader: ONNXNode, opType: String) -> ONNXNode? {
        guard let index = graph.writers[value], graph.soleConsumer(of: value)?.index == reader.index else { return nil }
        let node = graph.nodes[index]
        return node.domain.isEmpty && node.opType == opType && node.outputs.count == 1 && !node.inputs.isEmpty ? node : nil
    }

    /// The integers of `value`: an int64 initializer, or a `Constant` node's `value` that only `reader` reads (that
    /// node returned too).
    func constant(_ value: String, reader: ONNXNode) -> (values: [Int], nodes: [Int])? {
        if let tensor = graph.initializers[value] { return (try? ONNXTensorData.integers(tensor)).map { ($0, []) } }
        guard let index = graph.writers[value], graph.soleConsumer(of: value)?.index == reader.index else { return nil }
        let node = graph.nodes[index]
        guard node.domain.isEmpty, node.opType == "Constant", node.inputs.isEmpty, node.outputs.count == 1,
              let tensor = node.tensor("value"), let values = try? ONNXTensorData.integers(tensor)
        else { return nil }
        return (values, [index])
    }
}
