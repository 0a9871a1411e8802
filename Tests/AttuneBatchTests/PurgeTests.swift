import AttuneBatch
import AttuneDSP
import AttunePipeline
import AttuneScoring
@_spi(Inspection) import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// `attune calls purge` (issue 17): a call's report, rows, recording path, survey answers,
/// playback log and claim go; nothing else changes. Checked against every table of the store, on
/// both backends.
@Suite struct PurgeTests {
    static let tables = [
        "runs", "calls", "segments", "events", "metrics", "failures", "scores", "contributions", "surveys", "claims", "liveServers", "liveCalls",
        "calibrations", "playbacks", "callBacks", "liveAudio",
    ]

    /// Every row of every table, each as its `column=value` fields, rows sorted.
    static func snapshot(_ store: ResultsStore) async throws -> [String: [[String]]] {
        func text(_ value: SQLValue) -> String {
            switch value {
            case .null: "NULL"
            case .integer(let number): "\(number)"
            case .real(let number): "\(number)"
            case .text(let text): text
            case .boolean(let flag): flag ? "true" : "false"
            }
        }
        var tables: [String: [[String]]] = [:]
        for table in Self.tables {
            tables[table] = try await store.rows("SELECT * FROM \(table)").map { row in
                zip(row.columns, row.values).map { "\($0)=\(text($1))" }
            }.sorted { $0.joined(separator: "|") < $1.joined(separator: "|") }
        }
        return tables
    }

    @Test(arguments: StoreKind.allCases) func purgeRemovesEverythingAboutACallAndNothingElse(_ kind: StoreKind) async throws {
        let store = try await TestStores.fresh(kind)
        let folder = RepositoryPaths.temporaryDirectory("attune-purge")
        for name in ["calm-clean", "heated-clean", "calm-bleed"] {
            try FileManager.default.copyItem(atPath: RepositoryPaths.fixtureCalls + "/\(name).flac", toPath: folder + "/\(name).flac")
        }
        let model = try LoadedModel.load(path: RepositoryPaths.defaultModel)
        _ = try await BatchRunner(database: store, configuration: .default, jobs: 2, model: model)
            .run(try BatchSource.load(folder), sourceDescription: folder, shard: nil)
        // Survey answers (one for a call not stored), playbacks and a failed claim around the calls.
        _ = try await store.storeSurveys([
            SurveyResponse(callId: "heated-clean", respondedAt: "2026-11-02T10:00:00Z", score: 2, scale: .ces2, fileScore: 2, comment: "slow", channel: nil, line: 2),
            SurveyResponse(callId: "calm-clean", respondedAt: "2026-11-02T11:00:00Z", score: 6, scale: .ces2, fileScore: 6, comment: nil, channel: nil, line: 3),
            SurveyResponse(callId: "gone-already", respondedAt: "2026-11-02T12:00:00Z", score: 4, scale: .ces2, fileScore: 4, comment: nil, channel: nil, line: 4),
        ], sourcePath: "surveys.csv")
        try await store.recordPlayback(callId: "heated-clean", viewer: "supervisor:north", fromSeconds: 12.5)
        try await store.recordPlayback(callId: "calm-clean", viewer: "advisor:alice", fromSeconds: 0)
        try await store.recordPlayback(callId: "gone-already", viewer: "advisor:alice", fromSeconds: 3)
        try await store.recordCallBack(CallBack(callId: "heated-clean", agentId: nil, team: nil, endedAt: "2026-11-02T09:59:00Z", distressValue: 0.9, peakAtSeconds: 30))
        try await store.recordLiveAudio(callId: "heated-clean", path: "/kept/heated-clean.wav", keptForSeconds: 86_400)
        try await store.recordLiveAudio(callId: "calm-clean", path: "/kept/calm-clean.wav", keptForSeconds: 86_400)
        try await store.recordCallBack(CallBack(callId: "calm-clean", agentId: nil, team: nil, endedAt: "2026-11-02T10:59:00Z", distressValue: 0.8, peakAtSeconds: 3))
        let before = try await Self.snapshot(store)
        let rowId: Int64 = try #require(try await store.value("SELECT id FROM calls WHERE callId = 'heated-clean'"))

        let purged = try await store.purgeCalls(before: nil, callId: "heated-clean")
        #expect(purged.callIds == ["heated-clean"] && purged.liveAudioFiles == ["/kept/heated-clean.wav"])
        let after = try await Self.snapshot(store)
        for table in Self.tables {
            let expected = (before[table] ?? []).filter { row in
                !(row.contains("callid=heated-clean") || row.contains("callrowid=\(rowId)") || row.contains("workkey=call:heated-clean"))
            }
            #expect(after[table] == expected, "\(table): \(before[table]?.count ?? 0) rows before, \(after[table]?.count ?? 0) after, \(expected.count) expected")
        }
        #expect((before["calls"]?.count ?? 0) == 3 && (after["calls"]?.count ?? 0) == 2)
        #expect(try await store.value("SELECT COUNT(*) FROM segments WHERE callRowId = \(rowId)") == 0)

        // A call no longer stored: its survey answer and playbacks still go.
        #expect(try await store.purgeCalls(before: nil, callId: "gone-already").callIds == ["gone-already"])
        #expect(try await store.value("SELECT COUNT(*) FROM surveys WHERE callId = 'gone-already'") == 0)
        #expect(try await store.value("SELECT COUNT(*) FROM playbacks WHERE callId = 'gone-already'") == 0)
        #expect(try await store.purgeCalls(before: nil, callId: "never-was").callIds.isEmpty)

        // By date: the batch's calls have no start time, so they took place when analysed (now).
        #expect(try await store.purgeCalls(before: "2000-01-01", callId: nil).callIds.isEmpty)
        #expect(Set(try await store.purgeCalls(before: "2999-01-01", callId: nil).callIds) == ["calm-clean", "calm-bleed"])
        for table in ["calls", "segments", "events", "metrics", "scores", "contributions", "surveys", "playbacks", "callBacks", "liveAudio"] {
            #expect(try await store.value("SELECT COUNT(*) FROM \(table)") == 0, "\(table)")
        }
        #expect(try await store.value("SELECT COUNT(*) FROM runs") == 1)
        await store.close()
    }
}
