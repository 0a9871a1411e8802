public import FoundationEssentials

extension CallReport {
    /// The report as JSON with sorted keys, so the same report always gives the same bytes.
    /// - Parameter pretty: indented for people (`attune analyze --json`), or compact (the store).
    public func jsonData(pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Decodes a report written by `jsonData`.
    public init(jsonData: Data) throws {
        self = try JSONDecoder().decode(CallReport.self, from: jsonData)
    }
}
