import BilinCore

/// The image forms of `ONNXLayerGraph`. `shape` is the IR's `(height, width, channels)`; the graph holds the value NCHW.
extension ONNXPatternMatcher {
    /// `Conv`: a `.conv2D` (group 1), a `.depthwiseConv2D` (group = channels, one input channel per group), or the
    /// patch extraction that starts a `.bilinearConv2D` (group = channels, the one-hot kernel). A bias may follow as
    /// an `Add` of a `(1, Cout, 1, 1)` or `(Cout, 1, 1)` initializer; pads neither valid nor same become `padding`.
    mutating func convolution(_ node: ONNXNode, shape: [Int]) throws -> ONNXMatchedLayer? {
        guard node.inputs.count >= 2,
              !node.hasAttributes(besides: ["auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"])
        else { return nil }
        let channels = shape[2]
        if let computed = try computedPatchConvolution(node, shape: shape) { return computed }
        let kernel = try weight(node, 1)
        guard kernel.value.rank == 4 else { throw channelMisfit(node, weight: kernel.name, channels: channels) }
        let (filters, height, width) = (kernel.value.shape[0], kernel.value.shape[2], kernel.value.shape[3])
        guard node.ints("kernel_shape").map({ $0 == [height, width] }) ?? true else { return nil }
        let group = node.int("group") ?? 1
        let (window, padding) = try ONNXWindow.read(node, height: height, width: width, inputHeight: shape[0], inputWidth: shape[1],
                                                    zeroPadding: group == 1 || group == channels)
        // Group 1 too on one channel, as this tool writes a bilinear convolution of a single-channel image.
        if group == channels, padding == nil, isPatchKernel(kernel.value, channels: channels, window: window),
           let bilinear = try bilinearConvolution(node, window: window, shape: shape) {
            return bilinear
        }
        let kind: LayerKind
        var irKernel = ONNXConvWeights.irKernel(fromONNX: kernel.value)
        if group == 1 {
            guard kernel.value.shape[1] == channels else { throw channelMisfit(node, weight: kernel.name, channels: channels) }
            kind = .conv2D(filters: filters, window: window, activation: .linear, useBias: false)
        } else if group == channels, kernel.value.shape[1] == 1, filters % channels == 0 {
            // Output channel c·M + m reads input channel c: the IR's (kh, kw, C, M) layout, row-major the same.
            irKernel = irKernel.reshaped([height, width, channels, filters / channels])
            kind = .depthwiseConv2D(multiplier: filters / channels, window: window, activation: .linear, useBias: false)
        } else {
            throw ONNXLayerGraph.NotConvertible(message: "not convertible: group \(group) (a grouped convolution)")
        }
        var found = ONNXMatchedLayer(layer: LayerSpec(name: "", kind: kind, weights: [irKernel]), nodeIndices: [node.index],
                                     inputs: [node.inputs[0]], output: node.outputs[0], weightNames: [kernel.name], padding: padding)
        if node.inputs.count >= 3, !node.inputs[2].isEmpty {
            let bias = try weight(node, 2)
            guard bias.value.shape == [filters] else { throw channelMisfit(node, weight: bias.name, channels: channels) }
            found.layer.weights.append(bias.value)
            found.weightNames.append(bias.name)
            found.layer.kind = kind.withBias
        }
        absorbBias(into: &found, after: node, shapes: [[1, filters, 1, 1], [filters, 1, 1]])
        found.layer.name = uniqueName(node)
        return found
    }

    /// A `.bilinearConv2D` whose patch `Conv` reads its one-hot kernel computed by nodes (`patchKernelNodes`), on
    /// the image's channels; those nodes join the layer's.
    private mutating func computedPatchConvolution(_ conv: ONNXNode, shape: [Int]) throws -> ONNXMatchedLayer? {
        guard conv.int("group") ?? 1 == shape[2], let kernelNodes = patchKernelNodes(of: conv), let size = conv.ints("kernel_shape")
        else { return nil }
        let (window, padding) = try ONNXWindow.read(conv, height: size[0], width: size[1], inputHeight: shape[0], inputWidth: shape[1])
        guard padding == nil, var found = try bilinearConvolution(conv, window: window, shape: shape) else { return nil }
        found.nodeIndices = (kernelNodes + found.nodeIndices).sorted()
        return found
    }

