import BilinFormats
internal import CSignalPipe
import Foundation

/// Turns Ctrl-C (SIGINT) and SIGTERM into a clean stop: a thread reads the signals from `CSignalPipe`'s pipe and
/// hands them to `InterruptionGate.shared`, which waits for any file write under way to be refused and its temporary
/// file deleted. Then one line goes to stderr and the process exits with 128 + the signal number (130, 143), as a
/// shell reports a process killed by the signal.
enum SignalWatcher {
    static func install() {
        // Past a file-size limit (`ulimit -f`) a write then fails with EFBIG and is reported like a full disk,
        // instead of SIGXFSZ killing the process with its temporary file left behind.
        signal(SIGXFSZ, SIG_IGN)
        let signals = [SIGINT, SIGTERM]
        let readEnd = bilin_signal_pipe_open(signals, Int32(signals.count))
        guard readEnd >= 0 else { return }  // the default actions stay in force
        Thread.detachNewThread {
            var number: UInt8 = 0
            while true {
                let count = read(readEnd, &number, 1)
                if count == 1 {
                    InterruptionGate.shared.interrupt(signal: Int32(number), stop: stop)
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    return
                }
            }
        }
    }

    /// `_exit`, not `exit`: the main thread may still be running, and atexit handlers (libhdf5's) must not race it.
    private static func stop(signal: Int32, note: String?) {
        // On a terminal the progress line has no newline yet.
        let start = isatty(STDERR_FILENO) != 0 ? "\n" : ""
        let line = "\(start)Error: interrupted by \(InterruptionGate.name(of: signal))\(note.map { "; \($0)" } ?? "")\n"
        FileHandle.standardError.write(Data(line.utf8))
        _exit(128 + signal)
    }
}
