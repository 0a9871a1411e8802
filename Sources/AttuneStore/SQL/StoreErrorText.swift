import GRDB
import PostgresNIO

/// The readable part of a database error, for `StorageError.message`.
enum StoreErrorText {
    static func message(_ error: any Error) -> String {
        switch error {
        case let error as DatabaseError:
            return error.message ?? "\(error)"
        case let error as PSQLError:
            if let message = error.serverInfo?[.message] {
                return message + (error.serverInfo?[.detail].map { " (\($0))" } ?? "")
            }
            if let underlying = error.underlying { return "cannot reach the server: \(underlying)" }
            return "\(error.code)"
        default:
            return "\(error)"
        }
    }
}
