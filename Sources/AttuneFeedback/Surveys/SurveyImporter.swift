import AttuneBatch
import FoundationEssentials
public import AttuneScoring
public import AttuneStore

/// How a survey file is read onto the program's scale.
public struct SurveyImportOptions: Sendable {
    /// The program's scale: answers are checked against it and stored on it.
    public var scale: SurveyScale
    /// The scale the file's answers are on, when it differs from `scale` and converting was asked
    /// for; nil: the file must already be on `scale`. Conversion keeps the position on the effort
    /// axis (a 1–5 effort answer of 1 becomes a 7 on CES 2.0).
    public var convertFrom: SurveyScale?

    public init(scale: SurveyScale = .ces2, convertFrom: SurveyScale? = nil) {
        self.scale = scale
        self.convertFrom = convertFrom
    }
}

/// A row of a survey file worth telling the user about.
public struct SurveyRowIssue: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Missing or unreadable fields: rejected.
        case malformed
        /// The answer lies outside the scale: rejected.
        case scoreOffScale
        /// No stored call has this id yet: kept pending, paired when the call is stored.
        case unknownCall
        /// The same response twice in the file: stored once.
        case duplicate
        /// A different response for a call that already has one: kept and flagged.
        case secondResponse

        /// Whether the row was left out of the store.
        public var isRejection: Bool { self == .malformed || self == .scoreOffScale }
    }

    public var kind: Kind
    /// The line of the file (1-based).
    public var line: Int
    public var callId: String?
    public var message: String
}

/// What importing one file did.
public struct SurveyImportReport: Sendable, Codable {
    public var path: String
    /// Data rows read (header excluded).
    public var rows: Int
    /// New responses stored (pending ones included).
    public var stored: Int
    /// Rows identical to a response stored by an earlier import (nothing changed).
    public var alreadyStored: Int
    /// Every rejected, pending, duplicate or second response, in line order.
    public var issues: [SurveyRowIssue]
    /// The store after the import.
    public var counts: SurveyStoreCounts

    /// Rows left out of the store (malformed or off the scale).
    public var rejected: Int { issues.count { $0.kind.isRejection } }

    /// One line per issue (`FILE:LINE: kind: message`), then a summary line.
    public var lines: [String] {
        issues.map { "\(path):\($0.line): \($0.kind.rawValue): \($0.message)" } + [
            "\(rows) row(s): \(stored) stored, \(alreadyStored) already stored, \(rejected) rejected. "
                + "Store: \(counts.responses) response(s), \(counts.paired) paired with their call, \(counts.pending) pending, "
                + "\(counts.callsWithSeveralResponses) call(s) with several responses."
        ]
    }
}

/// Imports survey files: checks each row, converts when asked, stores, and reports by line.
public enum SurveyImporter {
    /// Reads, checks and stores the file. Throws `SurveyFileError` when the file cannot be read at
    /// all, `StorageError` when the store cannot be written; bad rows are in the report.
    public static func importFile(_ path: String, into database: ResultsStore, options: SurveyImportOptions) async throws -> SurveyImportReport {
        let rows = try SurveyFile.read(path: path)
        var issues: [SurveyRowIssue] = []
        var responses: [SurveyResponse] = []
        responses.reserveCapacity(rows.count)
        var firstLine: [ResponseKey: Int] = [:]
        for row in rows {
            switch check(row, options: options) {
            case .failure(let issue): issues.append(issue)
            case .success(let response):
                let key = ResponseKey(callId: response.callId, respondedAt: response.respondedAt, score: response.score)
                if let earlier = firstLine[key] {
                    issues.append(SurveyRowIssue(kind: .duplicate, line: row.line, callId: response.callId, message: "the same response as line \(earlier); stored once"))
                } else {
                    firstLine[key] = row.line
                    responses.append(response)
                }
            }
        }
        let outcomes = try await database.storeSurveys(responses, sourcePath: path)
        var stored = 0, alreadyStored = 0
        for (response, outcome) in zip(responses, outcomes) {
            switch outcome {
            case .alreadyStored: alreadyStored += 1
            case .stored(let pending, let secondResponse):
                stored += 1
                if pending {
                    issues.append(SurveyRowIssue(kind: .unknownCall, line: response.line, callId: response.callId,
                                                 message: "no stored call \(response.callId) yet: kept pending, paired when the call is stored"))
                }
                if secondResponse {
                    issues.append(SurveyRowIssue(kind: .secondResponse, line: response.line, callId: response.callId,
                                                 message: "call \(response.callId) already has a different response: both kept, the latest counts"))
                }
            }
        }
        issues.sort { ($0.line, $0.kind.rawValue) < ($1.line, $1.kind.rawValue) }
        return SurveyImportReport(
            path: path, rows: rows.count, stored: stored, alreadyStored: alreadyStored, issues: issues,
            counts: try await database.surveyCounts())
    }

