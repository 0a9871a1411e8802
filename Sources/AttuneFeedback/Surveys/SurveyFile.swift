import AttuneBatch
import FoundationEssentials

/// A survey file that cannot be read at all: missing, not text, not CSV with the required header,
/// or JSON that is not an array of objects. Rows that are merely bad are reported, not thrown.
public struct SurveyFileError: Error, Sendable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// The line the problem is on, when there is one (1-based).
    public var line: Int?
    public var message: String

    public init(path: String, line: Int? = nil, message: String) {
        self.path = path
        self.line = line
        self.message = message
    }

    public var description: String { "\(path)\(line.map { ":\($0)" } ?? ""): \(message)" }
}

/// One row of a survey file, as text, with the line it starts on.
struct SurveyFileRow: Sendable, Equatable {
    var line: Int
    var callId: String?
    var respondedAt: String?
    var score: String?
    /// The score when the file gave it as a number (JSON), not as text.
    var scoreNumber: Double?
    var comment: String?
    var channel: String?
    /// Why the row cannot be read (wrong number of fields, a value of the wrong type), if so.
    var problem: String?
}

/// Reads survey files: CSV with a header (`callId, respondedAt, score`, optional `comment`,
/// `channel`; any order, names case-insensitive) or a JSON array of objects with those keys.
/// A file whose first character is `[` or `{` (or named `.json`) is JSON, never read as CSV.
enum SurveyFile {
    static let requiredColumns = ["callId", "respondedAt", "score"]
    static let optionalColumns = ["comment", "channel"]
    /// What a JSON survey file must be, for errors.
    static let expectedJSON = "expected a JSON array of responses ([{\"callId\": …, \"respondedAt\": …, \"score\": …}, …])"

    static func read(path: String) throws(SurveyFileError) -> [SurveyFileRow] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SurveyFileError(path: path, message: "cannot be read (missing or not a file)")
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw SurveyFileError(path: path, message: "is not UTF-8 text")
        }
        let start = text.unicodeScalars.first { !$0.properties.isWhitespace && $0 != "\u{FEFF}" }
        let namedJSON = path.lowercased().hasSuffix(".json")
        switch start {
        case "[": return try json(text, path: path)
        case "{": throw SurveyFileError(path: path, message: "is a JSON object: \(expectedJSON)")
        case nil where namedJSON: throw SurveyFileError(path: path, message: "is empty: \(expectedJSON)")
        case _ where namedJSON: throw SurveyFileError(path: path, message: "is not a JSON array: \(expectedJSON)")
        default: return try csv(text, path: path)
        }
    }

    // MARK: - CSV

    static func csv(_ text: String, path: String) throws(SurveyFileError) -> [SurveyFileRow] {
        let rows = CSVReader.rows(text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text)
        guard let header = rows.first else { throw SurveyFileError(path: path, message: "is empty (expected a header: callId,respondedAt,score)") }
        let names = header.fields.map { $0.trimmedOfWhitespace.lowercased() }
        var index: [String: Int] = [:]
        for column in requiredColumns + optionalColumns {
            if let position = names.firstIndex(of: column.lowercased()) { index[column] = position }
        }
        let missing = requiredColumns.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw SurveyFileError(path: path, line: header.line, message: "header lacks column(s) \(missing.joined(separator: ", ")) (expected callId,respondedAt,score[,comment,channel])")
        }
        return rows.dropFirst().map { row in
            func field(_ column: String) -> String? {
                guard let position = index[column], position < row.fields.count else { return nil }
                let value = row.fields[position].trimmedOfWhitespace
                return value.isEmpty ? nil : value
            }
            // Trailing optional fields may be left off; more fields than the header is an error.
            let needed = requiredColumns.compactMap { index[$0] }.max()! + 1
            let problem = row.fields.count > header.fields.count || row.fields.count < needed
                ? "has \(row.fields.count) field(s), the header has \(header.fields.count)" : nil
            return SurveyFileRow(
                line: row.line, callId: field("callId"), respondedAt: field("respondedAt"), score: field("score"),
                comment: field("comment"), channel: field("channel"), problem: problem)
        }
    }

    // MARK: - JSON

    /// One array element: the known keys, each a string or a number.
    private struct Item: Decodable {
        var values: [String: String] = [:]
        /// Values given as JSON numbers (kept exactly, not re-read from text).
        var numbers: [String: Double] = [:]
        var problem: String?

        private struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        init(from decoder: any Decoder) throws {
            guard let container = try? decoder.container(keyedBy: Key.self) else {
                problem = "is not a JSON object"
                return
            }
            for column in SurveyFile.requiredColumns + SurveyFile.optionalColumns {
                let key = Key(stringValue: column)
                guard container.contains(key), (try? container.decodeNil(forKey: key)) != true else { continue }
                if let text = try? container.decode(String.self, forKey: key) {
                    values[column] = text
                } else if let number = try? container.decode(Double.self, forKey: key) {
                    values[column] = number == number.rounded() && abs(number) < 1e15 ? String(Int(number)) : String(number)
                    numbers[column] = number
                } else {
                    problem = "\"\(column)\" is neither a string nor a number"
                }
            }
        }
    }

    static func json(_ text: String, path: String) throws(SurveyFileError) -> [SurveyFileRow] {
        let items: [Item]
        do { items = try JSONDecoder().decode([Item].self, from: Data(text.utf8)) } catch {
            throw SurveyFileError(path: path, message: "is not valid JSON: \(expectedJSON) (\(error))")
        }
        let lines = elementLines(text)
        return items.enumerated().map { position, item in
            let line = position < lines.count ? lines[position] : 1
            func value(_ column: String) -> String? {
                item.values[column].map { $0.trimmedOfWhitespace }.flatMap { $0.isEmpty ? nil : $0 }
            }
            return SurveyFileRow(
                line: line, callId: value("callId"), respondedAt: value("respondedAt"), score: value("score"), scoreNumber: item.numbers["score"],
                comment: value("comment"), channel: value("channel"), problem: item.problem)
        }
    }

    /// The line each element of a top-level JSON array starts on (1-based).
    static func elementLines(_ text: String) -> [Int] {
        var lines: [Int] = []
        var line = 1, depth = 0
        var inString = false, escaped = false, expectingElement = false
        for scalar in text.unicodeScalars {
            if scalar == "\n" { line += 1 }
            if inString {
                if escaped { escaped = false } else if scalar == "\\" { escaped = true } else if scalar == "\"" { inString = false }
                continue
            }
            if scalar.properties.isWhitespace { continue }
            if depth == 1 && expectingElement && scalar != "]" { lines.append(line); expectingElement = false }
            switch scalar {
            case "\"": inString = true
            case "[", "{":
                depth += 1
                if depth == 1 { expectingElement = true }
            case "]", "}": depth -= 1
            case "," where depth == 1: expectingElement = true
            default: break
            }
        }
        return lines
    }
}

extension String {
    /// Without leading and trailing white space.
    var trimmedOfWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
