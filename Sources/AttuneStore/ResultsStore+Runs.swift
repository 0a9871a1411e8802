import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

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

extension ResultsStore {
    /// Records the start of a run and returns its id. Runs left `running` by a process that is
    /// gone are marked `interrupted` first: on this machine, those whose process no longer exists;
    /// on any machine, those that have not reported for `RunWorker.staleAfterSeconds`. Runs of
    /// other live workers sharing the store are left alone.
    public func beginRun(_ settings: RunSettings) async throws(StorageError) -> Int64 {
        let worker = RunWorker.current
        let staleBefore = timestampNow(secondsAgo: RunWorker.staleAfterSeconds)
        return try await write("starting a run in the results store") { session in
            for row in try session.rows("SELECT id, worker, heartbeatAt FROM runs WHERE status = 'running'") {
                guard RunWorker.isGone(row["worker"], lastSeen: row["heartbeatAt"], staleBefore: staleBefore) else { continue }
                try session.execute("UPDATE runs SET status = 'interrupted' WHERE id = ?", [row.value("id")])
            }
            return try session.insertReturningId(RunRecord(
                startedAt: timestampNow(), worker: worker, status: "running", source: settings.source, shard: settings.shard, jobs: settings.jobs,
                engineVersion: settings.engineVersion, configurationFingerprint: settings.configurationFingerprint, modelSha256: settings.modelSha256))
        }
    }

    /// Records where a run got to; `finished` also closes it (completed, or with failures).
    public func updateRun(_ id: Int64, counts: RunCounts, finished: Bool) async throws(StorageError) {
        try await write("updating run \(id) in the results store") { session in
            let status = !finished ? "running" : counts.failed > 0 ? "completedWithFailures" : "completed"
            try session.execute(
                """
                UPDATE runs SET status = ?, finishedAt = ?, filesTotal = ?, filesAnalyzed = ?, filesSkipped = ?,
                filesFailed = ?, audioSeconds = ?, heartbeatAt = ? WHERE id = ?
                """,
                [.text(status), finished ? .text(timestampNow()) : .null, counts.total.sqlValue, counts.analyzed.sqlValue, counts.skipped.sqlValue,
                 counts.failed.sqlValue, counts.audioSeconds.sqlValue, .text(timestampNow()), .integer(id)])
        }
    }

    /// Records failures of a run. A claimed piece of work that failed stays claimed, marked
    /// failed, so no other worker lists it again (`claim`); a failure to store is not the work's
    /// fault, so its claim is given back instead.
    public func recordFailures(_ failures: [FailureReport], runId: Int64?) async throws(StorageError) {
        guard !failures.isEmpty else { return }
        try await write("recording failures in the results store") { session in
            let now = timestampNow()
            try session.insert(failures.map {
                FailureRecord(runId: runId, path: $0.path, callId: $0.callId, line: $0.line, code: $0.code, reason: $0.reason, occurredAt: now)
            })
            for failure in failures {
                if failure.code == "store" {
                    try session.execute("DELETE FROM claims WHERE workKey = ?", [.text(failure.workKey)])
                } else {
                    try session.execute("UPDATE claims SET failedAt = ? WHERE workKey = ?", [.text(now), .text(failure.workKey)])
                }
            }
        }
    }

    /// The failures of a run, in the order they happened.
    public func failures(runId: Int64) async throws(StorageError) -> [FailureReport] {
        try await read("reading failures") { session in
            try session.rows("SELECT path, callId, line, code, reason FROM failures WHERE runId = ? ORDER BY id", [.integer(runId)]).map {
                FailureReport(path: $0["path"], callId: $0["callId"], line: $0["line"], code: $0["code"], reason: $0["reason"])
            }
        }
    }
}

/// The process running a batch, as runs and file claims record it.
enum RunWorker {
    /// A run or claim whose worker has not reported for this long is taken to be dead (s). Batch
    /// workers report after every call and at least every `heartbeatSeconds`.
    static let staleAfterSeconds = 600.0

    /// `host:pid` of this process.
    static let current: String = "\(hostName()):\(getpid())"

    /// Whether the worker `host:pid` (or a live server's `host:pid#random`) may still be running: false only for a process of this
    /// machine that no longer exists. A worker on another machine is judged by its heartbeat.
    static func isAlive(_ worker: String) -> Bool {
        let worker = worker.split(separator: "#", maxSplits: 1).first.map(String.init) ?? worker  // a live server's `#random`
        guard let colon = worker.lastIndex(of: ":"), worker[..<colon] == hostName()[...],
              let pid = Int32(worker[worker.index(after: colon)...]) else { return true }
        return kill(pid, 0) == 0 || errno != ESRCH
    }

    /// Whether a worker (or live server) is gone: its process of this machine no longer exists, or
    /// it was last heard from (`lastSeen`, nil: never) before `staleBefore` (timestamps as stored).
    /// Without a worker name (runs from before runs recorded one) only the time counts.
    static func isGone(_ worker: String?, lastSeen: String?, staleBefore: String) -> Bool {
        (lastSeen ?? "") < staleBefore || worker.map { !isAlive($0) } ?? false
    }


    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
