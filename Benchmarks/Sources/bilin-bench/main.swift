// bilin-bench: the Swift side of Benchmarks/run.sh. Each subcommand prints one JSON object per measurement on stdout.
//
//   bilin-bench sgemm    [--size N] [--repeats R]
//   bilin-bench train    --network dense|bilinear|cnn|resnet --scale S [--steps N] [--batch B]
//   bilin-bench infer    --network dense|bilinear --scale S --batch B [--repeats R]
//   bilin-bench factor   --dout M --din N --scale S --method exact|truncated|automatic [--kernel PATH.f32] [--repeats R]
//                        [--workers W]   (threads of the truncated method's passes; default one per core)
//
// The thread count of OpenBLAS is taken from --threads (default 1) and set before anything runs.
import BilinCore
import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
guard let command = arguments.first else {
    FileHandle.standardError.write("usage: bilin-bench sgemm|train|infer|factor [options]\n".data(using: .utf8)!)
    exit(64)
}
func option(_ name: String, _ fallback: String) -> String {
    if let index = arguments.firstIndex(of: "--\(name)"), index + 1 < arguments.count { return arguments[index + 1] }
    return fallback
}
func intOption(_ name: String, _ fallback: Int) -> Int { Int(option(name, String(fallback)))! }

BLAS.restartWithBetterKernelsIfNeeded()  // as bilin-convert does
BLAS.useDefaultThreadCount()  // first, so that --threads wins over the library default
BLAS.threadCount = intOption("threads", 1)

func now() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }
/// CPU time of the whole process (user + system): robust to other load on a shared machine, unlike wall time.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}
func emit(_ fields: [String: Any]) {
    let data = try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
    print(String(data: data, encoding: .utf8)!)
}

/// Multiply-adds of one training step per example: the forward pass, the weight gradients and the input gradients
/// (each as many as the forward pass), less the input gradient of the first layer with weights, which `Network`
/// skips as JAX's `grad` with respect to the parameters does: a dense or convolution layer's forward count, a
/// bilinear layer's `X̄ = T̄ Vᵀ`, `p·q'·q`.
func trainingMultiplyAdds(_ model: Model) -> Int {
    let perLayer = model.multiplyAddsPerLayer().map { $0 ?? 0 }
    guard let first = model.layers.firstIndex(where: { !$0.weights.isEmpty }) else { return 0 }
    let skipped: Int
    switch model.layers[first].kind {
    case .bilinear(let shape, _): skipped = shape.inputRows * shape.outputColumns * shape.inputColumns
    default: skipped = perLayer[first]
    }
    return 3 * perLayer.reduce(0, +) - skipped
}

/// The 784-1024-1024-10 ReLU MLP, dense (Glorot-uniform kernels, zero biases), or its bilinear version at `scale`
/// as the converter builds it with the random (from-scratch) start: every factor Glorot-uniform.
func mlp(network: String, scale: Int, seed: UInt64 = 0) throws -> Model {
    var generator = SeededGenerator(seed: seed)
    let sizes = [784, 1024, 1024, 10]
    var layers = [LayerSpec(name: "input", kind: .input(shape: [784]))]
    for index in 1..<sizes.count {
        let (fanIn, fanOut) = (sizes[index - 1], sizes[index])
        let kernel = Tensor.glorotUniform(shape: [fanIn, fanOut], fanIn: fanIn, fanOut: fanOut, using: &generator)
        layers.append(LayerSpec(
            name: "dense\(index)", kind: .dense(units: fanOut, activation: index == 3 ? .softmax : .relu, useBias: true),
            weights: [kernel, Tensor(shape: [fanOut])]))
    }
    let dense = Model(name: "mlp", layers: layers)
    if network == "dense" { return dense }
    return try Converter.convert(dense, options: ConversionOptions(scale: scale, initialization: .random, seed: seed)).model
}

