import AttuneStore
import AttuneTestSupport
import Foundation
import Testing

/// Who may create a results store and who may read one (issue 14, items 6 and 10):
/// `surveys import` never makes a store out of a mistyped `--db`, and `export` and `feedback`
/// read a store without writing to it, so a store on read-only media can be read.
@Suite struct StoreAccessTests {
    static let surveys = "callId,respondedAt,score\nc1,2026-11-02T10:00:00Z,6\n"

    /// The commands that use the store take it from --db or `$ATTUNE_DB`, a SQLite path and a
    /// PostgreSQL URL alike: batch stores, surveys import pairs, export and feedback read.
    @Test(arguments: StoreKind.allCases) func commandsReachEitherStoreByFlagOrEnvironment(_ kind: StoreKind) async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-store-cli")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let calls = directory + "/calls"
        try FileManager.default.createDirectory(atPath: calls, withIntermediateDirectories: true)
        for name in ["calm-clean", "heated-clean"] {
            try FileManager.default.copyItem(atPath: RepositoryPaths.fixtureCalls + "/\(name).flac", toPath: calls + "/\(name).flac")
        }
        let location = try TestStores.freshLocation(kind)
        let byVariable = InstalledAttune.environment(["ATTUNE_DB": location]), withoutVariable = InstalledAttune.environment()
        func attune(_ arguments: [String], _ environment: [String: String]) throws -> AnalyzeCommandTests.Run {
            try ChildProcess.run(AnalyzeCommandTests.binary, arguments, in: directory, environment: environment)
        }
        let batch = try attune(["batch", calls], byVariable)
        #expect(batch.status == 0, "\(batch.standardError)")
        let surveys = directory + "/surveys.csv"
        try "callId,respondedAt,score\ncalm-clean,2026-11-02T10:00:00Z,6\nheated-clean,2026-11-02T11:00:00Z,2\n"
            .write(toFile: surveys, atomically: true, encoding: .utf8)
        let imported = try attune(["surveys", "import", surveys, "--db", location], withoutVariable)
        #expect(imported.status == 0 && imported.standardOutput.contains("2 row(s): 2 stored"), "\(imported.standardOutput)\(imported.standardError)")
        let export = try attune(["export", "--format", "csv"], byVariable)
        let lines = export.standardOutput.split(separator: "\n")
        #expect(export.status == 0 && lines.count == 3, "\(export.standardOutput)\(export.standardError)")
        #expect(lines.dropFirst().map { String($0.prefix { $0 != "," }) }.sorted() == ["calm-clean", "heated-clean"])
        let feedback = try attune(["feedback", "--out", directory + "/feedback", "--db", location], withoutVariable)
        #expect(feedback.status == 0, "\(feedback.standardError)")
        // Nothing was written where the default store would be.
        #expect(!FileManager.default.fileExists(atPath: directory + "/attune-results.db"))
        // The store holds both calls once, and both answers.
        let store = try await ResultsStore.openReadOnly(location)
        #expect(try await store.callCount() == 2)
        await store.close()
        // `attune calls purge` removes one call, named; without a date or a call it is a usage error.
        let purged = try attune(["calls", "purge", "--call", "calm-clean"], byVariable)
        #expect(purged.status == 0 && purged.standardOutput == "calm-clean\n1 call(s) removed\n", "\(purged.standardOutput)\(purged.standardError)")
        #expect(try attune(["calls", "purge"], byVariable).status == 64)
        #expect(try attune(["calls", "purge", "--before", "yesterday"], byVariable).status == 64)
        let after = try await ResultsStore.openReadOnly(location)
        #expect(try await after.callCount() == 1)
        await after.close()
    }

    /// `surveys import --db typo.db` made an empty store and left every survey pending.
    @Test func surveysImportRefusesAStoreThatDoesNotExist() async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-surveys-store")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let file = directory + "/s.csv"
        try Self.surveys.write(toFile: file, atomically: true, encoding: .utf8)
        let typo = directory + "/resluts.db"
        let refused = try AnalyzeCommandTests.run(["surveys", "import", file, "--db", typo])
        #expect(refused.status == 64)
        #expect(refused.standardError.contains("no results store at \(typo) (see --db)"), "\(refused.standardError)")
        #expect(!FileManager.default.fileExists(atPath: typo))

        // An existing store (attune batch makes one) takes the file.
        let store = directory + "/results.db"
        _ = try await ResultsStore.open(store)
        let imported = try AnalyzeCommandTests.run(["surveys", "import", file, "--db", store])
        #expect(imported.status == 0)
        #expect(imported.standardOutput.contains("1 row(s): 1 stored"))

        // A JSON object is reported as JSON, naming the file (exit 3).
        let object = directory + "/s.json"
        try #"{"responses": []}"#.write(toFile: object, atomically: true, encoding: .utf8)
        let wrong = try AnalyzeCommandTests.run(["surveys", "import", object, "--db", store])
        #expect(wrong.status == 3)
        #expect(wrong.standardError.contains("attune: error: \(object): is a JSON object: expected a JSON array of responses"), "\(wrong.standardError)")
    }

    /// A store in a folder that does not exist is refused naming the folder (a typo in `--db` or
    /// the serve config must not put a night's results somewhere unexpected, nor fail vaguely).
    @Test func aStoreInAMissingFolderIsRefusedNamingTheFolder() async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-missing-folder")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = directory + "/no-such-folder/results.db"
        let batch = try AnalyzeCommandTests.run(["batch", RepositoryPaths.fixtureCalls, "--db", store])
        #expect(batch.status == 3)
        #expect(batch.standardError.contains("its folder \(directory)/no-such-folder does not exist"), "\(batch.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory + "/no-such-folder"))
    }

    /// A surveyed store with nothing beside it (closed cleanly), and its bytes.
    static func closedStore(_ name: String) async throws -> (directory: String, folder: String, db: String, bytes: Data, modified: Date) {
        let directory = RepositoryPaths.temporaryDirectory(name)
        let folder = directory + "/store"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let db = try await CalibrateCommandTests.store(folder, count: 20)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["results.db"])
        let modified = try #require(try FileManager.default.attributesOfItem(atPath: db)[.modificationDate] as? Date)
        return (directory, folder, db, try Data(contentsOf: URL(fileURLWithPath: db)), modified)
    }

    /// Export and feedback on the store: both succeed and list its 20 calls and their advisors.
    static func readEverything(_ db: String, out: String) throws {
        let export = try AnalyzeCommandTests.run(["export", "--format", "csv", "--db", db])
        #expect(export.status == 0, "\(export.standardError)")
        #expect(export.standardOutput.split(separator: "\n").count == 21)
        let jsonl = try AnalyzeCommandTests.run(["export", "--format", "jsonl", "--db", db, "--out", out + ".jsonl"])
        #expect(jsonl.status == 0, "\(jsonl.standardError)")
        #expect(jsonl.standardOutput.contains("20 call(s) written"))
        let feedback = try AnalyzeCommandTests.run(["feedback", "--db", db, "--out", out])
        #expect(feedback.status == 0, "\(feedback.standardError)")
        #expect(FileManager.default.fileExists(atPath: out + "/feedback.json") && FileManager.default.fileExists(atPath: out + "/index.html"))
    }

    /// Export failed with exit 3 on a store that could not be written (and, run as root, wrote to it).
    @Test func exportAndFeedbackReadAStoreInAFolderThatCannotBeWritten() async throws {
        let store = try await Self.closedStore("attune-read-only")
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: store.db)
        try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: store.folder)
        defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: store.folder) }

        try Self.readEverything(store.db, out: store.directory + "/feedback")

        // Not a byte of the store changed. (Run as root, chmod stops nothing and SQLite's shared
        // read makes its -shm and -wal files beside the store, as any reader would; as any other
        // user the folder cannot be written, and the store is read as immutable, creating nothing.)
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.db)) == store.bytes)
        #expect(try FileManager.default.attributesOfItem(atPath: store.db)[.modificationDate] as? Date == store.modified)
        if geteuid() != 0 {
            #expect(try FileManager.default.contentsOfDirectory(atPath: store.folder) == ["results.db"])
        }
    }

    /// Where the shared-memory file cannot be made (read-only media; here a folder in its place,
    /// which stops root too), the store is read as immutable: no locks, nothing written.
    @Test func exportAndFeedbackReadAStoreWhoseSharedMemoryFileCannotBeMade() async throws {
        let store = try await Self.closedStore("attune-no-shm")
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        try FileManager.default.createDirectory(atPath: store.db + "-shm", withIntermediateDirectories: false)

        try Self.readEverything(store.db, out: store.directory + "/feedback")

        #expect(try Data(contentsOf: URL(fileURLWithPath: store.db)) == store.bytes)
        #expect(try FileManager.default.attributesOfItem(atPath: store.db)[.modificationDate] as? Date == store.modified)
        // At most the empty log the shared read tried to open before it failed.
        let log = try? FileManager.default.attributesOfItem(atPath: store.db + "-wal")[.size] as? Int
        #expect((log ?? 0) == 0)
    }

    /// A write-ahead log with changes the store file lacks is never skipped by an immutable read.
    @Test func aStoreWithAnUnreadableLogIsRefusedNotReadWithoutIt() async throws {
        let store = try await Self.closedStore("attune-wal-held")
        defer { try? FileManager.default.removeItem(atPath: store.directory) }
        try FileManager.default.createDirectory(atPath: store.db + "-shm", withIntermediateDirectories: false)
        try Data(repeating: 1, count: 4096).write(to: URL(fileURLWithPath: store.db + "-wal"))
        let export = try AnalyzeCommandTests.run(["export", "--format", "csv", "--db", store.db])
        #expect(export.status == 3)
        #expect(export.standardError.contains("its write-ahead log \(store.db)-wal holds changes not yet in the store file"), "\(export.standardError)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: store.db)) == store.bytes)
    }
}
