/// The data-aware start (DESIGN.md §2): a converted model refitted, layer by layer, to what the original model
/// computes on real inputs.
///
/// Walking both models from the input, every layer sees the original's activations (the teacher's) and the converted
/// model's own (the student's, so that each fit makes up for the error of the layers already fitted):
/// - a converted layer's block (0,0) (`U₀`, `V₀` and its bias) is fitted by alternating least squares so that
///   `U₀ᵀ X V₀ + B₀` reproduces the original layer's pre-activations; the other blocks keep the nearest-Kronecker start,
///   adding new features;
/// - a dense layer that reads a widened input is refitted by ridge regression to its old pre-activations from every
///   widened feature, so the new features are put to use from the start.
/// The start needs no labels: inputs alone teach it.
public enum DataAwareStart {
    /// Refits `converted` (a nearest-Kronecker conversion of `original`, layer for layer) on `inputs`, `(n, features)`.
    /// - Parameters:
    ///   - iterations: alternating least-squares sweeps (each solves for `V₀`, then `U₀`) per converted layer.
    ///   - ridge: Tikhonov regularisation relative to the mean diagonal of each Gram matrix.
    /// - Throws: `BilinError` naming a layer the fit cannot run, or when a least-squares solve fails.
    public static func fit(_ converted: inout Model, original: Model, inputs: Tensor, iterations: Int = 6, ridge: Float = 1e-3) throws {
        precondition(converted.layers.count == original.layers.count, "a conversion keeps the layer count")
        let teacherShapes = original.outputShapes()
        var studentShapes = converted.outputShapes()
        let edges = original.inputIndices()
        let outputs = Set(original.outputIndices())
        // The last layer that reads each node's output, after which its activations are dropped.
        var lastReader = [Int?](repeating: nil, count: edges.count)
        for (reader, inputs) in edges.enumerated() { for input in inputs { lastReader[input] = reader } }
        // Every activation of every calibration input is held at once (a few, where branches are live together):
        // images with wide feature maps use fewer inputs.
        let widest = studentShapes.compactMap { $0?.checkedProduct }.max() ?? 1
        let live = original.isChain ? 1 : 4
        let count = min(inputs.shape[0], max(64, activationBudget / max(widest * live, 1)))
        var modelInput = count < inputs.shape[0] ? inputs.rows(0..<count) : inputs
        let inputShape = original.inputShape
        if original.dataLayout == .channelsFirst, inputShape.count == 3 {
            modelInput = modelInput.transposingExamples(rows: inputShape[2], columns: inputShape[0] * inputShape[1])
        }
        // Each node's output over the calibration inputs, in the original (teacher) and the converted model (student).
        var teachers = [Tensor?](repeating: nil, count: edges.count)
        var students = [Tensor?](repeating: nil, count: edges.count)
        for index in original.layers.indices {
            let before = original.layers[index]
            var teacher = edges[index].first.map { teachers[$0]! } ?? modelInput
            var student = edges[index].first.map { students[$0]! } ?? modelInput
            let teacherInput = edges[index].first.map { teacherShapes[$0] ?? [] } ?? inputShape
            let studentInput = edges[index].first.map { studentShapes[$0] ?? [] } ?? inputShape
            defer {
                (teachers[index], students[index]) = (teacher, student)
                for input in edges[index] where lastReader[input] == index && !outputs.contains(input) {
                    (teachers[input], students[input]) = (nil, nil)
                }
            }
            switch (before.kind, converted.layers[index].kind) {
            case (.dense(_, let activation, let useBias), .bilinear(let shape, _)):
                let target = linearOutput(of: before, on: teacher)
                converted.layers[index].weights = try fitFirstBlock(
                    converted.layers[index].weights, shape: shape, input: student, target: target, useBias: useBias,
                    iterations: iterations, ridge: ridge)
                teacher = activate(target, activation)
                student = activate(linearOutput(of: converted.layers[index], on: student), activation)
            case (.dense(_, let activation, let useBias), .dense) where converted.layers[index].weights[0].shape != before.weights[0].shape:
                let target = linearOutput(of: before, on: teacher)
                converted.layers[index].weights = try fitDense(input: student, target: target, useBias: useBias, ridge: ridge)
                teacher = activate(target, activation)
                student = activate(linearOutput(of: converted.layers[index], on: student), activation)
            case (.dense(_, let activation, _), _), (.bilinear(_, let activation), _):
                teacher = activate(linearOutput(of: before, on: teacher), activation)
                student = activate(linearOutput(of: converted.layers[index], on: student), activation)
            case (.conv2D(_, let window, let activation, let useBias), .bilinearConv2D(let shape, _, _)):
                let target = try apply(before.withActivation(.linear), inputShape: teacherInput, to: teacher)
                let patches = Patches2D(height: studentInput[0], width: studentInput[1], channels: studentInput[2], window: window, order: .channelMajor)
                let (x, z) = patchRows(patches, of: student, targets: target)
                converted.layers[index].weights = try fitFirstBlock(
                    converted.layers[index].weights, shape: shape, input: x, target: z, useBias: useBias, iterations: iterations, ridge: ridge)
                teacher = activate(target, activation)
                student = try apply(converted.layers[index], inputShape: studentInput, to: student)
            case (.conv2D(let filters, let window, let activation, let useBias), .conv2D) where converted.layers[index].weights[0].shape != before.weights[0].shape:
                // A kept convolution reading widened channels: refitted on its patches (rows in the kernel's own order).
                let target = try apply(before.withActivation(.linear), inputShape: teacherInput, to: teacher)
                let patches = Patches2D(height: studentInput[0], width: studentInput[1], channels: studentInput[2], window: window, order: .positionMajor)
                let (x, z) = patchRows(patches, of: student, targets: target)
                var weights = try fitDense(input: x, target: z, useBias: useBias, ridge: ridge)
                weights[0] = weights[0].reshaped([window.height, window.width, studentInput[2], filters])
                converted.layers[index].weights = weights
                teacher = activate(target, activation)
                student = try apply(converted.layers[index], inputShape: studentInput, to: student)
            case (.conv2D, _), (.bilinearConv2D, _), (.pooling2D, _), (.globalAveragePooling2D, _), (.batchNormalization, _),
                 (.depthwiseConv2D, _), (.zeroPadding2D, _), (.rescaling, _), (.leakyReLU, _):
                teacher = try apply(before, inputShape: teacherInput, to: teacher)
                student = try apply(converted.layers[index], inputShape: studentInput, to: student)
            case (.activation(let activation), _):
                teacher = activate(teacher, activation)
                student = activate(student, activation)
            case (.flatten, _) where original.dataLayout == .channelsFirst && teacherInput.count == 3:
                // Features in C, H, W order, as the model's dense kernels read them.
                teacher = teacher.transposingExamples(rows: teacherInput[0] * teacherInput[1], columns: teacherInput[2])
                student = student.transposingExamples(rows: studentInput[0] * studentInput[1], columns: studentInput[2])
            case (.input, _), (.flatten, _), (.reshape, _), (.dropout, _):
                break  // every step sees examples flattened row-major, and dropout is off outside training
            case (.merge(let operation), _):
                let merge = Merge(name: before.name, operation: operation)
                teacher = merge(edges[index].map { teachers[$0]! })
                student = merge(edges[index].map { students[$0]! })
            case (.concatenate(let axis), _):
                teacher = Concatenate(name: before.name, inputShapes: edges[index].map { teacherShapes[$0] ?? [] }, axis: axis)(
                    edges[index].map { teachers[$0]! })
                student = Concatenate(name: before.name, inputShapes: edges[index].map { studentShapes[$0] ?? [] }, axis: axis)(
                    edges[index].map { students[$0]! })
            case (.opaque(let className, _), _):
                throw BilinError("the data-aware start cannot run layer '\(before.name)' (\(className)); choose --init nkp or random")
            }
            studentShapes = converted.outputShapes()
        }
    }

