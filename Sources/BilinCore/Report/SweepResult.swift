/// A scale sweep: the original model, and the converted and from-scratch bilinear networks at each scale.
public struct SweepResult: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        case original
        /// Converted with the default start (or the one asked for) and fine-tuned.
        case converted
        /// The same bilinear network trained from a random start on the labels alone: the baseline.
        case scratch
    }

    public struct Point: Sendable, Codable, Equatable {
        public var kind: Kind
        /// `nil` for the original.
        public var scale: Int?
        public var params: Int
        /// The size of the model file.
        public var bytes: Int
        /// Test accuracy in [0, 1] after fine-tuning (the original: as it is).
        public var accuracy: Double
        /// Test accuracy right after conversion, before fine-tuning; `nil` for the original.
        public var startAccuracy: Double?
        public var path: String

        public init(kind: Kind, scale: Int?, params: Int, bytes: Int, accuracy: Double, startAccuracy: Double?, path: String) {
            self.kind = kind
            self.scale = scale
            self.params = params
            self.bytes = bytes
            self.accuracy = accuracy
            self.startAccuracy = startAccuracy
            self.path = path
        }
    }

    public var model: String
    public var epochs: Int
    public var start: Initialization
    public var points: [Point]

    public init(model: String, epochs: Int, start: Initialization, points: [Point]) {
        self.model = model
        self.epochs = epochs
        self.start = start
        self.points = points
    }

    /// One row per point: kind, scale, parameters, bytes, accuracy before and after fine-tuning.
    public func renderText() -> String {
        let rows = points.map { point in
            [point.kind.rawValue, point.scale.map(String.init) ?? "", String(point.params), String(point.bytes),
             point.startAccuracy.map { ReportFormat.percent($0) } ?? "", ReportFormat.percent(point.accuracy)]
        }
        return TableRenderer(header: ["model", "scale", "params", "bytes", "accuracy at start", "accuracy"], rows: rows).render()
    }
}
