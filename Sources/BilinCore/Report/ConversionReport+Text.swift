import Foundation

extension ConversionReport {
    /// The report as people read it: the per-layer table, then totals side by side, then the accuracy history.
    public func renderText() -> String {
        var text = TableRenderer(
            header: ["layer", "kind", "shape", "params", "error", "note"],
            rows: layers.map { line in
                [
                    line.name,
                    line.converted ? "\(line.kindBefore) → \(line.kindAfter)" : line.kindBefore,
                    line.shapeBefore == line.shapeAfter ? line.shapeBefore : "\(line.shapeBefore) → \(line.shapeAfter)",
                    line.parametersBefore == line.parametersAfter
                        ? "\(line.parametersBefore)" : "\(line.parametersBefore) → \(line.parametersAfter)",
                    line.relativeError.map { String(format: "%.3f", $0) } ?? "",
                    line.note ?? "",
                ]
            }
        ).render()
        text += "\n"
        text += TableRenderer(
            header: ["", "original", "converted", "original/converted"],
            rows: [
                ["parameters", "\(original.params)", "\(converted.params)", ratio(Double(original.params), Double(converted.params))],
                ["bytes on disk", "\(original.bytes)", "\(converted.bytes)", ratio(Double(original.bytes), Double(converted.bytes))],
                ["multiply-adds per sample", count(original.multiplyAdds), count(converted.multiplyAdds),
                 ratio(original.multiplyAdds.map(Double.init), converted.multiplyAdds.map(Double.init))],
                ["test accuracy", percent(original.accuracy), percent(converted.accuracy), ""],
                ["µs per sample", micro(original.microsecondsPerSample), micro(converted.microsecondsPerSample),
                 ratio(original.microsecondsPerSample, converted.microsecondsPerSample)],
            ]
        ).render()
        if !history.isEmpty {
            text += "\n"
            if let initialization {
                let shrunk = startShrink.map { ", then shrunk ×\($0) per layer" } ?? ""
                text += "start: \(initialization.rawValue) (\(initialization.summary)\(shrunk))\n"
            }
            text += TableRenderer(
                header: ["epoch", "loss", "train accuracy", "test accuracy", "seconds"],
                rows: history.map { record in
                    [
                        record.epoch == 0 ? "0 (converted)" : "\(record.epoch)",
                        record.loss.map { String(format: "%.4f", $0) } ?? "",
                        percent(record.trainAccuracy), percent(record.testAccuracy), String(format: "%.1f", record.seconds),
                    ]
                }
            ).render()
            for record in history {
                guard let data = record.data, data.isWorthReporting else { continue }
                text += "epoch \(record.epoch): \(data.summary)\n"
            }
        }
        if let classNames {
            text += "classes (label 0, 1, …): \(classNames.joined(separator: ", "))\n"
        }
        if let skippedImages, let first = skippedImages.first {
            text += "skipped \(skippedImages.count) image\(skippedImages.count == 1 ? "" : "s") that failed to decode (--skip-bad-images), the first: \(first)\n"
        }
        return text
    }

    private func percent(_ value: Double?) -> String { ReportFormat.percent(value) }
    private func count(_ value: Int?) -> String { value.map(String.init) ?? "n/a" }
    private func micro(_ value: Double?) -> String { value.map { String(format: "%.2f", $0) } ?? "n/a" }
    /// original / converted: how many times smaller (or faster) the conversion is.
    private func ratio(_ before: Double?, _ after: Double?) -> String {
        guard let before, let after, after > 0 else { return "" }
        return String(format: "%.1f×", before / after)
    }
}
