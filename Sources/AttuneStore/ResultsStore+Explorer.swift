import AttuneScoring
import FoundationEssentials

/// Whose stored calls a viewer may see: an advisor their own, a supervisor their team's (and
/// calls of no known team, as on the live wall), an administrator (the CLI) every call.
public enum CallScope: Sendable, Equatable {
    case agent(String)
    case team(String)
    case everyone
}

/// Links to the call explorer of an `attune serve` (`/calls/ID`, and `#t=SECONDS` for a moment,
/// where its player starts), from feedback pages and the live wall.
public struct CallLinks: Sendable {
    /// The server's address as the reader's browser reaches it, e.g. `https://attune.example:8443`;
    /// empty: links relative to the server (its own pages).
    public let baseURL: String

    public init(baseURL: String) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
    }

    /// The call's page.
    public func call(_ callId: String) -> String { baseURL + "/calls/" + Self.pathSegment(callId) }

    /// The call's page, its player at `seconds` (tenths).
    public func moment(_ callId: String, seconds: Double) -> String {
        call(callId) + "#t=\((max(0, seconds) * 10).rounded() / 10)"
    }

    /// `text` as one URL path segment (RFC 3986 unreserved characters kept, the rest percent-encoded).
    public static func pathSegment(_ text: String) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var bytes: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                bytes.append(byte)
            default:
                bytes += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// What `purgeCalls` removed.
public struct PurgedCalls: Sendable, Equatable {
    public var callIds: [String]
    /// The removed calls' kept live audio files (the store no longer names them: delete them).
    public var liveAudioFiles: [String]
}

/// A search of stored calls (`/calls`): every filter optional; all given must hold.
public struct CallSearch: Sendable, Equatable {
    /// The call took place on or after (ISO 8601 date or timestamp, UTC; by `startedAt`, else when
    /// it was analysed).
    public var since: String?
    /// … and before this (exclusive).
    public var until: String?
    public var team: String?
    public var agentId: String?
    /// `low`, `moderate` or `high` likely effort (`EffortLevel`'s thirds of the effort index).
    public var effortLevel: String?
    /// `none`, `elevated` or `high` customer distress.
    public var distressLevel: String?
    /// Dead air at least this long in all (s).
    public var minimumDeadAirSeconds: Double?
    /// true: calls with a survey answer; false: calls without.
    public var surveyed: Bool?
    /// The latest answer at least this many points from the model's prediction, either way
    /// (points on the survey's own scale).
    public var minimumSurveyGapPoints: Double?
    /// An event of this type in the call (`deadAir`, `interruption`, `energySpike`, `hold`, …).
    public var eventType: String?
    public var sort: CallSort = .time
    public var descending = true
    /// Rows to skip (paging).
    public var offset = 0
    /// Rows per page, 1–`maximumLimit`.
    public var limit = 50

    public static let maximumLimit = 500
    public static let effortLevels = EffortLevel.allCases.map(\.rawValue)
    public static let distressLevels = DistressLevel.allCases.map(\.rawValue)

    public init() {}
}

/// What the call list sorts by.
public enum CallSort: String, Sendable, CaseIterable {
    case time, effort, distress, deadAir, duration
}

/// One stored call in a list.
public struct CallSummary: Sendable, Equatable, Codable {
    public var callId: String
    public var agentId: String?
    public var team: String?
    /// When it took place (`startedAt`), else when it was analysed; ISO 8601 UTC.
    public var time: String
    public var durationSeconds: Double
    /// Likely effort on the model's scale, its index (0 easy … 1 hard) and level; nil: not scored.
    public var effort: Double?
    public var effortIndex: Double?
    public var effortLevel: String?
    /// Customer distress 0–1 and its level; nil: unknown.
    public var distress: Double?
    public var distressLevel: String?
    /// Dead air in all (s).
    public var deadAirSeconds: Double?
    /// The latest survey answer on its own scale, and its distance from the model's prediction
    /// (points, positive: harder than predicted); nil: no answer.
    public var surveyScore: Double?
    public var surveyGapPoints: Double?
}

/// A page of a search, and how many calls match in all.
public struct CallPage: Sendable, Equatable {
    public var total: Int
    public var calls: [CallSummary]
}

/// A stored call as its page shows it.
public struct StoredCall: Sendable, Equatable {
    public var callId: String
    public var agentId: String?
    public var team: String?
    public var startedAt: String?
    public var analyzedAt: String
    /// The recording analysed: a path, `advisor-leg|customer-leg`, or `live:…` for a streamed call.
    public var sourcePath: String
    /// A streamed call's kept audio (`liveAudio`), when the server keeps it.
    public var liveAudioPath: String?
    public var durationSeconds: Double
    /// The whole `attune.call/1` report (JSON text).
    public var reportJSON: String
    /// Survey answers, latest first.
    public var surveys: [SurveyAnswer]

