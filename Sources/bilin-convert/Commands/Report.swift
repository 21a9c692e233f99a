import ArgumentParser
import BilinConvert

extension BilinConvertCommand {
    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare two models side by side: parameters, bytes on disk, test accuracy and inference time.",
            discussion: """
                Example:
                  bilin-convert report fixtures/fmnist_mlp.h5 fixtures/fmnist_mlp.bilinear.h5 --data /usr/share/datasets/fashion-mnist
                """)

        @Argument(help: "The original model.")
        var original: String

        @Argument(help: "The converted model.")
        var converted: String

        @OptionGroup var data: DataOptions

        @Option(help: ArgumentHelp("Also write the report as JSON to this path.", valueName: "path"))
        var json: String?

        func run() throws {
            let report = try BilinearConversion.compare(
                original: original, converted: converted, data: data.data, normalization: try data.normalization(),
                skipBadImages: data.skipBadImages)
            try ReportOutput.emit(report, json: json)
        }
    }
}