    /// The most activation values the fit holds for one layer's output over the calibration inputs (256 MB).
    static let activationBudget = 64 << 20
    /// The most patches a convolution is fitted on, taken evenly from all positions of all calibration inputs.
    static let patchLimit = 40_000

    /// Patch rows of `input` and the matching rows of `targets` (`(n, Ho·Wo·filters)`, one row per output position),
    /// every `k`-th position so that at most `patchLimit` remain; patches are extracted a few examples at a time.
    private static func patchRows(_ patches: Patches2D, of input: Tensor, targets: Tensor) -> (Tensor, Tensor) {
        let examples = input.shape[0]
        let total = examples * patches.positions
        let step = max(1, (total + patchLimit - 1) / patchLimit)
        let filters = targets.shape[1] / patches.positions
        let chunk = max(1, (16 << 20) / max(patches.positions * patches.patchSize, 1))
        var x: [Float] = []
        var z: [Float] = []
        var start = 0
        while start < examples {
            let end = min(start + chunk, examples)
            let extracted = patches.extract(input.rows(start..<end))
            for row in stride(from: (step - start * patches.positions % step) % step, to: (end - start) * patches.positions, by: step) {
                x.append(contentsOf: extracted.scalars[(row * patches.patchSize)..<((row + 1) * patches.patchSize)])
                let global = start * patches.positions + row
                z.append(contentsOf: targets.scalars[(global * filters)..<((global + 1) * filters)])
            }
            start = end
        }
        return (Tensor(shape: [x.count / patches.patchSize, patches.patchSize], scalars: x),
                Tensor(shape: [z.count / filters, filters], scalars: z))
    }

