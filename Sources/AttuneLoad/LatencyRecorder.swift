import Synchronization

/// Update latencies (ms) and counters gathered by every replayed call.
final class LatencyRecorder: Sendable {
    private struct State {
        var latenciesMilliseconds: [Double] = []
        var contentDelaysMilliseconds: [Double] = []
        var updates = 0
        var unmatchedUpdates = 0
        var connectFailures = 0
        var connectFailureReasons: [String: Int] = [:]
        var refusedUpgrades: [Int: Int] = [:]
        var earlyCloses: [UInt16: Int] = [:]
        var sendFailures = 0
        var lateFrames = 0
        var endTimeouts = 0
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
    /// `reason`: which socket and the error (its first 160 characters are kept, and at most 20
    /// different reasons).
    func connectFailed(reason: String) {
        let reason = String(reason.prefix(160))
        state.withLock {
            $0.connectFailures += 1
            if $0.connectFailureReasons[reason] != nil || $0.connectFailureReasons.count < 20 { $0.connectFailureReasons[reason, default: 0] += 1 }
        }
    }
    func refusedUpgrade(status: Int) { state.withLock { $0.refusedUpgrades[status, default: 0] += 1 } }
    func closedEarly(code: UInt16) { state.withLock { $0.earlyCloses[code, default: 0] += 1 } }
    func sendFailed() { state.withLock { $0.sendFailures += 1 } }
    func lateFrames(_ count: Int) { state.withLock { $0.lateFrames += count } }
    func endTimedOut() { state.withLock { $0.endTimeouts += 1 } }
    func callCompleted() { state.withLock { $0.callsCompleted += 1 } }
    func callEnded() { state.withLock { $0.callsEnded += 1 } }

    /// What a run measured. `connectFailures`, `refusedUpgrades`, `earlyCloses` and `endTimeouts`
    /// count calls, each under its first failure, of either of its sockets (the ingest socket,
    /// and once that is open, the desktop watching the call); what follows from it (the other
    /// socket closed or refused) is not counted again. `sendFailures` and `lateFrames` count
    /// messages and frames.
    struct Summary {
        var updates: Int
        var unmatchedUpdates: Int
        var percentilesMilliseconds: (p50: Double, p90: Double, p99: Double, max: Double)
        var contentDelayMilliseconds: (p50: Double, p99: Double)
        /// Calls whose socket's TCP connection could not be made (refused, timed out, unreachable),
        /// or, with TLS, whose TLS handshake failed (a certificate not trusted, a name not matching,
        /// the connection closed during the handshake).
        var connectFailures: Int
        /// The connect failures by socket and error (`connectFailed(reason:)`).
        var connectFailureReasons: [String: Int]
        /// Calls whose socket's upgrade was answered with another status than 101, by status. A desktop
        /// refused with 404 before the server has read its call's opening is retried (about 5 s)
        /// and counted only when it is still refused.
        var refusedUpgrades: [Int: Int]
        /// Calls whose socket the server closed before the call finished for it (the ingest socket
        /// before the tool wrote the closing message, the desktop before `callEnded`), or at any
        /// time with a close code other than 1000; by close code (1005: a close frame without a
        /// code, 1006: no close frame, the connection reset or ended).
        var earlyCloses: [UInt16: Int]
        /// Messages of a call (opening, frames, closing) whose write failed, not counting those
        /// failing because the tool had closed the socket itself after another failure.
        var sendFailures: Int
        /// Frames written more than the tolerance behind their real-time schedule (`LoopSender`).
        var lateFrames: Int
        /// Calls whose `callEnded` did not reach the desktop within 30 s of the closing message
        /// (or that the server ended before their last frame, leaving the ingest socket open for
        /// 30 s), with no other failure counted for them.
        var endTimeouts: Int
        var maximumSendLagMilliseconds: Double
        var callsCompleted: Int
        var callsEnded: Int

        var refusedUpgradeCount: Int { refusedUpgrades.values.reduce(0, +) }
        var earlyCloseCount: Int { earlyCloses.values.reduce(0, +) }
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
                connectFailures: state.connectFailures, connectFailureReasons: state.connectFailureReasons, refusedUpgrades: state.refusedUpgrades, earlyCloses: state.earlyCloses,
                sendFailures: state.sendFailures, lateFrames: state.lateFrames, endTimeouts: state.endTimeouts,
                maximumSendLagMilliseconds: state.maximumSendLagMilliseconds, callsCompleted: state.callsCompleted, callsEnded: state.callsEnded)
        }
    }
}
