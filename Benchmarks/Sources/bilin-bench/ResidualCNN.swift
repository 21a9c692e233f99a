import BilinCore

/// The residual CNN of issue 15 (and `Benchmarks/jax_peer.py`'s `build_resnet`), 28×28×1 in:
///
///     stem   Conv 3×3 same 16 → BN → relu
///     block  (twice, 16→32 then 32→64, stride 2):
///            ZeroPadding2D 1 → Conv 3×3 /2 valid → BN → relu → Conv 3×3 same → BN ─┐
///            Conv 1×1 /2 (projection shortcut) → BN ─────────────────────────────→ Add → relu
///     head   GlobalAveragePooling2D → Dense 10 softmax
///
/// Glorot-uniform kernels without biases (batch normalization follows every convolution), fresh BN statistics.
func residualCNN(seed: UInt64 = 0) -> Model {
    var generator = SeededGenerator(seed: seed)
    var layers = [LayerSpec(name: "input", kind: .input(shape: [28, 28, 1]))]
    /// Appends a layer reading `input` and returns its name.
    func add(_ name: String, _ kind: LayerKind, _ weights: [Tensor] = [], reads input: String) -> String {
        layers.append(LayerSpec(name: name, kind: kind, weights: weights, inputs: [input]))
        return name
    }
    func conv(_ name: String, size: Int, stride: Int, padding: Padding, _ channels: Int, _ filters: Int, reads input: String) -> String {
        let window = Window2D(height: size, width: size, strideHeight: stride, strideWidth: stride, padding: padding)
        let kernel = Tensor.glorotUniform(shape: [size, size, channels, filters], fanIn: size * size * channels,
                                          fanOut: size * size * filters, using: &generator)
        let convolution = add(name, .conv2D(filters: filters, window: window, activation: .linear, useBias: false), [kernel], reads: input)
        return add("\(name)_bn", .batchNormalization(epsilon: 1e-3, momentum: 0.99),
                   [Tensor(shape: [filters], repeating: 1), Tensor(shape: [filters]), Tensor(shape: [filters]), Tensor(shape: [filters], repeating: 1)],
                   reads: convolution)
    }
    var current = add("stem_relu", .activation(.relu), reads: conv("stem", size: 3, stride: 1, padding: .same, 1, 16, reads: "input"))
    for (block, (channels, filters)) in [(16, 32), (32, 64)].enumerated() {
        let name = "block\(block + 1)"
        let padded = add("\(name)_pad", .zeroPadding2D(ImagePadding(top: 1, bottom: 1, left: 1, right: 1)), reads: current)
        let first = add("\(name)_relu1", .activation(.relu), reads: conv("\(name)_conv1", size: 3, stride: 2, padding: .valid, channels, filters, reads: padded))
        let second = conv("\(name)_conv2", size: 3, stride: 1, padding: .same, filters, filters, reads: first)
        let shortcut = conv("\(name)_shortcut", size: 1, stride: 2, padding: .valid, channels, filters, reads: current)
        layers.append(LayerSpec(name: "\(name)_add", kind: .merge(.add), inputs: [second, shortcut]))
        current = add("\(name)_relu2", .activation(.relu), reads: "\(name)_add")
    }
    let pooled = add("pool", .globalAveragePooling2D, reads: current)
    _ = add("logits", .dense(units: 10, activation: .softmax, useBias: true),
            [.glorotUniform(shape: [64, 10], fanIn: 64, fanOut: 10, using: &generator), Tensor(shape: [10])], reads: pooled)
    return Model(name: "resnet", layers: layers)
}
