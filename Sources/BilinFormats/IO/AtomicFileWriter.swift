import BilinCore
import Foundation

/// Replaces a file all at once: the new contents go to a temporary file in the same folder, which is flushed to disk
/// and then renamed over the target (`rename(2)` is atomic within a file system). On any error — a full disk, a
/// read-only folder, an interruption (`InterruptionGate`) — the temporary file is removed and whatever was at the
/// target before is left as it was.
///
/// Refusing to overwrite a model's own source file is the caller's job.
public enum AtomicFileWriter {
    /// Creates a temporary file beside `path`, lets `write` fill it, then flushes it to disk and renames it to `path`.
    ///
    /// - Parameters:
    ///   - gate: Holds an interruption back until the file is renamed or removed.
    ///   - write: Appends the contents; its `OutputFile` reports failures as "cannot write: …" naming `path`.
    /// - Throws: `BilinError` naming `path` when its folder does not exist, the temporary file cannot be created,
    ///   `write` fails, the flush or the rename fails, or the job was interrupted.
    public static func write(
        to path: String, gate: InterruptionGate = .shared, using write: (OutputFile) throws -> Void
    ) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw BilinError("cannot write: folder \(folder) does not exist", file: path)
        }
        let temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(String(UInt64.random(in: 0...UInt64.max), radix: 36)).tmp").path
        try gate.begin(temporaryPath, target: path)
        defer { gate.end(temporaryPath) }
        let file = try OutputFile(creating: temporaryPath, reportingAs: path)
        do {
            try write(file)
            try file.finish()
            try gate.commit(target: path) {
                guard rename(temporaryPath, path) == 0 else {
                    throw BilinError("cannot write: \(String(cString: strerror(errno)))", file: path)
                }
            }
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String, gate: InterruptionGate = .shared) throws {
        try write(to: path, gate: gate) { try $0.write(bytes) }
    }
}
