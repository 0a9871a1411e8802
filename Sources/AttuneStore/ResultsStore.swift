import FoundationEssentials

/// The results store: the one seam between Attune and where its results live. Batch, live,
/// surveys, calibration, feedback and export use only these operations; none of them names a
/// database. Two backends carry them out with the same SQL (`SQLSession`):
/// - **SQLite** (`SQLiteBackend`, GRDB): one file, the embedded default (`--db results.db`);
/// - **PostgreSQL** (`PostgresBackend`, postgres-nio): a server shared by several batch workers
///   and live servers (`--db postgres://user@host:5432/attune`).
///
/// Writes of one call (its row, segments, events, metrics, scores and contributions) happen in one
/// transaction, so a process killed at any moment leaves either the whole call or nothing. A call
/// has one row (`calls.callId` is unique): storing a newer result for it replaces the older.
public struct ResultsStore: Sendable {
    let backend: any StoreBackend

    init(backend: any StoreBackend) {
        self.backend = backend
    }

    /// Where the store is, for messages: a SQLite path, or a PostgreSQL URL without its password.
    public var location: String { backend.location }

    /// `location` for messages: a SQLite path as given, a PostgreSQL URL without its password.
    public static func displayLocation(_ location: String) -> String {
        guard isPostgres(location) else { return location }
        return (try? PostgresURL(location).redacted) ?? "a PostgreSQL URL that does not parse"
    }

    /// Whether `location` names a PostgreSQL store (`postgres://` or `postgresql://`).
    public static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// Opens (creating if needed) the store at `location` and brings its schema up to date: a
    /// SQLite file path, or a PostgreSQL URL. A store written by a newer attune is refused.
    public static func open(_ location: String) async throws(StorageError) -> ResultsStore {
        if isPostgres(location) {
            return ResultsStore(backend: try await PostgresBackend.open(url: location))
        }
        return ResultsStore(backend: try await SQLiteBackend.open(path: location))
    }

    /// Opens an existing store for reading only (`attune export`, `attune feedback`): a SQLite file
    /// is never written (see `SQLiteBackend.openReadOnly`); a PostgreSQL store must exist already.
    public static func openReadOnly(_ location: String) async throws(StorageError) -> ResultsStore {
        if isPostgres(location) {
            return ResultsStore(backend: try await PostgresBackend.open(url: location, readOnly: true))
        }
        return ResultsStore(backend: try await SQLiteBackend.openReadOnly(path: location))
    }

    /// An empty SQLite store in memory (tests).
    public static func inMemory() throws(StorageError) -> ResultsStore {
        ResultsStore(backend: try SQLiteBackend.inMemory())
    }

    /// Ends the store's connections (PostgreSQL); a SQLite store closes when it is released.
    public func close() async {
        await backend.close()
    }

    /// Runs `body` in one read.
    func read<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (any StoreSession) throws -> T) async throws(StorageError) -> T {
        try await StorageError.wrapping(operation) { try await backend.read(body) }
    }

    /// Runs one statement on its own (atomic alone): on PostgreSQL a round trip less than `write`,
    /// which wraps its statements in `BEGIN` and `COMMIT`.
    func writeStatement(_ operation: String, _ sql: String, _ arguments: [SQLValue]) async throws(StorageError) -> [SQLRow] {
        try await StorageError.wrapping(operation) { try await backend.writeStatement(sql, arguments) }
    }

    /// Runs `body` in one transaction: all of its writes, or none.
    func write<T: Sendable>(_ operation: String, _ body: @escaping @Sendable (any StoreSession) throws -> T) async throws(StorageError) -> T {
        try await StorageError.wrapping(operation) { try await backend.write(body) }
    }
}

/// A database that runs the store's operations: one transaction (or one read) at a time per call,
/// on a connection of its own.
protocol StoreBackend: Sendable {
    var location: String { get }
    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreSession) throws -> T) async throws -> T
    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreSession) throws -> T) async throws -> T
    /// Runs one statement that may write, atomic on its own (no transaction of the caller's around it).
    func writeStatement(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow]
    /// Messages between processes sharing the database; nil where there is no such thing.
    func channel(_ name: String) -> StoreChannel?
    func close() async
}

/// Now (or `secondsAgo` before now) as ISO 8601 UTC with milliseconds, the store's timestamp
/// format: timestamps compare as text.
func timestampNow(secondsAgo: Double = 0) -> String {
    Date.now.addingTimeInterval(-secondsAgo).formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
}
