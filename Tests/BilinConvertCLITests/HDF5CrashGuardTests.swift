import BilinTestSupport
import Foundation
import Testing

/// Corrupted .h5 files on which libhdf5 1.10 itself fails (found by fuzz-keras-h5, kept in fixtures/fuzz/): the tool
/// still ends with its one-line error and exit 1 (HDF5CrashGuard).
@Suite("libhdf5 crashes and hangs")
struct HDF5CrashGuardTests {
    /// Runs `env <environment> bilin-convert inspect <copy of fixture>`; checks exit 1, no output and the folder
    /// unchanged, and returns the copy's path and stderr.
    private func inspectFailure(_ fixture: String, environment: [String] = []) throws -> (model: String, error: String) {
        let folder = try TemporaryFolder()
        let model = folder.file("model.h5")
        try FileManager.default.copyItem(atPath: Fixtures.path(fixture), toPath: model)
        let contents = try folder.contents()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = environment + [ToolRun.toolURL.path, "inspect", model]
        let (output, error) = (Pipe(), Pipe())
        (process.standardOutput, process.standardError) = (output, error)
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 1)
        #expect(outputData.isEmpty)
        #expect(try folder.contents() == contents)
        return (model, String(decoding: errorData, as: UTF8.self))
    }

    @Test("libhdf5 corrupts its heap and glibc aborts")
    func abort() throws {
        let (model, error) = try inspectFailure("fuzz/h5_libhdf5_abort.h5")
        // glibc prints its own diagnostic ("free(): invalid pointer") before aborting; ours is the last line.
        #expect(error.hasSuffix("\nError: \(model): the HDF5 library crashed reading the file (corrupted HDF5 data)\n"))
    }

    @Test("libhdf5 loops forever on a corrupted global heap")
    func hang() throws {
        let (model, error) = try inspectFailure("fuzz/h5_libhdf5_hang.h5", environment: ["BILIN_HDF5_TIME_LIMIT=2"])
        #expect(error == "Error: \(model): the HDF5 library did not finish reading the file in 2 s of CPU time "
                + "(corrupted HDF5 data, or set BILIN_HDF5_TIME_LIMIT to more seconds)\n")
    }
}
