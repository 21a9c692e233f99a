import BilinCore
import BilinFormats
import Foundation

/// The whole job in one direction: import → plan → factorise → fine-tune → export → report.
public enum BilinearConversion {
    /// `<folder>/<stem>.bilinear.<ext>` for `<folder>/<stem>.<ext>`.
    public static func defaultOutputPath(for input: String) -> String {
        let url = URL(fileURLWithPath: input)
        let stem = url.deletingPathExtension().lastPathComponent
        return url.deletingLastPathComponent().appendingPathComponent("\(stem).bilinear.\(url.pathExtension)").path
    }

    /// Runs a conversion and writes its output file.
    /// - Returns: the report; its `converted.path` is the file written.
    /// - Throws: `BilinError` naming the file at fault; no output file is left behind on error.
    public static func run(_ request: ConvertRequest, events: ConversionEvents = ConversionEvents()) throws -> ConversionReport {
        let started = Date()
        let output = request.output ?? defaultOutputPath(for: request.input)
        if sameFile(output, request.input) {
            throw BilinError("the output path is the input file; choose another -o", file: request.input)
        }
        let stage = try convertAndFineTune(request, events: events)
        events.stage("writing \(output)")
        try ModelIO.save(stage.converted, to: output)
        var original = stage.original
        original.bytes = fileSize(request.input)
        var report = ConversionReport(
            original: original,
            converted: ModelSummary(
                path: output, params: stage.converted.parameterCount, bytes: fileSize(output), multiplyAdds: stage.converted.multiplyAdds,
                accuracy: stage.history.last?.testAccuracy, microsecondsPerSample: stage.convertedTiming),
            layers: stage.layers, scale: request.conversion.scale, initialization: stage.initialization,
            widening: request.conversion.widening, history: stage.history, seconds: Date().timeIntervalSince(started))
        report.startShrink = stage.shrunkBy
        report.classNames = stage.classNames
        report.skippedImages = stage.skippedImages.isEmpty ? nil : stage.skippedImages
        return report
    }

    /// What `run` keeps of the import, conversion and fine-tuning for the export and the report.
    private struct ConvertedStage {
        var converted: Model
        var layers: [LayerConversion]
        var initialization: Initialization
        var shrunkBy: Float?
        var original: ModelSummary
        var history: [EpochRecord]
        var convertedTiming: Double?
        var classNames: [String]?
        var skippedImages: [String] = []
    }

    /// Import → plan → factorise → fine-tune. The original model lives only inside this call, so that it is freed
    /// before the export, which may map the source file again (ONNX): the peak stays near two copies of the weights.
    private static func convertAndFineTune(_ request: ConvertRequest, events: ConversionEvents) throws -> ConvertedStage {
        events.stage("importing \(request.input)")
        let checkpoints = try TrainingCheckpoints(request)
        let model = try ModelIO.load(path: request.input)
        let plan: ConversionPlan
        do {
            plan = try ConversionPlan(model: model, options: request.conversion)
        } catch let error as BilinError {
            throw error.naming(file: request.input)
        }
        try checkFinite(model, plan: plan, request: request, events: events)
        let loaded = try request.data.map { dataPath in
            events.stage("loading \(dataPath)")
            return try DatasetLoader.open(path: dataPath, normalization: request.normalization, inputShape: model.inputShape,
                                          classCount: classCount(model), skipBadImages: request.skipBadImages)
        }
        let data = loaded?.feed
        // Fine-tuning and the data-aware start both run the original: say first if it cannot run.
        let original = try data.map { _ in try runnable(model, file: request.input) }
        events.stage("factorising")
        let result: ConversionResult
        do {
            // The first training inputs, no labels: only this subset of a streamed dataset is in memory at once.
            result = try Converter.convert(model, plan: plan, options: request.conversion,
                                           calibration: data.map { try $0.train.images(in: 0..<min($0.train.count, request.calibrationExamples)) })
        } catch let error as BilinError {
            throw error.naming(file: request.input)
        }
        guard result.layers.contains(where: \.converted) else {
            let reasons = result.layers.compactMap { line -> String? in
                guard case .kept(let reason) = line.decision else { return line.note.map { "'\(line.name)' \($0)" } }
                return "'\(line.name)' stays dense: \(reason.text)"
            }
            let why = reasons.isEmpty ? nothingConvertible(model, options: request.conversion) : reasons.joined(separator: "; ")
            throw BilinError("nothing to convert: \(why)", file: request.input)
        }
        if let reason = result.unshrunkBecause { events.warning("\(request.input): the data-aware start is not shrunk: \(reason)") }
        var stage = ConvertedStage(
            converted: result.model, layers: result.layers, initialization: result.initialization, shrunkBy: result.shrunkBy,
            original: ModelSummary(path: request.input, params: model.parameterCount, bytes: 0, multiplyAdds: model.multiplyAdds),
            history: [], classNames: loaded?.classNames, skippedImages: loaded?.skippedImages ?? [])
        if let data, let original {
            stage.original.accuracy = try original.accuracy(reading: data.test)
            let timingImages = try data.test.images(in: 0..<min(data.test.count, timedExamples))
            stage.original.microsecondsPerSample = InferenceTiming.microsecondsPerSample(original, images: timingImages)
            let network = try runnable(stage.converted, file: request.input)
            events.stage(request.training.epochs > 0 ? "fine-tuning" : "evaluating")
            stage.history = try Trainer(options: request.training).fineTune(
                network, on: data, teacher: original,
                resumingFrom: checkpoints.resumeState(data: data, network: network, options: request.training, events: events),
                progress: events.progress, epochEnded: events.epochEnded, epochSaved: { try checkpoints.save($0, events: events) })
            network.write(into: &stage.converted)
            stage.convertedTiming = InferenceTiming.microsecondsPerSample(network, images: timingImages)
        }
        return stage
    }

