import BilinCore
import BilinFormats
import Foundation

/// Prints a report as a table on stdout and writes it as JSON where asked.
enum ReportOutput {
    static func emit(_ report: ConversionReport, json path: String?) throws {
        print(report.renderText(), terminator: "")
        if let path { try writeJSON(report, to: path) }
    }

    /// Writes `value` as pretty-printed JSON with sorted keys, atomically.
    static func writeJSON(_ value: some Encodable, to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFileWriter.write(Array(encoder.encode(value)), to: path)
    }
}
