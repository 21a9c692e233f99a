import Dispatch

/// Reads training batches on a background thread, one batch ahead of the trainer: while a step trains on one batch,
/// the next is read (and decoded) from its `ExampleSource`. Holds at most two batches.
final class BatchReader: @unchecked Sendable {
    private let source: any ExampleSource
    private let queue = DispatchQueue(label: "bilin-convert.batch-reader")
    /// The batch being read: set on the caller's thread, filled on `queue`, waited for by `take`.
    private var pending: PendingBatch?
    /// Seconds spent reading since the last `takeReadSeconds`, summed on the caller's thread.
    private var readSeconds = 0.0

    init(source: any ExampleSource) {
        self.source = source
    }

    /// Starts reading examples `indices`.
    /// - Precondition: the batch read before it was taken.
    func start(_ indices: [Int]) {
        precondition(pending == nil, "a batch is already being read")
        let batch = PendingBatch()
        pending = batch
        queue.async { [source] in
            let started = DispatchTime.now().uptimeNanoseconds
            batch.result = Result { try source.images(at: indices) }
            batch.seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            batch.done.signal()
        }
    }

    /// The batch started last, once read.
    func take() throws -> Tensor {
        guard let batch = pending else { preconditionFailure("no batch is being read") }
        batch.done.wait()
        pending = nil
        readSeconds += batch.seconds
        return try batch.result!.get()
    }

    /// The reading time summed since the last call, and resets it.
    func takeReadSeconds() -> Double {
        defer { readSeconds = 0 }
        return readSeconds
    }

    /// Lets a batch still being read finish before the reader goes (an error ended the run).
    deinit { pending?.done.wait() }
}

/// One batch in flight; written on the reader's queue before `done` is signalled, read after it is waited for.
private final class PendingBatch: @unchecked Sendable {
    let done = DispatchSemaphore(value: 0)
    var result: Result<Tensor, any Error>?
    var seconds = 0.0
}
