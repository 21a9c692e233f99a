import ArgumentParser
import BilinCore

@main
struct BilinConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bilin-convert",
        abstract: "Shrink Keras models by replacing dense layers with bilinear projections, then fine-tune them.",
        discussion: """
            Example:
              bilin-convert fixtures/fmnist_mlp.h5 --scale 2 --data /usr/share/datasets/fashion-mnist --epochs 3
              bilin-convert report fixtures/fmnist_mlp.h5 fixtures/fmnist_mlp.bilinear.h5 --data /usr/share/datasets/fashion-mnist
            """,
        version: "0.1.0",
        subcommands: [Convert.self, Sweep.self, Report.self, Inspect.self],
        defaultSubcommand: Convert.self)

    static func main() {
        BLAS.restartWithBetterKernelsIfNeeded()
        SignalWatcher.install()
        main(nil)
    }
}
