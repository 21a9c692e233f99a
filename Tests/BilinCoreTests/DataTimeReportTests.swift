@testable import BilinCore
import Testing

/// Issue 20, step 4: the report says where an epoch's data time went when it matters, and names an image folder's
/// classes and skipped images.
@Suite("data time in the report")
struct DataTimeReportTests {
    private func report(_ data: DataTime) -> ConversionReport {
        var record = EpochRecord(epoch: 1, loss: 0.5, trainAccuracy: 0.8, testAccuracy: 0.75, seconds: 12)
        record.data = data
        var report = ConversionReport(
            original: ModelSummary(path: "a.h5", params: 10, bytes: 100), converted: ModelSummary(path: "b.h5", params: 5, bytes: 50),
            layers: [], history: [EpochRecord(epoch: 0, loss: nil, trainAccuracy: nil, testAccuracy: 0.5, seconds: 0), record])
        report.classNames = ["cat", "dog"]
        report.skippedImages = ["train/cat/1.png", "train/dog/7.jpg"]
        return report
    }

    @Test("reading is reported when it takes more than a tenth of the step time, not at a tenth or less")
    func threshold() {
        let slow = DataTime(readSeconds: 1.5, waitSeconds: 0.25, stepSeconds: 10)
        #expect(slow.isWorthReporting)
        #expect(report(slow).renderText().contains(
            "epoch 1: reading and decoding data took 1.5 s beside 10.0 s of training steps, which waited 0.2 s for it\n"))
        let fast = DataTime(readSeconds: 1, waitSeconds: 0, stepSeconds: 10)
        #expect(!fast.isWorthReporting)
        #expect(!report(fast).renderText().contains("reading and decoding"))
    }

    @Test("an image folder's classes by label id and the skipped images are in the text")
    func classesAndSkipped() {
        let text = report(DataTime(readSeconds: 0, waitSeconds: 0, stepSeconds: 1)).renderText()
        #expect(text.hasSuffix(
            "classes (label 0, 1, …): cat, dog\nskipped 2 images that failed to decode (--skip-bad-images), the first: train/cat/1.png\n"))
    }
}
