/// One connection inside one transaction (or one read), as the store's operations see it. The
/// operations are written once against this; `SQLiteBackend` and `PostgresBackend` carry them
/// out. Statements use `?` for positional arguments (PostgreSQL's session numbers them), or
/// `:name` through `SQLStatement`.
///
/// Synchronous on purpose: GRDB runs a transaction as one synchronous closure on its own queue,
/// so the shared operations are synchronous, and the PostgreSQL backend runs them on threads of
/// its own (never on Swift's cooperative pool), each statement waiting for its answer.
public protocol SQLSession {
    var dialect: SQLDialect { get }
    /// Runs a statement that returns no rows.
    func execute(_ sql: String, _ arguments: [SQLValue]) throws
    /// Runs a query and returns its rows.
    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow]
}

/// A session as the store's own operations use it: `SQLSession`, and the writes a database may
/// do its own faster way.
protocol StoreSession: SQLSession {
    /// Inserts a call's row and the rows that belong to it, then runs `finally` (see
    /// `Records.swift`: a statement per table; `PostgresSession`: one statement).
    func insertCall(_ call: CallRecord, children: [CallChildRows], finally: (sql: String, arguments: [SQLValue])) throws
    /// Deletes the calls matching `condition` (a `WHERE` clause over `calls`) and every row that
    /// belongs to them (`CallChildRows.tables`).
    func deleteCalls(where condition: String, _ arguments: [SQLValue]) throws
}

extension SQLSession {
    func execute(_ sql: String) throws { try execute(sql, []) }
    func rows(_ sql: String) throws -> [SQLRow] { try rows(sql, []) }
    func execute(_ statement: SQLStatement) throws {
        let (sql, arguments) = statement.compiled(for: dialect)
        try execute(sql, arguments)
    }
    func rows(_ statement: SQLStatement) throws -> [SQLRow] {
        let (sql, arguments) = statement.compiled(for: dialect)
        return try rows(sql, arguments)
    }
    func row(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLRow? { try rows(sql, arguments).first }
    /// The first column of the first row, or nil.
    func value<T: SQLConvertible>(_ sql: String, _ arguments: [SQLValue] = []) throws -> T? {
        try rows(sql, arguments).first.flatMap { T(sqlValue: $0.values.first ?? .null) }
    }
    func value<T: SQLConvertible>(_ statement: SQLStatement) throws -> T? {
        let (sql, arguments) = statement.compiled(for: dialect)
        return try value(sql, arguments)
    }
}

/// A statement with named arguments (`:since`), the form the feedback queries use: the same
/// argument may appear several times. Names inside quoted literals and PostgreSQL's `::` casts are
/// left alone.
struct SQLStatement: Sendable {
    var text: String
    var named: [String: SQLValue]

    init(_ text: String, _ named: [String: SQLValue] = [:]) {
        self.text = text
        self.named = named
    }

    /// The statement in `dialect`'s placeholders, and its arguments in order: SQLite gets `?` per
    /// use (an argument used twice is bound twice); PostgreSQL gets `$k`, one per name. A NULL
    /// argument becomes the literal `NULL`.
    func compiled(for dialect: SQLDialect) -> (sql: String, arguments: [SQLValue]) {
        var sql = "", arguments: [SQLValue] = [], numbers: [String: Int] = [:]
        let characters = Array(text)
        var index = 0, quoted = false
        func isNameCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber || character == "_" }
        while index < characters.count {
            let character = characters[index]
            if character == "'" { quoted.toggle() }
            if !quoted, character == ":", index + 1 < characters.count, characters[index + 1].isLetter,
               index == 0 || characters[index - 1] != ":"
            {
                var end = index + 1
                while end < characters.count, isNameCharacter(characters[end]) { end += 1 }
                let name = String(characters[(index + 1)..<end])
                guard let value = named[name] else { preconditionFailure("no argument :\(name)") }
                // NULL is written as the literal: a parameter used only as `:x IS NULL` has no type
                // PostgreSQL can infer.
                guard value != .null else {
                    sql += "NULL"
                    index = end
                    continue
                }
                switch dialect {
                case .sqlite:
                    sql += "?"
                    arguments.append(value)
                case .postgres:
                    if let number = numbers[name] {
                        sql += "$\(number)"
                    } else {
                        arguments.append(value)
                        numbers[name] = arguments.count
                        sql += "$\(arguments.count)"
                    }
                }
                index = end
                continue
            }
            sql.append(character)
            index += 1
        }
        return (sql, arguments)
    }
}

/// What differs between SQLite and PostgreSQL in the store's own statements.
public enum SQLDialect: Sendable {
    case sqlite
    case postgres

    /// The Monday (`YYYY-MM-DD`) of the week of an ISO 8601 UTC timestamp held as text.
    func weekStarting(_ column: String) -> String {
        switch self {
        case .sqlite: "date(\(column), '-6 days', 'weekday 1')"
        case .postgres: "to_char(date_trunc('week', CAST(\(column) AS timestamptz) AT TIME ZONE 'UTC'), 'YYYY-MM-DD')"
        }
    }

    /// An ISO 8601 UTC timestamp held as text, in days (fractional) since a fixed origin.
    func days(_ column: String) -> String {
        switch self {
        case .sqlite: "julianday(\(column))"
        case .postgres: "(EXTRACT(EPOCH FROM CAST(\(column) AS timestamptz)) / 86400.0)"
        }
    }

    /// A temporary table's qualified name, for `DROP TABLE IF EXISTS`.
    func temporary(_ table: String) -> String {
        switch self {
        case .sqlite: "temp.\(table)"
        case .postgres: "pg_temp.\(table)"
        }
    }

    /// Serialises writers of one call id inside a transaction: PostgreSQL takes a transaction-level
    /// advisory lock on the id's hash (two workers storing the same call queue, and the second
    /// replaces the first's row instead of failing on the unique key); SQLite has one writer at a
    /// time already.
    func lockCallStatement() -> String? {
        switch self {
        case .sqlite: nil
        case .postgres: "SELECT pg_advisory_xact_lock(hashtext(?))"
        }
    }
}