/// The CNN of issue 4: 28×28×1 → Conv 32 3×3 same relu → MaxPool 2 → Conv 64 3×3 same relu → MaxPool 2 → Flatten
/// → Dense 128 relu → Dense 10 softmax, Glorot-uniform kernels and zero biases.
func cnn(seed: UInt64 = 0) -> Model {
    var generator = SeededGenerator(seed: seed)
    let same = Window2D(height: 3, width: 3, padding: .same)
    let pool = Window2D(height: 2, width: 2, strideHeight: 2, strideWidth: 2)
    func conv(_ name: String, _ inputs: Int, _ filters: Int) -> LayerSpec {
        LayerSpec(name: name, kind: .conv2D(filters: filters, window: same, activation: .relu, useBias: true), weights: [
            .glorotUniform(shape: [3, 3, inputs, filters], fanIn: 9 * inputs, fanOut: 9 * filters, using: &generator), Tensor(shape: [filters]),
        ])
    }
    func dense(_ name: String, _ inputs: Int, _ units: Int, _ activation: Activation) -> LayerSpec {
        LayerSpec(name: name, kind: .dense(units: units, activation: activation, useBias: true), weights: [
            .glorotUniform(shape: [inputs, units], fanIn: inputs, fanOut: units, using: &generator), Tensor(shape: [units]),
        ])
    }
    return Model(name: "cnn", layers: [
        LayerSpec(name: "input", kind: .input(shape: [28, 28, 1])),
        conv("conv1", 1, 32), LayerSpec(name: "pool1", kind: .pooling2D(.max, window: pool)),
        conv("conv2", 32, 64), LayerSpec(name: "pool2", kind: .pooling2D(.max, window: pool)),
        LayerSpec(name: "flatten", kind: .flatten), dense("dense1", 3136, 128, .relu), dense("dense2", 128, 10, .softmax),
    ])
}

func randomSplit(count: Int, seed: UInt64) -> LabelledSplit {
    var generator = SeededGenerator(seed: seed)
    var scalars = [Float](repeating: 0, count: count * 784)
    for index in scalars.indices { scalars[index] = generator.nextUnitFloat() }
    let labels = (0..<count).map { _ in Int32(generator.next() % 10) }
    return LabelledSplit(images: Tensor(shape: [count, 784], scalars: scalars), labels: labels)
}

