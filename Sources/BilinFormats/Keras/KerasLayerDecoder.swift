import BilinCore

/// Maps one Keras layer config and its weights to a `LayerSpec`.
///
/// Known kinds: `Dense` (units, activation, use_bias; weights kernel `(inputs, units)` then bias `(units)`),
/// `Activation`, `Dropout` (rate), `Flatten` (channels-last only) and `Reshape` (target_shape). Everything else,
/// `EinsumDense` included, is `.opaque` with the layer's entry text verbatim and its weights in file order.
/// Weight counts and shapes are checked afterwards, on the whole model (`Model.checkWeightShapes()`).
enum KerasLayerDecoder {
    static func layerSpec(_ layer: KerasLayerConfig, weights: [Tensor]) throws -> LayerSpec {
        let config = layer.config
        let kind: LayerKind
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
        default:
            kind = .opaque(className: layer.className, config: String(layer.entry.text))
        }
        return LayerSpec(name: layer.name, kind: kind, weights: weights)
    }

    /// Whether this tool computes with the layer's weights (a Dense layer, or the EinsumDense of an exported bilinear
    /// one), so that they must be floating point; a layer it only carries may hold integers (a Normalization's count).
    static func computesWith(_ layer: KerasLayerConfig) -> Bool {
        ["Dense", "EinsumDense"].contains(layer.className)
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
