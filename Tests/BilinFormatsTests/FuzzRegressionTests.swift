import BilinCore
import BilinFormats
import BilinTestSupport
import Testing

/// Inputs that crashed a reader under libFuzzer (Fuzz/, Docs/robustness.md), kept in fixtures/fuzz/.
@Suite("fuzz regressions")
struct FuzzRegressionTests {
    @Test("a Gemm or MatMul node that writes no value is an opaque layer", arguments: ["MatMul", "Gemm"])
    func nodeWithoutOutput(opType: String) throws {
        let model = try ModelIO.load(path: Fixtures.path("fuzz/onnx_\(opType.lowercased())_no_output.onnx"))
        #expect(model.layers.map(\.name) == ["x", "fc"])
        #expect(model.layers[1].kind == .opaque(className: opType, config: "\(opType)(x, w) -> "))
    }

    @Test("a bias Add that writes no value ends the chain: the MatMul before it is a dense layer without bias, the Add opaque")
    func addWithoutOutput() throws {
        let model = try ModelIO.load(path: Fixtures.path("fuzz/onnx_add_no_output.onnx"))
        #expect(model.layers.map(\.name) == ["x", "fc", "fc_add"])
        #expect(model.layers[1].kind == .dense(units: 2, activation: .linear, useBias: false))
        #expect(model.layers[2].kind == .opaque(className: "Add", config: "Add(m, b) -> "))
    }

    /// Before the graph's order was checked, the importer followed the Relu that reads its own output for ever.
    @Test("a self-loop, a cycle and a dangling input are one-line errors naming the node",
          arguments: [("onnx_self_loop.onnx", "node 'relu' (Relu) reads its own output 'h' (a cycle)"),
                      ("onnx_cycle.onnx", "node 'add' (Add) is on a cycle: it depends on its own output"),
                      ("onnx_dangling.onnx", "node 'add' (Add) reads 'missing', which no initializer, graph input or node provides")])
    func graphWithoutOrder(file: String, message: String) {
        let path = Fixtures.path("fuzz/\(file)")
        #expect(throws: BilinError(message, file: path)) { try ModelIO.load(path: path) }
    }

    @Test("a weight name holding control characters still gives a one-line error")
    func controlCharactersInName() throws {
        let path = Fixtures.path("fuzz/h5_newline_weight_name.h5")
        let error = try #require(throws: BilinError.self) { try ModelIO.load(path: path) }
        #expect(error.message.contains("\n"))
        let description = try #require(error.errorDescription)
        #expect(!description.unicodeScalars.contains { $0.value < 0x20 })
        #expect(description.hasPrefix("\(path): layer 'dense_1': weight '\\u{04}\\u{05}"))
        #expect(description.hasSuffix("\\n' is listed in weight_names but missing"))
    }
}
