public import AttuneScoring

/// One survey response, checked and on the program's scale, ready to store.
public struct SurveyResponse: Sendable, Equatable {
    public var callId: String
    /// When the customer answered, ISO 8601 UTC.
    public var respondedAt: String
    /// The answer on the program's scale (after any conversion).
    public var score: Double
    /// The program's scale.
    public var scale: SurveyScale
    /// The answer as the file gave it (on the file's scale).
    public var fileScore: Double
    public var comment: String?
    /// How the survey was taken (e.g. `sms`, `ivr`, `email`), if given.
    public var channel: String?
    /// The line of the file it came from (1-based).
    public var line: Int

    public init(callId: String, respondedAt: String, score: Double, scale: SurveyScale, fileScore: Double, comment: String?, channel: String?, line: Int) {
        self.callId = callId
        self.respondedAt = respondedAt
        self.score = score
        self.scale = scale
        self.fileScore = fileScore
        self.comment = comment
        self.channel = channel
        self.line = line
    }
}

/// What storing one response did.
public enum SurveyStoreOutcome: Sendable, Equatable {
    /// A new row. `pending`: its call is not in the store yet (it pairs when the call arrives).
    /// `secondResponse`: the call already had a different response (both are kept).
    case stored(pending: Bool, secondResponse: Bool)
    /// The very same response (call, time, answer) was stored by an earlier import.
    case alreadyStored
}

/// Counts over the whole store after an import.
public struct SurveyStoreCounts: Sendable, Equatable, Codable {
    /// Responses stored.
    public var responses: Int
    /// Responses whose call is stored (paired).
    public var paired: Int
    /// Responses still waiting for their call.
    public var pending: Int
    /// Calls with more than one response.
    public var callsWithSeveralResponses: Int

    public init(responses: Int, paired: Int, pending: Int, callsWithSeveralResponses: Int) {
        self.responses = responses
        self.paired = paired
        self.pending = pending
        self.callsWithSeveralResponses = callsWithSeveralResponses
    }
}

extension ResultsStore {
    /// Stores the responses in one transaction; a response already stored (same call, time and
    /// answer) is left alone, so importing a file twice changes nothing. Set-based (a few
    /// statements per thousand responses, not three per response): what each response's outcome
    /// would have been, stored one at a time in file order, is worked out from the calls' earlier
    /// response counts, the rows the insert actually added and which calls are stored.
    public func storeSurveys(_ responses: [SurveyResponse], sourcePath: String) async throws(StorageError) -> [SurveyStoreOutcome] {
        try await write("storing \(responses.count) survey response(s) from \(sourcePath)") { session in
            let importedAt = timestampNow()
            func key(_ callId: String, _ respondedAt: String, _ score: Double) -> String { "\(callId)\u{1F}\(respondedAt)\u{1F}\(score.bitPattern)" }
            var earlier: [String: Int] = [:], known: Set<String> = [], inserted: Set<String> = []
            try session.forEachChunk(of: Array(Set(responses.map(\.callId))), size: 1000) { list, values in
                for row in try session.rows("SELECT callId, COUNT(*) AS n FROM surveys WHERE callId IN (\(list)) GROUP BY callId", values) {
                    earlier[row["callId"]] = row["n"]
                }
                for row in try session.rows("SELECT DISTINCT callId FROM calls WHERE callId IN (\(list))", values) { known.insert(row["callId"]) }
            }
            let columns = "(callId, respondedAt, score, scaleMin, scaleMax, higherIsEasier, effortIndex, fileScore, comment, channel, sourcePath, line, importedAt)"
            let tuple = "(" + placeholders(13) + ")"
            for chunk in responses.chunked(1000) {
                let values: [SQLValue] = chunk.flatMap { response in
                    [.text(response.callId), .text(response.respondedAt), .real(response.score), .real(response.scale.min), .real(response.scale.max),
                     .boolean(response.scale.higherIsEasier), .real(response.scale.effortIndex(of: response.score)), .real(response.fileScore),
                     response.comment.sqlValue, response.channel.sqlValue, .text(sourcePath), .integer(Int64(response.line)), .text(importedAt)]
                }
                for row in try session.rows(
                    "INSERT INTO surveys \(columns) VALUES " + Array(repeating: tuple, count: chunk.count).joined(separator: ", ")
                        + " ON CONFLICT (callId, respondedAt, score) DO NOTHING RETURNING callId, respondedAt, score", values)
                {
                    inserted.insert(key(row["callId"], row["respondedAt"], row["score"]))
                }
            }
            return responses.map { response in
                // The first of identical responses is the one stored.
                guard inserted.remove(key(response.callId, response.respondedAt, response.score)) != nil else { return .alreadyStored }
                let before = earlier[response.callId, default: 0]
                earlier[response.callId] = before + 1
                return .stored(pending: !known.contains(response.callId), secondResponse: before > 0)
            }
        }
    }

    /// How many responses are stored, paired with their call, and pending.
    public func surveyCounts() async throws(StorageError) -> SurveyStoreCounts {
        try await read("reading the results store") { session in
            let row = try session.row("""
                SELECT (SELECT COUNT(*) FROM surveys) AS responses,
                       (SELECT COUNT(*) FROM surveys s WHERE EXISTS (SELECT 1 FROM calls c WHERE c.callId = s.callId)) AS paired,
                       (SELECT COUNT(*) FROM (SELECT callId FROM surveys GROUP BY callId HAVING COUNT(*) > 1) several) AS several
                """)!
            let responses: Int = row["responses"], paired: Int = row["paired"]
            return SurveyStoreCounts(responses: responses, paired: paired, pending: responses - paired, callsWithSeveralResponses: row["several"])
        }
    }
}
