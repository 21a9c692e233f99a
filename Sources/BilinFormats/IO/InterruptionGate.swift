import BilinCore
import Foundation

/// Lets an interruption (Ctrl-C, SIGTERM) end the process only when no `AtomicFileWriter` write is under way, so
/// that neither a partial output nor a temporary file is ever left behind.
///
/// A signal-watching thread (the command line's `SignalWatcher`) calls `interrupt(signal:stop:)`. With no write in
/// progress, `stop` runs at once; otherwise the writes in progress are refused at their rename, delete their
/// temporary files, and the last one to finish runs `stop`. `stop` runs with the gate's lock held, so no new write
/// can start while the process goes away. Nothing here runs in a signal handler.
public final class InterruptionGate: @unchecked Sendable {
    /// The gate `AtomicFileWriter` uses unless told otherwise.
    public static let shared = InterruptionGate()

    private let lock = NSLock()
    private var writesInProgress: Set<String> = []
    private var interruption: (signal: Int32, stop: @Sendable (Int32, String?) -> Void)?
    private var note: String?

    public init() {}

    /// Ends the job for `signal`: `stop(signal, note)` is called once no write is in progress, with the last
    /// `setNote` text. A second interruption while the first waits is ignored.
    public func interrupt(signal: Int32, stop: @escaping @Sendable (_ signal: Int32, _ note: String?) -> Void) {
        lock.lock()
        defer { lock.unlock() }
        guard interruption == nil else { return }
        interruption = (signal, stop)
        if writesInProgress.isEmpty { stop(signal, note) }
    }

    /// Sets what the interruption message should add (such as how to resume), or clears it with `nil`.
    public func setNote(_ text: String?) {
        lock.lock()
        defer { lock.unlock() }
        note = text
    }

    /// Records a write to `temporaryPath` about to start.
    ///
    /// - Throws: `BilinError` naming `target` once the job has been interrupted.
    func begin(_ temporaryPath: String, target: String) throws {
        lock.lock()
        defer { lock.unlock() }
        try refuseIfInterrupted(target)
        writesInProgress.insert(temporaryPath)
    }

    /// Runs `rename` (which makes the write visible) unless the job has been interrupted meanwhile.
    func commit(target: String, rename: () throws -> Void) throws {
        lock.lock()
        defer { lock.unlock() }
        try refuseIfInterrupted(target)
        try rename()
    }

    /// Records that the write to `temporaryPath` is over, its file renamed or deleted; stops the process if an
    /// interruption was waiting for it.
    func end(_ temporaryPath: String) {
        lock.lock()
        defer { lock.unlock() }
        writesInProgress.remove(temporaryPath)
        if let interruption, writesInProgress.isEmpty { interruption.stop(interruption.signal, note) }
    }

    private func refuseIfInterrupted(_ target: String) throws {
        if let interruption {
            throw BilinError("not written: interrupted by \(Self.name(of: interruption.signal))", file: target)
        }
    }

    /// `SIGINT`, `SIGTERM`, or `signal N`.
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}
