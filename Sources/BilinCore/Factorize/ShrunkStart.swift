/// Shrinking a fitted start before fine-tuning (the "shrink" of shrink-and-perturb, Ash & Adams, NeurIPS 2020).
///
/// The data-aware start reproduces the original model's logits, confidence included, and fine-tuning from there stays
/// close to the original's solution: with every label, the Fashion-MNIST MLP converted at scale 2 ended 1.8 points
/// below the same network trained from scratch (Docs/results.md, "Shrinking the start"). The layers the conversion
/// fitted are shrunk: a fitted layer's linear part is multiplied by `factor` (a kernel by `factor`, a bilinear
/// layer's `U` and `V` by `√factor` each), so after the `k`-th fitted layer every pre-activation is `factorᵏ` times
/// what it was, and every bias from the first fitted layer on is scaled by the same `factorᵏ`. Layers kept from the
/// original keep their kernels (the trained features before a converted head stay as they were). Through positively
/// homogeneous activations (ReLU, leaky ReLU, linear), pooling and reshaping this is exact, so the logits become
/// `factorᴸ` times the fitted ones for `L` fitted layers: the start keeps every prediction and loses only its
/// confidence. (`Converter` draws the start's random blocks `1/√factor` larger per factor, so that they end at a
/// fresh network's Glorot scale.)
public enum ShrunkStart {
    /// Why shrinking `model` from layer `first` on would change what it predicts (an activation that is not
    /// positively homogeneous, a batch normalization, a layer the IR does not compute), or `nil` when it can be
    /// shrunk. A conversion keeps the activations, so the original model answers for its conversion.
    public static func obstacle(in model: Model, from first: Int) -> String? {
        let lastWeighted = model.layers.lastIndex { !$0.weights.isEmpty } ?? 0
        for (index, layer) in model.layers.enumerated() where index >= first {
            if let reason = obstacle(layer, isLast: index >= lastWeighted) { return reason }
        }
        return nil
    }

    /// Shrinks the layers at `fitted` (indices into `model.layers`) in place, and scales the biases after the first
    /// of them to match; `obstacle(in: model, from: fitted.min())` must be `nil`.
    public static func shrink(_ model: inout Model, fitted: Set<Int>, by factor: Float) {
        guard let first = fitted.min() else { return }
        precondition(obstacle(in: model, from: first) == nil, "shrinking would change what the model predicts")
        var outputScale: Float = 1
        for index in model.layers.indices where index >= first && !model.layers[index].weights.isEmpty {
            var linearScale: Float = 1
            if fitted.contains(index) {
                outputScale *= factor
                switch model.layers[index].kind {
                case .bilinear, .bilinearConv2D: linearScale = factor.squareRoot()
                default: linearScale = factor
                }
            }
            let weights = model.layers[index].weights
            model.layers[index].weights = weights.indices.map { k in
                let isBias = k == biasIndex(of: model.layers[index])
                return weights[k].scaled(by: isBias ? outputScale : linearScale)
            }
        }
    }

    /// Where the bias sits among a weighted layer's weights, if it has one.
    private static func biasIndex(of layer: LayerSpec) -> Int? {
        switch layer.kind {
        case .bilinear, .bilinearConv2D: 2
        case .dense(_, _, let useBias), .conv2D(_, _, _, let useBias): useBias ? 1 : nil
        default: nil
        }
    }

    /// Why scaling would change what `layer` computes beyond a factor, or `nil`. A softmax is harmless once no
    /// weighted layer follows: it changes the probabilities, never which class wins.
    private static func obstacle(_ layer: LayerSpec, isLast: Bool) -> String? {
        let activation: Activation
        switch layer.kind {
        case .input, .flatten, .reshape, .dropout, .pooling2D, .globalAveragePooling2D, .zeroPadding2D:
            return nil
        case .leakyReLU:
            activation = .linear
        case .rescaling(_, let offset) where offset == 0:
            return nil
        case .rescaling, .depthwiseConv2D:
            return "'\(layer.name)' (\(layer.kind.displayName)) is not positively homogeneous in its input"
        case .merge, .concatenate:
            return "'\(layer.name)' (\(layer.kind.displayName)) joins branches that the shrink would scale apart"
        case .dense(_, let a, _), .conv2D(_, _, let a, _), .bilinear(_, let a), .bilinearConv2D(_, _, let a), .activation(let a):
            activation = a
        case .batchNormalization:
            return "batch normalization '\(layer.name)' normalises the scale away"
        case .opaque(let className, _):
            return "'\(layer.name)' (\(className)) is not computed by the tool"
        }
        switch activation {
        case .linear, .relu, .leakyRelu: return nil
        case .softmax where isLast: return nil
        default: return "the \(activation.rawValue) activation of '\(layer.name)' is not positively homogeneous"
        }
    }
}
