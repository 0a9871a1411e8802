// Raw access to the store's tables, for tests that check what is stored (against both backends
// with the same code) and for tools that build stores row by row. Features never use it: what
// they need is an operation of `ResultsStore`. Reached with `@_spi(Inspection) import AttuneStore`.

extension ResultsStore {
    /// The rows of a query (`?` arguments).
    @_spi(Inspection) public func rows(_ sql: String, _ arguments: [SQLValue] = []) async throws(StorageError) -> [SQLRow] {
        try await read("inspecting the results store") { session in try session.rows(sql, arguments) }
    }

    /// The first column of the query's first row, or nil.
    @_spi(Inspection) public func value<T: SQLConvertible>(_ sql: String, _ arguments: [SQLValue] = []) async throws(StorageError) -> T? {
        try await read("inspecting the results store") { session in try session.value(sql, arguments) }
    }

    /// The first column of every row (NULLs left out).
    @_spi(Inspection) public func column<T: SQLConvertible>(_ sql: String, _ arguments: [SQLValue] = []) async throws(StorageError) -> [T] {
        try await rows(sql, arguments).compactMap { T(sqlValue: $0.values.first ?? .null) }
    }

    /// This process as the store names a worker (`host:pid`): claims and runs record it.
    @_spi(Inspection) public static var workerName: String { RunWorker.current }

    /// Now, as the store writes times (claims, heartbeats).
    @_spi(Inspection) public static var currentTimestamp: String { timestampNow() }

    /// Runs `body` in one transaction.
    @_spi(Inspection) public func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws(StorageError) -> T {
        try await write("writing the results store directly") { session in try body(session) }
    }
}
