import ArgumentParser
import BilinConvert

/// Saving fine-tuning after every epoch, and continuing it after an interruption.
struct CheckpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp("After every epoch, save the fine-tuning state to this file (replaced atomically).", valueName: "path"))
    var checkpoint: String?

    @Option(help: ArgumentHelp(
        "Continue the fine-tuning saved in this checkpoint; give the same model, --data and options as the run that saved it. Saves back to it unless --checkpoint names another file.",
        valueName: "path"))
    var resume: String?

    func apply(to request: inout ConvertRequest) {
        request.checkpoint = checkpoint
        request.resume = resume
    }
}