    public struct SurveyAnswer: Sendable, Equatable, Codable {
        public var respondedAt: String
        public var score: Double
        public var scaleMin: Double
        public var scaleMax: Double
        public var higherIsEasier: Bool
        public var comment: String?
    }
}

extension ResultsStore {
    /// The calls `search` finds among those `scope` may see, one page of them, and their number.
    public func searchCalls(_ search: CallSearch, scope: CallScope) async throws(StorageError) -> CallPage {
        let filter = Self.filter(search, scope: scope)
        let order = Self.order(search)
        let limit = min(max(search.limit, 1), CallSearch.maximumLimit), offset = max(search.offset, 0)
        return try await read("searching stored calls") { session in
            let total: Int = try session.value(SQLStatement("SELECT COUNT(*) FROM calls c LEFT JOIN scores s ON s.callRowId = c.id WHERE \(filter.text)", filter.named)) ?? 0
            var named = filter.named
            named["limit"] = .integer(Int64(limit))
            named["offset"] = .integer(Int64(offset))
            let rows = try session.rows(SQLStatement(
                "SELECT \(Self.summaryColumns) FROM calls c LEFT JOIN scores s ON s.callRowId = c.id WHERE \(filter.text) ORDER BY \(order) LIMIT :limit OFFSET :offset",
                named))
            return CallPage(total: total, calls: rows.map(Self.summary))
        }
    }

    /// Every call `search` finds among those `scope` may see (no paging), in its order: the CSV.
    public func allCalls(_ search: CallSearch, scope: CallScope) async throws(StorageError) -> [CallSummary] {
        let filter = Self.filter(search, scope: scope)
        let order = Self.order(search)
        return try await read("listing stored calls") { session in
            try session.rows(SQLStatement(
                "SELECT \(Self.summaryColumns) FROM calls c LEFT JOIN scores s ON s.callRowId = c.id WHERE \(filter.text) ORDER BY \(order)",
                filter.named)).map(Self.summary)
        }
    }

    /// The call `callId` if `scope` may see it; nil otherwise (not stored, or someone else's:
    /// the two are not told apart, so ids cannot be probed).
    public func storedCall(_ callId: String, scope: CallScope) async throws(StorageError) -> StoredCall? {
        let (scopeText, scopeNamed) = Self.scopeCondition(scope)
        let named = scopeNamed.merging(["callId": .text(callId)]) { $1 }
        return try await read("reading stored call \(callId)") { session in
            guard let row = try session.rows(SQLStatement(
                """
                SELECT callId, agentId, team, startedAt, analyzedAt, sourcePath, durationSeconds, report,
                       (SELECT a.path FROM liveAudio a WHERE a.callId = c.callId) AS liveAudioPath
                FROM calls c WHERE c.callId = :callId AND \(scopeText)
                """,
                named)).first
            else { return nil }
            let surveys = try session.rows(
                "SELECT respondedAt, score, scaleMin, scaleMax, higherIsEasier, comment FROM surveys WHERE callId = ? ORDER BY respondedAt DESC, id DESC",
                [.text(callId)]
            ).map { survey in
                StoredCall.SurveyAnswer(
                    respondedAt: survey["respondedAt"], score: survey["score"], scaleMin: survey["scaleMin"], scaleMax: survey["scaleMax"],
                    higherIsEasier: survey["higherIsEasier"], comment: survey["comment"])
            }
            return StoredCall(
                callId: row["callId"], agentId: row["agentId"], team: row["team"], startedAt: row["startedAt"], analyzedAt: row["analyzedAt"],
                sourcePath: row["sourcePath"], liveAudioPath: row["liveAudioPath"], durationSeconds: row["durationSeconds"], reportJSON: row["report"],
                surveys: surveys)
        }
    }

    /// Records that `viewer` (a role and whom it stands for, never a token) played `callId` from
    /// `fromSeconds`.
    public func recordPlayback(callId: String, viewer: String, fromSeconds: Double) async throws(StorageError) {
        let now = timestampNow()
        _ = try await writeStatement(
            "logging a playback of \(callId)",
            "INSERT INTO playbacks (callId, viewer, playedAt, fromSeconds) VALUES (?, ?, ?, ?)",
            [.text(callId), .text(viewer), .text(now), .real(fromSeconds)])
    }

    /// The playbacks of `callId`, oldest first: who and when.
    public func playbacks(of callId: String) async throws(StorageError) -> [(viewer: String, playedAt: String, fromSeconds: Double)] {
        try await read("reading the playback log") { session in
            try session.rows("SELECT viewer, playedAt, fromSeconds FROM playbacks WHERE callId = ? ORDER BY id", [.text(callId)])
                .map { (viewer: $0["viewer"], playedAt: $0["playedAt"], fromSeconds: $0["fromSeconds"]) }
        }
    }

