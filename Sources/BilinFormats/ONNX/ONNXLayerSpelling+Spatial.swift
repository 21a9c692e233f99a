import BilinCore

/// The image kinds in stock ONNX ops, on NCHW values, for a layer named `N` reading an `(H, W, C)` image:
///
///     .conv2D                 Conv(x, kernel (Cout, C, kh, kw), bias?) "N" → act
///     .bilinearConv2D         Conv(x, one-hot (C·kh·kw, 1, kh, kw) (`patchKernel`), group = C) "N/patches": channel c·kh·kw + i·kw + j
///                             is the patch value (c, i, j), the IR's channel-major patch order
///                             → Transpose(0,2,3,1) "N/channels_last" → the bilinear projection (`projectionSteps`,
///                             output Reshape [-1, Ho, Wo, p'·q']) → Transpose(0,3,1,2) "N/channels_first" → act
///     .depthwiseConv2D        Conv(x, kernel (C·M, 1, kh, kw), bias?, group = C) "N" → act
///     .zeroPadding2D          Pad(x, [0, 0, top, left, 0, 0, bottom, right]) "N" (before opset 11, `pads` an attribute)
///     .pooling2D              MaxPool "N", or AveragePool(count_include_pad 0) "N"
///     .globalAveragePooling2D GlobalAveragePool "N" → Flatten(axis=1) "N/flatten"
///     .batchNormalization     BatchNormalization(x, gamma, beta, mean, variance) "N" (also on `(N, C)`)
///
/// Windows carry explicit `pads` (`ONNXWindow`), computed for the input's height and width.
extension ONNXLayerSpelling {
    static func spatialSteps(_ layer: LayerSpec, inputShape: [Int]?, builder: ONNXGraphBuilder) throws -> [Step] {
        let name = layer.name
        if case .batchNormalization(let epsilon, let momentum) = layer.kind {
            // ONNX normalizes axis 1: the channels of an NCHW image or the features of a vector, not the last axis of more.
            guard let shape = inputShape, shape.count == 1 || shape.count == 3 else {
                throw BilinError("layer '\(name)' (BatchNormalization) reads a value of shape \(inputShape ?? []); on ONNX it "
                                 + "normalizes images and vectors only")
            }
            let names = ["gamma", "beta", "moving_mean", "moving_variance"]
            return [Step(opType: "BatchNormalization", name: name,
                         constants: zip(names, layer.weights).map { builder.addInitializer("\(name)/\($0)", $1) },
                         attributes: [.float("epsilon", epsilon), .float("momentum", momentum)])]
        }
        guard let image = inputShape, image.count == 3 else {
            throw BilinError("layer '\(name)' (\(layer.kind.displayName)) reads a value of shape \(inputShape ?? []), "
                             + "not an image (height, width, channels)")
        }
        let (height, width, channels) = (image[0], image[1], image[2])
        switch layer.kind {
        case .conv2D(_, let window, let activation, let useBias):
            var constants = [builder.addInitializer("\(name)/kernel", ONNXConvWeights.onnxKernel(fromIR: layer.weights[0]))]
            if useBias { constants.append(builder.addInitializer("\(name)/bias", layer.weights[1])) }
            return [Step(opType: "Conv", name: name, constants: constants,
                         attributes: ONNXWindow.attributes(window, inputHeight: height, inputWidth: width))]
                + (try activationSteps(activation, name: "\(name)/activation", layer: layer, builder: builder))
        case .depthwiseConv2D(let multiplier, let window, let activation, let useBias):
            // The IR's (kh, kw, C, M) is row-major the (kh, kw, 1, C·M) kernel of a convolution per channel.
            let kernel = layer.weights[0].reshaped([window.height, window.width, 1, channels * multiplier])
            var constants = [builder.addInitializer("\(name)/kernel", ONNXConvWeights.onnxKernel(fromIR: kernel))]
            if useBias { constants.append(builder.addInitializer("\(name)/bias", layer.weights[1])) }
            return [Step(opType: "Conv", name: name, constants: constants,
                         attributes: ONNXWindow.attributes(window, inputHeight: height, inputWidth: width) + [.int("group", channels)])]
                + (try activationSteps(activation, name: "\(name)/activation", layer: layer, builder: builder))
        case .zeroPadding2D(let padding):
            let pads = [0, 0, padding.top, padding.left, 0, 0, padding.bottom, padding.right]
            if builder.opset < 11 { return [Step(opType: "Pad", name: name, attributes: [.ints("pads", pads)])] }
            return [Step(opType: "Pad", name: name, constants: [builder.addInitializer("\(name)/pads", integers: pads)])]
        case .bilinearConv2D(let shape, let window, let activation):
            guard shape.inputCount == window.patchSize(channels: channels) else {
                throw BilinError("layer '\(name)' (BilinearConv2D) reads \(shape.inputRows)×\(shape.inputColumns) matrices, not the "
                                 + "\(window.patchSize(channels: channels)) values of a \(window.height)×\(window.width) patch of "
                                 + "\(channels) channels")
            }
            let patches = patchKernel(name, channels: channels, window: window, builder: builder)
            let (outputHeight, outputWidth) = window.outputSize(height: height, width: width)
            return [Step(opType: "Conv", name: "\(name)/patches", constants: [patches],
                         attributes: ONNXWindow.attributes(window, inputHeight: height, inputWidth: width) + [.int("group", channels)]),
                    Step(opType: "Transpose", name: "\(name)/channels_last", attributes: [.ints("perm", [0, 2, 3, 1])])]
                + projectionSteps(layer, shape, outputDimensions: [outputHeight, outputWidth, shape.outputCount], builder: builder)
                + [Step(opType: "Transpose", name: "\(name)/channels_first", attributes: [.ints("perm", [0, 3, 1, 2])])]
                + (try activationSteps(activation, name: "\(name)/activation", layer: layer, builder: builder))
        case .pooling2D(let kind, let window):
            let attributes = ONNXWindow.attributes(window, inputHeight: height, inputWidth: width)
            return [kind == .max ? Step(opType: "MaxPool", name: name, attributes: attributes)
                                 : Step(opType: "AveragePool", name: name, attributes: attributes + [.int("count_include_pad", 0)])]
        case .globalAveragePooling2D:
            return [Step(opType: "GlobalAveragePool", name: name), Step(opType: "Flatten", name: "\(name)/flatten", attributes: [.int("axis", 1)])]
        default:
            preconditionFailure("spatialSteps: \(layer.kind.displayName) is not an image kind")
        }
    }

