public import AttuneStore
import Foundation

/// The two results-store backends, for tests that run the same code against both.
public enum StoreKind: String, CaseIterable, Sendable {
    case sqlite
    case postgres
}

/// Fresh, empty stores for tests: a SQLite file in a new folder, or a new database on the
/// PostgreSQL server `Scripts/test.sh` starts (`ATTUNE_TEST_POSTGRES`, see
/// `Scripts/postgres-cluster.sh`).
public enum TestStores {
    public struct Missing: Error, CustomStringConvertible {
        public var description: String {
            "ATTUNE_TEST_POSTGRES is not set: run the tests with Scripts/test.sh, which starts a throw-away PostgreSQL server"
        }
    }

    /// The test server's URL (its `attune` database).
    public static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["ATTUNE_TEST_POSTGRES"], !url.isEmpty else { throw Missing() }
        return url
    }

    /// The location of a new, empty store of `kind` (not opened yet): a path, or a URL naming a
    /// database just created.
    public static func freshLocation(_ kind: StoreKind, name: String = "attune-store") throws -> String {
        switch kind {
        case .sqlite:
            return RepositoryPaths.temporaryDirectory(name) + "/results.db"
        case .postgres:
            let server = try postgresURL()
            let database = "t_" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
            let psql = ProcessInfo.processInfo.environment["ATTUNE_TEST_POSTGRES_BIN"].map { $0 + "/psql" } ?? "/usr/bin/psql"
            let created = try ChildProcess.run(psql, [server, "-v", "ON_ERROR_STOP=1", "-q", "-c", "CREATE DATABASE \(database)"], seconds: 60)
            guard created.status == 0 else {
                throw StorageError(operation: "creating test database \(database)", message: created.standardError)
            }
            return replacingDatabase(of: server, with: database)
        }
    }

    /// A new, empty store of `kind`, opened.
    public static func fresh(_ kind: StoreKind, name: String = "attune-store") async throws -> ResultsStore {
        try await ResultsStore.open(try freshLocation(kind, name: name))
    }

    /// `url` with its path (the database name) replaced, its query kept.
    public static func replacingDatabase(of url: String, with database: String) -> String {
        var components = URLComponents(string: url)!
        components.path = "/" + database
        return components.string!
    }
}
