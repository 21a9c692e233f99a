import BilinCore
import BilinFormats
import BilinTestSupport
import Testing

/// `keras.applications` networks with random weights, written by Keras in a temporary folder
/// (`Tests/oracle/keras_applications.py`; ResNet50 is ~95 MB a file): imported, run in Swift as Keras runs them, and
/// exported back to files Keras loads and runs the same.
@Suite("Keras applications")
struct KerasApplicationsTests {
    @Test("MobileNetV2, ResNet50 and the transfer-learning Sequential (a nested MobileNetV2): forward equals Keras, export loads")
    func applications() throws {
        let folder = try TemporaryFolder()
        try KerasOracle.writeApplications(into: folder)
        var generator = SeededGenerator(seed: 11)
        let input = Reference.random([2, 32 * 32 * 3], in: 0...1, using: &generator)
        let files = ["mobilenet_v2", "resnet50", "transfer"].flatMap { [folder.file("\($0).h5"), folder.file("\($0).keras")] }
        var exported: [String] = []
        var swift: [Tensor] = []
        for file in files {
            let model = try ModelIO.load(path: file)
            #expect(!model.isChain && !model.layers.contains { if case .opaque = $0.kind { true } else { false } }, "\(file)")
            swift.append(try Network(model: model).predict(input))
            let copy = file.replacingOccurrences(of: ".", with: "-copy.", options: .backwards)
            try ModelIO.save(model, to: copy)
            #expect(try ModelIO.load(path: copy).layers == model.layers, "\(copy)")
            exported.append(copy)
        }
        let transfer = try ModelIO.load(path: files[4])
        // The nested model is inlined: its first convolution reads the outer input, the outer pooling its last layer.
        #expect(transfer.layers.first { $0.name == "Conv1" }?.inputs == [transfer.layers[0].name])
        #expect(transfer.layers.contains { $0.kind == .depthwiseConv2D(multiplier: 1, window: Window2D(height: 3, width: 3, padding: .same),
                                                                        activation: .linear, useBias: false) })
        let keras = try KerasOracle.predictions(of: files + exported, on: input, in: folder)
        for (file, (expected, actual)) in zip(files + exported, zip(keras, swift + swift)) {
            assertClose(actual, expected, atol: 1e-4, rtol: 0, file)
        }
    }
}
