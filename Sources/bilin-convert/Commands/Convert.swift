import ArgumentParser
import BilinConvert
import BilinCore
import Foundation

extension BilinConvertCommand {
    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert a model's dense layers to bilinear projections, fine-tune, and write the result.",
            discussion: """
                The output is MODEL's folder/<stem>.bilinear.<ext> unless -o says otherwise; the input is never written.
                Example:
                  bilin-convert fixtures/fmnist_mlp.h5 --scale 2 --data /usr/share/datasets/fashion-mnist --epochs 3
                """)

        @Argument(help: "A Keras .h5 or .keras model, or an ONNX .onnx model.")
        var model: String

        // Unconditional, so that `--scale -1` reaches the check below instead of reading as a missing value.
        @Option(parsing: .unconditional, help: "Widen each converted layer's outputs by scale² (1: same width).")
        var scale = 1

        @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the converted model; the extension picks the format.", valueName: "path"))
        var output: String?

        @OptionGroup var data: DataOptions
        @OptionGroup var training: TrainingOptionGroup
        @OptionGroup var checkpointing: CheckpointOptions

        @Option(help: "Seed for the random start, shuffling and dropout.")
        var seed: UInt64 = 0

        @Option(help: ArgumentHelp("Convert only these Dense and Conv2D layers.", valueName: "name,name"))
        var layers: String?

        @Flag(help: "Convert the last Dense layer too (at scale 1, so the outputs stay the same).")
        var convertLast = false

        @Option(name: .customLong("init"), help: ArgumentHelp(
            "How converted layers start: data = fitted to the original layers' outputs on the --data inputs, nkp = nearest Kronecker product of the trained weights, random = from scratch (default: data with --data, else nkp).",
            valueName: "data|nkp|random"))
        var initialization: Initialization?

        @Option(help: ArgumentHelp(
            "Shrink the data-aware start's outputs by this factor per layer before fine-tuning; it keeps every prediction and lets fine-tuning move further (1: keep the fit as it is).",
            valueName: "factor"))
        var shrink: Float = ConversionOptions().shrink

        @Option(help: ArgumentHelp(
            "Training inputs the data-aware start fits to, the first N; its memory grows with N (default: 10000).",
            valueName: "N"))
        var calibrationExamples = ConvertRequest.defaultCalibrationExamples

        @Option(help: "How the layer after a widened one starts reading its wider input.")
        var widening: Widening = ConversionOptions().widening

        @Option(help: ArgumentHelp("Also write the report as JSON to this path.", valueName: "path"))
        var json: String?

        @Flag(help: "Convert weights holding NaN or infinite values (a warning for each) instead of refusing the model.")
        var allowNonfinite = false

        @Flag(help: "No progress on stderr.")
        var quiet = false

        func validate() throws {
            guard scale >= 1 else { throw ValidationError("--scale must be at least 1") }
            guard shrink > 0, shrink <= 1 else { throw ValidationError("--shrink must be in (0, 1]") }
            guard calibrationExamples >= 1 else { throw ValidationError("--calibration-examples must be at least 1") }
            if let layers, layers.split(separator: ",").isEmpty { throw ValidationError("--layers needs at least one layer name") }
        }

        func run() throws {
            let printer = ProgressPrinter(quiet: quiet)
            var request = ConvertRequest(
                input: model, output: output,
                conversion: ConversionOptions(
                    scale: scale, layerNames: layers.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } },
                    convertLast: convertLast, initialization: initialization, widening: widening, seed: seed,
                    shrink: shrink),
                training: training.trainingOptions(seed: seed), data: data.data, normalization: try data.normalization())
            request.allowNonfinite = allowNonfinite
            request.skipBadImages = data.skipBadImages
            request.calibrationExamples = calibrationExamples
            checkpointing.apply(to: &request)
            var events = ConversionEvents(progress: printer.batch, epochEnded: printer.epoch, stage: printer.stage)
            events.warning = printer.warning
            let report = try BilinearConversion.run(request, events: events)
            try ReportOutput.emit(report, json: json)
        }
    }
}
