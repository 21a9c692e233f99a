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
/// outputRows, outputColumns). `KerasBilinearConvChain` reuses the four middle layers with two more leading axes.
enum KerasBilinearChain {
    /// The einsum equations of a chain, for tensors with some axes between the batch axis and the matrix.
    struct Equations {
        var right: String
        var left: String
        var biasAxes: String
    }

    /// A dense layer's: the batch axis `a`, then the matrix.
    static let dense = Equations(right: "abc,cd->abd", left: "abd,be->aed", biasAxes: "ed")

    /// The part of a chain both spellings share, `N_in → N_v → N → N_out`: the shape, the name and `[U, V, bias]`.
    struct Core {
        var name: String
        var shape: BilinearShape
        var weights: [Tensor]
    }

    // MARK: - Export

    /// The Keras layers for bilinear `layer`, whose weights are `[U, V, bias]`.
    static func entries(for layer: LayerSpec, shape: BilinearShape, activation: Activation) -> [KerasLayerEntry] {
        coreEntries(Core(name: layer.name, shape: shape, weights: layer.weights), leadingAxes: [], equations: dense)
            + activationEntries(name: layer.name, activation)
    }

    /// `N_in → N_v → N → N_out` for tensors whose matrices follow `leadingAxes` (after the batch axis).
    static func coreEntries(_ core: Core, leadingAxes: [Int], equations: Equations) -> [KerasLayerEntry] {
        let (name, shape) = (core.name, core.shape)
        return [
            KerasLayerEntry(className: "Reshape", name: "\(name)_in",
                            config: [("target_shape", .integers(leadingAxes + [shape.inputRows, shape.inputColumns]))]),
            KerasLayerEntry(className: "EinsumDense", name: "\(name)_v",
                            config: einsumConfig(equations.right, outputShape: leadingAxes + [shape.inputRows, shape.outputColumns], biasAxes: nil),
                            weights: [("kernel", core.weights[1])]),
            KerasLayerEntry(className: "EinsumDense", name: name,
                            config: einsumConfig(equations.left, outputShape: leadingAxes + [shape.outputRows, shape.outputColumns],
                                                 biasAxes: equations.biasAxes),
                            weights: [("kernel", core.weights[0]), ("bias", core.weights[2])]),
            KerasLayerEntry(className: "Reshape", name: "\(name)_out", config: [("target_shape", .integers(leadingAxes + [shape.outputCount]))]),
        ]
    }

    /// `N_act`, only when the activation is not linear.
    static func activationEntries(name: String, _ activation: Activation) -> [KerasLayerEntry] {
        guard activation != .linear else { return [] }
        return [KerasLayerEntry(className: "Activation", name: "\(name)_act", config: [("activation", .string(activation.rawValue))])]
    }

    private static func einsumConfig(_ equation: String, outputShape: [Int], biasAxes: String?) -> [(key: String, value: JSONValue)] {
        [("output_shape", .integers(outputShape)), ("equation", .string(equation)), ("activation", .string("linear")),
         ("bias_axes", biasAxes.map(JSONValue.string) ?? .null)]
    }

    // MARK: - Import

    /// `model` with every exported bilinear chain replaced by one `.bilinear` layer named after its left einsum.
    ///
    /// A chain is recognised only when names, equations, bias axes, linear einsum activations, reshape targets and
    /// weight shapes all match the layout above; anything else stays as it is (the einsums opaque).
    static func fold(_ model: Model) -> Model {
        fold(model) { _, start in
            guard let core = core(at: start, in: model.layers, leadingAxes: [], equations: dense) else { return nil }
            let (activation, extra) = activation(after: start + 4, in: model.layers, name: core.name)
            return (LayerSpec(name: core.name, kind: .bilinear(core.shape, activation: activation), weights: core.weights), 4 + extra)
        }
    }

