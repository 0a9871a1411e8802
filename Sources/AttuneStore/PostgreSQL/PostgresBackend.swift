import FoundationEssentials
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

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
    /// Sends this process's notifications (`channel`) on a connection of its own.
    private let notifier: PostgresNotifier

    /// Operations of one process that may run at once (threads, and at most this many connections).
    static let concurrentOperations = 8

    private init(target: PostgresURL, client: PostgresClient, runner: Task<Void, Never>, threads: NIOThreadPool, logger: Logger) {
        self.location = target.redacted
        self.notifier = PostgresNotifier(target: target, logger: logger)
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
        let backend = PostgresBackend(target: target, client: client, runner: runner, threads: threads, logger: logger)
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

    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreSession) throws -> T) async throws -> T {
        try await run(transaction: false, body)
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreSession) throws -> T) async throws -> T {
        try await run(transaction: true, body)
    }

    func writeStatement(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await run(transaction: false) { session in try session.rows(sql, arguments) }
    }

    /// Runs `body` on one of `threads` with a pooled connection, in a transaction when asked
    /// (committed when `body` returns, rolled back when it throws).
    private func run<T: Sendable>(transaction: Bool, _ body: @escaping @Sendable (any StoreSession) throws -> T) async throws -> T {
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

    /// `NOTIFY`/`LISTEN` on `name`: sent on a connection of the process's own (`PostgresNotifier`),
    /// a chunk per `SELECT pg_notify(…), …`; received on a connection taken from the pool and held
    /// for as long as `messages` is read.
    func channel(_ name: String) -> StoreChannel? {
        let client = client, notifier = notifier
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
            sendBody: { payloads in try await notifier.send(payloads, on: name) },
            messages: messages)
    }

    func close() async {
        await notifier.close()
        runner.cancel()
        _ = await runner.value
        try? await threads.shutdownGracefully()
    }
}

/// Sends notifications on a connection of its own, opened on first use and again after a failure,
/// so that they never wait behind the pool's work: the calls a live server stores when they end
/// (hundreds at once at a shift's end) must not delay the other calls' updates to the other servers.
actor PostgresNotifier {
    private let target: PostgresURL
    private let logger: Logger
    private var connection: PostgresConnection?

    init(target: PostgresURL, logger: Logger) {
        self.target = target
        self.logger = logger
    }

    /// Sends `payloads` on `channel` in one round trip, in order.
    func send(_ payloads: [String], on channel: String) async throws {
        guard !payloads.isEmpty else { return }
        var bindings = PostgresBindings(capacity: payloads.count + 1)
        bindings.append(channel)
        for payload in payloads { bindings.append(payload) }
        let sql = "SELECT " + (0..<payloads.count).map { "pg_notify($1, $\($0 + 2))" }.joined(separator: ", ")
        let connection = try await open()
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
        } catch {
            // The next send opens another connection.
            if self.connection === connection { self.connection = nil }
            try? await connection.close()
            throw error
        }
    }

    func close() async {
        try? await connection?.close()
        connection = nil
    }

    private func open() async throws -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        let opened = try await PostgresConnection.connect(configuration: try target.connectionConfiguration(), id: 1, logger: logger)
        connection = opened
        return opened
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
