/// How a live call reports (update cadence, alert throttling) and how long its socket may be
/// silent.
public struct LiveOptions: Sendable, Equatable, Codable {
    /// Stream time between score updates (s, 0.2–10). Default 1 s.
    public var updateIntervalSeconds = 1.0
    /// The same alert cause is not repeated within this much stream time (s, 0–600). Default 20 s.
    public var alertThrottleSeconds = 20.0
    /// An ingest socket silent this long is pinged; silent as long again, it is closed and its
    /// call ended and stored (s, 1–3600; wall time). Default 30 s.
    public var idleSeconds = 30.0
    /// How far a call's audio may run ahead of the wall-clock time since it started (s,
    /// 10–86,400). Streams arrive in real time; a client sending faster is allowed this much of a
    /// burst, then its call is ended and stored with what came and the socket closed (policy
    /// violation). This bounds one call's analysis to real time after the burst, so a replaying
    /// client cannot take a core for itself. Default 600 s.
    public var maximumLeadSeconds = 600.0

    public init() {}

    /// A problem with the options, if any.
    public var problem: String? {
        if !(0.2...10).contains(updateIntervalSeconds) { return "updateIntervalSeconds must be 0.2–10 s, got \(updateIntervalSeconds)" }
        if !(0...600).contains(alertThrottleSeconds) { return "alertThrottleSeconds must be 0–600 s, got \(alertThrottleSeconds)" }
        if !(1...3600).contains(idleSeconds) { return "idleSeconds must be 1–3600 s, got \(idleSeconds)" }
        if !(10...86_400).contains(maximumLeadSeconds) { return "maximumLeadSeconds must be 10–86400 s, got \(maximumLeadSeconds)" }
        return nil
    }
}