    /// Compares two model files (typically an original and its conversion) on the test split of `data`.
    public static func compare(
        original: String, converted: String, data: String?, normalization: Normalization?, skipBadImages: Bool = false
    ) throws -> ConversionReport {
        let models = (try ModelIO.load(path: original), try ModelIO.load(path: converted))
        var summaries = [
            ModelSummary(path: original, params: models.0.parameterCount, bytes: fileSize(original), multiplyAdds: models.0.multiplyAdds),
            ModelSummary(path: converted, params: models.1.parameterCount, bytes: fileSize(converted), multiplyAdds: models.1.multiplyAdds),
        ]
        if let data {
            let test = try DatasetLoader.open(path: data, normalization: normalization, inputShape: models.0.inputShape,
                                              classCount: classCount(models.0), skipBadImages: skipBadImages).feed.test
            let timingImages = try test.images(in: 0..<min(test.count, timedExamples))
            for (index, (model, path)) in [(models.0, original), (models.1, converted)].enumerated() {
                let network = try runnable(model, file: path)
                summaries[index].accuracy = try network.accuracy(reading: test)
                summaries[index].microsecondsPerSample = InferenceTiming.microsecondsPerSample(network, images: timingImages)
            }
        }
        return ConversionReport(
            original: summaries[0], converted: summaries[1], layers: ConversionReport.layerComparison(models.0, models.1))
    }

    /// Refuses weights holding NaN or infinite values, unless `request.allowNonfinite` makes each a warning; even
    /// then a kernel to be converted must be finite, since no factorisation starts from NaN.
    private static func checkFinite(_ model: Model, plan: ConversionPlan, request: ConvertRequest, events: ConversionEvents) throws {
        let nonfinite = model.nonfiniteWeights()
        guard let first = nonfinite.first else { return }
        guard request.allowNonfinite else {
            let others = nonfinite.count - 1
            let more = others == 0 ? "" : " (and \(others) more weight\(others == 1 ? "" : "s"))"
            throw BilinError("\(first.description)\(more); --allow-nonfinite converts it anyway", file: request.input)
        }
        let converted = Set(plan.entries.map(\.layerIndex))
        if let kernel = nonfinite.first(where: { converted.contains($0.layerIndex) && $0.weightIndex == 0 }) {
            throw BilinError("\(kernel.description), but a layer to convert must be finite; leave it dense (--layers)",
                             file: request.input)
        }
        for weight in nonfinite { events.warning("\(request.input): \(weight.description)") }
    }

    /// Why a model without candidate layers has nothing to convert; `--convert-last` is named only where it helps.
    private static func nothingConvertible(_ model: Model, options: ConversionOptions) -> String {
        var withLast = options
        withLast.convertLast = true
        if !options.convertLast, let plan = try? ConversionPlan(model: model, options: withLast), !plan.entries.isEmpty {
            return "no Conv2D layer, and no Dense layer besides the last (--convert-last converts that one too)"
        }
        return "no Dense or Conv2D layer this tool can convert"
    }

    /// The number of classes the model scores: the size of its flat output, when known.
    private static func classCount(_ model: Model) -> Int? {
        let outputs = model.outputIndices()
        guard outputs.count == 1, let output = model.outputShapes()[outputs[0]], output.count == 1 else { return nil }
        return output[0]
    }

    /// The test examples read for `InferenceTiming`, which times one batch of up to 128.
    private static let timedExamples = 128

    private static func runnable(_ model: Model, file: String) throws -> Network {
        do { return try Network(model: model) } catch let error as BilinError { throw error.naming(file: file) }
    }

    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Whether two paths name the same file (after resolving `.`, `..` and symbolic links).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        URL(fileURLWithPath: a).resolvingSymlinksInPath().standardizedFileURL.path
            == URL(fileURLWithPath: b).resolvingSymlinksInPath().standardizedFileURL.path
    }
}
