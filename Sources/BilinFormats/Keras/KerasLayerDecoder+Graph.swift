import BilinCore

/// The layers of `KerasLayerDecoder` that residual and mobile networks add: merges (`Add`, `Subtract`, `Multiply`,
/// `Average`, `Maximum`, `Minimum`), `Concatenate`, `ZeroPadding2D`, `DepthwiseConv2D`, `ReLU`, `LeakyReLU`,
/// `Rescaling` and `Normalization`.
///
/// As for the image layers, a valid setting the IR has no kind for gives `nil` (carried as `.opaque`): a `ReLU` with
/// a `threshold` or a `max_value` other than 6, a `Rescaling` by a list, a `Normalization` with `invert` or a
/// different mean or variance per channel, channels-first layers, a dilated depthwise convolution.
extension KerasLayerDecoder {
    static let mergeOperations: [String: MergeOperation] = Dictionary(
        uniqueKeysWithValues: MergeOperation.allCases.map { ($0.kerasClassName, $0) })

    /// `axis` counts the batch axis when positive and is read against `input` (without the batch axis) when negative.
    static func concatenate(_ layer: KerasLayerConfig, input: [Int]?) throws -> LayerKind? {
        guard let axis = (layer.config["axis"] ?? .number(-1)).intValue else {
            throw BilinError("layer '\(layer.name)' (Concatenate) has no valid axis in its config")
        }
        if axis > 0 { return .concatenate(axis: axis - 1) }
        guard let rank = input?.count, axis < 0, rank + axis >= 0 else { return nil }
        return .concatenate(axis: rank + axis)
    }

    /// `padding` is one integer, `[rows, columns]` or `[[top, bottom], [left, right]]`, as Keras accepts.
    static func zeroPadding2D(_ layer: KerasLayerConfig) throws -> LayerKind? {
        let value = layer.config["padding"] ?? .number(1)
        let pairs: [[Int?]]
        if let single = value.intValue {
            pairs = [[single, single], [single, single]]
        } else if let parts = value.arrayValue, parts.count == 2 {
            pairs = parts.map { part in part.arrayValue?.map(\.intValue) ?? [part.intValue, part.intValue] }
        } else {
            pairs = []
        }
        guard pairs.count == 2, pairs.allSatisfy({ $0.count == 2 && $0.allSatisfy { ($0 ?? -1) >= 0 } }) else {
            throw BilinError("layer '\(layer.name)' (ZeroPadding2D) has padding \(value.text); expected non-negative integers")
        }
        guard isChannelsLast(layer.config) else { return nil }
        return .zeroPadding2D(ImagePadding(top: pairs[0][0]!, bottom: pairs[0][1]!, left: pairs[1][0]!, right: pairs[1][1]!))
    }

    static func depthwiseConv2D(_ layer: KerasLayerConfig) throws -> LayerKind? {
        let config = layer.config
        guard let multiplier = (config["depth_multiplier"] ?? .number(1)).intValue, multiplier > 0 else {
            throw BilinError("layer '\(layer.name)' (DepthwiseConv2D) has no valid depth_multiplier in its config")
        }
        let dilation = try pair(config["dilation_rate"], "dilation_rate", of: layer) ?? (1, 1)
        guard isChannelsLast(config), dilation == (1, 1) else { return nil }
        return .depthwiseConv2D(multiplier: multiplier, window: try window(layer, size: "kernel_size", strides: "strides"),
                                activation: try activation(config["activation"], layer: layer.name),
                                useBias: config["use_bias"]?.boolValue ?? true)
    }

    /// `ReLU(max_value, negative_slope, threshold)`: plain is `relu`, `max_value` 6 is `relu6`, a slope alone is a
    /// leaky ReLU.
    static func reLU(_ layer: KerasLayerConfig) -> LayerKind? {
        let config = layer.config
        let maximum = config["max_value"].flatMap { $0.isNull ? nil : $0.doubleValue }
        let slope = config["negative_slope"]?.doubleValue ?? 0
        guard (config["threshold"]?.doubleValue ?? 0) == 0 else { return nil }
        switch (maximum, slope) {
        case (nil, 0): return .activation(.relu)
        case (6?, 0): return .activation(.relu6)
        case (nil, _): return .leakyReLU(negativeSlope: Float(slope))
        default: return nil
        }
    }

    /// Keras 3 calls the slope `negative_slope` (default 0.3), Keras 2 `alpha`.
    static func leakyReLU(_ layer: KerasLayerConfig) -> LayerKind? {
        let slope = layer.config["negative_slope"]?.doubleValue ?? layer.config["alpha"]?.doubleValue ?? 0.3
        return .leakyReLU(negativeSlope: Float(slope))
    }

    static func rescaling(_ layer: KerasLayerConfig) -> LayerKind? {
        guard let scale = (layer.config["scale"] ?? .number(1)).doubleValue,
              let offset = (layer.config["offset"] ?? .number(0)).doubleValue else { return nil }
        return .rescaling(scale: Float(scale), offset: Float(offset))
    }

    /// Keras' `Normalization`, `(x − mean) / max(√variance, 1e-7)`, is a rescaling when the mean and the variance are
    /// one number each (weights `mean`, `variance`, `count`, or the config's `mean`/`variance`). Per-channel values
    /// would need an affine kind of their own in the IR; they stay opaque.
    static func normalization(_ layer: KerasLayerConfig, weights: [Tensor]) -> LayerKind? {
        guard layer.config["invert"]?.boolValue != true else { return nil }
        let values: [[Float]] = weights.count == 3 ? [weights[0].scalars, weights[1].scalars]
            : ["mean", "variance"].map { key in
                layer.config[key].map { $0.arrayValue?.compactMap(\.doubleValue) ?? [$0.doubleValue].compactMap { $0 } }?.map(Float.init) ?? []
            }
        guard let mean = values[0].first, let variance = values[1].first, variance >= 0,
              values[0].allSatisfy({ $0 == mean }), values[1].allSatisfy({ $0 == variance }) else { return nil }
        let scale = 1 / max(variance.squareRoot(), 1e-7)
        return .rescaling(scale: scale, offset: -mean * scale)
    }
}