    /// The one-hot patch kernel `(C·kh·kw, 1, kh, kw)` of a bilinear convolution named `N` (`ONNXConvWeights.patchKernel`):
    /// from opset 9 computed, so that none of its values is stored — `ConstantOfShape([k², k²])` "N/patch_zeros" →
    /// `EyeLike` "N/patch_identity" → `Tile([C, 1])` "N/patch_tiles" → `Reshape` "N/patch_kernel" (runtimes fold
    /// these constants once); before, an initializer. Returns the kernel's value.
    static func patchKernel(_ name: String, channels: Int, window: Window2D, builder: ONNXGraphBuilder) -> String {
        guard builder.opset >= 9 else {
            return builder.addInitializer("\(name)/patch_kernel",
                                          ONNXConvWeights.patchKernel(channels: channels, height: window.height, width: window.width))
        }
        let positions = window.height * window.width
        var value = builder.addInitializer("\(name)/patch_size", integers: [positions, positions])
        let steps: [(String, String, [String])] = [
            ("ConstantOfShape", "patch_zeros", []), ("EyeLike", "patch_identity", []),
            ("Tile", "patch_tiles", [builder.addInitializer("\(name)/patch_repeats", integers: [channels, 1])]),
            ("Reshape", "patch_kernel",
             [builder.addInitializer("\(name)/patch_shape", integers: [channels * positions, 1, window.height, window.width])]),
        ]
        for (opType, suffix, constants) in steps {
            let output = builder.uniqueName("\(name)/\(suffix)_output")
            builder.addNode(opType, name: "\(name)/\(suffix)", inputs: [value] + constants, output: output)
            value = output
        }
        return value
    }

    /// The transposes around a layer that keep images NCHW in the graph and give Flatten and Reshape the IR's order:
    /// in a channels-last model a Flatten or Reshape of an image reads it H,W,C (`Transpose(0,2,3,1)`
    /// "N/channels_last" before), and a Reshape to an image writes it H,W,C (`Transpose(0,3,1,2)` "N/channels_first"
    /// after); in a channels-first model a Flatten reads C,H,W as it is.
    ///
    /// - Throws: `BilinError` naming a layer that reads an image but is none of the image kinds, an elementwise
    ///   activation, Dropout or Flatten (a channels-last Reshape too), or that reshapes to an image in a channels-first model.
    static func imageLayoutSteps(_ layer: LayerSpec, inputShape: [Int]?, layout: DataLayout) throws -> (before: [Step], after: [Step]) {
        let channelsLast = layout == .channelsLast
        var before: [Step] = []
        if inputShape?.count == 3 {
            switch layer.kind {
            case .conv2D, .bilinearConv2D, .depthwiseConv2D, .zeroPadding2D, .pooling2D, .globalAveragePooling2D,
                 .batchNormalization, .dropout, .input, .merge, .concatenate, .leakyReLU, .rescaling:
                break
            case .activation(let activation) where activation != .softmax:
                break
            case .flatten where channelsLast, .reshape where channelsLast:
                before = [Step(opType: "Transpose", name: "\(layer.name)/channels_last", attributes: [.ints("perm", [0, 2, 3, 1])])]
            case .flatten:
                break
            default:
                throw BilinError("layer '\(layer.name)' (\(layer.kind.displayName)) reads an image; on images only convolutions, "
                                 + "padding, pooling, batch normalization, merges, Concatenate, elementwise activations, Rescaling, "
                                 + "Dropout and Flatten export to ONNX")
            }
        }
        guard case .reshape(let target) = layer.kind, target.count == 3 else { return (before, []) }
        guard channelsLast else {
            throw BilinError("layer '\(layer.name)' (Reshape) makes an image of a channels-first model; it has no ONNX spelling here")
        }
        return (before, [Step(opType: "Transpose", name: "\(layer.name)/channels_first", attributes: [.ints("perm", [0, 3, 1, 2])])])
    }
}