    /// Whether `kernel` is the one-hot patch kernel of `channels` and `window` (`ONNXConvWeights.patchKernel`).
    private func isPatchKernel(_ kernel: Tensor, channels: Int, window: Window2D) -> Bool {
        // The shape first: a hostile one must not size the kernel compared against.
        guard let patchSize = [channels, window.height, window.width].checkedProduct,
              kernel.shape == [patchSize, 1, window.height, window.width]
        else { return false }
        return kernel == ONNXConvWeights.patchKernel(channels: channels, height: window.height, width: window.width)
    }

    /// The nodes `ONNXLayerSpelling` writes for a `.bilinearConv2D` from its patch extraction `conv` on (its one-hot
    /// kernel checked by the caller): no bias, then `Transpose(0,2,3,1)` → the bilinear projection (its output Reshape
    /// `[-1, Ho, Wo, p'·q']`) → `Transpose(0,3,1,2)`. Nil for any other form.
    private mutating func bilinearConvolution(_ conv: ONNXNode, window: Window2D, shape: [Int]) throws -> ONNXMatchedLayer? {
        guard conv.inputs.count == 2 || conv.inputs[2].isEmpty, let patchSize = [shape[2], window.height, window.width].checkedProduct,
              let toLast = graph.soleConsumer(of: conv.outputs[0]), isTranspose(toLast, [0, 2, 3, 1]),
              let reshape = graph.soleConsumer(of: toLast.outputs[0]), reshape.opType == "Reshape", reshape.inputs.first == toLast.outputs[0],
              let matrix = reshapeTarget(reshape, count: patchSize)
        else { return nil }
        let (outputHeight, outputWidth) = window.outputSize(height: shape[0], width: shape[1])
        guard let projection = try bilinearProjection(from: reshape, matrix: matrix,
                                                      outputDimensions: { [outputHeight, outputWidth, $0.outputCount] }),
              let toFirst = graph.soleConsumer(of: projection.nodes[4].outputs[0]), isTranspose(toFirst, [0, 3, 1, 2])
        else { return nil }
        let layer = LayerSpec(name: uniqueName(projection.nodes[2]),
                              kind: .bilinearConv2D(projection.shape, window: window, activation: .linear), weights: projection.weights)
        return ONNXMatchedLayer(layer: layer, nodeIndices: [conv.index, toLast.index] + projection.nodes.map(\.index) + [toFirst.index],
                              inputs: [conv.inputs[0]], output: toFirst.outputs[0], weightNames: projection.weightNames)
    }

    /// `MaxPool`, or `AveragePool` not counting padding; `ceil_mode` 0.
    mutating func pooling(_ node: ONNXNode, shape: [Int]) throws -> ONNXMatchedLayer? {
        guard node.inputs.count == 1, let kernel = node.ints("kernel_shape"), kernel.count == 2,
              !node.hasAttributes(besides: ["auto_pad", "ceil_mode", "count_include_pad", "dilations", "kernel_shape", "pads",
                                            "storage_order", "strides"])
        else { return nil }
        if node.int("ceil_mode") ?? 0 != 0 {
            throw ONNXLayerGraph.NotConvertible(message: "not convertible: ceil_mode 1 (only 0 is read)")
        }
        let kind: PoolingKind = node.opType == "MaxPool" ? .max : .average
        if kind == .average, node.int("count_include_pad") ?? 0 != 0 {
            throw ONNXLayerGraph.NotConvertible(message: "not convertible: count_include_pad 1 (only 0 is read)")
        }
        let window = try ONNXWindow.read(node, height: kernel[0], width: kernel[1], inputHeight: shape[0], inputWidth: shape[1]).window
        return single(node, kind: .pooling2D(kind, window: window))
    }

    /// `GlobalAveragePool`, `(N, C, H, W)` → `(N, C, 1, 1)`: with the `Flatten` or `Reshape[-1, C]` after it one
    /// `.globalAveragePooling2D`; alone, an average pooling over the whole image (the IR shape `(1, 1, C)`).
    mutating func globalAveragePooling(_ node: ONNXNode, shape: [Int]) -> ONNXMatchedLayer? {
        guard let flatten = graph.soleConsumer(of: node.outputs[0]), flattens(flatten, reading: node.outputs[0], count: shape[2]) else {
            return single(node, kind: .pooling2D(.average, window: Window2D(height: shape[0], width: shape[1])))
        }
        var found = single(node, kind: .globalAveragePooling2D)
        found.nodeIndices.append(flatten.index)
        found.output = flatten.outputs[0]
        return found
    }

