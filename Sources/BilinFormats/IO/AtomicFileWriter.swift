import BilinCore
import Foundation

/// Replaces a file all at once: the new contents go to a temporary file in the same folder, which is then renamed
/// over the target (`rename(2)` is atomic within a file system). On any error the temporary file is removed and
/// whatever was at the target before is left as it was.
///
/// Refusing to overwrite a model's own source file is the caller's job.
public enum AtomicFileWriter {
    /// Calls `write` with a path in `path`'s folder where nothing exists yet, then flushes what `write` left there to
    /// disk and renames it to `path`.
    ///
    /// - Parameter write: Creates the file at the temporary path. A `BilinError` it throws that names the temporary
    ///   file is rethrown naming `path` instead.
    /// - Throws: `BilinError` naming `path` when its folder does not exist, `write` fails or leaves no file, or the
    ///   rename fails.
    public static func write(to path: String, using write: (_ temporaryPath: String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder), isFolder.boolValue else {
            throw BilinError("cannot write: folder \(folder) does not exist", file: path)
        }
        let temporaryPath = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(String(UInt64.random(in: 0...UInt64.max), radix: 36)).tmp").path
        do {
            try write(temporaryPath)
            try synchronize(temporaryPath, target: path)
            guard rename(temporaryPath, path) == 0 else {
                throw BilinError("cannot write: \(String(cString: strerror(errno)))", file: path)
            }
        } catch {
            unlink(temporaryPath)
            if let error = error as? BilinError, error.file == temporaryPath {
                throw BilinError(error.message, file: path)
            }
            throw error
        }
    }

    /// Writes `bytes` to `path` atomically.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { temporaryPath in
            do {
                try Data(bytes).write(to: URL(fileURLWithPath: temporaryPath))
            } catch {
                throw BilinError("cannot write: \(error.localizedDescription)", file: path)
            }
        }
    }

    /// Flushes the file at `temporaryPath` to disk, so that the rename never exposes a file whose data is still
    /// only in memory.
    private static func synchronize(_ temporaryPath: String, target: String) throws {
        let descriptor = open(temporaryPath, O_RDONLY)
        guard descriptor >= 0 else { throw BilinError("cannot write: the new file was not created", file: target) }
        defer { close(descriptor) }
        guard fsync(descriptor) == 0 else {
            throw BilinError("cannot write: \(String(cString: strerror(errno)))", file: target)
        }
    }
}
