import AttunePipeline
import FoundationEssentials

/// The JSON form of a report: pretty-printed with sorted keys, so the same report always prints
/// the same bytes.
enum ReportJSON {
    static func string(_ report: CallReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
