import BilinCore

/// IR layers in stock ONNX ops (default domain, opset 13), for a layer named `N` reading `x`:
///
///     .dense(units, act, bias)   MatMul(x, kernel (Din, Dout)) "N" → Add(·, bias (Dout)) "N/bias" → act
///     .bilinear (d1,d2 → p,q)    Reshape(x, [-1, d1, d2]) "N/reshape_in" → MatMul(·, V (d2, q)) "N/v"
///                                → MatMul(Uᵀ (p, d1), ·) "N" (broadcast over the batch) → Reshape(·, [-1, p·q])
///                                "N/reshape_out" → Add(·, bias (p·q)) "N/bias" → act
///     .activation(act)           the op(s) of `act`, named "N"
///     .flatten                   Flatten(axis=1) "N";  .reshape(dims): Reshape(x, [-1, dims…]) "N"
///     .dropout, .input           nothing (inference)
///
/// and images, which are NCHW here (`ONNXExporter` transposes a channels-last model's input once; see
/// `ONNXLayerSpelling+Spatial` for the image kinds: Conv, the bilinear convolution, MaxPool, AveragePool,
/// GlobalAveragePool + Flatten, BatchNormalization).
///
/// Activations: relu, sigmoid, tanh, softmax (last axis), leaky_relu (alpha 0.2), elu (alpha 1), selu, softplus,
/// softsign, exponential, hard_sigmoid (alpha 1/6, beta 0.5), relu6 (Clip 0…6). `ONNXLayerGraph` reads back the dense,
/// bilinear, flatten, reshape and image layouts (activations as layers of their own) and the relu, sigmoid, tanh,
/// softmax and leaky_relu ops.
enum ONNXLayerSpelling {
    /// One node of a spelling: its data input is the previous node's output (or the layer's input).
    struct Step {
        var opType: String
        var name: String
        /// Inputs besides the data input, which comes first unless `dataInputLast`.
        var constants: [String] = []
        var dataInputLast = false
        var attributes: [ONNXAttribute] = []
    }

    /// Adds the nodes of `layer` to `builder`, reading `inputs` (one value; a merge's or concatenation's operands).
    ///
    /// - Parameters:
    ///   - output: the value the last node writes (nil: a new unique name).
    ///   - inputShape: the IR shape the layer reads (its first input), without the batch (needed by the image kinds).
    ///   - layout: the model's; decides the order a Flatten or Reshape reads an image in.
    /// - Returns: the layer's output value (its input itself for a layer without nodes and no `output` asked for).
    /// - Throws: `BilinError` naming the layer when it has no ONNX spelling here.
    static func spell(_ layer: LayerSpec, inputs: [String], output: String?, inputShape: [Int]?, layout: DataLayout,
                      into builder: ONNXGraphBuilder) throws -> String {
        let name = layer.name
        let operands = Array(inputs.dropFirst())
        var steps: [Step] = []
        switch layer.kind {
        case .input, .dropout:
            break
        case .flatten:
            steps = [Step(opType: "Flatten", name: name, attributes: [.int("axis", 1)])]
        case .reshape(let target):
            steps = [Step(opType: "Reshape", name: name, constants: [builder.addInitializer("\(name)/shape", integers: [-1] + target)])]
        case .dense(_, let activation, let useBias):
            steps = [Step(opType: "MatMul", name: name, constants: [builder.addInitializer("\(name)/kernel", layer.weights[0])])]
            if useBias { steps.append(Step(opType: "Add", name: "\(name)/bias", constants: [builder.addInitializer("\(name)/bias", layer.weights[1])])) }
            steps += try activationSteps(activation, name: "\(name)/activation", layer: layer, builder: builder)
        case .bilinear(let shape, let activation):
            steps = projectionSteps(layer, shape, outputDimensions: [shape.outputCount], builder: builder)
            steps += try activationSteps(activation, name: "\(name)/activation", layer: layer, builder: builder)
        case .activation(let activation):
            steps = try activationSteps(activation, name: name, layer: layer, builder: builder)
        case .conv2D, .bilinearConv2D, .depthwiseConv2D, .zeroPadding2D, .pooling2D, .globalAveragePooling2D, .batchNormalization:
            steps = try spatialSteps(layer, inputShape: inputShape, builder: builder)
        case .leakyReLU(let slope):
            steps = [Step(opType: "LeakyRelu", name: name, attributes: [.float("alpha", slope)])]
        case .rescaling(let scale, let offset):
            steps = [Step(opType: "Mul", name: name, constants: [builder.addInitializer("\(name)/scale", Tensor(shape: [], scalars: [scale]))]),
                     Step(opType: "Add", name: "\(name)/offset",
                          constants: [builder.addInitializer("\(name)/offset", Tensor(shape: [], scalars: [offset]))])]
        case .merge(let operation):
            steps = mergeSteps(operation, name: name, operands: operands)
        case .concatenate(let axis):
            // The IR's axis is the channels-last example's; an image is NCHW here: its axes 0, 1, 2 are ONNX's 2, 3, 1.
            let onnxAxis = inputShape?.count == 3 ? [2, 3, 1][axis] : axis + 1
            steps = [Step(opType: "Concat", name: name, constants: operands, attributes: [.int("axis", onnxAxis)])]
        case .opaque(let className, _):
            throw BilinError("layer '\(name)' (\(className)) has no ONNX spelling in this tool; Dense, BilinearProjection, "
                             + "convolutions, padding, pooling, BatchNormalization, merges, Concatenate, activations, Rescaling, "
                             + "Flatten, Reshape and Dropout export to ONNX")
        }
        let transposes = try imageLayoutSteps(layer, inputShape: inputShape, layout: layout)
        steps = transposes.before + steps + transposes.after
        if steps.isEmpty, output != nil {
            steps = [Step(opType: "Identity", name: name)]
        }
        var current = inputs[0]
        for (index, step) in steps.enumerated() {
            let written = index == steps.count - 1 ? (output ?? builder.uniqueName("\(name)_output")) : builder.uniqueName("\(step.name)_output")
            let inputs = step.dataInputLast ? step.constants + [current] : [current] + step.constants
            builder.addNode(step.opType, name: step.name, inputs: inputs, output: written, attributes: step.attributes)
            current = written
        }
        return current
    }

