import BilinTestSupport
import Foundation
import Testing

/// The SwiftPM command plugin, used from the sample package `Examples/PluginSample` as a package author would.
@Suite("command plugin")
struct PluginTests {
    @Test("swift package bilin-convert converts a model the package ships", .timeLimit(.minutes(20)))
    func pluginConverts() throws {
        let sample = Fixtures.root.appendingPathComponent("Examples/PluginSample")
        let output = "Models/plugin-test-\(UUID().uuidString).h5"
        defer { try? FileManager.default.removeItem(at: sample.appendingPathComponent(output)) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "swift", "package", "--package-path", sample.path, "--allow-writing-to-package-directory",
            "bilin-convert", "Models/tiny_mlp.h5", "--scale", "2", "-o", output, "--quiet",
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let log = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(log)")
        #expect(log.foldingSpaces.contains("dense_1 Dense → BilinearProjection 784→96 → 28×28→16×24 75360 → 1504"))
        #expect(FileManager.default.fileExists(atPath: sample.appendingPathComponent(output).path))
    }
}
