/// A behaviour of the advisor's (or of the call's timing) that feedback compares: what it is
/// called, where the store keeps it, and how it is shown. Behaviour and timing only: never the
/// advisor's emotion (distress is scored for the customer only and is not a behaviour here).
public struct Behaviour: Sendable, Equatable, Codable {
    /// Stable key, e.g. `deadAir` (the JSON and CSV name).
    public var key: String
    /// In plain words for a team, e.g. "advisor talk share".
    public var label: String
    /// In plain words for the advisor, e.g. "your talk share".
    public var ownLabel: String
    /// The metrics row it reads (`metrics.scope`, `metrics.name`); nil when the store does not measure it.
    public var scope: String?
    public var metric: String?
    /// Unit as shown, e.g. `s`, `%`.
    public var unit: String
    /// Display value = stored value × this (talk share 0–1 → %).
    public var displayFactor: Double
    /// Decimal places shown.
    public var places: Int

    /// The behaviours, in report order. (Calls stored before holds were measured have no hold
    /// figure and are left out of that row's means.)
    public static let all: [Behaviour] = [
        Behaviour(key: "talkShare", label: "advisor talk share", ownLabel: "your talk share", scope: "advisor", metric: "talkShare", unit: "%", displayFactor: 100, places: 0),
        Behaviour(key: "deadAir", label: "dead air", ownLabel: "dead air", scope: "call", metric: "deadAirSeconds", unit: "s", displayFactor: 1, places: 0),
        Behaviour(key: "holds", label: "time on hold", ownLabel: "time on hold", scope: "call", metric: "holdSeconds", unit: "s", displayFactor: 1, places: 0),
        Behaviour(key: "overtalk", label: "overtalk", ownLabel: "overtalk", scope: "call", metric: "overtalkSeconds", unit: "s", displayFactor: 1, places: 1),
        Behaviour(key: "interruptionsMade", label: "interruptions by the advisor", ownLabel: "interruptions you made", scope: "advisor", metric: "interruptionsMade", unit: "per call", displayFactor: 1, places: 1),
        Behaviour(key: "responseGap", label: "advisor response gap", ownLabel: "your response gap", scope: "advisor", metric: "responseGapMeanSeconds", unit: "s", displayFactor: 1, places: 1),
        Behaviour(key: "pace", label: "advisor pace", ownLabel: "your pace", scope: "advisor", metric: "paceSyllablesPerSecond", unit: "syllables/s", displayFactor: 1, places: 1),
    ]

    /// The behaviours the store measures.
    static var measured: [Behaviour] { all.filter { $0.metric != nil } }

    /// The temporary table's column holding this behaviour's per-call value.
    var column: String { "b_" + key }

    /// "48 s", "62 %", "1.4 per call".
    public func display(_ value: Double) -> String {
        FeedbackText.number(value * displayFactor, places: places) + " " + unit
    }
}
