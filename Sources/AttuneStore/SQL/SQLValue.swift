import FoundationEssentials

/// A value bound to, or read from, a statement of either store backend. Booleans are their own
/// case (PostgreSQL has a boolean type; SQLite stores them as 0 and 1).
public enum SQLValue: Sendable, Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case boolean(Bool)
}

/// A Swift type a statement argument or a row's column converts to and from.
public protocol SQLConvertible: Sendable {
    var sqlValue: SQLValue { get }
    /// The value, or nil when `value` is NULL or of a kind that does not convert.
    init?(sqlValue value: SQLValue)
}

extension String: SQLConvertible {
    public var sqlValue: SQLValue { .text(self) }
    public init?(sqlValue value: SQLValue) {
        switch value {
        case .text(let text): self = text
        case .integer(let number): self = String(number)
        case .real(let number): self = String(number)
        case .boolean(let flag): self = flag ? "1" : "0"
        case .null: return nil
        }
    }
}

extension Double: SQLConvertible {
    public var sqlValue: SQLValue { .real(self) }
    public init?(sqlValue value: SQLValue) {
        switch value {
        case .real(let number): self = number
        case .integer(let number): self = Double(number)
        case .boolean(let flag): self = flag ? 1 : 0
        case .text(let text): guard let number = Double(text) else { return nil }; self = number
        case .null: return nil
        }
    }
}

extension Int64: SQLConvertible {
    public var sqlValue: SQLValue { .integer(self) }
    public init?(sqlValue value: SQLValue) {
        switch value {
        case .integer(let number): self = number
        case .real(let number): guard let exact = Int64(exactly: number.rounded()) else { return nil }; self = exact
        case .boolean(let flag): self = flag ? 1 : 0
        case .text(let text): guard let number = Int64(text) else { return nil }; self = number
        case .null: return nil
        }
    }
}

extension Int: SQLConvertible {
    public var sqlValue: SQLValue { .integer(Int64(self)) }
    public init?(sqlValue value: SQLValue) {
        guard let number = Int64(sqlValue: value) else { return nil }
        self = Int(number)
    }
}

extension Bool: SQLConvertible {
    public var sqlValue: SQLValue { .boolean(self) }
    public init?(sqlValue value: SQLValue) {
        switch value {
        case .boolean(let flag): self = flag
        case .integer(let number): self = number != 0
        case .real(let number): self = number != 0
        case .text(let text): self = text == "1" || text == "t" || text == "true"
        case .null: return nil
        }
    }
}

/// A column that may be NULL.
public protocol SQLOptionalConvertible {
    init(sqlValue value: SQLValue)
}

extension Optional: SQLOptionalConvertible where Wrapped: SQLConvertible {
    public init(sqlValue value: SQLValue) { self = Wrapped(sqlValue: value) }
}

/// One row of a query's answer, its columns found by name whatever their case (PostgreSQL folds
/// unquoted names to lower case; SQLite keeps them as written).
public struct SQLRow: Sendable {
    /// Column names, lower-cased, in the query's order.
    public let columns: [String]
    public let values: [SQLValue]

    public init(columns: [String], values: [SQLValue]) {
        self.init(lowercasedColumns: columns.map { $0.lowercased() }, values: values)
    }

    /// A row whose column names are lower-cased already (once per query, not per row).
    init(lowercasedColumns: [String], values: [SQLValue]) {
        self.columns = lowercasedColumns
        self.values = values
    }

    /// The raw value of `column` (`.null` when the query has no such column).
    public func value(_ column: String) -> SQLValue {
        let name = column.lowercased()
        guard let index = columns.firstIndex(of: name) else { return .null }
        return values[index]
    }

    /// A column that may be NULL.
    public subscript<T: SQLOptionalConvertible>(_ column: String) -> T { T(sqlValue: value(column)) }

    /// A column the schema or the query makes NOT NULL. Reading NULL here is a programming error
    /// (a query that does not match the schema), as it is in GRDB.
    public subscript<T: SQLConvertible>(_ column: String) -> T {
        guard let converted = T(sqlValue: value(column)) else {
            preconditionFailure("column \(column) is \(value(column)), not \(T.self)")
        }
        return converted
    }
}
