import Foundation

/// The built `bilin-convert` running in the background, to be signalled once its stderr shows a given text.
public final class RunningTool {
    private let process = Process()
    private let errorPipe = Pipe()
    private let outputPipe = Pipe()
    private var errorText = Data()

    /// Starts the tool with `arguments`.
    public init(_ arguments: [String]) throws {
        process.executableURL = ToolRun.toolURL
        process.arguments = arguments
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        try process.run()
    }

    /// A tool a failed test left running is killed.
    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Reads stderr until it contains `text`; false when the tool's stderr ends first.
    public func waitForStandardError(containing text: String) -> Bool {
        let wanted = Data(text.utf8)
        while errorText.range(of: wanted) == nil {
            let chunk = errorPipe.fileHandleForReading.availableData
            if chunk.isEmpty { return false }
            errorText.append(chunk)
        }
        return true
    }

    /// Sends `signal` to the tool.
    public func send(_ signal: Int32) {
        kill(process.processIdentifier, signal)
    }

    /// Waits for the tool to end and returns what it did.
    public func finish() -> ToolRun {
        let output = outputPipe.fileHandleForReading.readDataToEndOfFile()
        errorText.append(errorPipe.fileHandleForReading.readDataToEndOfFile())
        process.waitUntilExit()
        return ToolRun(
            status: process.terminationStatus, standardOutput: String(decoding: output, as: UTF8.self),
            standardError: String(decoding: errorText, as: UTF8.self))
    }
}
