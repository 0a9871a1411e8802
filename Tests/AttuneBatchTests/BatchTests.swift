import AttuneBatch
import AttuneDSP
import AttunePipeline
import AttuneScoring
@_spi(Inspection) import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// The batch and the results store, in process, on real files, each test against both store
/// backends with the same code: a real SQLite file and a real PostgreSQL database.
@Suite struct BatchTests {
    static func freshStore(_ kind: StoreKind) async throws -> (ResultsStore, String) {
        (try await TestStores.fresh(kind), "")
    }

    /// Rows of one table, as dictionaries of column to value.
    static func count(_ database: ResultsStore, _ sql: String) async throws -> Int {
        try await database.value(sql) ?? -1
    }

    @Test(arguments: StoreKind.allCases) func batchOverTheFixturesStoresEachCallOnceWithTheAnalysisMetrics(_ kind: StoreKind) async throws {
        let (database, _) = try await Self.freshStore(kind)
        let source = try BatchSource.load(RepositoryPaths.fixtureCalls)
        #expect(source.items.count == 13, "13 calls: the two-leg files pair up")
        let runner = BatchRunner(database: database, configuration: .default, jobs: 2)
        let first = try await runner.run(source, sourceDescription: "fixtures", shard: nil)
        #expect(first.progress.analyzed == 13 && first.progress.failed == 0)
        #expect(try await database.callCount() == 13)

        // Stored metrics (the metrics table, not only the report) equal a direct analysis.
        for item in source.items {
            let direct = try RecordingAnalysis.analyze(item.recording, callId: item.metadata.callId)
            let storedReport = try await database.report(callId: item.metadata.callId)
            let stored = try #require(storedReport)
            #expect(stored == direct, "\(item.metadata.callId): stored report differs from analyze")
            let rows = try await database.rows(
                "SELECT m.scope, m.name, m.value FROM metrics m JOIN calls c ON c.id = m.callRowId WHERE c.callId = ?", [.text(item.metadata.callId)])
            for row in rows {
                let scope: String = row["scope"], name: String = row["name"], value: Double? = row["value"]
                let expected: Double? = scope == "call"
                    ? CallMetrics.fields.first { $0.name == name }!.value(in: direct.metrics)
                    : PartyMetrics.fields.first { $0.name == name }!.value(in: direct.metrics[Party(rawValue: scope)!]!)
                #expect(value == expected, "\(item.metadata.callId) \(scope).\(name): stored \(String(describing: value)), analysed \(String(describing: expected))")
            }
            #expect(rows.count == CallMetrics.fields.count + direct.parties.count * PartyMetrics.fields.count)
        }
        let segments = try await Self.count(database, "SELECT COUNT(*) FROM segments")
        #expect(segments > 100)

        // Again: nothing to do.
        let second = try await runner.run(source, sourceDescription: "fixtures", shard: nil)
        #expect(second.progress.skipped == 13 && second.progress.analyzed == 0)
        #expect(try await database.callCount() == 13)
        #expect(try await Self.count(database, "SELECT COUNT(*) FROM segments") == segments)
    }

    @Test(arguments: StoreKind.allCases) func changedSettingsReanalyseAndReplaceInsteadOfAdding(_ kind: StoreKind) async throws {
        let (database, _) = try await Self.freshStore(kind)
        let source = try BatchSource.load(RepositoryPaths.fixtureCalls)
        _ = try await BatchRunner(database: database, configuration: .default, jobs: 2).run(source, sourceDescription: "f", shard: nil)
        var changed = AnalysisConfiguration.default
        changed.turns.deadAirMinimumSeconds = 5
        let rerun = try await BatchRunner(database: database, configuration: changed, jobs: 2).run(source, sourceDescription: "f", shard: nil)
        #expect(rerun.progress.analyzed == 13)
        let afterRerun = try await database.callCount()
        #expect(afterRerun == 13)
        let fingerprints = Set(try await database.column("SELECT configurationFingerprint FROM calls") as [String])
        #expect(fingerprints == [changed.fingerprint])
        // Scoring with a model re-scores every call; a different model (one weight changed) again.
        let shipped = try LoadedModel.load(path: RepositoryPaths.defaultModel)
        let scored = try await BatchRunner(database: database, configuration: changed, jobs: 2, model: shipped).run(source, sourceDescription: "f", shard: nil)
        #expect(scored.progress.analyzed == 13)
        var variant = shipped.model
        variant.effort.inputs[0].weight -= 0.1
        let other = LoadedModel(model: variant)
        #expect(other.sha256 != shipped.sha256)
        let rescored = try await BatchRunner(database: database, configuration: changed, jobs: 2, model: other).run(source, sourceDescription: "f", shard: nil)
        let countAfterModel = try await database.callCount()
        #expect(rescored.progress.analyzed == 13 && countAfterModel == 13)
        let again = try await BatchRunner(database: database, configuration: changed, jobs: 2, model: other).run(source, sourceDescription: "f", shard: nil)
        #expect(again.progress.skipped == 13)
        // One scores row per call, from the latest model, with its contributions.
        #expect(try await Self.count(database, "SELECT COUNT(*) FROM scores") == 13)
        #expect(try await Self.count(database, "SELECT COUNT(*) FROM scores WHERE modelSha256 = '\(other.sha256)'") == 13)
        #expect(try await Self.count(database, "SELECT COUNT(DISTINCT callRowId) FROM contributions WHERE score = 'effort'") == 13)
        // No orphans left behind by the replacements.
        for table in ["segments", "events", "metrics", "scores", "contributions"] {
            #expect(try await Self.count(database, "SELECT COUNT(*) FROM \(table) WHERE callRowId NOT IN (SELECT id FROM calls)") == 0)
        }
    }

