import BilinCore

extension Model {
    /// Checks that every known layer has the weights its kind implies, in `LayerKind`'s documented layouts, with
    /// input sizes taken from `outputShapes()` where they are known. Opaque layers may hold anything.
    ///
    /// - Throws: `BilinError` naming the layer and, for a shape mismatch, the weight and both shapes:
    ///   `layer 'dense_1' (Dense): kernel has shape [784, 96], but the config implies [784, 128]`.
    func checkWeightShapes() throws {
        let (shapes, edges) = (outputShapes(), inputIndices())
        let inputShapes = edges.map { $0.first.flatMap { shapes[$0] } }
        for (index, layer) in layers.enumerated() {
            let input = inputShapes[index]
            let expected: [(name: String, shape: [Int?])]
            switch layer.kind {
            case .dense(let units, _, let useBias):
                expected = [("kernel", [input?.last, units])] + (useBias ? [("bias", [units])] : [])
            case .bilinear(let shape, _):
                if let input, let count = input.checkedProduct, count != shape.inputCount {
                    throw BilinError("layer '\(layer.name)' (\(layer.kind.displayName)) reads \(shape.inputRows)×"
                                     + "\(shape.inputColumns) = \(shape.inputCount) values, but its input has shape \(input)")
                }
                expected = [("U", [shape.inputRows, shape.outputRows]), ("V", [shape.inputColumns, shape.outputColumns]),
                            ("bias", [shape.outputRows, shape.outputColumns])]
            case .reshape(let target):
                // A -1 in the target is resolved at run time; fixed sizes must hold exactly the input's values.
                if let input, let count = input.checkedProduct, target.allSatisfy({ $0 > 0 }), target.checkedProduct != count {
                    throw BilinError("layer '\(layer.name)' (Reshape): target shape \(target) does not hold the \(count) values of its input \(input)")
                }
                expected = []
            case .conv2D(let filters, let window, _, let useBias):
                try layer.checkSpatialInput(input, window: window)
                expected = [("kernel", [window.height, window.width, input?.last, filters])] + (useBias ? [("bias", [filters])] : [])
            case .bilinearConv2D(let shape, let window, _):
                try layer.checkSpatialInput(input, window: window)
                if let channels = input?.last, window.patchSize(channels: channels) != shape.inputCount {
                    throw BilinError("layer '\(layer.name)' (\(layer.kind.displayName)) reads \(shape.inputRows)×"
                                     + "\(shape.inputColumns) = \(shape.inputCount) values per patch, but a \(window.height)×"
                                     + "\(window.width) patch of its input \(input ?? []) holds \(window.patchSize(channels: channels))")
                }
                expected = [("U", [shape.inputRows, shape.outputRows]), ("V", [shape.inputColumns, shape.outputColumns]),
                            ("bias", [shape.outputRows, shape.outputColumns])]
            case .depthwiseConv2D(let multiplier, let window, _, let useBias):
                try layer.checkSpatialInput(input, window: window)
                expected = [("depthwise_kernel", [window.height, window.width, input?.last, multiplier])]
                    + (useBias ? [("bias", [input?.last.map { $0 * multiplier }])] : [])
            case .pooling2D(_, let window):
                try layer.checkSpatialInput(input, window: window)
                expected = []
            case .globalAveragePooling2D:
                try layer.checkSpatialInput(input, window: nil)
                expected = []
            case .batchNormalization:
                expected = ["gamma", "beta", "moving_mean", "moving_variance"].map { ($0, [input?.last]) }
            case .opaque:
                continue
            case .zeroPadding2D:
                try layer.checkSpatialInput(input, window: nil)
                expected = []
            case .merge, .concatenate:
                try checkMergeInputs(of: layer, reading: edges[index], shapes: shapes)
                expected = []
            case .input, .activation, .dropout, .flatten, .rescaling, .leakyReLU:
                expected = []
            }
            try layer.checkWeights(expected)
        }
    }
}

extension Model {
    /// Checks that the known shapes a merge reads are equal, and those a `Concatenate` reads equal but on its axis.
    fileprivate func checkMergeInputs(of layer: LayerSpec, reading inputs: [Int], shapes: [[Int]?]) throws {
        let known = inputs.compactMap { input in shapes[input].map { (name: layers[input].name, shape: $0) } }
        guard let first = known.first else { return }
        for other in known.dropFirst() {
            var (expected, found) = (first.shape, other.shape)
            if case .concatenate(let axis) = layer.kind, expected.count == found.count, axis < found.count {
                (expected[axis], found[axis]) = (0, 0)
            }
            guard expected != found else { continue }
            let rule = layer.kind.isConcatenate ? "equal shapes but on the joined axis" : "inputs of one shape"
            throw BilinError("node '\(layer.name)' (\(layer.kind.displayName)) reads '\(first.name)' of shape \(first.shape) "
                             + "and '\(other.name)' of shape \(other.shape); it needs \(rule)")
        }
    }
}

extension LayerKind {
    fileprivate var isConcatenate: Bool { if case .concatenate = self { true } else { false } }
}

extension LayerSpec {
    /// Checks that a known input is an image, `(height, width, channels)`, and that `window` leaves at least one
    /// output position on it.
    fileprivate func checkSpatialInput(_ input: [Int]?, window: Window2D?) throws {
        guard let input else { return }
        guard input.count == 3 else {
            throw BilinError("layer '\(name)' (\(kind.displayName)) needs a (height, width, channels) input, but its input has shape \(input)")
        }
        if let window, case let output = window.outputSize(height: input[0], width: input[1]), output.height == 0 || output.width == 0 {
            throw BilinError("layer '\(name)' (\(kind.displayName)): a \(window.height)×\(window.width) window with valid padding "
                             + "does not fit its input \(input)")
        }
    }

    /// Checks the weight count, then each weight's shape against `expected` (`nil` matches any size).
    fileprivate func checkWeights(_ expected: [(name: String, shape: [Int?])]) throws {
        if weights.isEmpty && !expected.isEmpty {
            throw BilinError("layer '\(name)' (\(kind.displayName)) has no weights in the file, expected \(expected.count) "
                             + "(\(expected.map(\.name).joined(separator: ", ")))")
        }
        guard weights.count == expected.count else {
            let names = expected.isEmpty ? "" : " (\(expected.map(\.name).joined(separator: ", ")))"
            throw BilinError("layer '\(name)' (\(kind.displayName)) has \(weights.count) weight\(weights.count == 1 ? "" : "s"), "
                             + "expected \(expected.count)\(names)")
        }
        for (weight, (weightName, shape)) in zip(weights, expected) {
            let matches = weight.shape.count == shape.count && zip(weight.shape, shape).allSatisfy { $1 == nil || $0 == $1 }
            guard matches else {
                let described = "[" + shape.map { $0.map(String.init) ?? "?" }.joined(separator: ", ") + "]"
                throw BilinError("layer '\(name)' (\(kind.displayName)): \(weightName) has shape \(weight.shape), "
                                 + "but the config implies \(described)")
            }
        }
    }
}
