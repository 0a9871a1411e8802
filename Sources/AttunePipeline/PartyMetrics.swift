/// Per-party metrics of one call (DESIGN §3). A value that cannot be known is nil (`null` in JSON).
public struct PartyMetrics: Sendable, Equatable, Codable {
    public var talkSeconds: Double?
    public var talkShare: Double?
    public var turnCount: Double?
    public var meanTurnSeconds: Double?
    public var longestTurnSeconds: Double?
    public var levelMedianDBFS: Double?
    public var levelRangeDb: Double?
    public var pitchMedianHz: Double?
    public var pitchRangeSemitones: Double?
    public var voicedShare: Double?
    public var paceSyllablesPerSecond: Double?
    public var spectralCentroidHz: Double?
    public var spectralTiltDb: Double?
    public var responseGapMeanSeconds: Double?
    public var responseGapMedianSeconds: Double?
    public var responseGapMaxSeconds: Double?
    public var responseCount: Double?
    public var overtalkInitiated: Double?
    public var interruptionsMade: Double?
    public var backchannels: Double?
    public var energySpikes: Double?
    public var energySpikesPerMinute: Double?

    public init() {}

    /// Every per-party metric, in report order.
    public static let fields: [MetricField<PartyMetrics>] = [
        .init("talkSeconds", "s", "time this party spoke (sum of their turns)", \.talkSeconds),
        .init("talkShare", "ratio", "talk time over the call's duration (0–1)", \.talkShare),
        .init("turnCount", "count", "turns (speech merged across gaps < 0.3 s, ≥ 0.1 s long)", \.turnCount),
        .init("meanTurnSeconds", "s", "mean turn length", \.meanTurnSeconds),
        .init("longestTurnSeconds", "s", "longest turn (a monologue)", \.longestTurnSeconds),
        .init("levelMedianDBFS", "dBFS", "median speech level, telephone band (full-scale sine = −3 dBFS)", \.levelMedianDBFS),
        .init("levelRangeDb", "dB", "spread of speech level, 10th to 90th percentile", \.levelRangeDb),
        .init("pitchMedianHz", "Hz", "median F0 over voiced speech", \.pitchMedianHz),
        .init("pitchRangeSemitones", "st", "F0 range, 10th to 90th percentile", \.pitchRangeSemitones),
        .init("voicedShare", "ratio", "share of speech frames with a pitch", \.voicedShare),
        .init("paceSyllablesPerSecond", "per s", "syllable-like energy peaks per second of talk", \.paceSyllablesPerSecond),
        .init("spectralCentroidHz", "Hz", "mean spectral centroid of speech (brightness)", \.spectralCentroidHz),
        .init("spectralTiltDb", "dB", "mean energy below 1 kHz over above it, in speech", \.spectralTiltDb),
        .init("responseGapMeanSeconds", "s", "mean time from the other party's turn end to this party's reply", \.responseGapMeanSeconds),
        .init("responseGapMedianSeconds", "s", "median response gap", \.responseGapMedianSeconds),
        .init("responseGapMaxSeconds", "s", "longest response gap", \.responseGapMaxSeconds),
        .init("responseCount", "count", "replies measured for the response gaps", \.responseCount),
        .init("overtalkInitiated", "count", "overtalk events this party started", \.overtalkInitiated),
        .init("interruptionsMade", "count", "interruptions this party made", \.interruptionsMade),
        .init("backchannels", "count", "backchannels (\"mm-hm\") this party gave", \.backchannels),
        .init("energySpikes", "count", "raised-voice events", \.energySpikes),
        .init("energySpikesPerMinute", "per min", "raised-voice events per minute of this party's talk", \.energySpikesPerMinute),
    ]

    public func encode(to encoder: any Encoder) throws { try encodeFields(Self.fields, of: self, to: encoder) }
    public init(from decoder: any Decoder) throws { try decodeFields(Self.fields, into: &self, from: decoder) }
}
