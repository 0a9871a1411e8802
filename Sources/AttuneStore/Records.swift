// Row types of the store, one per table, kept apart from the domain types. The schema is
// documented in the README and created by each backend's migrations (`SQLiteBackend.migrator`,
// `PostgresMigrations`). Each type lists its columns once, in the order `values` gives them.

/// A table's row as the store inserts it.
protocol InsertableRow {
    static var table: String { get }
    static var columns: [String] { get }
    var values: [SQLValue] { get }
}

/// A row that belongs to a call (`callRowId`, its first column, is the call row's `id`).
protocol CallChildRow: InsertableRow {
    var callRowId: Int64 { get set }
}

extension Optional where Wrapped: SQLConvertible {
    var sqlValue: SQLValue { self?.sqlValue ?? .null }
}

/// A batch (or other) run that wrote to the store.
struct RunRecord: InsertableRow {
    static let table = "runs"
    var startedAt: String
    /// Who runs it: `host:pid` (`RunWorker`).
    var worker: String
    /// `running`, `completed`, `completedWithFailures` or `interrupted` (see `runs.heartbeatAt`).
    var status: String
    /// The folder or manifest given.
    var source: String
    var shard: String?
    var jobs: Int
    var engineVersion: String
    var configurationFingerprint: String
    var modelSha256: String?

    static let columns = [
        "startedAt", "heartbeatAt", "worker", "status", "source", "shard", "jobs", "engineVersion", "configurationFingerprint", "modelSha256",
        "filesTotal", "filesAnalyzed", "filesSkipped", "filesFailed", "audioSeconds",
    ]
    var values: [SQLValue] {
        [startedAt.sqlValue, startedAt.sqlValue, worker.sqlValue, status.sqlValue, source.sqlValue, shard.sqlValue, jobs.sqlValue, engineVersion.sqlValue,
         configurationFingerprint.sqlValue, modelSha256.sqlValue, .integer(0), .integer(0), .integer(0), .integer(0), .real(0)]
    }
}

/// A file (or manifest line) that could not be analysed.
struct FailureRecord: InsertableRow {
    static let table = "failures"
    var runId: Int64?
    var path: String
    var callId: String?
    /// Manifest line, when the failure is about one.
    var line: Int?
    /// A stable kind, e.g. `truncated`, `notAudio`, `manifest`.
    var code: String
    var reason: String
    var occurredAt: String

    static let columns = ["runId", "path", "callId", "line", "code", "reason", "occurredAt"]
    var values: [SQLValue] {
        [runId.sqlValue, path.sqlValue, callId.sqlValue, line.sqlValue, code.sqlValue, reason.sqlValue, occurredAt.sqlValue]
    }
}

/// One call's current result. One row per call id (since v5).
struct CallRecord: InsertableRow {
    static let table = "calls"
    var callId: String
    /// SHA-256 (hex) of the recording's bytes (of both legs, in order, for two-leg calls).
    var contentSha256: String
    var engineVersion: String
    var configurationFingerprint: String
    var modelSha256: String?
    /// `ResultIdentity.channelMap` (nil for rows stored before v5).
    var channelMap: String?
    /// The file (or `advisor|customer` files) analysed, or `live:…` for a streamed call.
    var sourcePath: String
    var agentId: String?
    var team: String?
    /// When the call took place (ISO 8601, from the manifest), if known.
    var startedAt: String?
    var durationSeconds: Double
    var sampleRateHz: Int
    var channelLayout: String
    var runId: Int64?
    var analyzedAt: String
    /// The whole `attune.call/1` report, as JSON.
    var report: String

