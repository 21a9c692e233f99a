import BilinCore
import BilinFormats
import Foundation

/// Prints a report as a table on stdout and writes it as JSON where asked.
enum ReportOutput {
    static func emit(_ report: ConversionReport, json path: String?) throws {
        print(report.renderText(), terminator: "")
        guard let path else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFileWriter.write(to: path) { temporary in
            try encoder.encode(report).write(to: URL(fileURLWithPath: temporary))
        }
    }
}
