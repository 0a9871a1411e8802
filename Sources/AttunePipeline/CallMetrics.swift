public import AttuneDSP

/// Call-level metrics plus one `PartyMetrics` per party (DESIGN §3 and §5).
///
/// Stereo calls have `advisor` and `customer`; a mono mix has `mixed`; a single mono leg has only
/// its own party. Parties that are not heard are nil, and so is anything that needs them
/// (overtalk needs both parties; silence needs to hear everyone).
public struct CallMetrics: Sendable, Equatable, Codable {
    public var advisor: PartyMetrics?
    public var customer: PartyMetrics?
    public var mixed: PartyMetrics?
    public var silenceSeconds: Double?
    public var silenceShare: Double?
    public var deadAirSeconds: Double?
    public var deadAirShare: Double?
    public var deadAirCount: Double?
    public var longestDeadAirSeconds: Double?
    public var overtalkSeconds: Double?
    public var overtalkShare: Double?
    public var overtalkCount: Double?
    public var interruptionCount: Double?
    public var backchannelCount: Double?
    public var energySpikeCount: Double?
    public var holdSeconds: Double?
    public var holdCount: Double?
    public var longestHoldSeconds: Double?
    public var dtmfDigitCount: Double?
    public var toneSeconds: Double?

    public init() {}

    /// Every call-level metric, in report order.
    public static let fields: [MetricField<CallMetrics>] = [
        .init("silenceSeconds", "s", "time when neither party speaks (whole call)", \.silenceSeconds),
        .init("silenceShare", "ratio", "silence over the call's duration", \.silenceShare),
        .init("deadAirSeconds", "s", "total of silences of ≥ 3 s between turns", \.deadAirSeconds),
        .init("deadAirShare", "ratio", "dead air over the call's duration", \.deadAirShare),
        .init("deadAirCount", "count", "dead-air runs", \.deadAirCount),
        .init("longestDeadAirSeconds", "s", "longest dead-air run", \.longestDeadAirSeconds),
        .init("overtalkSeconds", "s", "time when both parties speak", \.overtalkSeconds),
        .init("overtalkShare", "ratio", "overtalk over the call's duration", \.overtalkShare),
        .init("overtalkCount", "count", "overtalk events (both speaking ≥ 0.3 s)", \.overtalkCount),
        .init("interruptionCount", "count", "interruptions by either party", \.interruptionCount),
        .init("backchannelCount", "count", "backchannels by either party", \.backchannelCount),
        .init("energySpikeCount", "count", "raised-voice events by either party", \.energySpikeCount),
        .init("holdSeconds", "s", "time on hold (music, a looped announcement or a muted line; ≥ 5 s each)", \.holdSeconds),
        .init("holdCount", "count", "holds", \.holdCount),
        .init("longestHoldSeconds", "s", "longest hold", \.longestHoldSeconds),
        .init("dtmfDigitCount", "count", "keypad (DTMF) keys pressed, by either party", \.dtmfDigitCount),
        .init("toneSeconds", "s", "call-progress tones (ringback, busy, reorder, dial, SIT)", \.toneSeconds),
    ]

    /// The metrics of `party`, if heard.
    public subscript(party: Party) -> PartyMetrics? {
        get {
            switch party {
            case .advisor: advisor
            case .customer: customer
            case .mixed: mixed
            }
        }
        set {
            switch party {
            case .advisor: advisor = newValue
            case .customer: customer = newValue
            case .mixed: mixed = newValue
            }
        }
    }

    private enum PartyKey: String, CodingKey { case advisor, customer, mixed }

    public func encode(to encoder: any Encoder) throws {
        try encodeFields(Self.fields, of: self, to: encoder)
        var container = encoder.container(keyedBy: PartyKey.self)
        try container.encode(advisor, forKey: .advisor)
        try container.encode(customer, forKey: .customer)
        if let mixed { try container.encode(mixed, forKey: .mixed) }
    }

    public init(from decoder: any Decoder) throws {
        try decodeFields(Self.fields, into: &self, from: decoder)
        let container = try decoder.container(keyedBy: PartyKey.self)
        advisor = try container.decodeIfPresent(PartyMetrics.self, forKey: .advisor)
        customer = try container.decodeIfPresent(PartyMetrics.self, forKey: .customer)
        mixed = try container.decodeIfPresent(PartyMetrics.self, forKey: .mixed)
    }
}
