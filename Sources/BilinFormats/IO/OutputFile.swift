import BilinCore
import Foundation

/// A new file written through plain POSIX calls, every one checked: a failed or short `write(2)` (a full disk, a
/// file-size limit), or a failing `fsync(2)` or `close(2)`, throws "cannot write: <reason>" naming the file the user
/// asked for. Buffered writers (C `FILE*`, and so ZIPFoundation and libhdf5 on disk) can drop such a failure at close,
/// which is why every export builds its bytes in memory and writes them here.
///
/// Made by `AtomicFileWriter`, which owns the temporary file behind it.
public final class OutputFile {
    private var descriptor: Int32
    /// The file named in errors: the target, not the temporary file.
    private let reportedPath: String

    /// Creates the file at `path`, which must not exist yet.
    init(creating path: String, reportingAs reportedPath: String) throws {
        self.reportedPath = reportedPath
        descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        guard descriptor >= 0 else { throw Self.failure(reportedPath) }
    }

    deinit {
        if descriptor >= 0 { close(descriptor) }
    }

    /// Appends `bytes`.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw Self.failure(reportedPath)
            }
            // A short write is retried; the retry reports why the rest does not fit (ENOSPC, EFBIG).
            offset += written
        }
    }

    /// Appends `bytes`.
    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Flushes the file to disk and closes it, so that a later rename never exposes data still only in memory.
    func finish() throws {
        var failure = fsync(descriptor) == 0 ? nil : Self.failure(reportedPath)
        // Linux releases the descriptor even when close fails, so it is never closed twice.
        if close(descriptor) != 0 && failure == nil { failure = Self.failure(reportedPath) }
        descriptor = -1
        if let failure { throw failure }
    }

    /// The error for the call that just failed, from `errno`.
    private static func failure(_ path: String) -> BilinError {
        BilinError("cannot write: \(String(cString: strerror(errno)))", file: path)
    }
}
