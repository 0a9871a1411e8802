import FoundationEssentials
import GRDB

/// The embedded store: one SQLite file (WAL) behind GRDB, with versioned migrations (GRDB's
/// migrator, `grdb_migrations`). One process writes at a time (SQLite's own lock, waited on for
/// up to 10 s); readers never wait.
struct SQLiteBackend: StoreBackend {
    /// The GRDB connection (a pool on disk, a queue in memory or read-only).
    let writer: any DatabaseWriter
    let location: String

    /// Opens (creating if needed) the store at `path` and brings its schema up to date. The
    /// store's folder must exist: a missing one is more often a typo than a wish, and a store
    /// created somewhere unexpected loses a night's results as surely as an error would.
    static func open(path: String) async throws(StorageError) -> SQLiteBackend {
        try await StorageError.wrapping("opening results store \(path)") {
            if let slash = path.lastIndex(of: "/"), slash != path.startIndex, !path.hasPrefix("file:"),
                case let folder = String(path[..<slash]), !FileManager.default.fileExists(atPath: folder + "/.")
            {
                throw StorageError(
                    operation: "opening results store \(path)", message: "its folder \(folder) does not exist (create it, or give another path)")
            }
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                // WAL with NORMAL sync survives a killed process (not a power cut) without fsync per call.
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                try db.execute(sql: "PRAGMA foreign_keys = ON")
            }
            configuration.busyMode = .timeout(10)
            // Several processes may create a new store at once (workers started together on one
            // night). Turning a new file to WAL, and each migration, then meet another process's
            // lock or find its work done ("table … already exists", a stale snapshot): SQLite does
            // not always wait for these, so the whole opening is tried again, for up to about 10 s.
            var attempt = 0
            while true {
                do {
                    let pool = try DatabasePool(path: path, configuration: configuration)
                    try await refuseNewer(pool, path: path)
                    try migrator.migrate(pool)
                    return SQLiteBackend(writer: pool, location: path)
                } catch let error as DatabaseError where attempt < 100 && Self.isRace(error) {
                    attempt += 1
                    try await Task.sleep(for: .milliseconds(100))
                }
            }
        }
    }

    /// Opens the existing store at `path` for reading only (`attune export`, `attune feedback`):
    /// the connection is read-only, so the store file is never written, and a store on read-only
    /// media or in a folder the user cannot write is read too. SQLite's shared read (with locks, so
    /// a batch writing at the same time is safe) needs the store's `-shm` and `-wal` files to exist
    /// or be creatable beside it; where they cannot be, and no write-ahead log holds changes (a
    /// store closed cleanly), the file is read as immutable (`?immutable=1`: no locks, nothing
    /// created). Temporary tables still work. A store whose schema is older than this build's is
    /// first brought up to date as `open` does, which needs write access.
    /// - Throws: `StorageError` naming the store: missing, not a results store, or unreadable.
    static func openReadOnly(path: String) async throws(StorageError) -> SQLiteBackend {
        try await StorageError.wrapping("opening results store \(path) for reading") {
            guard FileManager.default.fileExists(atPath: path) else {
                throw StorageError(operation: "opening results store \(path) for reading", message: "no results store at \(path)")
            }
            var configuration = Configuration()
            configuration.readonly = true
            configuration.busyMode = .timeout(10)
            func connect(_ location: String) async throws -> (DatabaseQueue, tables: Bool, current: Bool) {
                let queue = try DatabaseQueue(path: location, configuration: configuration)
                let (tables, current) = try await queue.read { db in (try db.tableExists("calls"), try migrator.hasCompletedMigrations(db)) }
                return (queue, tables, current)
            }
            var connection: (queue: DatabaseQueue, tables: Bool, current: Bool)
            do {
                connection = try await connect(path)
            } catch let error as DatabaseError where [.SQLITE_READONLY, .SQLITE_CANTOPEN, .SQLITE_IOERR, .SQLITE_PROTOCOL].contains(error.resultCode) {
                // The -shm (or -wal) file cannot be made or used here. Reading the file as immutable
                // is safe when no write-ahead log holds changes the main file lacks.
                let log = try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
                guard (log ?? 0) == 0 else {
                    throw StorageError(
                        operation: "opening results store \(path) for reading",
                        message: "cannot be read without write access to its folder: its write-ahead log \(path)-wal holds changes not yet in the store file (\(error.message ?? "\(error)"))",
                        cause: error)
                }
                connection = try await connect(immutableURI(path))
            }
            guard connection.tables else {
                throw StorageError(operation: "opening results store \(path) for reading", message: "not an Attune results store (it has no calls table)")
            }
            try await refuseNewer(connection.queue, path: path)
            guard connection.current else {
                do throws(StorageError) { return try await open(path: path) } catch {
                    throw StorageError(
                        operation: "opening results store \(path) for reading",
                        message: "written by an older attune: its schema must be brought up to date once, with write access (\(error.message))",
                        cause: error.cause)
                }
            }
            return SQLiteBackend(writer: connection.queue, location: path)
        }
    }

    /// `file://ABSOLUTE-PATH?mode=ro&immutable=1`, the path percent-encoded (SQLite URI filenames).
    private static func immutableURI(_ path: String) -> String {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        let hex = Array("0123456789ABCDEF".utf8)
        var encoded: [UInt8] = []
        for byte in absolute.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "/"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                encoded.append(byte)
            default:
                encoded += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            }
        }
        return "file://" + String(decoding: encoded, as: UTF8.self) + "?mode=ro&immutable=1"
    }

    /// An empty store in memory (tests).
    static func inMemory() throws(StorageError) -> SQLiteBackend {
        do {
            let queue = try DatabaseQueue()
            try migrator.migrate(queue)
            return SQLiteBackend(writer: queue, location: ":memory:")
        } catch {
            throw StorageError(operation: "creating an in-memory store", message: StoreErrorText.message(error), cause: error)
        }
    }

    /// Whether `error` is another process's lock or finished work, not a problem of the file.
    private static func isRace(_ error: DatabaseError) -> Bool {
        let message = error.message ?? ""
        return [.SQLITE_BUSY, .SQLITE_LOCKED].contains(error.resultCode)
            || (error.resultCode == .SQLITE_ERROR && (message.contains("already exists") || message.contains("duplicate column")))
            // The migrator lists the pending migrations before it takes the write lock, so it may
            // run one another process has just committed: where that migration's SQL is idempotent
            // (`DROP INDEX IF EXISTS`), recording it again is what fails. Rolled back; tried again.
            || (error.resultCode == .SQLITE_CONSTRAINT && message.contains("grdb_migrations"))
    }

    /// Refuses a store whose schema has migrations this build does not know (written by a newer attune).
    private static func refuseNewer(_ writer: any DatabaseReader, path: String) async throws {
        let (applied, superseded) = try await writer.read { db in
            guard try db.tableExists("grdb_migrations") else { return (Set<String>(), false) }
            return (try migrator.appliedIdentifiers(db), try migrator.hasBeenSuperseded(db))
        }
        guard !superseded else {
            let unknown = applied.subtracting(migrator.migrations).sorted()
            throw StorageError(
                operation: "opening results store \(path)",
                message: "it was written by a newer attune (schema \(unknown.joined(separator: ", "))); use that version or newer")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any StoreSession) throws -> T) async throws -> T {
        try await writer.read { db in try body(GRDBSession(db: db)) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (any StoreSession) throws -> T) async throws -> T {
        try await writer.write { db in try body(GRDBSession(db: db)) }
    }

    func writeStatement(_ sql: String, _ arguments: [SQLValue]) async throws -> [SQLRow] {
        try await write { session in try session.rows(sql, arguments) }
    }

    /// A SQLite store has one server; there is no one to talk to.
    func channel(_ name: String) -> StoreChannel? { nil }

    func close() async {}

    /// The schema, one migration per version. Never edit a shipped migration: add one.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, calls, segments, events, metrics, failures") { db in
            try db.create(table: "runs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("startedAt", .text).notNull()
                t.column("finishedAt", .text)
                t.column("status", .text).notNull()
                t.column("source", .text).notNull()
                t.column("shard", .text)
                t.column("jobs", .integer).notNull()
                t.column("engineVersion", .text).notNull()
                t.column("configurationFingerprint", .text).notNull()
                t.column("modelSha256", .text)
                t.column("filesTotal", .integer).notNull()
                t.column("filesAnalyzed", .integer).notNull()
                t.column("filesSkipped", .integer).notNull()
                t.column("filesFailed", .integer).notNull()
                t.column("audioSeconds", .double).notNull()
            }
            try db.create(table: "calls") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("callId", .text).notNull().indexed()
                t.column("contentSha256", .text).notNull().unique()
                t.column("engineVersion", .text).notNull()
                t.column("configurationFingerprint", .text).notNull()
                t.column("modelSha256", .text)
                t.column("sourcePath", .text).notNull()
                t.column("agentId", .text).indexed()
                t.column("team", .text).indexed()
                t.column("startedAt", .text).indexed()
                t.column("durationSeconds", .double).notNull()
                t.column("sampleRateHz", .integer).notNull()
                t.column("channelLayout", .text).notNull()
                t.column("runId", .integer).references("runs", onDelete: .setNull)
                t.column("analyzedAt", .text).notNull().indexed()
                t.column("report", .text).notNull()
            }
            try db.create(table: "segments") { t in
                t.column("callRowId", .integer).notNull().indexed().references("calls", onDelete: .cascade)
                t.column("party", .text).notNull()
                t.column("startSeconds", .double).notNull()
                t.column("endSeconds", .double).notNull()
                t.column("levelDbRelative", .double)
            }
            try db.create(table: "events") { t in
                t.column("callRowId", .integer).notNull().indexed().references("calls", onDelete: .cascade)
                t.column("type", .text).notNull()
                t.column("party", .text)
                t.column("initiator", .text)
                t.column("startSeconds", .double).notNull()
                t.column("endSeconds", .double).notNull()
                t.column("peakDbAboveBaseline", .double)
            }
            try db.create(table: "metrics") { t in
                t.column("callRowId", .integer).notNull().references("calls", onDelete: .cascade)
                t.column("scope", .text).notNull()
                t.column("name", .text).notNull()
                t.column("value", .double)
                t.primaryKey(["callRowId", "scope", "name"])
            }
            try db.create(table: "failures") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runId", .integer).indexed().references("runs", onDelete: .cascade)
                t.column("path", .text).notNull()
                t.column("callId", .text)
                t.column("line", .integer)
                t.column("code", .text).notNull()
                t.column("reason", .text).notNull()
                t.column("occurredAt", .text).notNull()
            }
        }
        migrator.registerMigration("v2: scores and contributions") { db in
            try db.create(table: "scores") { t in
                t.primaryKey("callRowId", .integer).references("calls", onDelete: .cascade)
                t.column("modelId", .text).notNull()
                t.column("modelVersion", .text).notNull()
                t.column("modelSha256", .text).notNull()
                t.column("effortValue", .double).notNull()
                t.column("effortIndex", .double).notNull()
                t.column("effortScaleMin", .double).notNull()
                t.column("effortScaleMax", .double).notNull()
                t.column("effortHigherIsEasier", .boolean).notNull()
                t.column("distressValue", .double)
                t.column("distressLevel", .text).indexed()
                t.column("distressPeakAtSeconds", .double)
            }
            try db.create(table: "contributions") { t in
                t.column("callRowId", .integer).notNull().indexed().references("calls", onDelete: .cascade)
                t.column("score", .text).notNull()
                t.column("rank", .integer).notNull()
                t.column("input", .text).notNull()
                t.column("metric", .text).notNull()
                t.column("value", .double)
                t.column("unit", .text).notNull()
                t.column("points", .double).notNull()
                t.column("text", .text).notNull()
            }
        }
        migrator.registerMigration("v3: surveys") { db in
            try db.create(table: "surveys") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("callId", .text).notNull()
                t.column("respondedAt", .text).notNull()
                t.column("score", .double).notNull()
                t.column("scaleMin", .double).notNull()
                t.column("scaleMax", .double).notNull()
                t.column("higherIsEasier", .boolean).notNull()
                t.column("effortIndex", .double).notNull()
                t.column("fileScore", .double).notNull()
                t.column("comment", .text)
                t.column("channel", .text)
                t.column("sourcePath", .text).notNull()
                t.column("line", .integer).notNull()
                t.column("importedAt", .text).notNull()
                // One row per response: the same call, time and answer is the same response.
                t.uniqueKey(["callId", "respondedAt", "score"])
            }
            try db.create(index: "surveys_respondedAt", on: "surveys", columns: ["respondedAt"])
            // Pairing is a join by call id, so a survey imported before its call pairs as soon as the
            // call is stored. Each call's current result is its newest row; its latest response is
            // `responseRank` 1. Effort points are on the survey's program scale; positive
            // `differencePoints` = the customer found the call harder than the model predicted.
            try db.execute(sql: StoreSchema.surveyPairsView)
        }
        migrator.registerMigration("v4: calibrations") { db in
            // One row per measurement of a model against this store's paired surveys (or a
            // quality team's labels): `attune calibrate --db` writes it; feedback reads the latest
            // row of the model that scored a call to decide what is worth a listen.
            try db.create(table: "calibrations") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("createdAt", .text).notNull()
                t.column("modelId", .text).notNull()
                t.column("modelVersion", .text).notNull()
                t.column("modelSha256", .text).notNull().indexed()
                t.column("parentSha256", .text)
                t.column("kind", .text).notNull()
                t.column("team", .text)
                t.column("since", .text)
                t.column("until", .text)
                t.column("surveys", .integer).notNull()
                t.column("spearman", .double)
                t.column("spearmanLow", .double)
                t.column("spearmanHigh", .double)
                t.column("meanAbsoluteErrorPoints", .double).notNull()
                t.column("biasPoints", .double).notNull()
                t.column("withinOne", .double).notNull()
                t.column("errorQuantile", .double).notNull()
                t.column("errorQuantileIndex", .double).notNull()
                t.column("scaleMin", .double).notNull()
                t.column("scaleMax", .double).notNull()
                t.column("higherIsEasier", .boolean).notNull()
            }
        }
        migrator.registerMigration("v5: a call is its call id; the channel map is part of a result's identity") { db in
            // A call row per call id (not per recording): two calls with identical audio (silent
            // or abandoned live calls) are two rows, and a recording batched under the id a live
            // call had replaces that call's row. SQLite cannot drop a UNIQUE constraint, so the
            // table is rebuilt; older rows of a call id (kept before, newest wins) are dropped.
            try db.execute(sql: "DELETE FROM calls WHERE id < (SELECT MAX(c2.id) FROM calls c2 WHERE c2.callId = calls.callId)")
            try db.execute(sql: "DROP VIEW surveyPairs")
            try db.create(table: "calls_v5") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("callId", .text).notNull().unique()
                t.column("contentSha256", .text).notNull().indexed()
                t.column("engineVersion", .text).notNull()
                t.column("configurationFingerprint", .text).notNull()
                t.column("modelSha256", .text)
                t.column("channelMap", .text)
                t.column("sourcePath", .text).notNull()
                t.column("agentId", .text).indexed()
                t.column("team", .text).indexed()
                t.column("startedAt", .text).indexed()
                t.column("durationSeconds", .double).notNull()
                t.column("sampleRateHz", .integer).notNull()
                t.column("channelLayout", .text).notNull()
                t.column("runId", .integer).references("runs", onDelete: .setNull)
                t.column("analyzedAt", .text).notNull().indexed()
                t.column("report", .text).notNull()
            }
            try db.execute(sql: """
                INSERT INTO calls_v5 (id, callId, contentSha256, engineVersion, configurationFingerprint, modelSha256, sourcePath, agentId, team,
                                      startedAt, durationSeconds, sampleRateHz, channelLayout, runId, analyzedAt, report)
                SELECT id, callId, contentSha256, engineVersion, configurationFingerprint, modelSha256, sourcePath, agentId, team,
                       startedAt, durationSeconds, sampleRateHz, channelLayout, runId, analyzedAt, report FROM calls
                """)
            try db.drop(table: "calls")
            try db.rename(table: "calls_v5", to: "calls")
            try db.execute(sql: StoreSchema.surveyPairsView)
        }
        migrator.registerMigration("v6: a run's worker and heartbeat") { db in
            // Several workers may share a store: a run is interrupted when its worker is gone
            // (`RunWorker`), not merely because another run starts.
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN heartbeatAt TEXT")
            try db.execute(sql: "ALTER TABLE runs ADD COLUMN worker TEXT")
            try db.execute(sql: "UPDATE runs SET heartbeatAt = COALESCE(finishedAt, startedAt)")
        }
        migrator.registerMigration("v7: claims") { db in
            try db.execute(sql: StoreSchema.claimsTable(text: "TEXT", integer: "INTEGER"))
        }
        migrator.registerMigration("v8: live servers and their calls") { db in
            for statement in StoreSchema.liveTables(text: "TEXT") { try db.execute(sql: statement) }
        }
        migrator.registerMigration("v9: the call explorer's playback log and call-time index") { db in
            for statement in StoreSchema.explorerTables(text: "TEXT", identity: "INTEGER PRIMARY KEY AUTOINCREMENT") {
                try db.execute(sql: statement)
            }
        }
        migrator.registerMigration("v10: the wall's call-back list") { db in
            for statement in StoreSchema.callBacksTable(text: "TEXT") { try db.execute(sql: statement) }
        }
        migrator.registerMigration("v11: live calls' kept audio") { db in
            for statement in StoreSchema.liveAudioTable(text: "TEXT") { try db.execute(sql: statement) }
        }
        migrator.registerMigration("v12: without v9's surveys_callId") { db in
            try db.execute(sql: StoreSchema.dropRedundantSurveysIndex)
        }
        return migrator
    }
}