    @Test func shardsCoverEveryCallExactlyOnce() throws {
        var ids = (0..<500).map { "call-\($0)" }
        ids += ["a", "b", "2026-11-22/0001", "ÄÖÜ"]
        var seen: [String: Int] = [:]
        for k in 0..<3 {
            let shard = try #require(Shard("\(k)/3"))
            for id in ids where shard.contains(callId: id) { seen[id, default: 0] += 1 }
        }
        #expect(seen.count == ids.count && seen.values.allSatisfy { $0 == 1 })
        // Roughly balanced, and stable (the hash is fixed, not Swift's per-process one).
        let sizes = (0..<3).map { k in ids.filter { Shard("\(k)/3")!.contains(callId: $0) }.count }
        #expect(sizes.allSatisfy { $0 > 120 }, "\(sizes)")
        #expect(Shard("0/3")!.contains(callId: "call-1") == Shard("0/3")!.contains(callId: "call-1"))
        #expect(Shard("3/3") == nil && Shard("-1/3") == nil && Shard("1/0") == nil && Shard("x") == nil)
    }

    /// A worker killed between claiming a call and finding it stored by another leaves a claim
    /// nobody needs: the next run releases it, and keeps the claims of workers still running.
    @Test(arguments: StoreKind.allCases) func claimsLeftByWorkersGoneOnStoredCallsAreReleased(_ kind: StoreKind) async throws {
        let (database, _) = try await Self.freshStore(kind)
        let folder = RepositoryPaths.temporaryDirectory("attune-orphaned-claims")
        for name in ["calm-clean", "heated-clean"] {
            try FileManager.default.copyItem(atPath: "\(RepositoryPaths.fixtureCalls)/\(name).flac", toPath: "\(folder)/\(name).flac")
        }
        let source = try BatchSource.load(folder)
        let runner = BatchRunner(database: database, configuration: .default, jobs: 1)
        #expect(try await runner.run(source, sourceDescription: "f", shard: nil).progress.analyzed == 2)
        // A worker of this machine that is gone (a child that has exited), and one still running (this process).
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/true")
        try child.run()
        child.waitUntilExit()
        let running = ResultsStore.workerName
        let gone = String(running[..<running.lastIndex(of: ":")!]) + ":\(child.processIdentifier)"
        let calls = source.items.map(\.metadata).sorted { $0.callId < $1.callId }
        for (call, worker) in zip(calls, [gone, running]) {
            // Claimed just now (not stale), with the text a worker claims the stored result with.
            let stored = try #require(try await database.storedResult(callId: call.callId, contentSha256: "", fromFile: false))
            let values: [SQLValue] = [.text(call.workKey), .text(worker), .text(ResultsStore.currentTimestamp), .text(stored.identity.claimText)]
            _ = try await database.transaction { session in
                try session.execute("INSERT INTO claims (workKey, worker, runId, claimedAt, identity) VALUES (?, ?, 1, ?, ?)", values)
            }
        }
        #expect(try await Self.count(database, "SELECT COUNT(*) FROM claims") == 2)
        #expect(try await runner.run(source, sourceDescription: "f", shard: nil).progress.skipped == 2)
        let left: [String] = try await database.column("SELECT workKey FROM claims")
        #expect(left == [calls[1].workKey], "the gone worker's claim released, the running one's kept: \(left)")
    }

    @Test(arguments: StoreKind.allCases) func shardedBatchesTogetherStoreEveryCallOnce(_ kind: StoreKind) async throws {
        let (database, _) = try await Self.freshStore(kind)
        let source = try BatchSource.load(RepositoryPaths.fixtureCalls)
        var analyzed = 0
        var failures: [String] = []
        for k in 0..<3 {
            let run = try await BatchRunner(database: database, configuration: .default, jobs: 2).run(source, sourceDescription: "f", shard: Shard("\(k)/3"))
            analyzed += run.progress.analyzed
            failures += try await database.failures(runId: run.runId).map(\.reason)
            #expect(run.progress.skipped == 0, "shards must not overlap")
        }
        let stored = try await database.callCount()
        #expect(analyzed == 13 && stored == 13, "analysed \(analyzed), stored \(stored); failures: \(failures)")
    }

