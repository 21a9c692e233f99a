import Foundation

/// The peak memory of one run of the built tool, as GNU time (`/usr/bin/time`, Debian package `time`) reports it.
///
/// The tool cannot be measured as a child of the test process: Linux keeps a process's largest resident size across
/// `exec`, and a child spawned by the test process starts out with the test process's pages (shared by `vfork`,
/// copied by `fork`), hundreds of megabytes in a full test run. GNU time forks the tool from its own few megabytes.
public struct PeakMemory: Sendable {
    public static let timeCommand = "/usr/bin/time"
    public static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: timeCommand) }

    public var status: Int32
    /// The largest resident set size the tool reached.
    public var maximumResidentBytes: Int

    /// Runs `bilin-convert` with `arguments` under GNU time, its output discarded.
    public static func measure(_ arguments: [String]) throws -> PeakMemory {
        let report = FileManager.default.temporaryDirectory.appendingPathComponent("bilin-peak-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: report) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: timeCommand)
        process.arguments = ["--format=%M", "--output=\(report)", ToolRun.toolURL.path] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        // When the tool fails, GNU time writes "Command exited with non-zero status 1" before the figure.
        let lines = try String(contentsOfFile: report, encoding: .utf8).split(separator: "\n")
        guard let kilobytes = lines.last.flatMap({ Int($0) }) else {
            throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: report])
        }
        return PeakMemory(status: process.terminationStatus, maximumResidentBytes: kilobytes * 1024)
    }
}
