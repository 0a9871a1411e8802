import Dispatch
import FoundationEssentials
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The shared store: a PostgreSQL database that several batch workers and live servers write at
/// once (`--db postgres://user@host:5432/attune`). Connections come from postgres-nio's pool;
/// each operation runs on a thread of `threads` (the operations are synchronous, see
/// `SQLSession`), one transaction on one connection.
final class PostgresBackend: StoreBackend {
    let location: String
    private let client: PostgresClient
    private let runner: Task<Void, Never>
    private let threads: NIOThreadPool
    private let logger: Logger

    /// Operations of one process that may run at once (threads, and at most this many connections).
    static let concurrentOperations = 8

    private init(location: String, client: PostgresClient, runner: Task<Void, Never>, threads: NIOThreadPool, logger: Logger) {
        self.location = location
        self.client = client
        self.runner = runner
        self.threads = threads
        self.logger = logger
    }

    /// Connects to the store at `url` and brings its schema up to date (`PostgresMigrations`),
    /// unless `readOnly`, which only checks that the schema exists and is not newer than this build.
    /// The password comes from the URL or `PGPASSWORD`; it never appears in messages.
    static func open(url: String, readOnly: Bool = false) async throws(StorageError) -> PostgresBackend {
        let target = try PostgresURL(url)
        var logger = Logger(label: "attune.store.postgres")
        logger.logLevel = .critical
        // One connection first, so a server that is not there, a database that does not exist or
        // a refused login is told at once in the server's words (the pool would retry for a minute).
        do {
            let probe = try await PostgresConnection.connect(configuration: try target.connectionConfiguration(), id: 0, logger: logger)
            try? await probe.close()
        } catch {
            throw StorageError(operation: "opening results store \(target.redacted)", message: StoreErrorText.message(error), cause: error)
        }
        var configuration = target.clientConfiguration
        configuration.options.maximumConnections = concurrentOperations
        configuration.options.connectTimeout = .seconds(10)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        let runner = Task { await client.run() }
        let threads = NIOThreadPool(numberOfThreads: concurrentOperations)
        threads.start()
        let backend = PostgresBackend(location: target.redacted, client: client, runner: runner, threads: threads, logger: logger)
        do {
            try await StorageError.wrapping("opening results store \(target.redacted)") {
                try await backend.write { session in try PostgresMigrations.migrate(session, readOnly: readOnly, location: target.redacted) }
            }
        } catch {
            await backend.close()
            throw error
        }
        return backend
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(transaction: false, body)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        try await run(transaction: true, body)
    }

    /// Runs `body` on one of `threads` with a pooled connection, in a transaction when asked
    /// (committed when `body` returns, rolled back when it throws).
    private func run<T: Sendable>(transaction: Bool, _ body: @escaping @Sendable (any SQLSession) throws -> T) async throws -> T {
        let logger = logger, threads = threads
        return try await client.withConnection { connection in
            try await threads.runIfActive {
                let session = PostgresSession(connection: connection, logger: logger)
                guard transaction else { return try body(session) }
                try session.execute("BEGIN")
                do {
                    let result = try body(session)
                    try session.execute("COMMIT")
                    return result
                } catch {
                    try? session.execute("ROLLBACK")
                    throw error
                }
            }
        }
    }

    /// `NOTIFY`/`LISTEN` on `name`: sent through the pool, a chunk per `SELECT pg_notify(…), …`, received
    /// on a connection of its own held for as long as `messages` is read.
    func channel(_ name: String) -> StoreChannel? {
        let client = client, logger = logger
        let messages = AsyncThrowingStream<String, any Error> { continuation in
            let listener = Task {
                do {
                    try await client.withConnection { connection in
                        try await connection.listen(on: name) { notifications in
                            for try await notification in notifications { continuation.yield(notification.payload) }
                        }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in listener.cancel() }
        }
        return StoreChannel(
            sendBody: { payloads in
                guard !payloads.isEmpty else { return }
                var bindings = PostgresBindings(capacity: payloads.count + 1)
                bindings.append(name)
                for payload in payloads { bindings.append(payload) }
                let sql = "SELECT " + (0..<payloads.count).map { "pg_notify($1, $\($0 + 2))" }.joined(separator: ", ")
                _ = try await client.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger).collect()
            },
            messages: messages)
    }

    func close() async {
        runner.cancel()
        _ = await runner.value
        try? await threads.shutdownGracefully()
    }
}

/// A `postgres://user[:password]@host[:port]/database[?sslmode=disable|prefer|require]` URL.
struct PostgresURL {
    /// How TLS is used (`sslmode`; `allow` is taken as `prefer`, `verify-*` as `require`).
    enum TLSMode { case disable, prefer, require }