    @Test(arguments: StoreKind.allCases) func manifestLinesThatCannotBeUsedAreReportedWithTheirLineNumbers(_ kind: StoreKind) async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-manifest")
        let calls = RepositoryPaths.fixtureCalls
        let manifest = """
            file,callId,agentId,team,startedAt,advisorChannel,advisorFile,customerFile
            \(calls)/calm-clean.flac,C-1,A7,blue,2026-11-22T09:15:00Z,0,,
            \(calls)/missing.flac,C-2,A7,blue,2026-11-22T09:20:00Z,0,,
            \(calls)/heated-clean.flac,C-3,A8,red,yesterday,0,,
            \(calls)/heated-snr25.flac,C-4,A8,red,2026-11-22 10:00,2,,
            ,C-5,A9,red,2026-11-22T11:00:00+01:00,,\(calls)/calm-twoleg.advisor.flac,\(calls)/calm-twoleg.customer.flac
            \(calls)/calm-bleed.flac,C-1,A7,blue,2026-11-22T12:00:00Z,1,,
            "\(calls)/calm-snr10.flac",C-7,"Smith, J.",blue,2026-11-22,right,,
            too,few,fields
            """
        try manifest.write(toFile: directory + "/night.csv", atomically: true, encoding: .utf8)
        let source = try BatchSource.load(directory + "/night.csv")
        #expect(source.items.map(\.metadata.callId) == ["C-1", "C-5", "C-7"])
        #expect(source.problems.map(\.line) == [3, 4, 5, 7, 9])
        #expect(source.problems[0].reason.contains("file not found"))
        #expect(source.problems[1].reason.contains("startedAt 'yesterday'"))
        #expect(source.problems[2].reason.contains("advisorChannel '2'"))
        #expect(source.problems[3].reason.contains("already on line 2"))
        #expect(source.problems[4].reason.contains("3 fields"))
        #expect(source.items[1].metadata.startedAt == "2026-11-22T10:00:00Z", "offsets are normalised to UTC")
        #expect(source.items[2].metadata.agentId == "Smith, J." && source.items[2].recording.advisorChannel == 1)

