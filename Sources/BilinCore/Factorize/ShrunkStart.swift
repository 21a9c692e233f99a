/// Shrinking a fitted start before fine-tuning (the "shrink" of shrink-and-perturb, Ash & Adams, NeurIPS 2020).
///
/// The data-aware start reproduces the original model's logits, confidence included, and fine-tuning from there stays
/// close to the original's solution: with every label, the Fashion-MNIST MLP converted at scale 2 ended 1.8 points
/// below the same network trained from scratch (Docs/results.md, "Shrinking the start"). Scaling every weighted layer's linear part by `factor` (its kernel by `factor`, a
/// bilinear layer's `U` and `V` by `√factor` each) and its bias by `factorᵏ` for the `k`-th weighted layer multiplies
/// every pre-activation of layer `k` by `factorᵏ`. Through positively homogeneous activations (ReLU, leaky ReLU,
/// linear), pooling and reshaping that is exact, so the logits become `factorᴸ` times the fitted ones: the start
/// keeps every prediction and loses only its confidence, and the gradients are as large as a fresh network's.
/// (`Converter` draws the start's random blocks `1/√factor` larger per factor, so that they end at a fresh network's
/// Glorot scale.)
public enum ShrunkStart {
    /// Why shrinking `model` would change what it predicts (an activation that is not positively homogeneous, a
    /// batch normalization, a layer the IR does not compute), or `nil` when it can be shrunk. A conversion keeps the
    /// activations, so the original model answers for its conversion.
    public static func obstacle(in model: Model) -> String? {
        let lastWeighted = model.layers.lastIndex { !$0.weights.isEmpty } ?? 0
        for (index, layer) in model.layers.enumerated() {
            if let reason = obstacle(layer, isLast: index >= lastWeighted) { return reason }
        }
        return nil
    }

    /// Shrinks `model` in place; `obstacle(in: model)` must be `nil`.
    public static func shrink(_ model: inout Model, by factor: Float) {
        precondition(obstacle(in: model) == nil, "shrinking would change what the model predicts")
        var outputScale: Float = 1
        for index in model.layers.indices where !model.layers[index].weights.isEmpty {
            outputScale *= factor
            let linearScale: Float
            switch model.layers[index].kind {
            case .bilinear, .bilinearConv2D: linearScale = factor.squareRoot()
            default: linearScale = factor
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
        case .input, .flatten, .reshape, .dropout, .pooling2D, .globalAveragePooling2D:
            return nil
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

extension Tensor {
    /// Every element times `factor`.
    func scaled(by factor: Float) -> Tensor {
        var result = self
        result.scalars = scalars.map { $0 * factor }
        return result
    }
}
