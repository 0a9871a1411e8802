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
