/// One named metric of a metrics value: its JSON key, unit, meaning and where it lives.
///
/// The tables of these (`PartyMetrics.fields`, `CallMetrics.fields`) are the one list of metrics:
/// the report's JSON, the README's table, the store's rows and the scoring model's inputs all read
/// them, so a metric is added in one place.
public struct MetricField<Root>: Sendable {
    /// JSON key, camelCase, e.g. `talkSeconds`.
    public let name: String
    /// Unit, e.g. `s`, `ratio`, `dBFS`, `Hz`, `count`, `per s`.
    public let unit: String
    /// What it measures, in a user's words.
    public let summary: String
    let keyPath: any WritableKeyPath<Root, Double?> & Sendable

    init(_ name: String, _ unit: String, _ summary: String, _ keyPath: any WritableKeyPath<Root, Double?> & Sendable) {
        self.name = name
        self.unit = unit
        self.summary = summary
        self.keyPath = keyPath
    }

    /// The value in `root`; nil when it cannot be known.
    public func value(in root: Root) -> Double? { root[keyPath: keyPath] }

    /// Sets the value in `root` (tools that build reports: generated stores for calibration).
    public func set(_ value: Double?, in root: inout Root) { root[keyPath: keyPath] = value }
}

/// A coding key made from a string, for encoding metric tables.
struct NamedKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ string: String) { stringValue = string }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Encodes every field of a table, writing `null` for unknown values (never omitting a key).
func encodeFields<Root>(_ fields: [MetricField<Root>], of root: Root, to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: NamedKey.self)
    for field in fields { try container.encode(field.value(in: root), forKey: NamedKey(field.name)) }
}

/// Decodes every field of a table (missing or null keys are nil).
func decodeFields<Root>(_ fields: [MetricField<Root>], into root: inout Root, from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: NamedKey.self)
    for field in fields { root[keyPath: field.keyPath] = try container.decodeIfPresent(Double.self, forKey: NamedKey(field.name)) }
}