    /// The projection of a bilinear layer whose input is `(p, q)` matrices: `Reshape[-1, p, q]` "N/reshape_in" →
    /// `MatMul(·, V)` "N/v" → `MatMul(Uᵀ, ·)` "N" → `Reshape[-1, outputDimensions…]` "N/reshape_out" →
    /// `Add(·, bias (p'·q'))` "N/bias".
    static func projectionSteps(_ layer: LayerSpec, _ shape: BilinearShape, outputDimensions: [Int], builder: ONNXGraphBuilder) -> [Step] {
        let (name, u, v, bias) = (layer.name, layer.weights[0], layer.weights[1], layer.weights[2])
        return [
            Step(opType: "Reshape", name: "\(name)/reshape_in",
                 constants: [builder.addInitializer("\(name)/shape_in", integers: [-1, shape.inputRows, shape.inputColumns])]),
            Step(opType: "MatMul", name: "\(name)/v", constants: [builder.addInitializer("\(name)/V", v)]),
            Step(opType: "MatMul", name: name, constants: [builder.addInitializer("\(name)/U_transposed", u.transposed())],
                 dataInputLast: true),
            Step(opType: "Reshape", name: "\(name)/reshape_out",
                 constants: [builder.addInitializer("\(name)/shape_out", integers: [-1] + outputDimensions)]),
            Step(opType: "Add", name: "\(name)/bias", constants: [builder.addInitializer("\(name)/bias", bias, shape: [shape.outputCount])]),
        ]
    }

    /// A merge of the data input and `operands`: one variadic `Sum`, `Max`, `Min` or `Mean`, or `Add`, `Sub`, `Mul`
    /// node per operand (`Add` for two: the node PyTorch writes for a residual).
    static func mergeSteps(_ operation: MergeOperation, name: String, operands: [String]) -> [Step] {
        let variadic: [MergeOperation: String] = [.maximum: "Max", .minimum: "Min", .average: "Mean", .add: "Sum"]
        if let opType = variadic[operation], operation != .add || operands.count > 1 {
            return [Step(opType: opType, name: name, constants: operands)]
        }
        let opType = [MergeOperation.add: "Add", .subtract: "Sub", .multiply: "Mul"][operation]!
        return operands.enumerated().map { index, operand in
            Step(opType: opType, name: index == 0 ? name : "\(name)/\(index)", constants: [operand])
        }
    }

    static func activationSteps(_ activation: Activation, name: String, layer: LayerSpec,
                                        builder: ONNXGraphBuilder) throws -> [Step] {
        switch activation {
        case .linear: return []
        case .relu: return [Step(opType: "Relu", name: name)]
        case .sigmoid: return [Step(opType: "Sigmoid", name: name)]
        case .tanh: return [Step(opType: "Tanh", name: name)]
        case .softmax: return [Step(opType: "Softmax", name: name, attributes: [.int("axis", -1)])]
        case .leakyRelu: return [Step(opType: "LeakyRelu", name: name, attributes: [.float("alpha", 0.2)])]
        case .elu: return [Step(opType: "Elu", name: name, attributes: [.float("alpha", 1)])]
        case .selu: return [Step(opType: "Selu", name: name)]
        case .softplus: return [Step(opType: "Softplus", name: name)]
        case .softsign: return [Step(opType: "Softsign", name: name)]
        case .exponential: return [Step(opType: "Exp", name: name)]
        case .hardSigmoid: return [Step(opType: "HardSigmoid", name: name, attributes: [.float("alpha", 1.0 / 6), .float("beta", 0.5)])]
        case .relu6 where builder.opset < 11:
            return [Step(opType: "Clip", name: name, attributes: [.float("min", 0), .float("max", 6)])]
        case .relu6:
            let bounds = [0, 6].map { builder.addInitializer("\(name)/\($0 == 0 ? "min" : "max")", Tensor(shape: [], scalars: [Float($0)])) }
            return [Step(opType: "Clip", name: name, constants: bounds)]
        case .gelu, .swish, .mish:
            throw BilinError("layer '\(layer.name)': activation '\(activation.rawValue)' has no single-op ONNX spelling at opset 13 in this tool")
        }
    }
}
