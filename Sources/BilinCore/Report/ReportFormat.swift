import Foundation

/// How reports write their figures for people.
enum ReportFormat {
    /// `0.8764` → `87.64%`; `nil` → `n/a`.
    static func percent(_ value: Double?) -> String { value.map { String(format: "%.2f%%", $0 * 100) } ?? "n/a" }
}
