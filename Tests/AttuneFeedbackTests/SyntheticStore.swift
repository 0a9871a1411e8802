import AttuneFeedback
import AttuneScoring
@_spi(Inspection) import AttuneStore
import AttuneTestSupport
import Foundation

/// Calls written straight into a store (rows, no audio), with known behaviours and scores.
struct SyntheticCall {
    var callId: String
    var agentId: String
    var team: String
    /// ISO 8601 UTC.
    var startedAt: String
    /// The model's predicted effort index (0–1), nil for an unscored call.
    var predictedEffortIndex: Double? = 0.5
    var distressLevel: String? = "none"
    var distressValue: Double? = 0.1
    /// Behaviour key → stored metric value (e.g. `deadAir` → seconds).
    var behaviours: [String: Double] = [:]
    /// (type, party, start s, end s).
    var events: [(String, String?, Double, Double)] = []
}

enum SyntheticStore {
    /// A fresh store (a SQLite file unless `kind` says otherwise), and a folder for files.
    static func fresh(_ kind: StoreKind = .sqlite) async throws -> (ResultsStore, String) {
        let directory = RepositoryPaths.temporaryDirectory("attune-feedback")
        let location = kind == .sqlite ? directory + "/results.db" : try TestStores.freshLocation(kind)
        return (try await ResultsStore.open(location), directory)
    }

    static func insert(_ calls: [SyntheticCall], into database: ResultsStore) async throws {
        try await database.transaction { session in
            for call in calls {
                let inserted = try session.rows("""
                    INSERT INTO calls (callId, contentSha256, engineVersion, configurationFingerprint, sourcePath, agentId, team, startedAt,
                                       durationSeconds, sampleRateHz, channelLayout, analyzedAt, report)
                    VALUES (?, ?, 'test', 'test', ?, ?, ?, ?, 300, 8000, 'stereo', '2026-12-01T00:00:00Z', '{}') RETURNING id
                    """, [.text(call.callId), .text("sha-" + call.callId), .text(call.callId + ".wav"), .text(call.agentId), .text(call.team), .text(call.startedAt)])
                let id = inserted[0].values[0]
                if let index = call.predictedEffortIndex {
                    try session.execute("""
                        INSERT INTO scores (callRowId, modelId, modelVersion, modelSha256, effortValue, effortIndex, effortScaleMin, effortScaleMax,
                                            effortHigherIsEasier, distressValue, distressLevel)
                        VALUES (?, 'test', '1', 'x', ?, ?, 1, 7, ?, ?, ?)
                        """, [id, .real(7 - 6 * index), .real(index), .boolean(true), call.distressValue.map(SQLValue.real) ?? .null,
                              call.distressLevel.map(SQLValue.text) ?? .null])
                }
                for behaviour in Behaviour.all where behaviour.metric != nil {
                    guard let value = call.behaviours[behaviour.key] else { continue }
                    try session.execute("INSERT INTO metrics (callRowId, scope, name, value) VALUES (?, ?, ?, ?)",
                                        [id, .text(behaviour.scope!), .text(behaviour.metric!), .real(value)])
                }
                for event in call.events {
                    try session.execute("INSERT INTO events (callRowId, type, party, startSeconds, endSeconds) VALUES (?, ?, ?, ?, ?)",
                                        [id, .text(event.0), event.1.map(SQLValue.text) ?? .null, .real(event.2), .real(event.3)])
                }
            }
        }
    }

    /// Records a calibration of the synthetic model (sha `x`, `test 1`) on CES 2.0 with what
    /// decides what is worth a listen: the |error| quantile (effort index, 0–1) and the lower end of
    /// ρ's 95 % interval (nil: unknown).
    @discardableResult
    static func calibrate(
        _ database: ResultsStore, errorQuantileIndex: Double, spearmanLow: Double?, spearman: Double? = 0.6, surveys: Int = 200, kind: String = "heldOut"
    ) async throws -> StoredCalibration {
        try await database.recordCalibration(StoredCalibration(
            modelId: "test", modelVersion: "1", modelSha256: "x", parentSha256: nil, kind: kind, team: nil, since: nil, until: nil,
            figures: AgreementFigures(
                surveys: surveys, spearman: spearman, spearmanLow: spearmanLow, spearmanHigh: spearmanLow.map { $0 + 0.3 }, meanAbsoluteErrorPoints: 1,
                biasPoints: 0.25, withinOne: 0.5, errorQuantile: 0.9, errorQuantileIndex: errorQuantileIndex),
            scale: .ces2))
    }

    /// Writes `text` to a file in `directory` and returns its path.
    static func file(_ directory: String, _ name: String, _ text: String) throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `YYYY-MM-DDTHH:MM:00Z` for day `day` (1-based, November 2026) and minute-of-day `minute`.
    static func time(day: Int, minute: Int) -> String {
        let hour = minute / 60, minutes = minute % 60
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "2026-11-\(two(day))T\(two(hour)):\(two(minutes)):00Z"
    }
}
