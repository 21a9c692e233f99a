import BilinCore

/// Maps one Keras layer config and its weights to a `LayerSpec`.
///
/// Known kinds: `Dense` (units, activation, use_bias; weights kernel `(inputs, units)` then bias `(units)`),
/// `Activation`, `Dropout` (rate), `Flatten` (channels-last only), `Reshape` (target_shape), the image layers
/// `Conv2D`, `MaxPooling2D`, `AveragePooling2D`, `GlobalAveragePooling2D`, `BatchNormalization` (see
/// `KerasLayerDecoder+Spatial.swift` for which of their settings are read), and the graph layers of
/// `KerasLayerDecoder+Graph.swift`. Everything else, `EinsumDense` included, is `.opaque` with the layer's entry text
/// verbatim and its weights in file order.
/// Weight counts and shapes are checked afterwards, on the whole model (`Model.checkWeightShapes()`).
enum KerasLayerDecoder {
    /// - Parameter input: The layer's (first) input shape (without the batch axis) when known; a `BatchNormalization`
    ///   needs it to tell whether a positive `axis` is the last one, a `Concatenate` to read a negative one.
    static func layerSpec(_ layer: KerasLayerConfig, weights: [Tensor], input: [Int]?) throws -> LayerSpec {
        let config = layer.config
        var kind: LayerKind?
        switch layer.className {
        case "Dense":
            guard let units = config["units"]?.intValue, units > 0 else {
                throw BilinError("layer '\(layer.name)' (Dense) has no valid units in its config")
            }
            kind = .dense(units: units, activation: try activation(config["activation"], layer: layer.name),
                          useBias: config["use_bias"]?.boolValue ?? true)
        case "Activation":
            kind = .activation(try activation(config["activation"], layer: layer.name))
        case "Dropout":
            guard let rate = config["rate"]?.doubleValue, (0..<1).contains(rate) else {
                throw BilinError("layer '\(layer.name)' (Dropout) has no valid rate in its config")
            }
            kind = .dropout(rate: Float(rate))
        // channels_first Flatten transposes its input first: not a plain flatten.
        case "Flatten" where config["data_format"]?.stringValue != "channels_first":
            kind = .flatten
        case "Reshape":
            guard let target = config["target_shape"]?.arrayValue?.map(\.intValue), !target.isEmpty,
                  target.allSatisfy({ $0 != nil }) else {
                throw BilinError("layer '\(layer.name)' (Reshape) has no valid target_shape in its config")
            }
            kind = .reshape(targetShape: target.compactMap { $0 })
        case "Conv2D":
            kind = try conv2D(layer)
        case "MaxPooling2D":
            kind = try pooling2D(.max, layer)
        case "AveragePooling2D":
            kind = try pooling2D(.average, layer)
        case "GlobalAveragePooling2D":
            kind = globalAveragePooling2D(layer)
        case "BatchNormalization":
            kind = try batchNormalization(layer, input: input)
        case let className where mergeOperations[className] != nil:
            kind = mergeOperations[className].map(LayerKind.merge)
        case "Concatenate":
            kind = try concatenate(layer, input: input)
        case "ZeroPadding2D":
            kind = try zeroPadding2D(layer)
        case "DepthwiseConv2D":
            kind = try depthwiseConv2D(layer)
        case "ReLU":
            kind = reLU(layer)
        case "LeakyReLU":
            kind = leakyReLU(layer)
        case "Rescaling":
            kind = rescaling(layer)
        case "Normalization":
            kind = normalization(layer, weights: weights)
        default:
            kind = nil
        }
        // A Normalization read as a rescaling has its mean and variance in the kind.
        let kept = layer.className == "Normalization" && kind != nil ? [] : weights
        return LayerSpec(name: layer.name, kind: kind ?? .opaque(className: layer.className, config: String(layer.entry.text)),
                         weights: kept, inputs: layer.inputs)
    }

    /// Whether this tool computes with the layer's weights (a Dense, Conv2D or BatchNormalization layer, or the
    /// EinsumDense and DepthwiseConv2D layers of an exported bilinear one), so that they must be floating point; a
    /// layer it only carries may hold integers (a Normalization's count).
    static func computesWith(_ layer: KerasLayerConfig) -> Bool {
        ["Dense", "EinsumDense", "Conv2D", "BatchNormalization", "DepthwiseConv2D"].contains(layer.className)
    }

    /// A config's `activation`: a Keras name (absent or null means linear), or a serialised function whose
    /// `config` is the name.
    static func activation(_ value: JSONValue?, layer: String) throws -> Activation {
        guard let value, !value.isNull else { return .linear }
        let name = value.stringValue ?? value["config"]?.stringValue
        guard let activation = name.flatMap({ Activation(kerasName: $0) }) else {
            throw BilinError("layer '\(layer)' has activation \(name.map { "'\($0)'" } ?? String(value.text)), "
                             + "which this tool does not know")
        }
        return activation
    }
}
