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
}
