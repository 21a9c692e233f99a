import BilinCore

/// The image layers of `KerasLayerDecoder`: `Conv2D`, `MaxPooling2D`, `AveragePooling2D`, `GlobalAveragePooling2D`
/// and `BatchNormalization`.
///
/// A layer that is valid Keras but computes something the IR has no kind for is `nil` here, and the decoder carries
/// it verbatim as `.opaque` (as it does a channels-first `Flatten`): a `Conv2D` with a dilation rate or group count
/// other than 1, any of these layers with `data_format` `channels_first`, `GlobalAveragePooling2D` with `keepdims`,
/// and `BatchNormalization` over another axis than the last, without `center` or `scale`, or with `renorm` (Keras 2).
/// Such a model still imports, converts its dense layers and exports; only running it fails, naming the layer.
/// A config no Keras writes (a missing size, an unknown padding) is an error.
extension KerasLayerDecoder {
    static func conv2D(_ layer: KerasLayerConfig) throws -> LayerKind? {
        let config = layer.config
        guard let filters = config["filters"]?.intValue, filters > 0 else {
            throw BilinError("layer '\(layer.name)' (Conv2D) has no valid filters in its config")
        }
        let dilation = try pair(config["dilation_rate"], "dilation_rate", of: layer) ?? (1, 1)
        guard isChannelsLast(config), (config["groups"]?.intValue ?? 1) == 1, dilation == (1, 1) else { return nil }
        let window = try self.window(layer, size: "kernel_size", strides: "strides")
        return .conv2D(filters: filters, window: window, activation: try activation(config["activation"], layer: layer.name),
                       useBias: config["use_bias"]?.boolValue ?? true)
    }

    /// `MaxPooling2D` or `AveragePooling2D`; strides `null` mean the pool size, as in Keras.
    static func pooling2D(_ kind: PoolingKind, _ layer: KerasLayerConfig) throws -> LayerKind? {
        guard isChannelsLast(layer.config) else { return nil }
        return .pooling2D(kind, window: try window(layer, size: "pool_size", strides: "strides"))
    }

    static func globalAveragePooling2D(_ layer: KerasLayerConfig) -> LayerKind? {
        guard isChannelsLast(layer.config), layer.config["keepdims"]?.boolValue != true else { return nil }
        return .globalAveragePooling2D
    }

    /// `axis` must be the last one: `-1`, or the rank of `input` counting the batch axis (Keras 2 writes `[3]` for
    /// images once built). An unknown input shape leaves only `-1` readable.
    static func batchNormalization(_ layer: KerasLayerConfig, input: [Int]?) throws -> LayerKind? {
        let config = layer.config
        guard let epsilon = config["epsilon"]?.doubleValue, epsilon > 0,
              let momentum = config["momentum"]?.doubleValue, (0...1).contains(momentum) else {
            throw BilinError("layer '\(layer.name)' (BatchNormalization) has no valid epsilon or momentum in its config")
        }
        let axes = config["axis"].map { $0.arrayValue ?? [$0] }?.map(\.intValue) ?? [-1]
        guard axes.count == 1, let axis = axes[0], axis == -1 || axis == input?.count,
              config["center"]?.boolValue ?? true, config["scale"]?.boolValue ?? true,
              config["renorm"]?.boolValue != true else { return nil }
        return .batchNormalization(epsilon: Float(epsilon), momentum: Float(momentum))
    }

    // MARK: - Parts

    /// Absent `data_format` is Keras' default, channels-last.
    static func isChannelsLast(_ config: JSONValue) -> Bool {
        (config["data_format"]?.stringValue ?? "channels_last") == "channels_last"
    }

    /// The window of a convolution or pooling layer from its `size` and `strides` members and `padding`.
    static func window(_ layer: KerasLayerConfig, size sizeKey: String, strides stridesKey: String) throws -> Window2D {
        guard let size = try pair(layer.config[sizeKey], sizeKey, of: layer) else {
            throw BilinError("layer '\(layer.name)' (\(layer.className)) has no \(sizeKey) in its config")
        }
        let strides = try pair(layer.config[stridesKey], stridesKey, of: layer) ?? size
        let paddingName = layer.config["padding"]?.stringValue ?? "valid"
        guard let padding = Padding(rawValue: paddingName.lowercased()) else {
            throw BilinError("layer '\(layer.name)' (\(layer.className)) has padding '\(paddingName)'; this tool reads 'valid' and 'same'")
        }
        return Window2D(height: size.0, width: size.1, strideHeight: strides.0, strideWidth: strides.1, padding: padding)
    }

    /// A Keras size argument: one positive integer for both axes, or a list of two; nil when absent or null.
    static func pair(_ value: JSONValue?, _ key: String, of layer: KerasLayerConfig) throws -> (Int, Int)? {
        guard let value, !value.isNull else { return nil }
        let numbers = (value.arrayValue ?? [value, value]).map(\.intValue)
        guard numbers.count == 2, let first = numbers[0], let second = numbers[1], first > 0, second > 0 else {
            throw BilinError("layer '\(layer.name)' (\(layer.className)) has \(key) \(value.text); expected two positive integers")
        }
        return (first, second)
    }
}