    /// `layer` alone run on `input`, whose examples have `inputShape`.
    private static func apply(_ layer: LayerSpec, inputShape: [Int], to input: Tensor) throws -> Tensor {
        var alone = layer
        alone.inputs = []
        return try Network(model: Model(name: "fit", layers: [LayerSpec(name: "fit_input", kind: .input(shape: inputShape)), alone])).predict(input)
    }

    /// `x · kernel + bias` of a dense layer, or `Uᵀ X V + B` of a bilinear one, before its activation.
    private static func linearOutput(of layer: LayerSpec, on input: Tensor) -> Tensor {
        switch layer.kind {
        case .dense(_, _, let useBias):
            Dense(name: layer.name, kernel: layer.weights[0], bias: useBias ? layer.weights[1] : nil)(input)
        case .bilinear(let shape, _):
            BilinearProjection(name: layer.name, shape: shape, u: layer.weights[0], v: layer.weights[1], bias: layer.weights[2])(input)
        default:
            preconditionFailure("layer '\(layer.name)' has no linear part")
        }
    }

    private static func activate(_ values: Tensor, _ activation: Activation) -> Tensor {
        activation == .linear ? values : ActivationLayer(name: "fit", activation: activation)(values)
    }

    /// Ridge regression of `target` on `input`, with an intercept when `useBias`: the weights `[kernel, bias?]`.
    private static func fitDense(input: Tensor, target: Tensor, useBias: Bool, ridge: Float) throws -> [Tensor] {
        let (x, xMean) = useBias ? centred(input) : (input, nil)
        let (z, zMean) = useBias ? centred(target) : (target, nil)
        let kernel = try x.matmul(x, transposeSelf: true).solvingRidge(x.matmul(z, transposeSelf: true), ridge: ridge)
        guard let xMean, let zMean else { return [kernel] }
        return [kernel, interceptOf(zMean, minus: xMean.reshaped([1, xMean.count]).matmul(kernel))]
    }

