import BilinCore
import Foundation

/// Turns a crash or a hang inside libhdf5 while it reads a file into the product's one-line error and exit status 1.
///
/// libhdf5 1.10 (Debian 12) dereferences wild pointers and loops forever on some corrupted files, deep in its own code
/// where no check of ours can come first (fuzzing finds such files within minutes; Docs/robustness.md). While
/// `reading(file:)` runs:
/// - SIGSEGV, SIGBUS, SIGFPE and SIGABRT (glibc aborts on the heap libhdf5 corrupts) print `Error: <file>: the HDF5 library crashed reading the file (corrupted HDF5 data)`;
/// - a read that has used `timeLimit(bytes:)` seconds of processor time prints `Error: <file>: the HDF5 library did not
///   finish reading the file in <n> s of CPU time (corrupted HDF5 data, or set BILIN_HDF5_TIME_LIMIT to more seconds)`;
///   processor time, not wall time, so that a loaded machine or a slow disk never trips it while a libhdf5 loop does;
/// then the process ends with status 1. Models are read before anything is written, so no partial output is left.
/// Swift's own traps (SIGILL, SIGTRAP) are not caught: those are our bugs and must stay visible.
///
/// The signal handlers and the timer are process-wide, so guarded reads take turns: a lock holds each one (another
/// thread's read would otherwise restore a timer this one armed, which then fires after both have finished).
enum HDF5CrashGuard {
    /// Recursive: a `.keras` read may read its weights file inside its own guarded read.
    private static let turn = NSRecursiveLock()

    private static let crashSignals = [SIGSEGV, SIGBUS, SIGFPE, SIGABRT]
    private static let alternateStackSize = 1 << 16
    /// Counts the process's processor time (user and system) and raises SIGPROF; it leaves ITIMER_REAL and SIGALRM to
    /// callers (libFuzzer's -timeout uses them).
    private static let processorTimer = __itimer_which_t(ITIMER_PROF.rawValue)

    /// The lines the handlers write, set before they are installed (a handler may only call write and _exit).
    nonisolated(unsafe) private static var crashLine = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)
    nonisolated(unsafe) private static var timeoutLine = UnsafeMutableBufferPointer<UInt8>(start: nil, count: 0)

    /// Processor seconds a read of a file of `bytes` may take: 120 s plus 1 s per 2 MB (libhdf5 reads hundreds of MB a second),
    /// or `BILIN_HDF5_TIME_LIMIT` seconds when that is set.
    static func timeLimit(bytes: Int) -> Int {
        if let text = ProcessInfo.processInfo.environment["BILIN_HDF5_TIME_LIMIT"], let seconds = Int(text), seconds > 0 {
            return seconds
        }
        return 120 + bytes / 2_000_000
    }

    static func reading<Result>(file: String, _ body: () throws -> Result) rethrows -> Result {
        turn.lock()
        defer { turn.unlock() }
        let bytes = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0
        let seconds = timeLimit(bytes: bytes)
        let previousLines = (crashLine, timeoutLine)
        crashLine = line("the HDF5 library crashed reading the file (corrupted HDF5 data)", file: file)
        timeoutLine = line("the HDF5 library did not finish reading the file in \(seconds) s of CPU time "
                           + "(corrupted HDF5 data, or set BILIN_HDF5_TIME_LIMIT to more seconds)", file: file)
        // A crash may be a stack overflow in libhdf5's recursion: the handler runs on a stack of its own.
        let stack = UnsafeMutableRawPointer.allocate(byteCount: alternateStackSize, alignment: 16)
        var alternate = stack_t(ss_sp: stack, ss_flags: 0, ss_size: alternateStackSize)
        var previousStack = stack_t()
        sigaltstack(&alternate, &previousStack)
        var crash = action { _ in HDF5CrashGuard.exit(with: HDF5CrashGuard.crashLine) }
        var previousCrashActions = Array(repeating: sigaction(), count: crashSignals.count)
        for (index, signal) in crashSignals.enumerated() { sigaction(signal, &crash, &previousCrashActions[index]) }
        var timeout = action { _ in HDF5CrashGuard.exit(with: HDF5CrashGuard.timeoutLine) }
        var previousTimeoutAction = sigaction()
        sigaction(SIGPROF, &timeout, &previousTimeoutAction)
        // A parent may have blocked these signals (Foundation's Process passes its mask on to the child it spawns).
        var guarded = sigset_t()
        sigemptyset(&guarded)
        for signal in crashSignals + [SIGPROF] { sigaddset(&guarded, signal) }
        var previousMask = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &guarded, &previousMask)
        var timer = itimerval(it_interval: timeval(), it_value: timeval(tv_sec: seconds, tv_usec: 0))
        var previousTimer = itimerval()
        setitimer(processorTimer, &timer, &previousTimer)
        defer {
            // Disarmed before the previous handler is back, and the previous timer (a caller's own) only after, so
            // that it cannot fire into our handler.
            var disarmed = itimerval()
            setitimer(processorTimer, &disarmed, nil)
            sigaction(SIGPROF, &previousTimeoutAction, nil)
            setitimer(processorTimer, &previousTimer, nil)
            pthread_sigmask(SIG_SETMASK, &previousMask, nil)
            for (index, signal) in crashSignals.enumerated() { sigaction(signal, &previousCrashActions[index], nil) }
            sigaltstack(&previousStack, nil)
            stack.deallocate()
            crashLine.deallocate()
            timeoutLine.deallocate()
            (crashLine, timeoutLine) = previousLines
        }
        return try body()
    }

    /// `Error: <file>: <message>` and a newline, as the command line prints a `BilinError`, in a buffer of its own.
    private static func line(_ message: String, file: String) -> UnsafeMutableBufferPointer<UInt8> {
        let bytes = Array("Error: \(BilinError(message, file: file).errorDescription ?? message)\n".utf8)
        let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
        _ = buffer.initialize(from: bytes)
        return buffer
    }

    private static func action(_ handler: @escaping @convention(c) (Int32) -> Void) -> sigaction {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = handler
        action.sa_flags = SA_ONSTACK
        sigemptyset(&action.sa_mask)
        return action
    }

    /// Writes `line` to stderr and ends the process with status 1; async-signal-safe.
    private static func exit(with line: UnsafeMutableBufferPointer<UInt8>) -> Never {
        _ = write(STDERR_FILENO, line.baseAddress, line.count)
        _exit(1)
    }
}
