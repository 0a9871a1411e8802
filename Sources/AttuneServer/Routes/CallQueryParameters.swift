import AttuneStore
import FoundationEssentials
import Hummingbird
import HummingbirdCore

/// `/v1/calls` query parameters to a `CallSearch`, and its CSV. Every parameter is optional;
/// a value that does not parse is a 400 naming the parameter.
/// `since`, `until` (ISO 8601 date or time, UTC; until exclusive), `team`, `agentId`,
/// `effort` (`low`, `moderate`, `high`), `distress` (`none`, `elevated`, `high`),
/// `minDeadAir` (s), `surveyed` (`true`, `false`), `minSurveyGap` (points), `event` (an event
/// type), `sort` (`time`, `effort`, `distress`, `deadAir`, `duration`), `order` (`desc`, `asc`),
/// `offset`, `limit` (1–500, default 50).
enum CallQueryParameters {
    static func search(_ parameters: FlatDictionary<Substring, Substring>) throws -> CallSearch {
        func text(_ name: String) -> String? {
            parameters.get(name).map { String($0) }.flatMap { $0.isEmpty ? nil : $0 }
        }
        func bad(_ name: String, _ expected: String) -> HTTPError {
            HTTPError(.badRequest, message: "\(name): expected \(expected)")
        }
        func number(_ name: String) throws -> Double? {
            guard let value = text(name) else { return nil }
            guard let number = Double(value), number.isFinite, number >= 0 else { throw bad(name, "a number ≥ 0") }
            return number
        }
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let value = text(name) else { return nil }
            guard let number = Int(value), range.contains(number) else { throw bad(name, "a whole number \(range.lowerBound)–\(range.upperBound)") }
            return number
        }
        func oneOf(_ name: String, _ allowed: [String]) throws -> String? {
            guard let value = text(name) else { return nil }
            guard allowed.contains(value) else { throw bad(name, allowed.joined(separator: ", ")) }
            return value
        }
        func time(_ name: String) throws -> String? {
            guard let value = text(name) else { return nil }
            guard let time = Timestamp.normalise(value) else { throw bad(name, "an ISO 8601 date or date-time, e.g. 2026-11-22") }
            return time
        }
        var search = CallSearch()
        search.since = try time("since")
        search.until = try time("until")
        search.team = text("team")
        search.agentId = text("agentId")
        search.effortLevel = try oneOf("effort", CallSearch.effortLevels)
        search.distressLevel = try oneOf("distress", CallSearch.distressLevels)
        search.minimumDeadAirSeconds = try number("minDeadAir")
        search.surveyed = try oneOf("surveyed", ["true", "false"]).map { $0 == "true" }
        search.minimumSurveyGapPoints = try number("minSurveyGap")
        search.eventType = text("event")
        if let sort = try oneOf("sort", CallSort.allCases.map(\.rawValue)) { search.sort = CallSort(rawValue: sort)! }
        search.descending = try oneOf("order", ["desc", "asc"]) != "asc"
        search.offset = try integer("offset", 0...Int(Int32.max)) ?? 0
        search.limit = try integer("limit", 1...CallSearch.maximumLimit) ?? 50
        return search
    }

    static let csvColumns = [
        "callId", "agentId", "team", "time", "durationSeconds", "effort", "effortLevel", "distress", "distressLevel", "deadAirSeconds",
        "surveyScore", "surveyGapPoints",
    ]

    /// The calls as CSV: a header, then a row per call (RFC 4180 quoting).
    static func csv(_ calls: [CallSummary]) -> String {
        func field(_ value: String?) -> String {
            guard let value else { return "" }
            guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
            return "\"" + value.replacing("\"", with: "\"\"") + "\""
        }
        func number(_ value: Double?) -> String { value.map { "\($0)" } ?? "" }
        var lines = [csvColumns.joined(separator: ",")]
        for call in calls {
            lines.append([
                field(call.callId), field(call.agentId), field(call.team), field(call.time), number(call.durationSeconds), number(call.effort),
                field(call.effortLevel), number(call.distress), field(call.distressLevel), number(call.deadAirSeconds), number(call.surveyScore),
                number(call.surveyGapPoints),
            ].joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

/// `/v1/calls/{callId}`: the call's metadata, its report as stored (JSON, not re-encoded), its
/// survey answers, and its recording: `{"url": …}` when one may be played, else `{"reason": …}`.
enum StoredCallReply {
    struct Envelope: Encodable {
        var callId: String
        var agentId: String?
        var team: String?
        var startedAt: String?
        var analyzedAt: String
        var durationSeconds: Double
        var surveys: [StoredCall.SurveyAnswer]
        var recording: Recording
    }

    struct Recording: Encodable {
        var url: String?
        var reason: String?
    }

    static func json(_ call: StoredCall, recording: RecordingLocation) -> String {
        let audio = switch recording {
        case .files: Recording(url: "/v1/calls/\(CallLinks.pathSegment(call.callId))/audio", reason: nil)
        case .notKept(let reason): Recording(url: nil, reason: reason)
        }
        let envelope = Envelope(
            callId: call.callId, agentId: call.agentId, team: call.team, startedAt: call.startedAt, analyzedAt: call.analyzedAt,
            durationSeconds: call.durationSeconds, surveys: call.surveys, recording: audio)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let head = (try? encoder.encode(envelope)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        // The report is inserted as stored: `{"call":{…},"report":{…}}`.
        return #"{"call":"# + head + #","report":"# + call.reportJSON + "}"
    }
}
