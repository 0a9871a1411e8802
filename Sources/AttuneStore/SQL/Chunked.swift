/// `count` positional placeholders, `?, ?, ?`: inside a row's `VALUES (…)` or an `IN (…)` list.
func placeholders(_ count: Int) -> String {
    Array(repeating: "?", count: count).joined(separator: ", ")
}

extension SQLSession {
    /// Calls `body` for `texts` in chunks of at most `size`, with the chunk's `IN (…)` placeholder
    /// list and its values (statements are bounded in their arguments).
    func forEachChunk(of texts: [String], size: Int = 500, _ body: (_ list: String, _ values: [SQLValue]) throws -> Void) throws {
        for chunk in texts.chunked(size) { try body(placeholders(chunk.count), chunk.map(SQLValue.text)) }
    }
}

extension Collection {
    /// The collection in consecutive slices of at most `size` elements (statements and messages
    /// are bounded: arguments per statement, notifications per round trip).
    func chunked(_ size: Int) -> [SubSequence] {
        precondition(size > 0)
        var chunks: [SubSequence] = [], start = startIndex
        while start != endIndex {
            let end = index(start, offsetBy: size, limitedBy: endIndex) ?? endIndex
            chunks.append(self[start..<end])
            start = end
        }
        return chunks
    }
}
