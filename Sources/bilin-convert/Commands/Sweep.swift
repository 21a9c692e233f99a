import ArgumentParser
import BilinConvert
import BilinCore
import BilinFormats
import Foundation

extension BilinConvertCommand {
    struct Sweep: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Convert and fine-tune at several scales, next to the same networks trained from scratch; table and SVG plot.",
            discussion: """
                Writes the models to --output-dir, the plot of test accuracy against parameters and against bytes on disk
                to --svg, and prints a table.
                Example:
                  bilin-convert sweep fixtures/fmnist_mlp.h5 --scales 1,2,3,4 --data /usr/share/datasets/fashion-mnist --epochs 3
                """)

        @Argument(help: "A Keras .h5 or .keras model, or an ONNX .onnx model.")
        var model: String

        @Option(help: ArgumentHelp("The scales to convert at.", valueName: "s,s,…"))
        var scales = "1,2,3,4"

        @Option(name: .customLong("output-dir"), help: ArgumentHelp("Where the models go (default: <stem>.sweep beside the model).", valueName: "folder"))
        var outputFolder: String?

        @Option(help: ArgumentHelp("Where the plot goes (default: <output-dir>/sweep.svg).", valueName: "path"))
        var svg: String?

        @Flag(name: .customLong("no-scratch"), help: "Skip the from-scratch baseline.")
        var noScratch = false

        @OptionGroup var data: DataOptions
        @OptionGroup var training: TrainingOptionGroup

        @Option(help: "Seed for the starts, shuffling and dropout.")
        var seed: UInt64 = 0

        @Option(name: .customLong("init"), help: ArgumentHelp("How converted layers start (see convert --help).", valueName: "data|nkp|random"))
        var initialization: Initialization?

        @Option(help: ArgumentHelp("Also write the results as JSON to this path.", valueName: "path"))
        var json: String?

        @Flag(help: "No progress on stderr.")
        var quiet = false

        func validate() throws {
            guard data.data != nil else { throw ValidationError("a sweep needs --data: it compares test accuracy") }
            guard let parsed = parsedScales, !parsed.isEmpty, parsed.allSatisfy({ $0 >= 1 }) else {
                throw ValidationError("--scales must be a comma-separated list of integers ≥ 1, like 1,2,4")
            }
        }

        private var parsedScales: [Int]? {
            let parts = scales.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            return parts.contains(nil) ? nil : parts.compactMap { $0 }
        }

        func run() throws {
            let printer = ProgressPrinter(quiet: quiet)
            let url = URL(fileURLWithPath: model)
            let folder = outputFolder ?? url.deletingLastPathComponent()
                .appendingPathComponent("\(url.deletingPathExtension().lastPathComponent).sweep").path
            var base = ConvertRequest(
                input: model, conversion: ConversionOptions(initialization: initialization, seed: seed),
                training: training.trainingOptions(seed: seed), data: data.data, normalization: try data.normalization())
            base.skipBadImages = data.skipBadImages
            let result = try ScaleSweep.run(
                ScaleSweep.Request(base: base, scales: parsedScales ?? [], withScratch: !noScratch, folder: folder),
                events: ConversionEvents(progress: printer.batch, epochEnded: printer.epoch, stage: printer.stage))
            print(result.renderText(), terminator: "")
            let plot = svg ?? URL(fileURLWithPath: folder).appendingPathComponent("sweep.svg").path
            try AtomicFileWriter.write(Array(SweepPlot.svg(result).utf8), to: plot)
            print("plot: \(plot)")
            if let json { try ReportOutput.writeJSON(result, to: json) }
        }
    }
}
