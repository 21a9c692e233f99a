import Foundation

/// Draws a sweep as an SVG: test accuracy against parameters (left) and against bytes on disk (right), both on
/// logarithmic axes, with the original model, the converted networks and the from-scratch baseline.
public enum SweepPlot {
    private static let panelWidth = 420.0
    private static let panelHeight = 300.0
    private static let margin = (left: 70.0, right: 30.0, top: 70.0, bottom: 60.0)
    private static let colors: [SweepResult.Kind: String] = [.original: "#222222", .converted: "#1f77b4", .scratch: "#e6761b"]

    public static func svg(_ result: SweepResult) -> String {
        let width = 2 * (margin.left + panelWidth + margin.right)
        let height = margin.top + panelHeight + margin.bottom + 30
        let accuracies = result.points.map { $0.accuracy * 100 }
        let low = ((accuracies.min() ?? 0) - 0.5).rounded(.down)
        let high = ((accuracies.max() ?? 100) + 0.5).rounded(.up)
        let stem = URL(fileURLWithPath: result.model).deletingPathExtension().lastPathComponent
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="Helvetica, Arial, sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(width / 2)" y="24" text-anchor="middle" font-size="16" font-weight="bold">\(escaped(stem)): test accuracy against model size</text>
            <text x="\(width / 2)" y="44" text-anchor="middle" fill="#555">bilinear networks after \(result.epochs) epoch\(result.epochs == 1 ? "" : "s") of fine-tuning; converted: \(escaped(result.start.rawValue)) start; scratch: random start, labels only</text>

            """
        let panels: [(title: String, value: (SweepResult.Point) -> Double, unit: (Double) -> String)] = [
            ("parameters", { Double($0.params) }, { siText($0, unit: "") }),
            ("bytes on disk", { Double($0.bytes) }, { siText($0, unit: "B") }),
        ]
        for (index, panel) in panels.enumerated() {
            let origin = Double(index) * (margin.left + panelWidth + margin.right) + margin.left
            svg += drawPanel(result, x: panel.value, unit: panel.unit, title: panel.title, left: origin, yRange: (low, high))
        }
        svg += legend(x: width - margin.right - 190, y: margin.top + panelHeight - 70)
        svg += "</svg>\n"
        return svg
    }

    private static func drawPanel(
        _ result: SweepResult, x value: (SweepResult.Point) -> Double, unit: (Double) -> String, title: String,
        left: Double, yRange: (low: Double, high: Double)
    ) -> String {
        let values = result.points.map(value).filter { $0 > 0 }
        let logLow = log10(values.min() ?? 1) - 0.15
        let logHigh = log10(values.max() ?? 10) + 0.15
        let top = margin.top
        func px(_ v: Double) -> Double { left + (log10(v) - logLow) / (logHigh - logLow) * panelWidth }
        func py(_ accuracy: Double) -> Double { top + (yRange.high - accuracy) / (yRange.high - yRange.low) * panelHeight }

        var out = "<g>\n"
        out += "<rect x=\"\(left)\" y=\"\(top)\" width=\"\(panelWidth)\" height=\"\(panelHeight)\" fill=\"none\" stroke=\"#888\"/>\n"
        for tick in logTicks(low: logLow, high: logHigh) {
            let x = px(tick)
            out += "<line x1=\"\(x)\" y1=\"\(top)\" x2=\"\(x)\" y2=\"\(top + panelHeight)\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(x)\" y=\"\(top + panelHeight + 16)\" text-anchor=\"middle\">\(unit(tick))</text>\n"
        }
        let step = yRange.high - yRange.low > 8 ? 2.0 : 1.0
        for accuracy in stride(from: yRange.low, through: yRange.high, by: step) {
            let y = py(accuracy)
            out += "<line x1=\"\(left)\" y1=\"\(y)\" x2=\"\(left + panelWidth)\" y2=\"\(y)\" stroke=\"#eee\"/>\n"
            out += "<text x=\"\(left - 8)\" y=\"\(y + 4)\" text-anchor=\"end\">\(Int(accuracy))</text>\n"
        }
        out += "<text x=\"\(left + panelWidth / 2)\" y=\"\(top + panelHeight + 40)\" text-anchor=\"middle\">\(title) (log scale)</text>\n"
        out += "<text transform=\"translate(\(left - 45) \(top + panelHeight / 2)) rotate(-90)\" text-anchor=\"middle\">test accuracy (%)</text>\n"

        for kind in [SweepResult.Kind.scratch, .converted] {
            let series = result.points.filter { $0.kind == kind }.sorted { value($0) < value($1) }
            let path = series.map { "\(px(value($0))),\(py($0.accuracy * 100))" }.joined(separator: " ")
            let dash = kind == .scratch ? " stroke-dasharray=\"5 4\"" : ""
            out += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(colors[kind]!)\" stroke-width=\"2\"\(dash)/>\n"
        }
        for point in result.points {
            let (x, y) = (px(value(point)), py(point.accuracy * 100))
            out += marker(point.kind, x: x, y: y)
            let label = point.scale.map { point.kind == .converted ? "s=\($0)" : "" } ?? "original"
            if !label.isEmpty {
                out += "<text x=\"\(x + 8)\" y=\"\(y - 8)\" fill=\"\(colors[point.kind]!)\">\(label)</text>\n"
            }
        }
        return out + "</g>\n"
    }

    private static func marker(_ kind: SweepResult.Kind, x: Double, y: Double) -> String {
        let color = colors[kind]!
        switch kind {
        case .original:
            return "<rect x=\"\(x - 5)\" y=\"\(y - 5)\" width=\"10\" height=\"10\" fill=\"\(color)\"/>\n"
        case .converted:
            return "<circle cx=\"\(x)\" cy=\"\(y)\" r=\"5\" fill=\"\(color)\"/>\n"
        case .scratch:
            return "<polygon points=\"\(x),\(y - 6) \(x - 6),\(y + 5) \(x + 6),\(y + 5)\" fill=\"\(color)\"/>\n"
        }
    }

    private static func legend(x: Double, y: Double) -> String {
        let entries: [(SweepResult.Kind, String)] = [
            (.original, "original (dense) model"), (.converted, "converted, fine-tuned"), (.scratch, "same network from scratch"),
        ]
        var out = "<g>\n<rect x=\"\(x - 10)\" y=\"\(y - 14)\" width=\"195\" height=\"66\" fill=\"white\" stroke=\"#ccc\"/>\n"
        for (offset, (kind, text)) in entries.enumerated() {
            let rowY = y + Double(offset) * 20
            out += marker(kind, x: x + 4, y: rowY - 4)
            out += "<text x=\"\(x + 18)\" y=\"\(rowY)\">\(text)</text>\n"
        }
        return out + "</g>\n"
    }

    /// 1, 2 and 5 times the powers of ten between `10^low` and `10^high`.
    private static func logTicks(low: Double, high: Double) -> [Double] {
        var ticks: [Double] = []
        for exponent in Int(low.rounded(.down))...Int(high.rounded(.up)) {
            for mantissa in [1.0, 2.0, 5.0] {
                let tick = mantissa * pow(10, Double(exponent))
                if log10(tick) >= low, log10(tick) <= high { ticks.append(tick) }
            }
        }
        return ticks
    }

    /// `20000` → `20k`, `7500000` with unit `B` → `7.5 MB` (decimal prefixes).
    static func siText(_ value: Double, unit: String) -> String {
        let prefixes: [(Double, String)] = [(1e9, "G"), (1e6, "M"), (1e3, "k")]
        for (size, prefix) in prefixes where value >= size {
            let scaled = value / size
            let number = scaled == scaled.rounded() ? String(Int(scaled)) : String(format: "%.1f", scaled)
            return unit.isEmpty ? "\(number)\(prefix)" : "\(number) \(prefix)\(unit)"
        }
        return unit.isEmpty ? String(Int(value)) : "\(Int(value)) \(unit)"
    }

    private static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