    /// Removes calls for retention or an erasure request: each call's report and rows, its
    /// recording's path, its survey answers, its playback log, its call-back entry, its kept live
    /// audio's row (the files are returned, to delete), its claim and its live record.
    /// Nothing else is touched.
    /// - Parameters:
    ///   - before: calls that took place before this (ISO 8601 date or timestamp; by `startedAt`,
    ///     else when analysed).
    ///   - callId: this one call.
    /// - Returns: the call ids removed (a call id given and not stored is still cleared of surveys
    ///   and playbacks, and listed only if something was removed), and their kept live audio files,
    ///   for the caller to delete.
    public func purgeCalls(before: String?, callId: String?) async throws(StorageError) -> PurgedCalls {
        precondition(before != nil || callId != nil, "purge needs a date or a call id")
        var conditions: [String] = [], arguments: [SQLValue] = []
        if let before { conditions.append("\(Self.callTime) < ?"); arguments.append(.text(before)) }
        if let callId { conditions.append("callId = ?"); arguments.append(.text(callId)) }
        let condition = conditions.joined(separator: " AND "), values = arguments
        return try await write("purging calls") { session in
            var ids: [String] = try session.rows("SELECT callId FROM calls WHERE \(condition)", values).map { $0["callId"] }
            if let callId, before == nil, !ids.contains(callId) {
                let surveys: Int = try session.value("SELECT COUNT(*) FROM surveys WHERE callId = ?", [.text(callId)]) ?? 0
                let playbacks: Int = try session.value("SELECT COUNT(*) FROM playbacks WHERE callId = ?", [.text(callId)]) ?? 0
                let callBacks: Int = try session.value("SELECT COUNT(*) FROM callBacks WHERE callId = ?", [.text(callId)]) ?? 0
                if surveys + playbacks + callBacks > 0 { ids.append(callId) }
            }
            try session.deleteCalls(where: condition, values)
            var files: [String] = []
            try session.forEachChunk(of: ids) { list, callIds in
                files += try session.rows("SELECT path FROM liveAudio WHERE callId IN (\(list))", callIds).map { $0["path"] }
                for table in ["surveys", "playbacks", "callBacks", "liveAudio"] {
                    try session.execute("DELETE FROM \(table) WHERE callId IN (\(list))", callIds)
                }
                try session.execute("DELETE FROM liveCalls WHERE callId IN (\(list)) AND status <> 'live'", callIds)
            }
            try session.forEachChunk(of: ids.map { "call:" + $0 }) { list, workKeys in
                try session.execute("DELETE FROM claims WHERE workKey IN (\(list))", workKeys)
            }
            return PurgedCalls(callIds: ids, liveAudioFiles: files)
        }
    }

    // MARK: Kept live audio

    /// Records that a live call's audio is kept at `path` until `keptForSeconds` from now.
    public func recordLiveAudio(callId: String, path: String, keptForSeconds: Double) async throws(StorageError) {
        _ = try await writeStatement(
            "recording where call \(callId)'s audio is kept",
            "INSERT INTO liveAudio (callId, path, keptUntil) VALUES (?, ?, ?) ON CONFLICT (callId) DO UPDATE SET path = excluded.path, keptUntil = excluded.keptUntil",
            [.text(callId), .text(path), .text(timestampNow(secondsAgo: -keptForSeconds))])
    }

    /// Kept live audio whose time is up at `secondsFromNow` from now (0: now): call ids and files.
    public func expiredLiveAudio(secondsFromNow: Double = 0) async throws(StorageError) -> [(callId: String, path: String)] {
        let limit = timestampNow(secondsAgo: -secondsFromNow)
        return try await read("reading kept live audio") { session in
            try session.rows("SELECT callId, path FROM liveAudio WHERE keptUntil <= ? ORDER BY keptUntil", [.text(limit)])
                .map { (callId: $0["callId"], path: $0["path"]) }
        }
    }

    /// Forgets kept audio rows (their files deleted).
    public func forgetLiveAudio(callIds: [String]) async throws(StorageError) {
        guard !callIds.isEmpty else { return }
        try await write("forgetting kept live audio") { session in
            try session.forEachChunk(of: callIds) { list, values in try session.execute("DELETE FROM liveAudio WHERE callId IN (\(list))", values) }
        }
    }

    // MARK: SQL of the search (over `calls c` and its `scores s`)

