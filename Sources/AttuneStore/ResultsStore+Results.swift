import FoundationEssentials
public import AttunePipeline
import AttuneScoring
import AttuneDSP

/// What a stored result was computed from. Equal identities mean the stored result is current.
public struct ResultIdentity: Sendable, Hashable {
    /// SHA-256 (hex) of the recording's bytes (both legs, advisor first, for two-leg calls).
    public var contentSha256: String
    public var engineVersion: String
    public var configurationFingerprint: String
    /// The scoring model's hash, once scoring exists.
    public var modelSha256: String?
    /// How the recording's channels map to parties (`CallRecording.channelMap`; `live` for a
    /// streamed call): the same audio with the advisor on the other channel is another result.
    public var channelMap: String?

    public init(contentSha256: String, engineVersion: String, configurationFingerprint: String, modelSha256: String?, channelMap: String? = nil) {
        self.contentSha256 = contentSha256
        self.engineVersion = engineVersion
        self.configurationFingerprint = configurationFingerprint
        self.modelSha256 = modelSha256
        self.channelMap = channelMap
    }
}

extension ResultIdentity {
    /// From a row of `calls` holding the identity's columns (`ResultIdentity.columns`).
    init(row: SQLRow) {
        self.init(
            contentSha256: row["contentSha256"], engineVersion: row["engineVersion"], configurationFingerprint: row["configurationFingerprint"],
            modelSha256: row["modelSha256"], channelMap: row["channelMap"])
    }

    /// The columns of `calls` that make a stored result's identity.
    static let columns = "contentSha256, engineVersion, configurationFingerprint, modelSha256, channelMap"
}

/// A call's stored result as a batch checks it: what it was computed from and who it is.
public struct StoredResult: Sendable, Equatable {
    public var identity: ResultIdentity
    public var metadata: CallMetadata
}

/// Who and what a call is, beyond its audio (from the manifest or the file name).
public struct CallMetadata: Sendable, Equatable {
    public var callId: String
    public var sourcePath: String
    public var agentId: String?
    public var team: String?
    /// When the call took place (ISO 8601), if known.
    public var startedAt: String?

    public init(callId: String, sourcePath: String, agentId: String? = nil, team: String? = nil, startedAt: String? = nil) {
        self.callId = callId
        self.sourcePath = sourcePath
        self.agentId = agentId
        self.team = team
        self.startedAt = startedAt
    }
}

/// A finished analysis, ready to store.
public struct AnalyzedCall: Sendable {
    public var report: CallReport
    public var identity: ResultIdentity
    public var metadata: CallMetadata

    public init(report: CallReport, identity: ResultIdentity, metadata: CallMetadata) {
        self.report = report
        self.identity = identity
        self.metadata = metadata
    }
}

/// A call's rows, ready to insert (see `ResultsStore.prepare`).
public struct PreparedCall: Sendable {
    var call: CallRecord
    var segments: [SegmentRecord]
    var events: [EventRecord]
    var metrics: [MetricRecord]
    var scores: ScoreRecord?
    var contributions: [ContributionRecord]
    /// The call's duration (s).
    public let durationSeconds: Double

    /// The claim key of the call's work.
    var metadataWorkKey: String { "call:" + call.callId }
}

extension ResultsStore {
    /// The result stored for a call: the row with its call id, else (for a recording file) a row
    /// of the same file's bytes stored from a file under another id (the same recording renamed
    /// or relabelled by a manifest). Live rows are matched by call id only: two live calls with
    /// identical audio are two calls.
    public func storedResult(callId: String, contentSha256: String, fromFile: Bool) async throws(StorageError) -> StoredResult? {
        try await read("reading the results store") { session in
            let columns = "callId, \(ResultIdentity.columns), sourcePath, agentId, team, startedAt"
            // The row of the call id first, else the newest of the same file's bytes.
            let row = fromFile
                ? try session.row(
                    """
                    SELECT \(columns) FROM calls WHERE callId = ? OR (contentSha256 = ? AND sourcePath NOT LIKE 'live:%')
                    ORDER BY (callId = ?) DESC, id DESC LIMIT 1
                    """,
                    [.text(callId), .text(contentSha256), .text(callId)])
                : try session.row("SELECT \(columns) FROM calls WHERE callId = ?", [.text(callId)])
            return row.map { row in
                StoredResult(
                    identity: ResultIdentity(row: row),
                    metadata: CallMetadata(callId: row["callId"], sourcePath: row["sourcePath"], agentId: row["agentId"], team: row["team"], startedAt: row["startedAt"]))
            }
        }
    }

    /// Updates who and when a stored call is (agent, team, start time, source path, and its call
    /// id when a manifest relabels a recording) without re-analysis: none of it changes the
    /// result. The row is the one `storedResult` found for `previousCallId`.
    public func updateMetadata(of previousCallId: String, to metadata: CallMetadata) async throws(StorageError) {
        try await write("updating \(previousCallId) in the results store") { session in
            try session.execute(
                "UPDATE calls SET callId = ?, sourcePath = ?, agentId = ?, team = ?, startedAt = ? WHERE callId = ?",
                [.text(metadata.callId), .text(metadata.sourcePath), metadata.agentId.sqlValue, metadata.team.sqlValue, metadata.startedAt.sqlValue,
                 .text(previousCallId)])
        }
    }

    /// Stores the calls, each replacing any older result for the same call (or recording file), in one
    /// transaction: after a crash the store holds all of them or none.
    public func store(_ calls: [AnalyzedCall], runId: Int64?) async throws(StorageError) {
        try await store(try calls.map { call throws(StorageError) in try Self.prepare(call) }, runId: runId)
    }