    /// Alternating least squares for block (0,0) of a bilinear layer, starting from its current factors.
    ///
    /// With examples `X̃ₙ` `(p, q)` and targets `Z̃ₙ` `(a, b)` centred, `V₀` solves `min Σ‖(U₀ᵀX̃ₙ) V₀ − Z̃ₙ‖²` (the
    /// `U₀ᵀX̃ₙ` stacked as `(n·a, q)` rows) and `U₀` solves `min Σ‖(X̃ₙV₀)ᵀ U₀ − Z̃ₙᵀ‖²` (normal equations
    /// `Σ AₙAₙᵀ`, `Σ AₙZ̃ₙᵀ` with `Aₙ = X̃ₙV₀`); the bias is then `Z̄ − U₀ᵀ X̄ V₀`.
    private static func fitFirstBlock(
        _ weights: [Tensor], shape: BilinearShape, input: Tensor, target: Tensor, useBias: Bool, iterations: Int, ridge: Float
    ) throws -> [Tensor] {
        let n = input.shape[0]
        let (p, q) = (shape.inputRows, shape.inputColumns)
        let scale = Int(Double(shape.outputCount / target.shape[1]).squareRoot().rounded())
        let (a, b) = (shape.outputRows / scale, shape.outputColumns / scale)
        let (x, xMean) = useBias ? centred(input) : (input, nil)
        let (z, zMean) = useBias ? centred(target) : (target, nil)
        var u0 = weights[0].leadingColumns(a)
        var v0 = weights[1].leadingColumns(b)
        let xByRow = x.swappingLeadingAxes(outer: n, middle: p, inner: q)               // (p, n·q)
        let zRows = z.reshaped([n * a, b])                                               // Z̃ₙ stacked
        let zByRow = z.swappingLeadingAxes(outer: n, middle: a, inner: b)               // (a, n·b)
        for _ in 0..<iterations {
            let c = u0.matmul(xByRow, transposeSelf: true)                               // (a, n·q)
                .swappingLeadingAxes(outer: a, middle: n, inner: q).reshaped([n * a, q])
            v0 = try c.matmul(c, transposeSelf: true).solvingRidge(c.matmul(zRows, transposeSelf: true), ridge: ridge)
            let products = x.reshaped([n * p, q]).matmul(v0)                              // Aₙ stacked, (n·p, b)
                .swappingLeadingAxes(outer: n, middle: p, inner: b)                      // (p, n·b)
            u0 = try products.matmul(products, transposeOther: true)
                .solvingRidge(products.matmul(zByRow, transposeOther: true), ridge: ridge)
        }
        // U₀ and V₀ are defined up to a factor between them; give both the same norm.
        let balance = Float((v0.frobeniusNorm / max(u0.frobeniusNorm, 1e-30)).squareRoot())
        u0 = u0.scaled(by: balance)
        v0.scalars = v0.scalars.map { $0 / balance }

        var bias = weights[2]
        if let xMean, let zMean {
            let meanOutput = u0.matmul(xMean.reshaped([p, q]), transposeSelf: true).matmul(v0)   // U₀ᵀ X̄ V₀
            let block = interceptOf(zMean, minus: meanOutput.reshaped([1, a * b]))
            for i1 in 0..<a {
                for i2 in 0..<b { bias[i1, i2] = block.scalars[i1 * b + i2] }
            }
        }
        return [weights[0].replacingLeadingColumns(with: u0), weights[1].replacingLeadingColumns(with: v0), bias]
    }

    /// The rows of `matrix` minus their mean, and that mean.
    private static func centred(_ matrix: Tensor) -> (Tensor, Tensor?) {
        var mean = matrix.columnSums()
        mean.scalars = mean.scalars.map { -$0 / Float(max(matrix.shape[0], 1)) }
        var centred = matrix
        centred.addRowVector(mean)
        mean.scalars = mean.scalars.map { -$0 }
        return (centred, mean)
    }

    /// `mean − predicted`, as a vector.
    private static func interceptOf(_ mean: Tensor, minus predicted: Tensor) -> Tensor {
        Tensor(shape: [mean.count], scalars: zip(mean.scalars, predicted.scalars).map { $0 - $1 })
    }
}

extension LayerSpec {
    /// This Dense, Conv2D or bilinear layer with another activation (its linear part alone with `.linear`).
    func withActivation(_ activation: Activation) -> LayerSpec {
        var layer = self
        switch kind {
        case .dense(let units, _, let useBias): layer.kind = .dense(units: units, activation: activation, useBias: useBias)
        case .conv2D(let filters, let window, _, let useBias): layer.kind = .conv2D(filters: filters, window: window, activation: activation, useBias: useBias)
        case .bilinear(let shape, _): layer.kind = .bilinear(shape, activation: activation)
        case .bilinearConv2D(let shape, let window, _): layer.kind = .bilinearConv2D(shape, window: window, activation: activation)
        default: break
        }
        return layer
    }
}
