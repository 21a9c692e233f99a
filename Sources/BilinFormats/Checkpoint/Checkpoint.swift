import BilinCore

/// What `--checkpoint` saves after every epoch and `--resume` reads: where the fine-tuning stands, and the
/// fingerprint of the run it belongs to, so that a run with other inputs or options refuses it.
public struct Checkpoint: Sendable {
    /// What identifies the run, by name ("model", "training options", …); compared, never interpreted, here.
    public var fingerprint: [String: String]
    public var state: TrainingState

    public init(fingerprint: [String: String], state: TrainingState) {
        self.fingerprint = fingerprint
        self.state = state
    }
}