    /// `ReduceMean` over height and width (axes 2 and 3, or -1 and -2; an attribute before opset 18, an input from
    /// it), as PyTorch's dynamo exporter writes adaptive average pooling to 1×1: with `keepdims` 0 one
    /// `.globalAveragePooling2D`, else read as `GlobalAveragePool` is.
    mutating func spatialMean(_ node: ONNXNode, shape: [Int]) -> ONNXMatchedLayer? {
        let axes = graph.opset < 18 ? node.ints("axes")
                                    : node.inputs.count == 2 ? graph.initializers[node.inputs[1]].flatMap { try? ONNXTensorData.integers($0) } : nil
        guard let axes, axes.count == 2, Set(axes.map { $0 < 0 ? $0 + 4 : $0 }) == [2, 3],
              !node.hasAttributes(besides: ["axes", "keepdims", "noop_with_empty_axes"])
        else { return nil }
        if node.int("keepdims") ?? 1 == 0 { return single(node, kind: .globalAveragePooling2D) }
        return globalAveragePooling(node, shape: shape)
    }

    /// `BatchNormalization` in inference form (no training outputs): scale, B, mean and variance, each one value per
    /// channel, the IR's gamma, beta, moving mean and moving variance. Also after a dense layer (`(N, C)`).
    mutating func batchNormalization(_ node: ONNXNode, shape: [Int]) throws -> ONNXMatchedLayer? {
        guard shape.count == 3 || shape.count == 1, node.inputs.count == 5,
              !node.hasAttributes(besides: ["epsilon", "momentum", "spatial", "training_mode"]),
              node.int("spatial") ?? 1 == 1, node.int("training_mode") ?? 0 == 0
        else { return nil }
        let channels = shape[shape.count - 1]
        var found = single(node, kind: .batchNormalization(epsilon: node.float("epsilon") ?? 1e-5, momentum: node.float("momentum") ?? 0.9))
        for position in 1...4 {
            let parameter = try weight(node, position)
            guard parameter.value.shape == [channels] else { throw channelMisfit(node, weight: parameter.name, channels: channels) }
            found.layer.weights.append(parameter.value)
            found.weightNames.append(parameter.name)
        }
        return found
    }

    /// `Transpose(0,2,3,1)` → `Flatten` or `Reshape[-1, all]`: an image flattened in H,W,C order, the IR's flatten of
    /// a channels-last model (named after the Flatten).
    mutating func channelsLastFlatten(_ node: ONNXNode, shape: [Int]) -> ONNXMatchedLayer? {
        guard layout == .channelsLast, isTranspose(node, [0, 2, 3, 1]), let count = shape.checkedProduct,
              let flatten = graph.soleConsumer(of: node.outputs[0]), flattens(flatten, reading: node.outputs[0], count: count)
        else { return nil }
        return ONNXMatchedLayer(layer: LayerSpec(name: uniqueName(flatten), kind: .flatten), nodeIndices: [node.index, flatten.index],
                              inputs: [node.inputs[0]], output: flatten.outputs[0], weightNames: [])
    }

    /// Whether `node` is `Flatten(axis=1)` or `Reshape[-1 or 0, count]` of `value`.
    private func flattens(_ node: ONNXNode, reading value: String, count: Int) -> Bool {
        guard node.domain.isEmpty, node.inputs.first == value, node.outputs.count == 1 else { return false }
        switch node.opType {
        case "Flatten": return node.int("axis") ?? 1 == 1
        case "Reshape": return reshapeTarget(node, count: count) == [count]
        default: return false
        }
    }

    private func isTranspose(_ node: ONNXNode, _ permutation: [Int]) -> Bool {
        node.domain.isEmpty && node.opType == "Transpose" && node.inputs.count == 1 && node.outputs.count == 1
            && node.ints("perm") == permutation
    }

    /// The error for a convolution or normalization weight that does not fit the channels its node reads.
    private func channelMisfit(_ node: ONNXNode, weight name: String, channels: Int) -> BilinError {
        let shape = graph.initializers[name].map(ONNXTensorData.dimensions) ?? []
        return BilinError("\(node.label) (\(node.opType)): weight '\(name)' of shape \(shape) does not fit its input of \(channels) channels")
    }
}