    let host: String, port: Int, user: String, password: String?, database: String, tls: TLSMode

    init(_ url: String) throws(StorageError) {
        func problem(_ message: String) -> StorageError {
            StorageError(operation: "reading the store location", message: "\(message) (expected postgres://user@host:5432/database)")
        }
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "") else {
            throw problem("not a PostgreSQL URL")
        }
        guard let host = components.host, !host.isEmpty else { throw problem("no host") }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty else { throw problem("no database name") }
        let sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        switch sslMode {
        case "disable": tls = .disable
        case "prefer", "allow": tls = .prefer
        case "require", "verify-ca", "verify-full": tls = .require
        default: throw problem("sslmode \(sslMode) is not one of disable, prefer, require")
        }
        self.host = host
        port = components.port ?? 5432
        user = components.user ?? ProcessInfo.processInfo.environment["PGUSER"] ?? "postgres"
        password = components.password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        self.database = database
    }

    /// The URL without its password, for messages and logs.
    var redacted: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// The target for postgres-nio's pool.
    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch self.tls {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        return PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }

    /// The same target for a single connection.
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch self.tls {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: .makeClientConfiguration()))
        case .require: .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tls)
    }
}

/// One pooled connection, used from one thread that waits for each statement's answer.
struct PostgresSession: SQLSession {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgres }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        _ = try rows(sql, arguments)
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let query = PostgresQuery(unsafeSQL: Self.numbered(sql), binds: Self.bindings(arguments))
        let connection = connection, logger = logger
        return try Self.waitFor {
            var rows: [SQLRow] = []
            var columns: [String]? = nil
            for try await row in try await connection.query(query, logger: logger) {
                let cells = Array(row)
                if columns == nil { columns = cells.map { $0.columnName.lowercased() } }
                rows.append(SQLRow(lowercasedColumns: columns!, values: cells.map(Self.value)))
            }
            return rows
        }
    }

    /// Runs `work` on Swift's pool and blocks this thread (one of the backend's own) until it ends.
    private static func waitFor<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let outcome = Mutex<Result<T, any Error>?>(nil)
        Task {
            let result: Result<T, any Error>
            do { result = .success(try await work()) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            done.signal()
        }
        done.wait()
        return try outcome.withLock { $0! }.get()
    }

    /// `?` placeholders as `$1`, `$2`, … (outside quoted literals); `$k` already there is kept.
    /// Scans bytes, not characters: a call's multi-row inserts are long.
    static func numbered(_ sql: String) -> String {
        let question = UInt8(ascii: "?"), quote = UInt8(ascii: "'")
        guard sql.utf8.contains(question) else { return sql }
        var result: [UInt8] = []
        result.reserveCapacity(sql.utf8.count * 2)
        var quoted = false, number = 0
        for byte in sql.utf8 {
            if byte == quote { quoted.toggle() }
            if byte == question, !quoted {
                number += 1
                result.append(UInt8(ascii: "$"))
                result += String(number).utf8
            } else {
                result.append(byte)
            }
        }
        return String(decoding: result, as: UTF8.self)
    }

    /// Arguments with their own types (text, int8, float8, bool); NULL with none, so the server
    /// takes the type from where the parameter is used.
    static func bindings(_ arguments: [SQLValue]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .integer(let number): bindings.append(number)
            case .real(let number): bindings.append(number)
            case .text(let text): bindings.append(text)
            case .boolean(let flag): bindings.append(flag)
            }
        }
        return bindings
    }

    static func value(_ cell: PostgresCell) -> SQLValue {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .int2, .int4, .int8: return (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .float4, .float8: return (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
        case .numeric: return (try? cell.decode(Decimal.self)).flatMap { Double("\($0)") }.map(SQLValue.real) ?? .null
        case .bool: return (try? cell.decode(Bool.self)).map(SQLValue.boolean) ?? .null
        default: return (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }
}
