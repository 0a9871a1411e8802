/// The results store could not be opened, migrated, read or written.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What was being done, e.g. "opening results.db".
    public var operation: String
    /// The database's own error, when there is one (GRDB's `DatabaseError`, PostgresNIO's `PSQLError`).
    public var cause: (any Error & Sendable)?
    public var message: String

    public init(operation: String, message: String, cause: (any Error & Sendable)? = nil) {
        self.operation = operation
        self.message = message
        self.cause = cause
    }

    public var description: String { "\(operation): \(message)" }

    /// Runs `body`, turning any error into a `StorageError` about `operation`.
    static func wrapping<T>(_ operation: String, _ body: () async throws -> T) async throws(StorageError) -> T {
        do {
            return try await body()
        } catch let error as StorageError {
            throw error
        } catch {
            throw StorageError(operation: operation, message: StoreErrorText.message(error), cause: error)
        }
    }
}
