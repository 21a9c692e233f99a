import Foundation

/// Files of this process's own in /dev/shm, for readers that take a path.
public enum FuzzInput {
    /// `/dev/shm/bilin-fuzz-<pid>.<ext>`.
    public static func path(extension ext: String) -> String {
        "/dev/shm/bilin-fuzz-\(getpid()).\(ext)"
    }

    /// Writes `data` to `path(extension:)` (replacing it) and returns that path.
    public static func file(_ data: UnsafeRawBufferPointer, extension ext: String) -> String {
        let path = path(extension: ext)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot create \(path)")
        var written = 0
        while written < data.count {
            let count = write(descriptor, data.baseAddress! + written, data.count - written)
            precondition(count > 0, "cannot write \(path)")
            written += count
        }
        close(descriptor)
        return path
    }
}