/// A GRDB connection as the store's operations see it; statements are cached per connection.
struct GRDBSession: StoreSession {
    let db: Database
    var dialect: SQLDialect { .sqlite }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        if arguments.isEmpty {
            try db.execute(sql: sql)
        } else {
            try db.cachedStatement(sql: sql).execute(arguments: StatementArguments(arguments.map(Self.databaseValue)))
        }
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        let statement = try db.cachedStatement(sql: sql)
        let columns = statement.columnNames.map { $0.lowercased() }
        return try Row.fetchAll(statement, arguments: StatementArguments(arguments.map(Self.databaseValue))).map { row in
            SQLRow(lowercasedColumns: columns, values: (0..<row.count).map { Self.value(row[$0] as DatabaseValue) })
        }
    }

    private static func databaseValue(_ value: SQLValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .integer(let number): number.databaseValue
        case .real(let number): number.databaseValue
        case .text(let text): text.databaseValue
        case .boolean(let flag): flag.databaseValue
        }
    }

    private static func value(_ value: DatabaseValue) -> SQLValue {
        switch value.storage {
        case .null: .null
        case .int64(let number): .integer(number)
        case .double(let number): .real(number)
        case .string(let text): .text(text)
        case .blob(let data): .text(String(decoding: data, as: UTF8.self))
        }
    }
}
