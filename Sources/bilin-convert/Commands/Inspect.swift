import Foundation
import ArgumentParser
import BilinCore
import BilinFormats

extension BilinConvertCommand {
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a model's layers, and what a conversion at scales 1 to 4 would do, without converting.",
            discussion: """
                Example:
                  bilin-convert inspect fixtures/fmnist_mlp.h5
                """)

        @Argument(help: "A Keras .h5 or .keras model.")
        var model: String

        func run() throws {
            let loaded = try ModelIO.load(path: model)
            let shapes = loaded.outputShapes()
            print(TableRenderer(
                header: ["layer", "kind", "output shape", "params"],
                rows: loaded.layers.enumerated().map { index, layer in
                    [layer.name, layer.kind.displayName, shapes[index].map { $0.map(String.init).joined(separator: "×") } ?? "?", "\(layer.parameterCount)"]
                }
            ).render())
            var rows: [[String]] = []
            for scale in 1...4 {
                // A random start has the same shapes as the SVD start and needs no factorisation.
                guard let result = try? Converter.convert(loaded, options: ConversionOptions(scale: scale, initialization: .random)) else { continue }
                let converted = result.layers.filter(\.converted).map(\.name)
                rows.append([
                    "\(scale)", converted.isEmpty ? "none" : converted.joined(separator: ", "),
                    "\(loaded.parameterCount)", "\(result.model.parameterCount)",
                    String(format: "%.1f×", Double(loaded.parameterCount) / Double(max(result.model.parameterCount, 1))),
                ])
            }
            print(TableRenderer(header: ["scale", "converts", "params before", "params after", "ratio"], rows: rows).render(), terminator: "")
        }
    }
}
