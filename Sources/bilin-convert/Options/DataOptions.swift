import ArgumentParser
import BilinFormats

/// Where the examples come from and how their pixels are normalised.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Dataset: a folder with the four MNIST-format IDX files (raw or .gz), or an .npz with x_train, y_train, x_test, y_test.",
        valueName: "path"))
    var data: String?

    @Option(help: ArgumentHelp("After scaling pixels to [0,1], use (x − MEAN) / STD.", valueName: "mean,std"))
    var normalize: String?

    func normalization() throws -> Normalization? {
        try normalize.map { try Normalization(parsing: $0) }
    }
}
