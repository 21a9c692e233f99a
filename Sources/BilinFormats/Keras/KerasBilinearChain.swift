import BilinCore

/// The Keras spelling of a bilinear projection `Y = Uᵀ X V`, in stock layers only, for a `.bilinear` layer named `N`:
///
///     Reshape(target_shape=(d1, d2))                                   N_in
///     EinsumDense("abc,cd->abd", output_shape=(d1, q), bias_axes=None)  N_v   kernel V (d2, q)
///     EinsumDense("abd,be->aed", output_shape=(p, q), bias_axes="ed")   N     kernel U (d1, p), bias (p, q)
///     Reshape(target_shape=(p*q,))                                     N_out
///     Activation(act)                                                  N_act (only when act is not linear)
///
/// With `X[b, c] = x[b·d2 + c]` (row-major reshape, batch index `a`), the first einsum gives `T = X V` of shape
/// `(d1, q)`, the second `Y[e, d] = Σ_b U[b, e] T[b, d] = (Uᵀ X V)[e, d]` of shape `(p, q)` plus the bias, and the
/// last reshape flattens `Y` row-major. `(d1, d2, p, q)` are `BilinearShape`'s (inputRows, inputColumns,
/// outputRows, outputColumns).
enum KerasBilinearChain {
    static let rightEquation = "abc,cd->abd"
    static let leftEquation = "abd,be->aed"
    static let biasAxes = "ed"

    // MARK: - Export

    /// The Keras layers for bilinear `layer`, whose weights are `[U, V, bias]`.
    static func entries(for layer: LayerSpec, shape: BilinearShape, activation: Activation) -> [KerasLayerEntry] {
        let name = layer.name
        let (rows, columns) = (shape.inputRows, shape.inputColumns)
        let (outputRows, outputColumns) = (shape.outputRows, shape.outputColumns)
        var entries = [
            KerasLayerEntry(className: "Reshape", name: "\(name)_in", config: [("target_shape", integers([rows, columns]))]),
            KerasLayerEntry(className: "EinsumDense", name: "\(name)_v",
                            config: einsumConfig(rightEquation, outputShape: [rows, outputColumns], biasAxes: nil),
                            weights: [("kernel", layer.weights[1])]),
            KerasLayerEntry(className: "EinsumDense", name: name,
                            config: einsumConfig(leftEquation, outputShape: [outputRows, outputColumns], biasAxes: biasAxes),
                            weights: [("kernel", layer.weights[0]), ("bias", layer.weights[2])]),
            KerasLayerEntry(className: "Reshape", name: "\(name)_out", config: [("target_shape", integers([shape.outputCount]))]),
        ]
        if activation != .linear {
            entries.append(KerasLayerEntry(className: "Activation", name: "\(name)_act",
                                           config: [("activation", .string(activation.rawValue))]))
        }
        return entries
    }

    private static func einsumConfig(_ equation: String, outputShape: [Int], biasAxes: String?) -> [(key: String, value: JSONValue)] {
        [("output_shape", integers(outputShape)), ("equation", .string(equation)), ("activation", .string("linear")),
         ("bias_axes", biasAxes.map(JSONValue.string) ?? .null)]
    }

    private static func integers(_ values: [Int]) -> JSONValue { .array(values.map(JSONValue.number)) }

    // MARK: - Import

    /// `layers` with every exported bilinear chain replaced by one `.bilinear` layer named after its left einsum.
    ///
    /// A chain is recognised only when names, equations, bias axes, linear einsum activations, reshape targets and
    /// weight shapes all match the layout above; anything else stays as it is (the einsums opaque).
    static func fold(_ layers: [LayerSpec]) -> [LayerSpec] {
        var result: [LayerSpec] = []
        var index = 0
        while index < layers.count {
            if let (layer, consumed) = bilinearLayer(at: index, in: layers) {
                result.append(layer)
                index += consumed
            } else {
                result.append(layers[index])
                index += 1
            }
        }
        return result
    }

    /// The bilinear layer whose chain starts at `start`, and how many layers the chain spans.
    private static func bilinearLayer(at start: Int, in layers: [LayerSpec]) -> (LayerSpec, Int)? {
        guard start + 4 <= layers.count else { return nil }
        let (reshapeIn, right, left, reshapeOut) = (layers[start], layers[start + 1], layers[start + 2], layers[start + 3])
        let name = left.name
        guard reshapeIn.name == "\(name)_in", right.name == "\(name)_v", reshapeOut.name == "\(name)_out",
              case .reshape(let inputMatrix) = reshapeIn.kind, inputMatrix.count == 2,
              case .reshape(let outputVector) = reshapeOut.kind,
              right.weights.count == 1, left.weights.count == 2,
              isEinsum(right, equation: rightEquation, biasAxes: nil), isEinsum(left, equation: leftEquation, biasAxes: biasAxes)
        else { return nil }
        let (v, u, bias) = (right.weights[0], left.weights[0], left.weights[1])
        guard v.rank == 2, u.rank == 2 else { return nil }
        let shape = BilinearShape(inputRows: inputMatrix[0], inputColumns: inputMatrix[1],
                                  outputRows: u.shape[1], outputColumns: v.shape[1])
        guard v.shape[0] == shape.inputColumns, u.shape[0] == shape.inputRows,
              bias.shape == [shape.outputRows, shape.outputColumns], outputVector == [shape.outputCount],
              einsumOutputShape(right) == [shape.inputRows, shape.outputColumns],
              einsumOutputShape(left) == [shape.outputRows, shape.outputColumns]
        else { return nil }
        var activation = Activation.linear
        var consumed = 4
        if start + 4 < layers.count, layers[start + 4].name == "\(name)_act", case .activation(let act) = layers[start + 4].kind {
            activation = act
            consumed = 5
        }
        return (LayerSpec(name: name, kind: .bilinear(shape, activation: activation), weights: [u, v, bias]), consumed)
    }

    /// Whether `layer` is an opaque `EinsumDense` with this equation and bias axes and a linear activation.
    private static func isEinsum(_ layer: LayerSpec, equation: String, biasAxes: String?) -> Bool {
        guard let config = einsumConfig(of: layer) else { return false }
        let activation = config["activation"]
        return config["equation"]?.stringValue == equation && config["bias_axes"]?.stringValue == biasAxes
            && (activation == nil || activation?.isNull == true || activation?.stringValue == "linear")
    }

    private static func einsumOutputShape(_ layer: LayerSpec) -> [Int?]? {
        einsumConfig(of: layer)?["output_shape"]?.arrayValue?.map(\.intValue)
    }

    /// The `config` object of an opaque `EinsumDense` entry.
    private static func einsumConfig(of layer: LayerSpec) -> JSONValue? {
        guard case .opaque("EinsumDense", let text) = layer.kind else { return nil }
        return (try? JSONValue(parsing: text))?["config"]
    }
}
