import AttuneBatch
import AttuneDSP
import AttunePipeline
@_spi(Inspection) import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// What makes a stored call the same call (issue 14, items 3 and 4): a call is its call id; what
/// changes the result (the channel map) is part of the result's identity; what does not (agent,
/// team, start time) is updated in place.
@Suite struct CallIdentityTests {
    static func rows(_ database: ResultsStore) async throws -> [SQLRow] {
        try await database.rows("SELECT callId, agentId, team, channelMap, sourcePath, report FROM calls ORDER BY callId")
    }

    @Test func aManifestsMetadataReachesARecordingAlreadyStored() async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-identity")
        try FileManager.default.createDirectory(atPath: directory + "/night", withIntermediateDirectories: true)
        let file = directory + "/night/call-7.flac"
        try FileManager.default.copyItem(atPath: RepositoryPaths.fixtureCalls + "/heated-clean.flac", toPath: file)
        let database = try await ResultsStore.open(directory + "/results.db")
        let folder = try await BatchRunner(database: database, configuration: .default, jobs: 1).run(
            try BatchSource.load(directory + "/night"), sourceDescription: "night", shard: nil)
        #expect(folder.progress.analyzed == 1)
        let before = try await Self.rows(database)
        let reportBefore = try CallReport(jsonData: Data((before[0]["report"] as String).utf8))

        // The same file, now with its advisor: updated in place, not re-analysed.
        try "file,callId,agentId,team\n\(file),call-7,A17,blue\n".write(toFile: directory + "/agents.csv", atomically: true, encoding: .utf8)
        let agents = try await BatchRunner(database: database, configuration: .default, jobs: 1).run(
            try BatchSource.load(directory + "/agents.csv"), sourceDescription: "agents.csv", shard: nil)
        #expect(agents.progress.updated == 1 && agents.progress.analyzed == 0 && agents.progress.skipped == 0)
        #expect(agents.progress.summary(elapsedSeconds: 1).contains("1 updated"))
        var rows = try await Self.rows(database)
        #expect(rows.count == 1)
        #expect(rows[0]["agentId"] as String? == "A17" && rows[0]["team"] as String? == "blue")
        #expect(rows[0]["report"] as String == before[0]["report"] as String)

        // Run again: nothing changed, so nothing to do.
        let again = try await BatchRunner(database: database, configuration: .default, jobs: 1).run(
            try BatchSource.load(directory + "/agents.csv"), sourceDescription: "agents.csv", shard: nil)
        #expect(again.progress.skipped == 1 && again.progress.updated == 0)

        // The advisor on the right channel changes the result: re-analysed, still one row.
        try "file,callId,agentId,team,advisorChannel\n\(file),call-7,A17,blue,right\n".write(toFile: directory + "/right.csv", atomically: true, encoding: .utf8)
        let right = try await BatchRunner(database: database, configuration: .default, jobs: 1).run(
            try BatchSource.load(directory + "/right.csv"), sourceDescription: "right.csv", shard: nil)
        #expect(right.progress.analyzed == 1)
        rows = try await Self.rows(database)
        #expect(rows.count == 1 && rows[0]["agentId"] as String? == "A17")
        #expect((rows[0]["channelMap"] as String?)?.contains("advisorChannel=1") == true)
        let reportAfter = try CallReport(jsonData: Data((rows[0]["report"] as String).utf8))
        #expect(reportAfter.metrics.advisor?.talkSeconds == reportBefore.metrics.customer?.talkSeconds)
        #expect(reportAfter.metrics.customer?.talkSeconds == reportBefore.metrics.advisor?.talkSeconds)

        // Relabelled by a manifest under another call id: the same recording, one row.
        try "file,callId,agentId\n\(file),CRM-0007,A17\n".write(toFile: directory + "/crm.csv", atomically: true, encoding: .utf8)
        _ = try await BatchRunner(database: database, configuration: .default, jobs: 1).run(
            try BatchSource.load(directory + "/crm.csv"), sourceDescription: "crm.csv", shard: nil)
        rows = try await Self.rows(database)
        #expect(rows.map { $0["callId"] as String } == ["CRM-0007"])
    }

    @Test func liveCallsWithIdenticalAudioAreSeparateCallsAndABatchOfOneReplacesIt() async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-identity-live")
        let database = try await ResultsStore.open(directory + "/results.db")
        let report = try RecordingAnalysis.analyze(.file(RepositoryPaths.fixtureCalls + "/calm-clean.flac"))
        // Three silent or abandoned calls streamed with the very same audio.
        for callId in ["live-1", "live-2", "live-3"] {
            let identity = ResultIdentity(contentSha256: "same-audio", engineVersion: "e", configurationFingerprint: "f", modelSha256: nil, channelMap: "live")
            try await database.store([AnalyzedCall(report: report, identity: identity, metadata: CallMetadata(callId: callId, sourcePath: "live:native"))], runId: nil)
        }
        #expect(try await Self.rows(database).map { $0["callId"] as String } == ["live-1", "live-2", "live-3"])

        // The recorder's file of live-2, batched later under the same call id: the same call.
        try FileManager.default.createDirectory(atPath: directory + "/night", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: RepositoryPaths.fixtureCalls + "/calm-clean.flac", toPath: directory + "/night/live-2.flac")
        let run = try await BatchRunner(database: database, configuration: .default, jobs: 1).run(
            try BatchSource.load(directory + "/night"), sourceDescription: "night", shard: nil)
        #expect(run.progress.analyzed == 1)
        let rows = try await Self.rows(database)
        #expect(rows.map { $0["callId"] as String } == ["live-1", "live-2", "live-3"])
        #expect(rows[1]["sourcePath"] as String == directory + "/night/live-2.flac")
    }
}
