import BilinCore

/// The Keras spelling of a bilinear convolution in stock layers only, for a `.bilinearConv2D` layer named `N` with a
/// `kh×kw` window over an `(H, W, C)` input and `(Ho, Wo)` output positions:
///
///     DepthwiseConv2D(kernel_size=(kh, kw), strides, padding,                        N_patches  fixed one-hot kernel
///                     depth_multiplier=kh·kw, use_bias=False, trainable=False)                  (kh, kw, C, kh·kw)
///     Reshape(target_shape=(Ho, Wo, p, q))                                           N_in
///     EinsumDense("abcde,ef->abcdf", output_shape=(Ho, Wo, p, q'))                    N_v        kernel V (q, q')
///     EinsumDense("abcdf,dg->abcgf", output_shape=(Ho, Wo, p', q'), bias_axes="gf")   N          kernel U (p, p'),
///                                                                                               bias (p', q')
///     Reshape(target_shape=(Ho, Wo, p'·q'))                                          N_out
///     Activation(act)                                                                N_act (only when not linear)
///
/// A depthwise convolution writes input channel `c` times multiplier `m` to output channel `c·(kh·kw) + m`; the
/// one-hot kernel, `kernel[i, j, c, m] = 1` exactly when `m = i·kw + j`, makes that the value at window row `i`,
/// column `j` of channel `c`: channel `(c·kh + i)·kw + j`, the channel-major patch order of `LayerKind`, zeros where
/// `same` padding reaches outside the input. Each position's patch is then the `p×q` matrix `X`, and the einsums
/// compute `Uᵀ X V + B` per position as `KerasBilinearChain` does for one vector.
enum KerasBilinearConvChain {
    /// The equations of `KerasBilinearChain.dense` with the two spatial axes `b`, `c` after the batch axis.
    static let spatial = KerasBilinearChain.Equations(right: "abcde,ef->abcdf", left: "abcdf,dg->abcgf", biasAxes: "gf")

    // MARK: - Export

    /// The Keras layers for `layer` (weights `[U, V, bias]`) on an `input` of `(H, W, C)`.
    static func entries(for layer: LayerSpec, shape: BilinearShape, window: Window2D, activation: Activation,
                        input: [Int]) -> [KerasLayerEntry] {
        let (outputHeight, outputWidth) = window.outputSize(height: input[0], width: input[1])
        let patches = KerasLayerEntry(
            className: "DepthwiseConv2D", name: "\(layer.name)_patches", trainable: false,
            config: window.kerasConfig(size: "kernel_size") + [
                ("depth_multiplier", .number(window.height * window.width)), ("data_format", .string("channels_last")),
                ("dilation_rate", .integers([1, 1])), ("activation", .string("linear")), ("use_bias", .bool(false)),
            ],
            weights: [("kernel", patchKernel(window, channels: input[2]))])
        let core = KerasBilinearChain.Core(name: layer.name, shape: shape, weights: layer.weights)
        return [patches] + KerasBilinearChain.coreEntries(core, leadingAxes: [outputHeight, outputWidth], equations: spatial)
            + KerasBilinearChain.activationEntries(name: layer.name, activation)
    }

    /// The one-hot depthwise kernel `(kh, kw, channels, kh·kw)` that extracts channel-major patches.
    static func patchKernel(_ window: Window2D, channels: Int) -> Tensor {
        let positions = window.height * window.width
        var kernel = Tensor(shape: [window.height, window.width, channels, positions])
        for position in 0..<positions {
            for channel in 0..<channels {
                // kernel[i, j, c, m] with (i, j) the window position m = i·kw + j, so that m is also the (i, j) offset.
                kernel.scalars[(position * channels + channel) * positions + position] = 1
            }
        }
        return kernel
    }

    // MARK: - Import

    /// `model` with every exported bilinear convolution chain replaced by one `.bilinearConv2D` layer named after its
    /// left einsum. Besides what `KerasBilinearChain.core` checks, the depthwise layer must be the exact one-hot patch
    /// extractor (config and kernel) over a known `(H, W, C)` input, and the reshapes must carry its `(Ho, Wo)`.
    static func fold(_ model: Model) -> Model {
        let layers = model.layers
        return KerasBilinearChain.fold(model) { folded, start in
            guard let (window, input) = patchExtractor(layers[start], after: folded) else { return nil }
            let (outputHeight, outputWidth) = window.outputSize(height: input[0], width: input[1])
            guard let core = KerasBilinearChain.core(at: start + 1, in: layers, leadingAxes: [outputHeight, outputWidth], equations: spatial),
                  layers[start].name == "\(core.name)_patches", core.shape.inputCount == window.patchSize(channels: input[2])
            else { return nil }
            let (activation, extra) = KerasBilinearChain.activation(after: start + 5, in: layers, name: core.name)
            return (LayerSpec(name: core.name, kind: .bilinearConv2D(core.shape, window: window, activation: activation),
                              weights: core.weights), 5 + extra)
        }
    }

    /// The window of `layer` and its `(H, W, C)` input when `layer` is the exporter's patch extractor (a linear
    /// depthwise convolution without bias, `kh·kw` kernels per channel, the one-hot kernel), reading nodes among
    /// `previous`.
    private static func patchExtractor(_ layer: LayerSpec, after previous: [LayerSpec]) -> (Window2D, [Int])? {
        guard layer.name.hasSuffix("_patches"),
              case .depthwiseConv2D(let multiplier, let window, .linear, false) = layer.kind,
              multiplier == window.height * window.width,
              let input = Model(name: "", layers: previous + [layer]).inputShapes().last ?? nil, input.count == 3,
              layer.weights.count == 1, layer.weights[0] == patchKernel(window, channels: input[2])
        else { return nil }
        return (window, input)
    }
}
