import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The peak memory of one run of the built tool, as the kernel accounts it to that process alone.
///
/// The tool is spawned and reaped here with `wait4`, whose resource usage covers exactly that child (the
/// `RUSAGE_CHILDREN` total would mix in every other tool run of the test process).
public struct PeakMemory: Sendable {
    public var status: Int32
    /// The largest resident set size the process reached.
    public var maximumResidentBytes: Int

    /// Runs `bilin-convert` with `arguments` (paths absolute: the working folder is the test's), its output
    /// discarded.
    public static func measure(_ arguments: [String]) throws -> PeakMemory {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for descriptor: Int32 in [1, 2] {
            posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", O_WRONLY, 0)
        }
        let command = [ToolRun.toolURL.path] + arguments
        let argv = command.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, command[0], &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EIO) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        }
        // `status` holds the exit code in bits 8–15 when the low 7 bits (the terminating signal) are 0.
        let exitStatus = status & 0x7F == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        return PeakMemory(status: exitStatus, maximumResidentBytes: usage.ru_maxrss * 1024)
    }
}
