import Synchronization

/// The live calls of one server and who is watching them. Ingest tasks publish into it without
/// waiting; each subscriber reads its own `Mailbox`, so a stalled desktop slows nobody.
public final class LiveHub: Sendable {
    private struct Live {
        var info: LiveCallInfo
        var latest: LiveMessage?
    }

    private struct State {
        var calls: [String: Live] = [:]
        var callSubscribers: [String: [ObjectIdentifier: Mailbox]] = [:]
        var teamSubscribers: [String: [ObjectIdentifier: Mailbox]] = [:]
    }

    private let state = Mutex(State())

    public init() {}

    public enum RegistrationError: Error, Sendable, Equatable {
        /// A call with this id is already live.
        case duplicateCallId(String)
    }

    /// A call has started. Its team's walls are told.
    public func register(_ info: LiveCallInfo) throws(RegistrationError) {
        let walls: [Mailbox] = try state.withLock { state throws(RegistrationError) in
            guard state.calls[info.callId] == nil else { throw RegistrationError.duplicateCallId(info.callId) }
            state.calls[info.callId] = Live(info: info)
            return info.team.map { Array(state.teamSubscribers[$0, default: [:]].values) } ?? []
        }
        for wall in walls { wall.post(.callStarted(info)) }
    }

    /// Hands an update or alert to everyone watching its call.
    public func publish(_ message: LiveMessage) {
        let mailboxes: [Mailbox] = state.withLock { state in
            guard var live = state.calls[message.callId] else { return [] }
            if case .update = message {
                live.latest = message
                state.calls[message.callId] = live
            }
            return Self.watchers(of: live.info, in: state)
        }
        for mailbox in mailboxes { mailbox.post(message) }
    }

    /// The call has ended: watchers get `callEnded`, and the call's own subscriptions close.
    public func end(_ ended: LiveCallEnded) {
        let (watchers, own): ([Mailbox], [Mailbox]) = state.withLock { state in
            guard let live = state.calls.removeValue(forKey: ended.call.callId) else { return ([], []) }
            let watchers = Self.watchers(of: live.info, in: state)
            let own = Array(state.callSubscribers.removeValue(forKey: ended.call.callId)?.values ?? [:].values)
            return (watchers, own)
        }
        for mailbox in watchers { mailbox.post(.callEnded(ended)) }
        for mailbox in own { mailbox.close() }
    }

    private static func watchers(of info: LiveCallInfo, in state: State) -> [Mailbox] {
        var out = Array(state.callSubscribers[info.callId, default: [:]].values)
        if let team = info.team { out += state.teamSubscribers[team, default: [:]].values }
        return out
    }

    // MARK: - Subscribing

    public enum SubscriptionError: Error, Sendable, Equatable {
        /// No live call with this id that the token may see (the two are not told apart).
        case notFound
        /// The token's role may not do this.
        case forbidden
    }

    /// Subscribes to one call. The latest update, if any, is waiting in the mailbox at once.
    public func subscribe(callId: String, role: AccessRole) throws(SubscriptionError) -> Mailbox {
        let mailbox = Mailbox()
        let live: Live = try state.withLock { state throws(SubscriptionError) in
            guard let live = state.calls[callId], role.canWatch(live.info) else { throw SubscriptionError.notFound }
            state.callSubscribers[callId, default: [:]][ObjectIdentifier(mailbox)] = mailbox
            return live
        }
        mailbox.post(.callStarted(live.info))
        if let latest = live.latest { mailbox.post(latest) }
        return mailbox
    }

    /// Subscribes a supervisor to their team's wall: every live call's start, updates, alerts and end.
    public func subscribeWall(role: AccessRole) throws(SubscriptionError) -> Mailbox {
        guard case .supervisor(let team) = role else { throw SubscriptionError.forbidden }
        let mailbox = Mailbox(alertCapacity: 256)
        let current: [Live] = state.withLock { state in
            state.teamSubscribers[team, default: [:]][ObjectIdentifier(mailbox)] = mailbox
            return state.calls.values.filter { $0.info.team == team }.sorted { $0.info.startedAt < $1.info.startedAt }
        }
        for live in current {
            mailbox.post(.callStarted(live.info))
            if let latest = live.latest { mailbox.post(latest) }
        }
        return mailbox
    }

    /// Stops a subscription (the connection went away).
    public func unsubscribe(_ mailbox: Mailbox) {
        mailbox.close()
        state.withLock { state in
            let id = ObjectIdentifier(mailbox)
            for key in state.callSubscribers.keys { state.callSubscribers[key]?.removeValue(forKey: id) }
            for key in state.teamSubscribers.keys { state.teamSubscribers[key]?.removeValue(forKey: id) }
        }
    }

    /// The live calls `role` may see, oldest first.
    public func calls(visibleTo role: AccessRole) -> [LiveCallInfo] {
        state.withLock { state in state.calls.values.map(\.info).filter(role.canWatch).sorted { $0.startedAt < $1.startedAt } }
    }

    /// One live call `role` may see.
    public func info(callId: String, role: AccessRole) throws(SubscriptionError) -> LiveCallInfo {
        guard let info = state.withLock({ $0.calls[callId]?.info }), role.canWatch(info) else { throw SubscriptionError.notFound }
        return info
    }

    /// Wakes every waiting subscriber with a heartbeat (the server does this every few seconds,
    /// so connections that went away are noticed even when no call is live).
    public func heartbeat() {
        let all: [Mailbox] = state.withLock { state in
            state.callSubscribers.values.flatMap(\.values) + state.teamSubscribers.values.flatMap(\.values)
        }
        for mailbox in all { mailbox.heartbeat() }
    }

    /// The server is shutting down: every subscription ends (its stream finishes), so open
    /// desktop connections do not hold the shutdown up. Calls still streaming finish as their
    /// sockets close.
    public func closeAllSubscriptions() {
        let all: [Mailbox] = state.withLock { state in
            let all = state.callSubscribers.values.flatMap(\.values) + state.teamSubscribers.values.flatMap(\.values)
            state.callSubscribers = [:]
            state.teamSubscribers = [:]
            return all
        }
        for mailbox in all { mailbox.close() }
    }

    public var liveCallCount: Int { state.withLock { $0.calls.count } }

    public var subscriberCount: Int {
        state.withLock { state in
            state.callSubscribers.values.reduce(0) { $0 + $1.count } + state.teamSubscribers.values.reduce(0) { $0 + $1.count }
        }
    }
}
