import BilinTestSupport
import Foundation
import Testing

/// Issue 20, step 1: a converted model fine-tunes in Keras, data-parallel over 2 simulated devices
/// (`Examples/DistributedFineTune/fine_tune.py`), with no custom objects.
@Suite("distributed fine-tuning in Keras")
struct DistributedFineTuneTests {
    /// Converts `fixture` at scale 2 with a data-aware start into `converted` (its extension picks the format), then
    /// runs the example on it over 2 simulated CPU devices for a few steps and returns its JSON report.
    /// On a 2-core machine JAX's simulated devices deadlock in an all-reduce unless XLA's CPU thread pool has more
    /// threads than the 2 cores (`NPROC`, Docs/scale-out.md); the steps are bounded as well, to keep CI short.
    private func convertAndFineTune(_ fixture: String, to converted: String) throws -> [String: Any] {
        let folder = try TemporaryFolder()
        let run = try ToolRun.run([
            Fixtures.path(fixture), "--scale", "2", "--data", Fixtures.path("fmnist_sample.npz"), "-o", folder.file(converted), "--quiet",
        ])
        try #require(run.status == 0, "\(run.standardError)")
        try PythonOracle.run("Examples/DistributedFineTune/fine_tune.py", [
            folder.file(converted), "--data", Fixtures.path("fmnist_sample.npz"), "--steps", "12", "--batch-size", "64", "--lr", "0.003",
            "-o", folder.file("tuned.keras"), "--json", folder.file("keras.json"),
        ], environment: ["XLA_FLAGS": "--xla_force_host_platform_device_count=2", "JAX_PLATFORMS": "cpu", "NPROC": "4"])
        #expect(FileManager.default.fileExists(atPath: folder.file("tuned.keras")))
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder.file("keras.json")))) as! [String: Any]
        #expect(report["devices"] as? Int == 2)
        let before = try #require(report["loss_before"] as? Double), after = try #require(report["loss_after"] as? Double)
        #expect(after < before, "loss before \(before), after \(after)")
        return report
    }

    @Test("a converted CNN (.keras): factors and biases train, the fixed patch kernel stays bit-identical, the loss falls")
    func convolutionalKeras() throws {
        let report = try convertAndFineTune("fmnist_cnn.h5", to: "cnn.keras")
        // conv_1 (at scale 1: widening it would cost more than it saves), conv_2 and dense_1 as V, U and bias each,
        // logits (kernel, bias).
        #expect(report["trainable_weights"] as? Int == 11)
        // The one-hot patch kernels of the two bilinear convolutions.
        #expect(report["fixed_weights"] as? Int == 2)
        #expect(report["fixed_unchanged"] as? Bool == true)
    }

    @Test("a converted MLP (.h5): every weight trains and the loss falls")
    func denseH5() throws {
        let report = try convertAndFineTune("fmnist_mlp.h5", to: "mlp.h5")
        #expect(report["trainable_weights"] as? Int == 8)
        #expect(report["fixed_weights"] as? Int == 0)
    }
}
