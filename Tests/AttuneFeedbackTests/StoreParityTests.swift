import AttuneFeedback
import AttuneScoring
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// The same calls, surveys and calibration in a SQLite store and a PostgreSQL store give the same
/// feedback in every scope: the same pages and CSV files byte for byte, and the same
/// `feedback.json` but for the last bits of averages (the two databases add in different orders;
/// a relative difference of at most 1e-12 is allowed there, and nowhere else).
@Suite struct StoreParityTests {
    /// Equal JSON values, numbers within `relative` of each other.
    static func equal(_ a: Any, _ b: Any, relative: Double) -> Bool {
        switch (a, b) {
        case let (a as [String: Any], b as [String: Any]):
            return a.keys.sorted() == b.keys.sorted() && a.keys.allSatisfy { equal(a[$0]!, b[$0]!, relative: relative) }
        case let (a as [Any], b as [Any]):
            return a.count == b.count && zip(a, b).allSatisfy { equal($0, $1, relative: relative) }
        case let (a as NSNumber, b as NSNumber) where !(a is Bool):
            let x = a.doubleValue, y = b.doubleValue
            return x == y || abs(x - y) <= relative * max(abs(x), abs(y))
        case let (a as String, b as String): return a == b
        case (is NSNull, is NSNull): return true
        default: return "\(a)" == "\(b)"
        }
    }

    @Test func feedbackIsIdenticalFromSQLiteAndPostgreSQL() async throws {
        var reports: [StoreKind: [Data]] = [:]
        var folders: [StoreKind: [String]] = [:]
        for kind in StoreKind.allCases {
            let (store, _) = try await FeedbackTests.populatedStore(kind)
            try await SyntheticStore.calibrate(store, errorQuantileIndex: 1.0 / 3, spearmanLow: 0.2)
            let configuration = FeedbackConfiguration(minimumCallsPerGroup: 3)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            for scope in [FeedbackScope(), FeedbackScope(team: "red"), FeedbackScope(agentId: "b2"), FeedbackScope(since: SyntheticStore.time(day: 5, minute: 0))] {
                var report = try await FeedbackReport.build(from: store, configuration: configuration, scope: scope)
                // The one field that is about the store rather than the calls: when the calibration was recorded.
                report.models = report.models.map { var model = $0; model.calibration?.createdAt = ""; return model }
                reports[kind, default: []].append(try encoder.encode(report))
                let folder = RepositoryPaths.temporaryDirectory("attune-parity")
                try FeedbackWriter.write(report, to: folder)
                folders[kind, default: []].append(folder)
            }
            await store.close()
        }
        let sqlite = try #require(reports[.sqlite]), postgres = try #require(reports[.postgres])
        #expect(sqlite.count == 4)
        for (a, b) in zip(sqlite, postgres) {
            #expect(Self.equal(try JSONSerialization.jsonObject(with: a), try JSONSerialization.jsonObject(with: b), relative: 1e-12))
        }
        for (a, b) in zip(try #require(folders[.sqlite]), try #require(folders[.postgres])) {
            let files = try #require(FileManager.default.subpaths(atPath: a)).filter { $0.hasSuffix(".html") || $0.hasSuffix(".csv") }.sorted()
            #expect(files.count > 5 && files == FileManager.default.subpaths(atPath: b)?.filter { $0.hasSuffix(".html") || $0.hasSuffix(".csv") }.sorted())
            for file in files {
                #expect(FileManager.default.contents(atPath: a + "/" + file) == FileManager.default.contents(atPath: b + "/" + file), "\(file) differs")
            }
        }
        let full = try JSONSerialization.jsonObject(with: sqlite[0]) as! [String: Any]
        #expect((full["advisors"] as! [Any]).count == 7, "the comparison is over a populated report")
    }
}
