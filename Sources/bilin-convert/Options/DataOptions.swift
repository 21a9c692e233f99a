import ArgumentParser
import BilinFormats

/// Where the examples come from and how their pixels are normalised.
struct DataOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "Dataset: a folder with the four MNIST-format IDX files (raw or .gz), a folder of train/<class>/ and test/<class>/ PNG or JPEG images (read in batches, for datasets larger than memory), or an .npz with x_train, y_train, x_test, y_test.",
        valueName: "path"))
    var data: String?

    @Option(help: ArgumentHelp("After scaling pixels to [0,1], use (x − MEAN) / STD.", valueName: "mean,std"))
    var normalize: String?

    @Flag(help: "Leave out images of an image folder that do not decode (each is decoded once first) and count them, instead of stopping at the first.")
    var skipBadImages = false

    func normalization() throws -> Normalization? {
        try normalize.map { try Normalization(parsing: $0) }
    }
}
