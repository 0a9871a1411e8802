import Synchronization

/// Update latencies (ms) and counters gathered by every replayed call.
final class LatencyRecorder: Sendable {
    private struct State {
        var latenciesMilliseconds: [Double] = []
        var contentDelaysMilliseconds: [Double] = []
        var updates = 0
        var unmatchedUpdates = 0
        var connectFailures = 0
        var sendFailures = 0
        var maximumSendLagMilliseconds = 0.0
        var callsCompleted = 0
        var callsEnded = 0
    }

    private let state = Mutex(State())

    func update(latencyMilliseconds: Double?, contentDelayMilliseconds: Double?) {
        state.withLock {
            $0.updates += 1
            if let contentDelayMilliseconds { $0.contentDelaysMilliseconds.append(contentDelayMilliseconds) }
            if let latencyMilliseconds { $0.latenciesMilliseconds.append(latencyMilliseconds) } else { $0.unmatchedUpdates += 1 }
        }
    }

    func sendLag(milliseconds: Double) { state.withLock { $0.maximumSendLagMilliseconds = max($0.maximumSendLagMilliseconds, milliseconds) } }
    func connectFailed() { state.withLock { $0.connectFailures += 1 } }
    func sendFailed() { state.withLock { $0.sendFailures += 1 } }
    func callCompleted() { state.withLock { $0.callsCompleted += 1 } }
    func callEnded() { state.withLock { $0.callsEnded += 1 } }

    struct Summary {
        var updates: Int
        var unmatchedUpdates: Int
        var percentilesMilliseconds: (p50: Double, p90: Double, p99: Double, max: Double)
        var contentDelayMilliseconds: (p50: Double, p99: Double)
        var connectFailures: Int
        var sendFailures: Int
        var maximumSendLagMilliseconds: Double
        var callsCompleted: Int
        var callsEnded: Int
    }

    func summary() -> Summary {
        state.withLock { state in
            let sorted = state.latenciesMilliseconds.sorted()
            let content = state.contentDelaysMilliseconds.sorted()
            func percentile(_ p: Double, of sorted: [Double] = sorted) -> Double {
                // Nearest rank.
                sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
            }
            return Summary(
                updates: state.updates, unmatchedUpdates: state.unmatchedUpdates,
                percentilesMilliseconds: (percentile(0.5), percentile(0.9), percentile(0.99), sorted.last ?? .nan),
                contentDelayMilliseconds: (percentile(0.5, of: content), percentile(0.99, of: content)),
                connectFailures: state.connectFailures, sendFailures: state.sendFailures,
                maximumSendLagMilliseconds: state.maximumSendLagMilliseconds, callsCompleted: state.callsCompleted, callsEnded: state.callsEnded)
        }
    }
}
