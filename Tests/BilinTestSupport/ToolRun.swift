import Foundation

/// The result of running the built `bilin-convert` tool.
public struct ToolRun: Sendable {
    public var status: Int32
    public var standardOutput: String
    public var standardError: String

    /// Runs `bilin-convert` (built beside the test binary) with `arguments` in `directory`.
    ///
    /// - Parameter wrapper: A command that runs the tool, given as its arguments (`prlimit`, `setpriv`), if any.
    public static func run(_ arguments: [String], in directory: URL? = nil, through wrapper: [String] = []) throws -> ToolRun {
        let process = Process()
        let command = wrapper + [toolURL.path] + arguments
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        if let directory { process.currentDirectoryURL = directory }
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        // Read both pipes before waiting, so a full pipe cannot stall the tool.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return ToolRun(
            status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData, as: UTF8.self))
    }

    /// SwiftPM puts the tool in the same folder as the test binary.
    public static let toolURL = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("bilin-convert")
}

extension String {
    /// The text with every run of spaces folded to one, for matching table rows without their column widths.
    public var foldingSpaces: String {
        split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            .joined(separator: "\n")
    }
}