    /// When a response may have been given (seconds since 1970, UTC): from 2000-01-01 up to the
    /// end of 2100. A date outside is a typing or export error (a year 99999, 0202), not an answer.
    static let respondedRange = 946_684_800.0..<4_133_980_800.0

    /// A score written as a plain decimal number: an optional sign, digits, optionally a point and
    /// more digits (`5`, `4.5`, `-1`). Nothing else: no exponent, hexadecimal (`0x1p2`), `inf`,
    /// `nan`, spaces or trailing bytes (`5` followed by a NUL and more), which a C number parser
    /// would read as something else.
    static func plainDecimal(_ text: String) -> Double? {
        let scalars = Array(text.unicodeScalars)
        var index = 0
        func digits() -> Int {
            let start = index
            while index < scalars.count, ("0"..."9").contains(scalars[index]) { index += 1 }
            return index - start
        }
        if index < scalars.count, scalars[index] == "-" || scalars[index] == "+" { index += 1 }
        guard digits() > 0 else { return nil }
        if index < scalars.count, scalars[index] == "." {
            index += 1
            guard digits() > 0 else { return nil }
        }
        guard index == scalars.count else { return nil }
        return Double(text)
    }

    /// The text with control characters shown as `\u{…}` escapes (a NUL in an error line would
    /// cut it short or garble a terminal).
    static func printable(_ text: String) -> String {
        text.unicodeScalars.map { $0.properties.generalCategory == .control ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined()
    }

    private struct ResponseKey: Hashable {
        var callId: String
        var respondedAt: String
        var score: Double
    }

    /// The row as a response on the program's scale, or why it cannot be one.
    static func check(_ row: SurveyFileRow, options: SurveyImportOptions) -> Result<SurveyResponse, SurveyRowIssue> {
        func malformed(_ message: String) -> Result<SurveyResponse, SurveyRowIssue> {
            .failure(SurveyRowIssue(kind: .malformed, line: row.line, callId: row.callId, message: message))
        }
        if let problem = row.problem { return malformed("the row \(problem)") }
        guard let callId = row.callId else { return malformed("no callId") }
        guard let respondedText = row.respondedAt else { return malformed("no respondedAt") }
        guard let responded = Timestamp.parse(respondedText) else {
            return malformed("respondedAt \"\(printable(respondedText))\" is not an ISO 8601 date or date-time")
        }
        guard respondedRange.contains(responded.timeIntervalSince1970) else {
            return malformed("respondedAt \"\(printable(respondedText))\" is outside the years 2000–2100 (UTC)")
        }
        // As `Timestamp.normalise` writes it: ISO 8601 UTC, whole seconds.
        let respondedAt = responded.formatted(Date.ISO8601FormatStyle())
        guard let scoreText = row.score else { return malformed("no score") }
        guard let fileScore = row.scoreNumber ?? plainDecimal(scoreText), fileScore.isFinite else {
            return malformed("score \"\(printable(scoreText))\" is not a plain decimal number (such as 5 or 4.5)")
        }
        let fileScale = options.convertFrom ?? options.scale
        guard fileScore >= fileScale.min && fileScore <= fileScale.max else {
            let hint = options.convertFrom == nil ? " (a file on another scale needs --convert-from)" : ""
            return .failure(SurveyRowIssue(kind: .scoreOffScale, line: row.line, callId: callId,
                                           message: "score \(printable(scoreText)) is outside the scale \(fileScale.summary)\(hint)"))
        }
        var score = fileScore
        if let from = options.convertFrom {
            // Six decimals keep a converted answer stable, so re-importing finds the same response.
            score = (options.scale.value(forEffortIndex: from.effortIndex(of: fileScore)) * 1e6).rounded() / 1e6
        }
        return .success(SurveyResponse(
            callId: callId, respondedAt: respondedAt, score: score, scale: options.scale, fileScore: fileScore,
            comment: row.comment, channel: row.channel, line: row.line))
    }
}

extension SurveyRowIssue: Error {}

extension SurveyScale {
    /// "1–7, higher = easier".
    public var summary: String {
        "\(Self.number(min))–\(Self.number(max)), higher = \(higherIsEasier ? "easier" : "more effort")"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e9 ? String(Int(value)) : String(value)
    }
}
