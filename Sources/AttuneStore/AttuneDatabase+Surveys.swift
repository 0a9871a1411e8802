public import AttuneScoring
import GRDB

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

extension AttuneDatabase {
    /// Stores the responses in one transaction with prepared statements; a response already
    /// stored (same call, time and answer) is left alone, so importing a file twice changes nothing.
    public func storeSurveys(_ responses: [SurveyResponse], sourcePath: String) async throws(StorageError) -> [SurveyStoreOutcome] {
        try await StorageError.wrapping("storing \(responses.count) survey response(s) from \(sourcePath)") {
            try await writer.write { db in
                let importedAt = timestampNow()
                let existing = try db.makeStatement(sql: "SELECT COUNT(*) FROM surveys WHERE callId = ?")
                let callKnown = try db.makeStatement(sql: "SELECT EXISTS (SELECT 1 FROM calls WHERE callId = ?)")
                let insert = try db.makeStatement(sql: """
                    INSERT INTO surveys (callId, respondedAt, score, scaleMin, scaleMax, higherIsEasier, effortIndex, fileScore,
                                         comment, channel, sourcePath, line, importedAt)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (callId, respondedAt, score) DO NOTHING
                    """)
                var outcomes: [SurveyStoreOutcome] = []
                outcomes.reserveCapacity(responses.count)
                for response in responses {
                    let earlier = try Int.fetchOne(existing, arguments: [response.callId]) ?? 0
                    try insert.execute(arguments: [
                        response.callId, response.respondedAt, response.score, response.scale.min, response.scale.max,
                        response.scale.higherIsEasier, response.scale.effortIndex(of: response.score), response.fileScore,
                        response.comment, response.channel, sourcePath, response.line, importedAt,
                    ])
                    guard db.changesCount == 1 else { outcomes.append(.alreadyStored); continue }
                    let known = try Bool.fetchOne(callKnown, arguments: [response.callId]) ?? false
                    outcomes.append(.stored(pending: !known, secondResponse: earlier > 0))
                }
                return outcomes
            }
        }
    }

    /// How many responses are stored, paired with their call, and pending.
    public func surveyCounts() async throws(StorageError) -> SurveyStoreCounts {
        try await StorageError.wrapping("reading the results store") {
            try await writer.read { db in
                let row = try Row.fetchOne(db, sql: """
                    SELECT (SELECT COUNT(*) FROM surveys) AS responses,
                           (SELECT COUNT(*) FROM surveys s WHERE EXISTS (SELECT 1 FROM calls c WHERE c.callId = s.callId)) AS paired,
                           (SELECT COUNT(*) FROM (SELECT callId FROM surveys GROUP BY callId HAVING COUNT(*) > 1)) AS several
                    """)!
                let responses: Int = row["responses"], paired: Int = row["paired"]
                return SurveyStoreCounts(responses: responses, paired: paired, pending: responses - paired, callsWithSeveralResponses: row["several"])
            }
        }
    }
}
