import BilinCore
import Foundation

/// Prints progress to stderr: a line rewritten in place on a terminal, an occasional plain line otherwise.
final class ProgressPrinter {
    private let quiet: Bool
    private let interactive = isatty(STDERR_FILENO) != 0
    private var lastPrinted = Date.distantPast

    init(quiet: Bool) {
        self.quiet = quiet
    }

    func stage(_ text: String) {
        write("\(text)…\n")
    }

    /// Printed even when quiet: only progress is silenced.
    func warning(_ text: String) {
        FileHandle.standardError.write(Data("Warning: \(text)\n".utf8))
    }

    func batch(_ progress: TrainingProgress) {
        let now = Date()
        let last = progress.batch == progress.batches
        guard last || now.timeIntervalSince(lastPrinted) >= (interactive ? 0.2 : 10) else { return }
        lastPrinted = now
        let line = String(
            format: "epoch %d/%d  batch %d/%d  loss %.4f  accuracy %.2f%%  %.0f samples/s  ETA %@",
            progress.epoch, progress.epochs, progress.batch, progress.batches, progress.loss, progress.accuracy * 100,
            progress.samplesPerSecond, Self.duration(progress.secondsRemaining))
        write(interactive ? "\r\(line)\u{1B}[K" : "\(line)\n")
    }

    func epoch(_ record: EpochRecord) {
        if interactive && record.epoch > 0 { write("\n") }
        if record.epoch == 0 {
            write(String(format: "after conversion: test accuracy %.2f%%\n", record.testAccuracy * 100))
        } else {
            write(String(
                format: "epoch %d: loss %.4f, train accuracy %.2f%%, test accuracy %.2f%% (%.1f s)\n",
                record.epoch, record.loss ?? 0, (record.trainAccuracy ?? 0) * 100, record.testAccuracy * 100, record.seconds))
            if let data = record.data, data.isWorthReporting { write("epoch \(record.epoch): \(data.summary)\n") }
        }
    }

    private func write(_ text: String) {
        guard !quiet else { return }
        FileHandle.standardError.write(Data(text.utf8))
    }

    private static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "--:--" }
        let total = Int(seconds.rounded())
        return String(format: "%d:%02d", total / 60, total % 60)
    }
}
