/// Pointers (or any value) handed to the workers of `DispatchQueue.concurrentPerform`, whose closure must be
/// `@Sendable`. The caller guarantees the workers use it without data races: each writes only its own part of the
/// memory behind it.
struct WorkerShared<Value>: @unchecked Sendable {
    let value: Value
}
