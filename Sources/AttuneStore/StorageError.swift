public import GRDB

/// The results store could not be opened, migrated, read or written.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What was being done, e.g. "opening results.db".
    public var operation: String
    /// SQLite's own error, when there is one.
    public var cause: DatabaseError?
    public var message: String

    public init(operation: String, message: String, cause: DatabaseError? = nil) {
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
        } catch let error as DatabaseError {
            throw StorageError(operation: operation, message: error.message ?? "\(error)", cause: error)
        } catch {
            throw StorageError(operation: operation, message: "\(error)")
        }
    }
}