    static let columns = [
        "callId", "contentSha256", "engineVersion", "configurationFingerprint", "modelSha256", "channelMap", "sourcePath", "agentId", "team",
        "startedAt", "durationSeconds", "sampleRateHz", "channelLayout", "runId", "analyzedAt", "report",
    ]
    var values: [SQLValue] {
        [callId.sqlValue, contentSha256.sqlValue, engineVersion.sqlValue, configurationFingerprint.sqlValue, modelSha256.sqlValue,
         channelMap.sqlValue, sourcePath.sqlValue, agentId.sqlValue, team.sqlValue, startedAt.sqlValue, durationSeconds.sqlValue,
         sampleRateHz.sqlValue, channelLayout.sqlValue, runId.sqlValue, analyzedAt.sqlValue, report.sqlValue]
    }
}

extension CallRecord {
    /// A row selected with `CallRecord.columns`.
    init(row: SQLRow) {
        self.init(
            callId: row["callId"], contentSha256: row["contentSha256"], engineVersion: row["engineVersion"],
            configurationFingerprint: row["configurationFingerprint"], modelSha256: row["modelSha256"], channelMap: row["channelMap"],
            sourcePath: row["sourcePath"], agentId: row["agentId"], team: row["team"], startedAt: row["startedAt"],
            durationSeconds: row["durationSeconds"], sampleRateHz: row["sampleRateHz"], channelLayout: row["channelLayout"], runId: row["runId"],
            analyzedAt: row["analyzedAt"], report: row["report"])
    }
}

struct SegmentRecord: CallChildRow {
    static let table = "segments"
    var callRowId: Int64
    var party: String
    var startSeconds: Double
    var endSeconds: Double
    var levelDbRelative: Double?

    static let columns = ["callRowId", "party", "startSeconds", "endSeconds", "levelDbRelative"]
    var values: [SQLValue] { [callRowId.sqlValue, party.sqlValue, startSeconds.sqlValue, endSeconds.sqlValue, levelDbRelative.sqlValue] }
}

struct EventRecord: CallChildRow {
    static let table = "events"
    var callRowId: Int64
    var type: String
    var party: String?
    var initiator: String?
    var startSeconds: Double
    var endSeconds: Double
    var peakDbAboveBaseline: Double?

    static let columns = ["callRowId", "type", "party", "initiator", "startSeconds", "endSeconds", "peakDbAboveBaseline"]
    var values: [SQLValue] {
        [callRowId.sqlValue, type.sqlValue, party.sqlValue, initiator.sqlValue, startSeconds.sqlValue, endSeconds.sqlValue, peakDbAboveBaseline.sqlValue]
    }
}

/// One metric value: `scope` is `call` or a party (`advisor`, `customer`, `mixed`).
struct MetricRecord: CallChildRow {
    static let table = "metrics"
    var callRowId: Int64
    var scope: String
    var name: String
    var value: Double?

    static let columns = ["callRowId", "scope", "name", "value"]
    var values: [SQLValue] { [callRowId.sqlValue, scope.sqlValue, name.sqlValue, value.sqlValue] }
}

/// A call's scores (one row per scored call) and the model that made them.
struct ScoreRecord: CallChildRow {
    static let table = "scores"
    var callRowId: Int64
    var modelId: String
    var modelVersion: String
    var modelSha256: String
    /// Likely effort on the survey scale below.
    var effortValue: Double
    /// 0 (effortless) … 1 (the most effort).
    var effortIndex: Double
    var effortScaleMin: Double
    var effortScaleMax: Double
    var effortHigherIsEasier: Bool
    /// Customer distress 0–1 and its level; nil when it could not be known.
    var distressValue: Double?
    var distressLevel: String?
    var distressPeakAtSeconds: Double?

    static let columns = [
        "callRowId", "modelId", "modelVersion", "modelSha256", "effortValue", "effortIndex", "effortScaleMin", "effortScaleMax",
        "effortHigherIsEasier", "distressValue", "distressLevel", "distressPeakAtSeconds",
    ]
    var values: [SQLValue] {
        [callRowId.sqlValue, modelId.sqlValue, modelVersion.sqlValue, modelSha256.sqlValue, effortValue.sqlValue, effortIndex.sqlValue,
         effortScaleMin.sqlValue, effortScaleMax.sqlValue, effortHigherIsEasier.sqlValue, distressValue.sqlValue, distressLevel.sqlValue,
         distressPeakAtSeconds.sqlValue]
    }
}