        let (database, _) = try await Self.freshStore(kind)
        let run = try await BatchRunner(database: database, configuration: .default, jobs: 2).run(source, sourceDescription: "night.csv", shard: nil)
        #expect(run.progress.analyzed == 3 && run.progress.failed == 5)
        let failures = try await database.failures(runId: run.runId)
        #expect(failures.map(\.line) == [3, 4, 5, 7, 9] && failures.allSatisfy { $0.code == "manifest" })
        let stored = try await database.rows("SELECT callId, agentId, team, startedAt, channelLayout FROM calls ORDER BY callId")
        #expect(stored.map { $0["agentId"] as String? } == ["A7", "A9", "Smith, J."])
        #expect(stored.map { $0["team"] as String? } == ["blue", "red", "blue"])
        #expect(stored[1]["channelLayout"] as String == "stereo", "the two-leg call")
    }

    @Test(arguments: StoreKind.allCases) func exportGivesOneCSVRowPerCallWithTheDocumentedColumnsAndParsableJSONL(_ kind: StoreKind) async throws {
        let (database, _) = try await Self.freshStore(kind)
        let source = try BatchSource.load(RepositoryPaths.fixtureCalls)
        _ = try await BatchRunner(database: database, configuration: .default, jobs: 2).run(source, sourceDescription: "f", shard: nil)

        let csv = LineCollector()
        let rows = try await database.export(format: .csv, since: nil) { csv.append($0) }
        #expect(rows == 13 && csv.lines.count == 14)
        let header = csv.lines[0].trimmingCharacters(in: .newlines).split(separator: ",").map(String.init)
        #expect(header == ResultsStore.csvColumns)
        for column in ["callId", "agentId", "team", "startedAt", "durationSeconds", "deadAirSeconds", "overtalkSeconds", "advisor.talkSeconds", "customer.interruptionsMade"] {
            #expect(header.contains(column), "missing column \(column)")
        }
        let clean = try #require(csv.lines.first { $0.hasPrefix("heated-clean,") })
        let fields = clean.trimmingCharacters(in: .newlines).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        #expect(fields.count == header.count)
        let direct = try RecordingAnalysis.analyze(.file(RepositoryPaths.fixtureCalls + "/heated-clean.flac"))
        #expect(Double(fields[header.firstIndex(of: "overtalkSeconds")!]) == direct.metrics.overtalkSeconds)
        #expect(Double(fields[header.firstIndex(of: "customer.energySpikes")!]) == direct.metrics.customer?.energySpikes)
        #expect(fields[header.firstIndex(of: "mixed.talkSeconds")!].isEmpty, "unknown values are empty")

        let jsonl = LineCollector()
        #expect(try await database.export(format: .jsonl, since: nil) { jsonl.append($0) } == 13)
        for line in jsonl.lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            let report = object?["report"] as? [String: Any]
            #expect(report?["schema"] as? String == "attune.call/1")
            #expect((object?["call"] as? [String: Any])?["contentSha256"] as? String != nil)
        }
        // --since: calls analysed just now are in; a date in the future leaves none.
        #expect(try await database.export(format: .jsonl, since: "2100-01-01T00:00:00Z") { _ in } == 0)
        #expect(try await database.export(format: .jsonl, since: "2000-01-01T00:00:00Z") { _ in } == 13)
    }

    /// Holds and keypad digits reach the store and the export: a night of the hold fixtures
    /// exports each call's time on hold within 0.5 s of its truth, and its keypad count.
    @Test(arguments: StoreKind.allCases) func exportCarriesHoldsAndKeypadDigits(_ kind: StoreKind) async throws {
        let (database, _) = try await Self.freshStore(kind)
        let source = try BatchSource.load(RepositoryPaths.fixtureHolds)
        _ = try await BatchRunner(database: database, configuration: .default, jobs: 2).run(source, sourceDescription: "holds", shard: nil)
        let csv = LineCollector()
        #expect(try await database.export(format: .csv, since: nil) { csv.append($0) } == HoldFixture.allCallIds().count)
        let header = csv.lines[0].trimmingCharacters(in: .newlines).split(separator: ",").map(String.init)
        let hold = try #require(header.firstIndex(of: "holdSeconds")), keys = try #require(header.firstIndex(of: "dtmfDigitCount"))
        for id in HoldFixture.allCallIds() {
            let truth = try HoldFixture.load(id).truth
            let line = try #require(csv.lines.first { $0.hasPrefix(id + ",") })
            let fields = line.trimmingCharacters(in: .newlines).split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            // A silent hold needs line noise to go quiet (the committed call is clean): not a hold here.
            let truthHold = truth.holds.filter { $0.kind != "silent" }.reduce(0) { $0 + $1.endSeconds - $1.startSeconds }
            #expect(abs((Double(fields[hold]) ?? -1) - truthHold) <= 0.5, "\(id): exported hold \(fields[hold]) s, truth \(truthHold) s")
            #expect(Double(fields[keys]) == Double(truth.dtmf.count), "\(id)")
        }
    }
}

/// Collects exported lines (the export calls back from the store).
final class LineCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [String] = []
    func append(_ line: String) { lock.lock(); collected.append(line); lock.unlock() }
    var lines: [String] { lock.lock(); defer { lock.unlock() }; return collected }
}

/// Versioned schemas: a store written by a newer attune is refused with a message saying so.
@Suite struct StoreSchemaTests {
    @Test(arguments: StoreKind.allCases) func aStoreFromANewerAttuneIsRefused(_ kind: StoreKind) async throws {
        let location = try TestStores.freshLocation(kind)
        let store = try await ResultsStore.open(location)
        try await store.transaction { session in
            switch session.dialect {
            case .sqlite: try session.execute("INSERT INTO grdb_migrations (identifier) VALUES ('v99: from the future')", [])
            case .postgres: try session.execute("INSERT INTO attune_schema (version, name, appliedAt) VALUES (99, 'from the future', '')", [])
            }
        }
        await store.close()
        await #expect {
            try await ResultsStore.open(location)
        } throws: { error in
            "\(error)".contains("written by a newer attune")
        }
        #expect(try await ResultsStore.open(location.hasPrefix("/") ? location + ".other" : try TestStores.freshLocation(kind)).callCount() == 0)
    }
}

/// A PostgreSQL store that cannot be used is a clear error naming it, in the server's words.
@Suite struct PostgresLocationTests {
    @Test func aMissingDatabaseOrServerIsNamedInTheError() async throws {
        let missing = TestStores.replacingDatabase(of: try TestStores.postgresURL(), with: "no_such_database")
        await #expect { try await ResultsStore.open(missing) } throws: { error in
            "\(error)".contains(#"database "no_such_database" does not exist"#) && !"\(error)".contains("sslmode")
        }
        await #expect { try await ResultsStore.open("postgres://attune:secret@127.0.0.1:1/attune") } throws: { error in
            "\(error)".contains("cannot reach the server") && "\(error)".contains("postgres://attune@127.0.0.1:1/attune") && !"\(error)".contains("secret")
        }
        await #expect { try await ResultsStore.open("postgres://127.0.0.1:5432") } throws: { error in "\(error)".contains("no database name") }
    }
}