    /// When a call took place: its start time, else when it was analysed.
    static let callTime = "COALESCE(startedAt, analyzedAt)"
    /// The call's dead air in all (s).
    static let deadAirSeconds = "(SELECT m.value FROM metrics m WHERE m.callRowId = c.id AND m.scope = 'call' AND m.name = 'deadAirSeconds')"
    /// `expression` of the call's latest survey answer (`v`).
    static func latestSurvey(_ expression: String) -> String {
        "(SELECT \(expression) FROM surveys v WHERE v.callId = c.callId ORDER BY v.respondedAt DESC, v.id DESC LIMIT 1)"
    }
    /// The latest answer's distance from the model's prediction (points on the survey's scale).
    static let surveyGapPoints = latestSurvey("(v.effortIndex - s.effortIndex) * (v.scaleMax - v.scaleMin)")

    static let summaryColumns = """
        c.callId, c.agentId, c.team, \(callTime) AS callTime, c.durationSeconds, s.effortValue, s.effortIndex, s.distressValue, s.distressLevel,
        \(deadAirSeconds) AS deadAirSeconds, \(latestSurvey("v.score")) AS surveyScore, \(surveyGapPoints) AS surveyGapPoints
        """

    static func summary(_ row: SQLRow) -> CallSummary {
        let index: Double? = row["effortIndex"]
        return CallSummary(
            callId: row["callId"], agentId: row["agentId"], team: row["team"], time: row["callTime"], durationSeconds: row["durationSeconds"],
            effort: row["effortValue"], effortIndex: index, effortLevel: index.map { EffortLevel(index: $0).rawValue }, distress: row["distressValue"],
            distressLevel: row["distressLevel"], deadAirSeconds: row["deadAirSeconds"], surveyScore: row["surveyScore"],
            surveyGapPoints: row["surveyGapPoints"])
    }

    /// Who may see a call, as a condition over `calls c`.
    static func scopeCondition(_ scope: CallScope) -> (text: String, named: [String: SQLValue]) {
        switch scope {
        case .agent(let agentId): ("c.agentId = :scopeAgent", ["scopeAgent": .text(agentId)])
        case .team(let team): ("(c.team = :scopeTeam OR c.team IS NULL)", ["scopeTeam": .text(team)])
        case .everyone: ("1 = 1", [:])
        }
    }

    static func filter(_ search: CallSearch, scope: CallScope) -> (text: String, named: [String: SQLValue]) {
        var (scopeText, named) = scopeCondition(scope)
        var conditions = [scopeText]
        if let since = search.since { conditions.append("\(callTime) >= :since"); named["since"] = .text(since) }
        if let until = search.until { conditions.append("\(callTime) < :until"); named["until"] = .text(until) }
        if let team = search.team { conditions.append("c.team = :team"); named["team"] = .text(team) }
        if let agentId = search.agentId { conditions.append("c.agentId = :agent"); named["agent"] = .text(agentId) }
        switch search.effortLevel.flatMap(EffortLevel.init(rawValue:)) {
        case .low: conditions.append("s.effortIndex < \(EffortLevel.moderateFromIndex)")
        case .moderate: conditions.append("s.effortIndex >= \(EffortLevel.moderateFromIndex) AND s.effortIndex < \(EffortLevel.highFromIndex)")
        case .high: conditions.append("s.effortIndex >= \(EffortLevel.highFromIndex)")
        case nil: break
        }
        if let level = search.distressLevel { conditions.append("s.distressLevel = :distress"); named["distress"] = .text(level) }
        if let seconds = search.minimumDeadAirSeconds {
            conditions.append("\(deadAirSeconds) >= :deadAir")
            named["deadAir"] = .real(seconds)
        }
        if let surveyed = search.surveyed {
            conditions.append("\(surveyed ? "" : "NOT ")EXISTS (SELECT 1 FROM surveys v WHERE v.callId = c.callId)")
        }
        if let gap = search.minimumSurveyGapPoints {
            conditions.append("ABS(\(surveyGapPoints)) >= :gap")
            named["gap"] = .real(gap)
        }
        if let type = search.eventType {
            conditions.append("EXISTS (SELECT 1 FROM events e WHERE e.callRowId = c.id AND e.type = :eventType)")
            named["eventType"] = .text(type)
        }
        return (conditions.joined(separator: " AND "), named)
    }

    /// ORDER BY for the search: its sort, unknowns last, then the call id for a stable order.
    static func order(_ search: CallSearch) -> String {
        let direction = search.descending ? "DESC" : "ASC"
        let key = switch search.sort {
        case .time: callTime
        case .effort: "s.effortIndex"
        case .distress: "s.distressValue"
        case .deadAir: deadAirSeconds
        case .duration: "c.durationSeconds"
        }
        return "CASE WHEN \(key) IS NULL THEN 1 ELSE 0 END, \(key) \(direction), c.callId \(direction)"
    }
}