    /// Stores calls already turned into rows (`prepare`), in one transaction. Writers of the same
    /// call id at the same moment (two batch workers, a batch and a live server) are serialised
    /// (`SQLDialect.lockCallStatement`), so the call ends with one row, the last writer's.
    public func store(_ calls: [PreparedCall], runId: Int64?) async throws(StorageError) {
        guard !calls.isEmpty else { return }
        try await write("writing \(calls.count) call(s) to the results store") { session in
            if let lock = session.dialect.lockCallStatement() {
                // In one order, so two writers of overlapping groups cannot wait on each other.
                for callId in Set(calls.map(\.call.callId)).sorted() { _ = try session.rows(lock, [.text(callId)]) }
            }
            for prepared in calls {
                var call = prepared.call
                call.runId = runId
                // The call's earlier result, and (for a recording file) an earlier row of the same
                // file stored under another id (see `storedResult`); their rows go with them.
                if call.sourcePath.hasPrefix("live:") {
                    try session.deleteCalls(where: "callId = ?", [.text(call.callId)])
                } else {
                    try session.deleteCalls(
                        where: "callId = ? OR (contentSha256 = ? AND sourcePath NOT LIKE 'live:%')", [.text(call.callId), .text(call.contentSha256)])
                }
                // Done: no worker needs to claim it again (see `claim`).
                try session.insertCall(
                    call,
                    children: [
                        CallChildRows(prepared.segments), CallChildRows(prepared.events), CallChildRows(prepared.metrics),
                        CallChildRows(prepared.scores.map { [$0] } ?? []), CallChildRows(prepared.contributions),
                    ],
                    finally: ("DELETE FROM claims WHERE workKey = ?", [.text(prepared.metadataWorkKey)]))
            }
        }
    }

    /// Turns a finished analysis into its rows (and its report into JSON). Pure CPU work that
    /// does not touch the database, so batch jobs do it in parallel and the one writer only inserts.
    public static func prepare(_ call: AnalyzedCall) throws(StorageError) -> PreparedCall {
        let report = call.report
        let json: String
        do { json = String(decoding: try report.jsonData(), as: UTF8.self) } catch {
            throw StorageError(operation: "encoding the report of \(call.metadata.callId)", message: "\(error)")
        }
        let record = CallRecord(
            callId: call.metadata.callId, contentSha256: call.identity.contentSha256,
            engineVersion: call.identity.engineVersion, configurationFingerprint: call.identity.configurationFingerprint,
            modelSha256: call.identity.modelSha256, channelMap: call.identity.channelMap, sourcePath: call.metadata.sourcePath, agentId: call.metadata.agentId,
            team: call.metadata.team, startedAt: call.metadata.startedAt, durationSeconds: report.durationSeconds,
            sampleRateHz: report.sampleRateHz, channelLayout: report.channelLayout, runId: nil, analyzedAt: timestampNow(),
            report: json)
        let segments = report.segments.map {
            SegmentRecord(callRowId: 0, party: $0.party.rawValue, startSeconds: $0.startSeconds, endSeconds: $0.endSeconds, levelDbRelative: $0.levelDbRelative)
        }
        let events = report.events.map {
            EventRecord(
                callRowId: 0, type: $0.type.rawValue, party: $0.party?.rawValue, initiator: $0.initiator?.rawValue,
                startSeconds: $0.startSeconds, endSeconds: $0.endSeconds, peakDbAboveBaseline: $0.peakDbAboveBaseline)
        }
        var metrics = CallMetrics.fields.map { MetricRecord(callRowId: 0, scope: "call", name: $0.name, value: $0.value(in: report.metrics)) }
        for party in report.parties {
            guard let partyMetrics = report.metrics[party] else { continue }
            metrics += PartyMetrics.fields.map { MetricRecord(callRowId: 0, scope: party.rawValue, name: $0.name, value: $0.value(in: partyMetrics)) }
        }
        var scores: ScoreRecord? = nil
        var contributions: [ContributionRecord] = []
        if let scored = report.scores, let model = report.model {
            let effort = scored.effort, distress = scored.distress
            scores = ScoreRecord(
                callRowId: 0, modelId: model.id, modelVersion: model.version, modelSha256: model.sha256,
                effortValue: effort.value, effortIndex: effort.index, effortScaleMin: effort.scale.min, effortScaleMax: effort.scale.max,
                effortHigherIsEasier: effort.scale.higherIsEasier, distressValue: distress.value, distressLevel: distress.level?.rawValue,
                distressPeakAtSeconds: distress.peakAtSeconds)
            for (score, list) in [("effort", effort.contributions), ("distress", distress.contributions)] {
                contributions += list.enumerated().map { rank, c in
                    ContributionRecord(callRowId: 0, score: score, rank: rank + 1, input: c.input, metric: c.metric, value: c.value, unit: c.unit, points: c.points, text: c.text)
                }
            }
        }
        return PreparedCall(
            call: record, segments: segments, events: events, metrics: metrics, scores: scores, contributions: contributions,
            durationSeconds: report.durationSeconds)
    }

    /// Number of calls stored.
    public func callCount() async throws(StorageError) -> Int {
        try await read("reading the results store") { session in try session.value("SELECT COUNT(*) FROM calls") ?? 0 }
    }

    /// The stored report of a call (by call id), decoded.
    public func report(callId: String) async throws(StorageError) -> CallReport? {
        let json: String? = try await read("reading the results store") { session in
            try session.value("SELECT report FROM calls WHERE callId = ? ORDER BY analyzedAt DESC LIMIT 1", [.text(callId)])
        }
        do { return try json.map { try CallReport(jsonData: Data($0.utf8)) } } catch {
            throw StorageError(operation: "reading the report of \(callId)", message: "\(error)")
        }
    }
}
