import BilinCore
import BilinFormats
import Foundation

/// Converts and fine-tunes one model at several scales, with the same bilinear networks trained from scratch as the
/// baseline: the trade-off between size and accuracy in one run.
public enum ScaleSweep {
    /// What to sweep: `base` is the conversion (its `scale` is ignored) and `base.output` the folder the models go to.
    public struct Request: Sendable {
        public var base: ConvertRequest
        public var scales: [Int]
        /// Also train each bilinear network from a random start on the labels alone.
        public var withScratch: Bool
        /// Where the converted models are written: `<folder>/<stem>.s<scale>[.scratch].<ext>`.
        public var folder: String

        public init(base: ConvertRequest, scales: [Int], withScratch: Bool = true, folder: String) {
            self.base = base
            self.scales = scales
            self.withScratch = withScratch
            self.folder = folder
        }
    }

    /// Runs every conversion in turn (`events.stage` names each one).
    /// - Throws: `BilinError` from the first conversion that fails; the models already written stay.
    public static func run(_ request: Request, events: ConversionEvents = ConversionEvents()) throws -> SweepResult {
        guard request.base.data != nil else {
            throw BilinError("a sweep needs --data: it compares test accuracy", file: request.base.input)
        }
        try FileManager.default.createDirectory(atPath: request.folder, withIntermediateDirectories: true)
        var points: [SweepResult.Point] = []
        var start: Initialization = .data
        for scale in request.scales {
            var converted = request.base
            converted.conversion.scale = scale
            converted.output = path(request, scale: scale, suffix: "")
            events.stage("scale \(scale): converting")
            let report = try BilinearConversion.run(converted, events: events)
            if points.isEmpty {
                points.append(SweepResult.Point(
                    kind: .original, scale: nil, params: report.original.params, bytes: report.original.bytes,
                    accuracy: report.original.accuracy ?? 0, startAccuracy: nil, path: report.original.path))
            }
            start = report.initialization ?? start
            points.append(point(.converted, scale: scale, report: report))
            // Without labels there is nothing to train a network from scratch on.
            guard request.withScratch, request.base.training.labels != .none else { continue }
            var scratch = converted
            scratch.conversion.initialization = .random
            scratch.training.distillation = nil
            scratch.output = path(request, scale: scale, suffix: ".scratch")
            events.stage("scale \(scale): training from scratch")
            points.append(point(.scratch, scale: scale, report: try BilinearConversion.run(scratch, events: events)))
        }
        return SweepResult(model: request.base.input, epochs: request.base.training.epochs, start: start, points: points)
    }

    private static func point(_ kind: SweepResult.Kind, scale: Int, report: ConversionReport) -> SweepResult.Point {
        SweepResult.Point(
            kind: kind, scale: scale, params: report.converted.params, bytes: report.converted.bytes,
            accuracy: report.converted.accuracy ?? 0, startAccuracy: report.history.first?.testAccuracy, path: report.converted.path)
    }

    private static func path(_ request: Request, scale: Int, suffix: String) -> String {
        let url = URL(fileURLWithPath: request.base.input)
        let name = "\(url.deletingPathExtension().lastPathComponent).s\(scale)\(suffix).\(url.pathExtension)"
        return URL(fileURLWithPath: request.folder).appendingPathComponent(name).path
    }
}
