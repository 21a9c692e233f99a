import BilinCore
import BilinFormats
import BilinTestSupport
import Foundation
import Testing
import ZIPFoundation

/// Issue 20: a folder of four `.npy` arrays, the images memory-mapped and read a batch at a time.
@Suite("NumPy folders")
struct NumPyFolderTests {
    /// `fixtures/fmnist_sample.npz` unpacked into `x_train.npy` … `y_test.npy` (zip members are `.npy` files).
    private func unpackedSample(in folder: TemporaryFolder) throws -> String {
        try FileManager.default.unzipItem(at: URL(fileURLWithPath: Fixtures.path("fmnist_sample.npz")), to: folder.url)
        return folder.path
    }

    @Test("reads the same images and labels as the .npz it came from, a batch at a time")
    func sameAsNPZ() throws {
        let folder = try TemporaryFolder()
        let path = try unpackedSample(in: folder)
        let normalization = Normalization(mean: 0.2860, standardDeviation: 0.3530)
        let feed = try DatasetLoader.open(path: path, normalization: normalization, inputShape: [28, 28, 1], classCount: 10).feed
        let npz = try DatasetLoader.load(path: Fixtures.path("fmnist_sample.npz"), normalization: normalization, inputShape: [28, 28, 1])
        #expect(feed.train.count == 1000 && feed.test.count == 256 && feed.train.featureCount == 784)
        #expect(feed.train.labels == npz.train.labels && feed.test.labels == npz.test.labels)
        #expect(try feed.train.images(at: [999, 0, 500]) == npz.train.images(at: [999, 0, 500]))
        #expect(try feed.test.images(in: 0..<256) == npz.test.images)
    }

    @Test("a missing array, images of the wrong size and a label count that disagrees are one-line errors naming the file")
    func errors() throws {
        let folder = try TemporaryFolder()
        let path = try unpackedSample(in: folder)
        #expect(throws: BilinError("x_train.npy: images are 784 values but the model takes 100", file: folder.file("x_train.npy"))) {
            try DatasetLoader.open(path: path, inputShape: [100])
        }
        try FileManager.default.removeItem(atPath: folder.file("y_test.npy"))
        try FileManager.default.copyItem(atPath: folder.file("y_train.npy"), toPath: folder.file("y_test.npy"))
        #expect(throws: BilinError("y_test.npy: has 1000 labels but x_test.npy has 256 images", file: folder.file("y_test.npy"))) {
            try DatasetLoader.open(path: path, inputShape: [784])
        }
        try FileManager.default.removeItem(atPath: folder.file("y_test.npy"))
        #expect(throws: BilinError("missing y_test.npy: a NumPy folder holds x_train.npy, y_train.npy, x_test.npy and y_test.npy", file: path)) {
            try DatasetLoader.open(path: path, inputShape: [784])
        }
    }
}