switch command {
case "sgemm":
    // C(n×n) = A(n×n)·B(n×n), and the training shape (128×784)·(784×1024).
    let repeats = intOption("repeats", 20)
    for (m, n, k) in [(intOption("size", 1024), intOption("size", 1024), intOption("size", 1024)), (128, 1024, 784), (128, 1024, 1024)] {
        var generator = SeededGenerator(seed: 1)
        let a = Tensor.glorotUniform(shape: [m, k], fanIn: 1, fanOut: 1, using: &generator)
        let b = Tensor.glorotUniform(shape: [k, n], fanIn: 1, fanOut: 1, using: &generator)
        var c = [Float](repeating: 0, count: m * n)
        var times: [Double] = []
        let inner = max(1, 200_000_000 / (m * n * k))
        for _ in 0..<(repeats + 2) {
            let start = now()
            for _ in 0..<inner {
                a.scalars.withUnsafeBufferPointer { a in b.scalars.withUnsafeBufferPointer { b in c.withUnsafeMutableBufferPointer { c in
                    BLAS.gemm(m: m, n: n, k: k, a: a.baseAddress!, lda: k, b: b.baseAddress!, ldb: n, c: c.baseAddress!, ldc: n)
                } } }
            }
            times.append((now() - start) / Double(inner))
        }
        let seconds = median(Array(times.dropFirst(2)))
        emit(["kind": "sgemm", "m": m, "n": n, "k": k, "seconds": seconds, "gflops": 2.0 * Double(m * n * k) / seconds / 1e9,
              "threads": BLAS.threadCount])
    }

case "train":
    let network = option("network", "dense")
    let scale = intOption("scale", 1)
    let batch = intOption("batch", 128)
    let steps = intOption("steps", 60)
    let warmup = 5
    let model = network == "cnn" ? cnn() : network == "resnet" ? residualCNN() : try mlp(network: network, scale: scale)
    let net = try Network(model: model)
    let data = Dataset(train: randomSplit(count: batch * (steps + warmup), seed: 2), test: randomSplit(count: 1, seed: 3))
    var stamps: [Double] = []
    let trainer = Trainer(options: TrainingOptions(epochs: 1, batchSize: batch, optimizer: .adam, learningRate: 1e-3, schedule: .constant, seed: 4))
    stamps.append(now())
    _ = trainer.fineTune(net, on: data, progress: { _ in stamps.append(now()) })
    let stepTimes = zip(stamps.dropFirst(), stamps).map { $0 - $1 }.dropFirst(warmup)
    let seconds = median(Array(stepTimes))
    let macs = trainingMultiplyAdds(model)
    emit(["kind": "train", "network": network, "scale": scale, "batch": batch, "steps": stepTimes.count,
          "step_seconds": seconds, "samples_per_second": Double(batch) / seconds,
          "multiply_adds_per_sample": macs, "gflops": 2.0 * Double(macs) * Double(batch) / seconds / 1e9,
          "parameters": model.parameterCount, "threads": BLAS.threadCount])

case "infer":
    let network = option("network", "dense")
    let scale = intOption("scale", 1)
    let batch = intOption("batch", 128)
    let repeats = intOption("repeats", 200)
    let layerOnly = option("layer", "no") == "yes"
    let model = try mlp(network: network, scale: scale)
    let net = try Network(model: model)
    let input = randomSplit(count: batch, seed: 5).images
    // Either the whole network or only its first weighted step (the 784→1024 layer or its replacement).
    let run: () -> Void = layerOnly ? { _ = net.steps[0](input) } : { _ = net.predict(input) }
    for _ in 0..<5 { run() }
    // Enough calls per timed repeat for about 5 ms.
    let probe = now()
    for _ in 0..<3 { run() }
    let inner = max(1, Int(0.005 / max((now() - probe) / 3, 1e-7)))
    var times: [Double] = []
    for _ in 0..<repeats {
        let start = now()
        for _ in 0..<inner { run() }
        times.append((now() - start) / Double(inner))
    }
    emit(["kind": "infer", "network": network, "scale": scale, "batch": batch, "layer_only": layerOnly,
          "seconds_per_batch": median(times), "threads": BLAS.threadCount])

case "factor":
    let (dout, din, scale) = (intOption("dout", 1024), intOption("din", 784), intOption("scale", 1))
    let method = option("method", "automatic")
    let repeats = intOption("repeats", 3)
    let workers = intOption("workers", NearestKronecker.defaultThreads)
    var kernel: Tensor
    let path = option("kernel", "")
    if !path.isEmpty {
        // Raw little-endian float32, (din, dout) row-major: the Keras kernel.
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        precondition(data.count == din * dout * 4, "\(path) holds \(data.count) bytes, expected \(din * dout * 4)")
        kernel = Tensor(shape: [din, dout], scalars: data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
    } else {
        var generator = SeededGenerator(seed: 6)
        kernel = .glorotUniform(shape: [din, dout], fanIn: din, fanOut: dout, using: &generator)
    }
    let input = FactorPair(mostSquare: din)
    let output = FactorPair(mostSquare: dout)
    let chosen: KroneckerMethod = method == "exact" ? .exact : method == "truncated" ? .truncated : .automatic
    var times: [Double] = []
    var cpuTimes: [Double] = []
    var result: NearestKronecker? = nil
    for _ in 0..<repeats {
        let (start, cpuStart) = (now(), cpuSeconds())
        result = try NearestKronecker(kernel: kernel, input: input, output: output, components: scale, method: chosen, threads: workers)
        times.append(now() - start)
        cpuTimes.append(cpuSeconds() - cpuStart)
    }
    let factors = result!
    let top = factors.singularValues.prefix(scale).map { Double($0) * Double($0) }.reduce(0, +)
    emit(["kind": "factor", "dout": dout, "din": din, "scale": scale, "method": method, "used": factors.method.rawValue,
          "seconds": median(times), "cpu_seconds": median(cpuTimes), "passes": factors.passes, "relative_error": factors.relativeError(terms: scale),
          "energy_top": top, "energy_total": factors.frobeniusNormSquared,
          "singular_values": factors.singularValues.prefix(scale).map(Double.init), "threads": BLAS.threadCount,
          "workers": workers])

default:
    FileHandle.standardError.write("unknown command \(command)\n".data(using: .utf8)!)
    exit(64)
}