    /// `model` with each chain that `chain` finds replaced by the one layer it gives, where the chain's layers form a
    /// path in the graph: each reads the one before, and only the last is read outside the chain or returned. The
    /// folded layer reads what the chain's first read, and its readers read it under its own name. `chain` gets the
    /// layers folded so far and the index where a chain may start, and returns the layer and how many layers it spans.
    static func fold(_ model: Model, by chain: (_ folded: [LayerSpec], _ start: Int) -> (LayerSpec, Int)?) -> Model {
        let (layers, edges, consumers, outputs) = (model.layers, model.inputIndices(), model.consumerIndices(), Set(model.outputIndices()))
        func isPath(_ start: Int, _ count: Int) -> Bool {
            (start + 1 ..< start + count).allSatisfy { edges[$0] == [$0 - 1] }
                && (start ..< start + count - 1).allSatisfy { consumers[$0] == [$0 + 1] && !outputs.contains($0) }
        }
        var result: [LayerSpec] = []
        var renamed: [String: String] = [:]  // a folded chain's last layer → the folded layer
        var index = 0
        while index < layers.count {
            var layer = layers[index]
            var consumed = 1
            if let (folded, count) = chain(result, index), isPath(index, count) {
                renamed[layers[index + count - 1].name] = folded.name
                layer = layer.replaced(by: folded)
                consumed = count
            }
            layer.inputs = layer.inputs.map { renamed[$0] ?? $0 }
            result.append(layer)
            index += consumed
        }
        var folded = model
        folded.layers = result
        folded.outputs = model.outputs.map { renamed[$0] ?? $0 }
        return folded
    }

    /// The core `N_in → N_v → N → N_out` starting at `start`, with matrices after `leadingAxes`.
    static func core(at start: Int, in layers: [LayerSpec], leadingAxes: [Int], equations: Equations) -> Core? {
        guard start + 4 <= layers.count else { return nil }
        let (reshapeIn, right, left, reshapeOut) = (layers[start], layers[start + 1], layers[start + 2], layers[start + 3])
        let name = left.name
        guard reshapeIn.name == "\(name)_in", right.name == "\(name)_v", reshapeOut.name == "\(name)_out",
              case .reshape(let inputTarget) = reshapeIn.kind, inputTarget.count == leadingAxes.count + 2,
              Array(inputTarget.prefix(leadingAxes.count)) == leadingAxes,
              case .reshape(let outputTarget) = reshapeOut.kind,
              right.weights.count == 1, left.weights.count == 2,
              isEinsum(right, equation: equations.right, biasAxes: nil), isEinsum(left, equation: equations.left, biasAxes: equations.biasAxes)
        else { return nil }
        let (v, u, bias) = (right.weights[0], left.weights[0], left.weights[1])
        guard v.rank == 2, u.rank == 2 else { return nil }
        let shape = BilinearShape(inputRows: inputTarget[leadingAxes.count], inputColumns: inputTarget[leadingAxes.count + 1],
                                  outputRows: u.shape[1], outputColumns: v.shape[1])
        guard v.shape[0] == shape.inputColumns, u.shape[0] == shape.inputRows,
              bias.shape == [shape.outputRows, shape.outputColumns], outputTarget == leadingAxes + [shape.outputCount],
              einsumOutputShape(right) == leadingAxes + [shape.inputRows, shape.outputColumns],
              einsumOutputShape(left) == leadingAxes + [shape.outputRows, shape.outputColumns]
        else { return nil }
        return Core(name: name, shape: shape, weights: [u, v, bias])
    }

    /// The activation of chain `name`: its `N_act` layer at `index` and 1 layer, or linear and 0 layers.
    static func activation(after index: Int, in layers: [LayerSpec], name: String) -> (Activation, Int) {
        guard index < layers.count, layers[index].name == "\(name)_act", case .activation(let activation) = layers[index].kind else {
            return (.linear, 0)
        }
        return (activation, 1)
    }

    /// Whether `layer` is an opaque `EinsumDense` with this equation and bias axes and a linear activation.
    private static func isEinsum(_ layer: LayerSpec, equation: String, biasAxes: String?) -> Bool {
        guard let config = einsumConfig(of: layer) else { return false }
        let activation = config["activation"]
        return config["equation"]?.stringValue == equation && config["bias_axes"]?.stringValue == biasAxes
            && (activation == nil || activation?.isNull == true || activation?.stringValue == "linear")
    }

    /// The `output_shape` of an opaque `EinsumDense`, when it is all integers.
    private static func einsumOutputShape(_ layer: LayerSpec) -> [Int]? {
        guard let sizes = einsumConfig(of: layer)?["output_shape"]?.arrayValue?.map(\.intValue), !sizes.contains(nil) else { return nil }
        return sizes.compactMap { $0 }
    }

    /// The `config` object of an opaque `EinsumDense` entry.
    private static func einsumConfig(of layer: LayerSpec) -> JSONValue? {
        guard case .opaque("EinsumDense", let text) = layer.kind else { return nil }
        return (try? JSONValue(parsing: text))?["config"]
    }
}
