import BilinCore
import BilinFormats

/// `--checkpoint` and `--resume` for one conversion: reads the state to continue from and checks that it belongs
/// to this run, and saves the state after every epoch.
///
/// A resumed run saves to `--checkpoint`, or else back to the file it resumed from, so that it can be resumed again.
final class TrainingCheckpoints {
    private let resumePath: String?
    private let savePath: String?
    private var fingerprint: [RunFingerprint.Entry]
    private let saved: Checkpoint?

    /// Reads `request.resume` and checks it against everything known before the model and data are loaded.
    ///
    /// - Throws: `BilinError` naming the checkpoint when the request cannot fine-tune, or the file cannot be read or
    ///   belongs to another run.
    init(_ request: ConvertRequest) throws {
        resumePath = request.resume
        savePath = request.checkpoint ?? request.resume
        guard let savePath else {
            (fingerprint, saved) = ([], nil)
            return
        }
        guard let data = request.data, request.training.epochs > 0 else {
            throw BilinError("saving or resuming fine-tuning needs --data and --epochs", file: savePath)
        }
        let output = request.output ?? BilinearConversion.defaultOutputPath(for: request.input)
        for (path, role) in [(request.input, "the model"), (output, "the output"), (data, "the data")]
        where BilinearConversion.sameFile(savePath, path) {
            throw BilinError("the checkpoint would replace \(role); choose another checkpoint path", file: savePath)
        }
        fingerprint = try RunFingerprint.entries(for: request)
        saved = try request.resume.map(CheckpointFile.read)
        try checkFingerprint()
    }

    /// The state to continue from, once the data is known: checked against the data and the network.
    ///
    /// - Throws: `BilinError` naming the checkpoint when it belongs to another run or does not fit `network`.
    func resumeState(data: DataFeed, network: Network, options: TrainingOptions, events: ConversionEvents) throws -> TrainingState? {
        guard savePath != nil else { return nil }
        fingerprint.append(try RunFingerprint.entry(for: data.train))
        try checkFingerprint()
        guard let saved, let resumePath else { return nil }
        if let reason = saved.state.mismatch(
            parameters: network.variables, optimizer: options.optimizer, examples: data.train.count, epochs: options.epochs) {
            throw BilinError("does not fit this run: \(reason)", file: resumePath)
        }
        events.stage("resuming from \(resumePath) after epoch \(saved.state.epoch)")
        return saved.state
    }

    /// Saves `state` where asked, atomically; an interruption from now on says how to resume. (The note names no
    /// epoch: an interruption may come between the file's rename and this call.)
    func save(_ state: TrainingState, events: ConversionEvents) throws {
        guard let savePath else { return }
        events.stage("saving \(savePath) (epoch \(state.epoch))")
        try CheckpointFile.write(
            Checkpoint(fingerprint: Dictionary(fingerprint.map { ($0.name, $0.value) }, uniquingKeysWith: { $1 }), state: state),
            to: savePath)
        InterruptionGate.shared.setNote("--resume \(savePath) continues from the last epoch saved")
    }

    private func checkFingerprint() throws {
        guard let saved, let resumePath else { return }
        if let difference = RunFingerprint.difference(saved: saved.fingerprint, expected: fingerprint) {
            throw BilinError("the checkpoint belongs to another run: \(difference)", file: resumePath)
        }
    }
}