/// One input's share of a score: `score` is `effort` or `distress`; `rank` 1 is the largest.
struct ContributionRecord: CallChildRow {
    static let table = "contributions"
    var callRowId: Int64
    var score: String
    var rank: Int
    var input: String
    var metric: String
    var value: Double?
    var unit: String
    /// Effort points on the survey scale, or distress points (0–1).
    var points: Double
    /// "dead air 41 s: +0.8"
    var text: String

    static let columns = ["callRowId", "score", "rank", "input", "metric", "value", "unit", "points", "text"]
    var values: [SQLValue] {
        [callRowId.sqlValue, score.sqlValue, rank.sqlValue, input.sqlValue, metric.sqlValue, value.sqlValue, unit.sqlValue, points.sqlValue, text.sqlValue]
    }
}

extension StoreSession {
    /// Inserts rows of one table, many per statement (both backends take up to 30,000 arguments).
    func insert<Row: InsertableRow>(_ rows: [Row]) throws {
        try insert(into: Row.table, columns: Row.columns, rows: rows.map(\.values))
    }

    /// Inserts `rows` (each its `columns`' values, in order), many per statement.
    private func insert(into table: String, columns: [String], rows: [[SQLValue]]) throws {
        guard !rows.isEmpty else { return }
        let tuple = "(" + placeholders(columns.count) + ")"
        for chunk in rows.chunked(max(1, 30_000 / columns.count)) {
            try execute(
                "INSERT INTO \(table) (\(columns.joined(separator: ", "))) VALUES " + Array(repeating: tuple, count: chunk.count).joined(separator: ", "),
                chunk.flatMap { $0 })
        }
    }

    /// Inserts one row and returns its `id`.
    func insertReturningId<Row: InsertableRow>(_ row: Row) throws -> Int64 {
        let columns = Row.columns
        let sql = "INSERT INTO \(Row.table) (\(columns.joined(separator: ", "))) VALUES (\(placeholders(columns.count))) RETURNING id"
        guard let id: Int64 = try value(sql, row.values) else { preconditionFailure("INSERT … RETURNING id returned no row") }
        return id
    }

    /// Deletes the calls matching `condition` (a `WHERE` clause over `calls`) and every row that
    /// belongs to them (SQLite: by the foreign keys' cascade).
    func deleteCalls(where condition: String, _ arguments: [SQLValue]) throws {
        try execute("DELETE FROM calls WHERE \(condition)", arguments)
    }

    /// Inserts a call's row and the rows that belong to it (their `callRowId` set to its `id`),
    /// and runs `finally` (a statement with no result) after them, in the caller's transaction:
    /// a statement per table (SQLite, in-process). `PostgresSession` does it in one.
    func insertCall(_ call: CallRecord, children: [CallChildRows], finally: (sql: String, arguments: [SQLValue])) throws {
        let id = try insertReturningId(call)
        for group in children {
            try insert(into: group.table, columns: ["callRowId"] + group.columns, rows: group.rows.map { [.integer(id)] + $0 })
        }
        try execute(finally.sql, finally.arguments)
    }
}

/// Rows of one table that belong to a call being inserted (`insertCall`), without their
/// `callRowId`, which the insert fills in.
struct CallChildRows: Sendable {
    /// Every table of rows that belong to a call.
    static let tables = [SegmentRecord.table, EventRecord.table, MetricRecord.table, ScoreRecord.table, ContributionRecord.table]

    let table: String
    /// The table's columns after `callRowId`.
    let columns: [String]
    let rows: [[SQLValue]]

    init<Row: CallChildRow>(_ rows: [Row]) {
        precondition(Row.columns.first == "callRowId", "\(Row.table): callRowId is not the first column")
        table = Row.table
        columns = Array(Row.columns.dropFirst())
        self.rows = rows.map { Array($0.values.dropFirst()) }
    }
}
