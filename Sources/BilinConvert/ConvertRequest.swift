import BilinCore
import BilinFormats

/// One conversion as a user asks for it: which file, where to, how to convert and fine-tune, on which data.
public struct ConvertRequest: Sendable {
    public var input: String
    /// `nil`: `<stem>.bilinear.<ext>` beside the input (`BilinearConversion.defaultOutputPath(for:)`).
    public var output: String?
    public var conversion: ConversionOptions
    public var training: TrainingOptions
    /// A dataset folder or file (`DatasetLoader`); without one the model is converted but not fine-tuned or scored.
    public var data: String?
    public var normalization: Normalization?
    /// Save the fine-tuning state here after every epoch, for `resume` (`CheckpointFile`).
    public var checkpoint: String?
    /// Continue the fine-tuning saved in this checkpoint, which must come from the same model, data and options.
    public var resume: String?
    /// How many training inputs, the first ones, the data-aware start fits to; it holds their activations in memory.
    public var calibrationExamples = defaultCalibrationExamples
    /// Enough examples to fit a layer of a few thousand inputs; the fit's cost grows linearly with the count.
    public static let defaultCalibrationExamples = 10_000
    /// Leave out the images of an image folder that do not decode (each is decoded once first), instead of failing.
    public var skipBadImages = false
    /// Convert weights holding NaN or infinite values, with a warning for each, instead of refusing the model.
    public var allowNonfinite = false

    public init(
        input: String, output: String? = nil, conversion: ConversionOptions = ConversionOptions(),
        training: TrainingOptions = TrainingOptions(), data: String? = nil, normalization: Normalization? = nil
    ) {
        self.input = input
        self.output = output
        self.conversion = conversion
        self.training = training
        self.data = data
        self.normalization = normalization
    }
}

/// Callbacks for a long conversion; every one is optional.
public struct ConversionEvents {
    /// After each training batch.
    public var progress: (TrainingProgress) -> Void
    /// After each epoch, and once before training (epoch 0).
    public var epochEnded: (EpochRecord) -> Void
    /// A stage starts ("loading data", "fine-tuning", …).
    public var stage: (String) -> Void
    /// Something is wrong but the job goes on (a weight holding NaN with `allowNonfinite`): one line, naming the file.
    public var warning: (String) -> Void = { _ in }

    public init(
        progress: @escaping (TrainingProgress) -> Void = { _ in }, epochEnded: @escaping (EpochRecord) -> Void = { _ in },
        stage: @escaping (String) -> Void = { _ in }
    ) {
        self.progress = progress
        self.epochEnded = epochEnded
        self.stage = stage
    }
}
