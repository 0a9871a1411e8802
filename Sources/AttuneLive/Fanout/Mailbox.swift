import Synchronization

/// One subscriber's messages: never blocks the sender, never grows without bound.
///
/// Updates replace the subscriber's previous update of the same call (a slow desktop gets the
/// newest state, not a backlog); alerts and call start/end messages queue in order, at most
/// `alertCapacity` (the oldest are dropped and counted beyond that). Queued messages go out
/// before updates; a call's end (or move off a wall) drops its waiting update.
public final class Mailbox: Sendable {
    private struct State {
        var updates: [String: LiveMessage] = [:]
        /// Calls with an update waiting, oldest first.
        var updateOrder: [String] = []
        var queue: [LiveMessage] = []
        var queueStart = 0
        var waiter: CheckedContinuation<Delivery?, Never>?
        var isClosed = false
        var replacedUpdates = 0
        var droppedAlerts = 0

        var queueCount: Int { queue.count - queueStart }

        mutating func take() -> LiveMessage? {
            if queueStart < queue.count {
                let message = queue[queueStart]
                queueStart += 1
                if queueStart == queue.count { queue.removeAll(keepingCapacity: true); queueStart = 0 }
                return message
            }
            guard !updateOrder.isEmpty else { return nil }
            let callId = updateOrder.removeFirst()
            return updates.removeValue(forKey: callId)
        }

        /// Forgets the waiting update of a call that has left (ended, or moved off a wall): sent
        /// after its end, it would bring the call back.
        mutating func dropUpdate(of callId: String) {
            guard updates.removeValue(forKey: callId) != nil else { return }
            updateOrder.removeAll { $0 == callId }
        }
    }

    /// What `next()` hands out: a message, or a heartbeat (nothing new; time to check the
    /// connection is still there).
    public enum Delivery: Sendable, Equatable {
        case message(LiveMessage)
        case heartbeat
    }

    private let state = Mutex(State())
    /// Alerts and start/end messages held for a subscriber that is not reading.
    public let alertCapacity: Int

    public init(alertCapacity: Int = 64) { self.alertCapacity = alertCapacity }

    /// Hands a message to the subscriber. Never waits.
    public func post(_ message: LiveMessage) {
        let waiter: CheckedContinuation<Delivery?, Never>? = state.withLock { state in
            guard !state.isClosed else { return nil }
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            switch message {
            case .update:
                let callId = message.callId
                if state.updates.updateValue(message, forKey: callId) != nil {
                    state.replacedUpdates += 1
                } else {
                    state.updateOrder.append(callId)
                }
            case .callEnded, .callMoved:
                state.dropUpdate(of: message.callId)
                fallthrough
            case .alert, .callStarted:
                if state.queueCount >= alertCapacity {
                    state.queueStart += 1
                    state.droppedAlerts += 1
                }
                state.queue.append(message)
            }
            return nil
        }
        waiter?.resume(returning: .message(message))
    }

    /// Wakes a waiting reader with a heartbeat (nothing happens if none is waiting).
    public func heartbeat() {
        let waiter = state.withLock { state -> CheckedContinuation<Delivery?, Never>? in
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: .heartbeat)
    }

    /// The next message (or a heartbeat), waiting for one; nil once closed (or when the waiting
    /// task is cancelled).
    public func next() async -> Delivery? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Delivery?, Never>) in
                let ready: Delivery?? = state.withLock { state in
                    if let message = state.take() { return .some(.message(message)) }
                    if state.isClosed { return .some(nil) }
                    state.waiter = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            close()
        }
    }

    /// Ends the subscription: a waiting `next()` returns nil, later posts are ignored.
    public func close() {
        let waiter = state.withLock { state -> CheckedContinuation<Delivery?, Never>? in
            state.isClosed = true
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    /// Updates replaced by a newer one before the subscriber read them, and alerts dropped.
    public var losses: (replacedUpdates: Int, droppedAlerts: Int) {
        state.withLock { ($0.replacedUpdates, $0.droppedAlerts) }
    }

    /// Messages waiting (queued alerts plus calls with an update).
    public var pendingCount: Int { state.withLock { $0.queueCount + $0.updateOrder.count } }
}
