extension Model {
    /// The multiply-adds one example costs in each layer's forward pass; `nil` where it is not known (an opaque
    /// layer, an input shape not known, or a count too large for `Int`).
    ///
    /// Only the products of the learned linear maps are counted, the usual convention for CNN figures:
    /// - `dense`: inputs · units per position (`in · out` for a flat input);
    /// - `conv2D`: `Ho · Wo · kh · kw · Cin · filters`;
    /// - `bilinear`: its two products per example, `X V` then `Uᵀ T`: `p·q·q' + p·p'·q'`;
    /// - `bilinearConv2D`: that for every output position, `Ho · Wo · (p·q·q' + p·p'·q')`;
    /// - `depthwiseConv2D`: `Ho · Wo · kh · kw · Cin · multiplier`;
    /// - pooling, batch normalization (foldable into the layer before it), activations, dropout, flatten, reshape and
    ///   the input: 0, since they multiply nothing learned or only scale elementwise.
    public func multiplyAddsPerLayer() -> [Int?] {
        let shapes = outputShapes()
        let inputShapes = inputShapes()
        return layers.indices.map { index in
            let input = inputShapes[index]
            let output = shapes[index]
            switch layers[index].kind {
            case .input, .activation, .dropout, .pooling2D, .globalAveragePooling2D, .batchNormalization, .flatten, .reshape,
                 .zeroPadding2D, .rescaling, .leakyReLU, .merge, .concatenate:
                return 0
            case .depthwiseConv2D(let multiplier, let window, _, _):
                guard let input, input.count == 3, let output, output.count == 3 else { return nil }
                return [output[0], output[1], window.height * window.width, input[2], multiplier].checkedProduct
            case .dense(let units, _, _):
                return input.flatMap { $0.checkedProduct }.flatMap { [$0, units].checkedProduct }
            case .bilinear(let shape, _):
                return Model.bilinearMultiplyAdds(shape)
            case .conv2D(let filters, let window, _, _):
                guard let input, input.count == 3, let output, output.count == 3 else { return nil }
                return [output[0], output[1], window.patchSize(channels: input[2]), filters].checkedProduct
            case .bilinearConv2D(let shape, _, _):
                guard let output, output.count == 3, let perPosition = Model.bilinearMultiplyAdds(shape) else { return nil }
                return [output[0], output[1], perPosition].checkedProduct
            case .opaque:
                return nil
            }
        }
    }

    /// The multiply-adds of one example's forward pass through the model: the sum of the known counts of
    /// `multiplyAddsPerLayer()` (a layer this tool cannot size adds nothing), or `nil` if the sum overflows.
    public var multiplyAdds: Int? {
        multiplyAddsPerLayer().reduce(0 as Int?) { total, count in
            guard let total else { return nil }
            guard let count else { return total }
            let (sum, overflow) = total.addingReportingOverflow(count)
            return overflow ? nil : sum
        }
    }

    /// `p·q·q' + p·p'·q'`, or nil on overflow.
    private static func bilinearMultiplyAdds(_ shape: BilinearShape) -> Int? {
        guard let first = [shape.inputRows, shape.inputColumns, shape.outputColumns].checkedProduct,
              let second = [shape.inputRows, shape.outputRows, shape.outputColumns].checkedProduct else { return nil }
        let (sum, overflow) = first.addingReportingOverflow(second)
        return overflow ? nil : sum
    }
}
