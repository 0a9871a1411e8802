import GRDB

/// How a run was started.
public struct RunSettings: Sendable {
    public var source: String
    public var shard: String?
    public var jobs: Int
    public var engineVersion: String
    public var configurationFingerprint: String
    public var modelSha256: String?

    public init(source: String, shard: String?, jobs: Int, engineVersion: String, configurationFingerprint: String, modelSha256: String?) {
        self.source = source
        self.shard = shard
        self.jobs = jobs
        self.engineVersion = engineVersion
        self.configurationFingerprint = configurationFingerprint
        self.modelSha256 = modelSha256
    }
}

/// How far a run got.
public struct RunCounts: Sendable, Equatable {
    public var total = 0
    public var analyzed = 0
    public var skipped = 0
    public var failed = 0
    /// Audio analysed (s).
    public var audioSeconds = 0.0

    public init() {}
}

/// A file or manifest line that could not be analysed.
public struct FailureReport: Sendable, Equatable {
    public var path: String
    public var callId: String?
    /// The manifest line, when the failure concerns one.
    public var line: Int?
    /// A stable kind (`truncated`, `notAudio`, `manifest`, …).
    public var code: String
    public var reason: String

    public init(path: String, callId: String? = nil, line: Int? = nil, code: String, reason: String) {
        self.path = path
        self.callId = callId
        self.line = line
        self.code = code
        self.reason = reason
    }
}

extension AttuneDatabase {
    /// Records the start of a run and returns its id. Runs left `running` by a killed process are
    /// marked `interrupted` first.
    public func beginRun(_ settings: RunSettings) async throws(StorageError) -> Int64 {
        try await StorageError.wrapping("starting a run in the results store") {
            try await writer.write { db in
                try db.execute(sql: "UPDATE runs SET status = 'interrupted' WHERE status = 'running'")
                var run = RunRecord(
                    id: nil, startedAt: timestampNow(), finishedAt: nil, status: "running", source: settings.source,
                    shard: settings.shard, jobs: settings.jobs, engineVersion: settings.engineVersion,
                    configurationFingerprint: settings.configurationFingerprint, modelSha256: settings.modelSha256,
                    filesTotal: 0, filesAnalyzed: 0, filesSkipped: 0, filesFailed: 0, audioSeconds: 0)
                try run.insert(db)
                return run.id!
            }
        }
    }

    /// Records where a run got to; `finished` also closes it (completed, or with failures).
    public func updateRun(_ id: Int64, counts: RunCounts, finished: Bool) async throws(StorageError) {
        try await StorageError.wrapping("updating run \(id) in the results store") {
            try await writer.write { db in
                let status = !finished ? "running" : counts.failed > 0 ? "completedWithFailures" : "completed"
                try db.execute(
                    sql: """
                        UPDATE runs SET status = ?, finishedAt = ?, filesTotal = ?, filesAnalyzed = ?, filesSkipped = ?,
                        filesFailed = ?, audioSeconds = ? WHERE id = ?
                        """,
                    arguments: [status, finished ? timestampNow() : nil, counts.total, counts.analyzed, counts.skipped,
                                counts.failed, counts.audioSeconds, id])
            }
        }
    }

    /// Records failures of a run.
    public func recordFailures(_ failures: [FailureReport], runId: Int64?) async throws(StorageError) {
        guard !failures.isEmpty else { return }
        try await StorageError.wrapping("recording failures in the results store") {
            try await writer.write { db in
                for failure in failures {
                    var record = FailureRecord(
                        id: nil, runId: runId, path: failure.path, callId: failure.callId, line: failure.line,
                        code: failure.code, reason: failure.reason, occurredAt: timestampNow())
                    try record.insert(db)
                }
            }
        }
    }

    /// The failures of a run, in the order they happened.
    public func failures(runId: Int64) async throws(StorageError) -> [FailureReport] {
        try await StorageError.wrapping("reading failures") {
            try await writer.read { db in
                try FailureRecord.filter(Column("runId") == runId).order(Column("id")).fetchAll(db).map {
                    FailureReport(path: $0.path, callId: $0.callId, line: $0.line, code: $0.code, reason: $0.reason)
                }
            }
        }
    }
}
