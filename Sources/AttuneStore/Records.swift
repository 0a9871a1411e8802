import GRDB

// Row types of the store, one per table (GRDB records), kept apart from the domain types.
// The schema is documented in the README and created by `AttuneDatabase.migrator`.

/// A batch (or other) run that wrote to the store.
struct RunRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "runs"
    var id: Int64?
    var startedAt: String
    var finishedAt: String?
    /// `running`, `completed`, `completedWithFailures` or `interrupted`.
    var status: String
    /// The folder or manifest given.
    var source: String
    var shard: String?
    var jobs: Int
    var engineVersion: String
    var configurationFingerprint: String
    var modelSha256: String?
    var filesTotal: Int
    var filesAnalyzed: Int
    var filesSkipped: Int
    var filesFailed: Int
    var audioSeconds: Double

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

/// One call's current result. One row per call id (since v5).
struct CallRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "calls"
    var id: Int64?
    var callId: String
    /// SHA-256 (hex) of the recording's bytes (of both legs, in order, for two-leg calls).
    var contentSha256: String
    var engineVersion: String
    var configurationFingerprint: String
    var modelSha256: String?
    /// `ResultIdentity.channelMap` (nil for rows stored before v5).
    var channelMap: String?
    /// The file (or `advisor|customer` files) analysed.
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

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

struct SegmentRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "segments"
    var callRowId: Int64
    var party: String
    var startSeconds: Double
    var endSeconds: Double
    var levelDbRelative: Double?
}

struct EventRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "events"
    var callRowId: Int64
    var type: String
    var party: String?
    var initiator: String?
    var startSeconds: Double
    var endSeconds: Double
    var peakDbAboveBaseline: Double?
}

/// One metric value: `scope` is `call` or a party (`advisor`, `customer`, `mixed`).
struct MetricRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "metrics"
    var callRowId: Int64
    var scope: String
    var name: String
    var value: Double?
}

/// A call's scores (one row per scored call) and the model that made them.
struct ScoreRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "scores"
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
}

/// One input's share of a score: `score` is `effort` or `distress`; `rank` 1 is the largest.
struct ContributionRecord: Codable, Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "contributions"
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
}

/// A file (or manifest line) that could not be analysed.
struct FailureRecord: Codable, Sendable, FetchableRecord, MutablePersistableRecord {
    static let databaseTableName = "failures"
    var id: Int64?
    var runId: Int64?
    var path: String
    var callId: String?
    /// Manifest line, when the failure is about one.
    var line: Int?
    /// A stable kind, e.g. `truncated`, `notAudio`, `manifest`.
    var code: String
    var reason: String
    var occurredAt: String

    mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
