public import FoundationEssentials

/// Dates as the store keeps them: ISO 8601 in UTC.
public enum Timestamp {
    /// Parses an ISO 8601 date-time (`2026-11-22T14:03:00Z`, with offset, fractional seconds, or
    /// `2026-11-22 14:03:00`, taken as UTC) or a date (`2026-11-22`, midnight UTC).
    public static func parse(_ text: String) -> Date? {
        let candidates = [text, text.replacing(" ", with: "T"), text + "T00:00:00Z", text.replacing(" ", with: "T") + "Z"]
        for candidate in candidates {
            if let date = try? Date(candidate, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) { return date }
            if let date = try? Date(candidate, strategy: Date.ISO8601FormatStyle()) { return date }
        }
        return nil
    }

    /// `text` as ISO 8601 UTC (`2026-11-22T14:03:00Z`), or nil if it is not a date-time.
    public static func normalise(_ text: String) -> String? {
        parse(text).map { $0.formatted(Date.ISO8601FormatStyle()) }
    }
}
