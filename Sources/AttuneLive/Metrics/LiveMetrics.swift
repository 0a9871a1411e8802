import Synchronization

/// The live server's counters, rendered in the Prometheus text format for `/metrics`. One short
/// lock per bump; safe from every ingest task.
public final class LiveMetrics: Sendable {
    public enum ErrorKind: String, Sendable, CaseIterable {
        /// A message that broke its protocol.
        case `protocol`
        /// A refused token, API key or signature.
        case auth
        /// The analysis could not start (rate, layout, settings).
        case analysis
        /// The final report could not be stored.
        case store
    }

    /// Update latency buckets (s): from the arrival of the audio that completes an update to its
    /// hand-over to the subscribers.
    public static let latencyBucketsSeconds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private struct Counters {
        var started = 0, ended = 0, stored = 0
        var audioMessages = [Int](repeating: 0, count: IngestProtocol.allCases.count)
        var audioSeconds = 0.0
        var updates = 0
        var alerts = [Int](repeating: 0, count: LiveAlert.Cause.allCases.count)
        var errors = [Int](repeating: 0, count: ErrorKind.allCases.count)
        var gapFrames = 0, droppedFrames = 0
        var latencyBuckets = [Int](repeating: 0, count: LiveMetrics.latencyBucketsSeconds.count + 1)
        var latencySumSeconds = 0.0
    }

    private let counters = Mutex(Counters())

    public init() {}

    public func callStarted() { counters.withLock { $0.started += 1 } }
    public func callEnded(stored wasStored: Bool) {
        counters.withLock {
            $0.ended += 1
            if wasStored { $0.stored += 1 }
        }
    }
    public func audioMessage(_ source: IngestProtocol, seconds: Double) {
        counters.withLock {
            $0.audioMessages[IngestProtocol.allCases.firstIndex(of: source)!] += 1
            $0.audioSeconds += seconds
        }
    }
    public func update(latencySeconds: Double) {
        let bucket = Self.latencyBucketsSeconds.firstIndex { latencySeconds <= $0 } ?? Self.latencyBucketsSeconds.count
        counters.withLock {
            $0.updates += 1
            $0.latencyBuckets[bucket] += 1
            $0.latencySumSeconds += latencySeconds
        }
    }
    public func alert(_ cause: LiveAlert.Cause) { counters.withLock { $0.alerts[LiveAlert.Cause.allCases.firstIndex(of: cause)!] += 1 } }
    public func error(_ kind: ErrorKind) { counters.withLock { $0.errors[ErrorKind.allCases.firstIndex(of: kind)!] += 1 } }
    /// Audio filled with silence (missing frames, in 20 ms frames) and frames dropped (late,
    /// duplicate, or sent while paused).
    public func frames(gapFilled: Int, dropped: Int) {
        guard gapFilled > 0 || dropped > 0 else { return }
        counters.withLock {
            $0.gapFrames += gapFilled
            $0.droppedFrames += dropped
        }
    }

    /// Updates handed over so far.
    public var updateCount: Int { counters.withLock { $0.updates } }
    /// Seconds of audio received so far, all calls and protocols.
    public var audioSecondsReceived: Double { counters.withLock { $0.audioSeconds } }

    /// The Prometheus text exposition (version 0.0.4).
    public func prometheusText(liveCalls: Int, subscribers: Int) -> String {
        let c = counters.withLock { $0 }
        var out = ""
        func metric(_ name: String, _ type: String, _ help: String, _ samples: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for sample in samples { out += "\(name)\(sample.labels) \(sample.value)\n" }
        }
        metric("attune_live_calls", "gauge", "Calls being analysed now.", [("", String(liveCalls))])
        metric("attune_live_subscribers", "gauge", "Desktop and wall subscriptions open now.", [("", String(subscribers))])
        metric("attune_live_calls_started_total", "counter", "Live calls started.", [("", String(c.started))])
        metric("attune_live_calls_ended_total", "counter", "Live calls ended.", [("", String(c.ended))])
        metric("attune_live_calls_stored_total", "counter", "Live calls whose final report was stored.", [("", String(c.stored))])
        metric("attune_live_audio_messages_total", "counter", "Audio messages (frames) received, by protocol.",
               IngestProtocol.allCases.enumerated().map { ("{protocol=\"\($1.rawValue)\"}", String(c.audioMessages[$0])) })
        metric("attune_live_audio_seconds_total", "counter", "Seconds of call audio analysed.", [("", String(c.audioSeconds))])
        metric("attune_live_updates_total", "counter", "Score updates handed to subscribers.", [("", String(c.updates))])
        metric("attune_live_alerts_total", "counter", "Alerts raised, by cause.",
               LiveAlert.Cause.allCases.enumerated().map { ("{cause=\"\($1.rawValue)\"}", String(c.alerts[$0])) })
        metric("attune_live_errors_total", "counter", "Errors, by kind.",
               ErrorKind.allCases.enumerated().map { ("{kind=\"\($1.rawValue)\"}", String(c.errors[$0])) })
        metric("attune_live_gap_frames_total", "counter", "20 ms frames missing from a stream and filled with silence.", [("", String(c.gapFrames))])
        metric("attune_live_dropped_frames_total", "counter", "Audio frames dropped (late, duplicate, or sent while paused).", [("", String(c.droppedFrames))])
        out += "# HELP attune_live_update_latency_seconds From the arrival of the audio completing an update to its hand-over.\n"
        out += "# TYPE attune_live_update_latency_seconds histogram\n"
        var cumulative = 0
        for (index, bound) in Self.latencyBucketsSeconds.enumerated() {
            cumulative += c.latencyBuckets[index]
            out += "attune_live_update_latency_seconds_bucket{le=\"\(bound)\"} \(cumulative)\n"
        }
        cumulative += c.latencyBuckets[Self.latencyBucketsSeconds.count]
        out += "attune_live_update_latency_seconds_bucket{le=\"+Inf\"} \(cumulative)\n"
        out += "attune_live_update_latency_seconds_sum \(c.latencySumSeconds)\n"
        out += "attune_live_update_latency_seconds_count \(cumulative)\n"
        return out
    }
}
