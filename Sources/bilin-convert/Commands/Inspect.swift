import ArgumentParser
import BilinConvert
import BilinCore
import Foundation

extension BilinConvertCommand {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a model's layers, and what a conversion at scales 1 to 4 would do, without converting.",
            discussion: """
                Example:
                  bilin-convert inspect fixtures/fmnist_mlp.h5
                  bilin-convert inspect fixtures/fmnist_mlp.h5 --json inspect.json
                """)

        @Argument(help: "A Keras .h5 or .keras model, or an ONNX .onnx model.")
        var model: String

        @Option(help: ArgumentHelp("Also write the inspection as JSON to this path.", valueName: "path"))
        var json: String?

        func run() throws {
            let inspection = try ModelInspection(path: model)
            // ONNX layers can also be named by their weight initializers: a column for those when there are any.
            let withAliases = inspection.layers.contains { !$0.aliases.isEmpty }
            print(TableRenderer(
                header: ["layer", "kind", "output shape", "params", "bytes"] + (withAliases ? ["weights (also accepted by --layers)"] : []),
                rows: inspection.layers.map { layer in
                    [layer.name, layer.kind, layer.outputShape.map { $0.map(String.init).joined(separator: "×") } ?? "?", "\(layer.params)", "\(layer.bytes)"]
                        + (withAliases ? [layer.aliases.joined(separator: ", ")] : [])
                }
            ).render())
            print(TableRenderer(
                header: ["scale", "converts", "params before", "params after", "saved", "ratio"],
                rows: inspection.scales.map { option in
                    [
                        "\(option.scale)", option.converts.isEmpty ? "none" : option.converts.joined(separator: ", "),
                        "\(option.paramsBefore)", "\(option.paramsAfter)", "\(option.paramsSaved)",
                        option.converts.isEmpty || option.paramsAfter == 0
                            ? "—" : String(format: "%.1f×", Double(option.paramsBefore) / Double(option.paramsAfter)),
                    ]
                }
            ).render(), terminator: "")
            let skipped = Set(inspection.scales.flatMap { $0.skipped.map { "\($0.key): \($0.value)" } }).sorted()
            for line in skipped { print("stays dense: \(line)") }
            for option in inspection.scales {
                for (name, reason) in option.unwidened.sorted(by: { $0.key < $1.key }) {
                    print("at scale \(option.scale), \(name) converts at scale 1: \(reason)")
                }
            }
            if let json { try ReportOutput.writeJSON(inspection, to: json) }
        }
    }
}
