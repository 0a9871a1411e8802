import ArgumentParser
import AttuneStore
import Foundation

/// `--db`: where results are stored. A SQLite file path (the default, `attune-results.db`), or a
/// PostgreSQL URL (`postgres://user@host:5432/attune`) that several machines share. Without
/// `--db`, `ATTUNE_DB` is used when set, so a night's workers can share one setting.
struct StoreOption: ParsableArguments {
    @Option(
        name: .customLong("db"),
        help: ArgumentHelp(
            "The results store: a SQLite file, or postgres://user@host:5432/database (default: $ATTUNE_DB, else attune-results.db).",
            valueName: "path-or-url"))
    var db: String?

    static let defaultPath = "attune-results.db"

    /// The location to open.
    var location: String { db ?? ProcessInfo.processInfo.environment["ATTUNE_DB"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultPath }

    /// Refuses a SQLite store that does not exist, for commands that read a store a batch made: a
    /// mistyped path must not become a new, empty store. (A PostgreSQL store is checked on opening.)
    func requireExisting() throws { try Self.requireExisting(location) }

    static func requireExisting(_ location: String) throws {
        guard ResultsStore.isPostgres(location) || FileManager.default.fileExists(atPath: location) else {
            throw ValidationError("no results store at \(ResultsStore.displayLocation(location)) (see --db)")
        }
    }
}
