/// How a live call reports: update cadence and alert throttling.
public struct LiveOptions: Sendable, Equatable, Codable {
    /// Stream time between score updates (s, 0.2–10). Default 1 s.
    public var updateIntervalSeconds = 1.0
    /// The same alert cause is not repeated within this much stream time (s, 0–600). Default 20 s.
    public var alertThrottleSeconds = 20.0

    public init() {}

    /// A problem with the options, if any.
    public var problem: String? {
        if !(0.2...10).contains(updateIntervalSeconds) { return "updateIntervalSeconds must be 0.2–10 s, got \(updateIntervalSeconds)" }
        if !(0...600).contains(alertThrottleSeconds) { return "alertThrottleSeconds must be 0–600 s, got \(alertThrottleSeconds)" }
        return nil
    }
}
