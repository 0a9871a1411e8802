import FoundationEssentials
import Logging
import NIOCore
import PostgresNIO

/// One pooled connection, used from one thread that waits for each statement's answer.
struct PostgresSession: StoreSession {
    let connection: PostgresConnection
    let logger: Logger
    var dialect: SQLDialect { .postgres }

    func execute(_ sql: String, _ arguments: [SQLValue]) throws {
        _ = try rows(sql, arguments)
    }

    func rows(_ sql: String, _ arguments: [SQLValue]) throws -> [SQLRow] {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments { Self.append(argument, to: &bindings) }
        return try run(PostgresQuery(unsafeSQL: Self.numbered(sql), binds: bindings))
    }

    /// A call and its rows in one statement, one round trip: each table's rows go as one array per
    /// column (`unnest`), so the statement's text stays short whatever the call's length, and the
    /// server parses and plans a few lines, not a `VALUES` row per segment. Every table's rows are
    /// inserted by a data-modifying `WITH` clause, after which `finally` runs.
    func insertCall(_ call: CallRecord, children: [CallChildRows], finally: (sql: String, arguments: [SQLValue])) throws {
        var bindings = PostgresBindings(capacity: CallRecord.columns.count + 64 + finally.arguments.count)
        for value in call.values { Self.append(value, to: &bindings) }
        var sql = "WITH stored AS (INSERT INTO calls (\(CallRecord.columns.joined(separator: ", "))) VALUES ("
            + (1...CallRecord.columns.count).map { "$\($0)" }.joined(separator: ", ") + ") RETURNING id)"
        for (index, group) in children.enumerated() where !group.rows.isEmpty {
            // A column NULL in every row is left out (NULL by default; and its array would have no
            // element to tell its type).
            var names: [String] = [], arrays: [String] = []
            for column in group.columns.indices {
                guard let array = try PostgresColumnArray(group.rows.map { $0[column] }, column: "\(group.table).\(group.columns[column])") else { continue }
                bindings.append(array)
                names.append(group.columns[column])
                arrays.append("$\(bindings.count)")
            }
            sql += ", t\(index) AS (INSERT INTO \(group.table) (callRowId, \(names.joined(separator: ", "))) "
                + "SELECT stored.id, u.* FROM stored, unnest(\(arrays.joined(separator: ", "))) AS u)"
        }
        let before = bindings.count
        for argument in finally.arguments { Self.append(argument, to: &bindings) }
        sql += " " + Self.numbered(finally.sql, after: before)
        _ = try run(PostgresQuery(unsafeSQL: sql, binds: bindings))
    }

    /// The calls and their rows in one statement: the rows are not tied to the call by foreign keys
    /// (see `PostgresMigrations` version 4), so each table's are deleted by a `WITH` clause.
    func deleteCalls(where condition: String, _ arguments: [SQLValue]) throws {
        let rows = CallChildRows.tables.enumerated().map { index, table in
            "d\(index) AS (DELETE FROM \(table) WHERE callRowId IN (SELECT id FROM gone))"
        }
        try execute(
            "WITH gone AS (DELETE FROM calls WHERE \(condition) RETURNING id), \(rows.joined(separator: ", ")) SELECT COUNT(*) FROM gone",
            arguments)
    }

    /// Runs `query` and waits on this thread (one of the backend's own, never an event loop's or
    /// Swift's pool's) for the whole answer: no task per statement.
    private func run(_ query: PostgresQuery) throws -> [SQLRow] {
        let result = try connection.query(query, logger: logger).wait()
        var columns: [String]? = nil
        return result.rows.map { row in
            let cells = Array(row)
            if columns == nil { columns = cells.map { $0.columnName.lowercased() } }
            return SQLRow(lowercasedColumns: columns!, values: cells.map(Self.value))
        }
    }

    /// `?` placeholders as `$k`, numbered from `after + 1` (outside quoted literals); `$k` already
    /// there is kept. Scans bytes, not characters: statements can be long.
    static func numbered(_ sql: String, after: Int = 0) -> String {
        let question = UInt8(ascii: "?"), quote = UInt8(ascii: "'")
        guard sql.utf8.contains(question) else { return sql }
        var result: [UInt8] = []
        result.reserveCapacity(sql.utf8.count * 2)
        var quoted = false, number = after
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

    /// An argument with its own type (text, int8, float8, bool); NULL with none, so the server
    /// takes the type from where the parameter is used.
    static func append(_ argument: SQLValue, to bindings: inout PostgresBindings) {
        switch argument {
        case .null: bindings.appendNull()
        case .integer(let number): bindings.append(number)
        case .real(let number): bindings.append(number)
        case .text(let text): bindings.append(text)
        case .boolean(let flag): bindings.append(flag)
        }
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

/// One column's values as a PostgreSQL array in the binary format (`array_recv`), with NULL
/// elements, which postgres-nio's own arrays cannot hold. Its element type is its first non-NULL
/// value's: int8, float8, text or bool.
struct PostgresColumnArray: PostgresDynamicTypeEncodable {
    let values: [SQLValue]
    let element: PostgresDataType
    let psqlType: PostgresDataType
    var psqlFormat: PostgresFormat { .binary }

    /// Nil when every value is NULL (the element type cannot be told). Values of another kind than
    /// the first's are refused (an integer in a float8 column is taken as a float).
    init?(_ values: [SQLValue], column: String) throws(StorageError) {
        guard let first = values.first(where: { $0 != .null }) else { return nil }
        switch first {
        case .integer: (element, psqlType) = (.int8, .int8Array)
        case .real: (element, psqlType) = (.float8, .float8Array)
        case .text: (element, psqlType) = (.text, .textArray)
        case .boolean: (element, psqlType) = (.bool, .boolArray)
        case .null: return nil
        }
        for value in values {
            let fits = switch (value, first) {
            case (.null, _), (.integer, .integer), (.real, .real), (.integer, .real), (.text, .text), (.boolean, .boolean): true
            default: false
            }
            guard fits else { throw StorageError(operation: "inserting \(column)", message: "values of different kinds in one column (\(first) and \(value))") }
        }
        self.values = values
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Int32(1))  // dimensions
        buffer.writeInteger(Int32(values.contains(.null) ? 1 : 0))  // has NULLs
        buffer.writeInteger(element.rawValue)
        buffer.writeInteger(Int32(values.count))
        buffer.writeInteger(Int32(1))  // lower bound
        for value in values {
            switch value {
            case .null:
                buffer.writeInteger(Int32(-1))
            case .integer(let number):
                if element == .float8 {
                    buffer.writeInteger(Int32(8)); buffer.writeInteger(Double(number).bitPattern)
                } else {
                    buffer.writeInteger(Int32(8)); buffer.writeInteger(number)
                }
            case .real(let number):
                buffer.writeInteger(Int32(8)); buffer.writeInteger(number.bitPattern)
            case .text(let text):
                buffer.writeInteger(Int32(text.utf8.count)); buffer.writeString(text)
            case .boolean(let flag):
                buffer.writeInteger(Int32(1)); buffer.writeInteger(UInt8(flag ? 1 : 0))
            }
        }
    }
}
