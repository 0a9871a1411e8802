import Synchronization

/// The live calls of one server and who is watching them. Ingest tasks publish into it without
/// waiting; each subscriber reads its own `Mailbox`, so a stalled desktop slows nobody.
public final class LiveHub: Sendable {
    private struct Live {
        var info: LiveCallInfo
        var latest: LiveMessage?
        /// The call's alerts so far, oldest first (at most `alertHistory`): a desktop or wall that
        /// connects mid-call gets them.
        var alerts: [LiveMessage] = []

        /// What a new watcher is told: the start, the alerts so far, the latest update.
        var replay: [LiveMessage] {
            [.callStarted(info)] + alerts + (latest.map { [$0] } ?? [])
        }
    }

    /// Alerts kept per live call for watchers who connect later.
    public static let alertHistory = 32

    private struct CallSubscriber {
        var mailbox: Mailbox
        var role: AccessRole
    }

    private struct State {
        var calls: [String: Live] = [:]
        /// Each call's own subscribers, with the role each subscribed as (checked again when a
        /// call context changes who the call is with).
        var callSubscribers: [String: [ObjectIdentifier: CallSubscriber]] = [:]
        var teamSubscribers: [String: [ObjectIdentifier: Mailbox]] = [:]
        /// Contexts posted for calls not live yet, with when they came (`pendingContextSeconds`).
        var pendingContexts: [String: (context: CallContext, postedAt: ContinuousClock.Instant)] = [:]
        /// The posts in the order they came, oldest from `pendingHead` on (an entry whose context
        /// was since used or posted again is skipped): expiry and eviction without a scan.
        var pendingOrder: [(callId: String, postedAt: ContinuousClock.Instant)] = []
        var pendingHead = 0
        /// Calls that ended here lately (`recentlyEndedCalls` at most, oldest dropped first), so a
        /// start or update from another server that arrives after the end does not bring the
        /// call back (a store read that raced the end, a start relayed after a short call ended).
        var ended = RecentKeys<EndedCall>(capacity: LiveHub.recentlyEndedCalls)

        /// Drops the oldest waiting context while `shouldDrop(its post time, how many wait)` says so.
        mutating func dropOldestPending(while shouldDrop: (ContinuousClock.Instant, Int) -> Bool) {
            while pendingHead < pendingOrder.count {
                let (callId, postedAt) = pendingOrder[pendingHead]
                let current = pendingContexts[callId]?.postedAt == postedAt
                if current, !shouldDrop(postedAt, pendingContexts.count) { break }
                if current { pendingContexts.removeValue(forKey: callId) }
                pendingHead += 1
            }
            if pendingHead > 1024, pendingHead * 2 > pendingOrder.count {
                pendingOrder.removeFirst(pendingHead)
                pendingHead = 0
            }
        }
    }

    private let state = Mutex(State())
    /// Where this hub's own events go for the other servers sharing its store (`relayEvents`).
    /// The closure sits in a struct: a bare function type in a `Mutex` was re-wrapped in a
    /// reabstraction thunk at every `withLock`, a chain that grew with each event until the
    /// stack overflowed (seen at 500 live calls).
    private struct Sink: Sendable {
        let send: @Sendable (HubEvent) -> Void
    }
    private let relay = Mutex<Sink?>(nil)

    public init() {}

    /// Sends every call start, update, alert, end and context this server's own ingest and routes
    /// give the hub to `sink` (the other servers, see `ClusterService`). Events from other servers
    /// (`apply`) are not sent on.
    public func relayEvents(to sink: @escaping @Sendable (HubEvent) -> Void) {
        relay.withLock { $0 = Sink(send: sink) }
    }

    private func relayed(_ event: HubEvent) {
        relay.withLock { $0 }?.send(event)
    }

    /// An event from another server sharing the store: its call's start, update, alert, end or
    /// context, applied here as if it had happened here (a call id already live here is kept).
    /// An update or alert of a call not heard to start here starts it (the start went out before
    /// this server listened); nothing about a call that ended here starts it again.
    public func apply(_ event: HubEvent) {
        switch event {
        case .started(let info): startFromElsewhere(info)
        case .update(let update):
            startFromElsewhere(update.call)
            publishHere(.update(update))
        case .alert(let alert):
            startFromElsewhere(alert.call)
            publishHere(.alert(alert))
        case .ended(let ended): endHere(ended)
        case .context(let callId, let context): _ = setContextHere(context, callId: callId, now: .now)
        }
    }

    /// Calls remembered as ended, so that late news of them is not taken as a start (`apply`).
    public static let recentlyEndedCalls = 10_000

    /// One call among the ended: its id and start (an id may be used again later).
    private struct EndedCall: Hashable {
        var callId: String
        var startedAt: String
        init(_ info: LiveCallInfo) { (callId, startedAt) = (info.callId, info.startedAt) }
    }

    /// Starts another server's call here unless it is live here already or has ended (checked
    /// under the same lock as the start, so an end cannot slip in between).
    private func startFromElsewhere(_ info: LiveCallInfo) {
        let started = state.withLock { state in
            state.calls[info.callId] == nil && !state.ended.contains(EndedCall(info)) ? Self.insert(info, into: &state) : nil
        }
        if let (walls, registered) = started { for wall in walls { wall.post(.callStarted(registered)) } }
    }

    /// How long a context posted before its call waits for the call (s): a CTI posts when the
    /// call is routed, seconds before the audio arrives; an hour covers queues and holds.
    public static let pendingContextSeconds = 3600
    /// Contexts that wait at most (the oldest go first): bounds what unused posts can hold.
    public static let maximumPendingContexts = 10_000

    /// Whether a context went to a live call or waits for its call to start.
    public enum ContextOutcome: String, Sendable, Equatable {
        case applied, pending
    }

    /// Tells the hub who a call is with. A live call is re-routed at once (its advisor can open
    /// it; a new team's walls are told it started; the walls and desktops that may no longer see
    /// it get `callMoved`, and those desktops' subscriptions end); otherwise the context waits for the call
    /// (`pendingContextSeconds`, `maximumPendingContexts`).
    @discardableResult
    public func setContext(_ context: CallContext, callId: String, now: ContinuousClock.Instant = .now) -> ContextOutcome {
        defer { relayed(.context(callId: callId, context: context)) }
        return setContextHere(context, callId: callId, now: now)
    }

    private func setContextHere(_ context: CallContext, callId: String, now: ContinuousClock.Instant) -> ContextOutcome {
        /// Who must be told what, found under the lock and told after it.
        struct Moves {
            var info: LiveCallInfo
            /// The start, alerts so far and latest update, for walls that see the call now.
            var replay: [LiveMessage]
            /// Walls that see the call now and did not before.
            var gained: [Mailbox]
            /// Walls that saw it and no longer do.
            var lostWalls: [Mailbox]
            /// Desktops whose advisor it no longer is (a transfer): told, then closed.
            var lostDesktops: [Mailbox]
        }
        let moves: Moves? = state.withLock { state in
            guard var live = state.calls[callId] else {
                state.dropOldestPending { postedAt, _ in now - postedAt >= .seconds(Self.pendingContextSeconds) }
                if state.pendingContexts[callId] == nil {
                    state.dropOldestPending { _, waiting in waiting >= Self.maximumPendingContexts }
                }
                state.pendingContexts[callId] = (context, now)
                state.pendingOrder.append((callId, now))
                return nil
            }
            let wallsBefore = Self.walls(of: live.info, in: state)
            live.info = live.info.with(context)
            live.latest = live.latest?.about(live.info)
            live.alerts = live.alerts.map { $0.about(live.info) }
            state.calls[callId] = live
            let wallsAfter = Self.walls(of: live.info, in: state)
            let before = Set(wallsBefore.map(ObjectIdentifier.init)), after = Set(wallsAfter.map(ObjectIdentifier.init))
            var lostDesktops: [Mailbox] = []
            for (id, subscriber) in state.callSubscribers[callId, default: [:]] where !subscriber.role.canWatch(live.info) {
                state.callSubscribers[callId]?.removeValue(forKey: id)
                lostDesktops.append(subscriber.mailbox)
            }
            return Moves(
                info: live.info, replay: live.replay,
                gained: wallsAfter.filter { !before.contains(ObjectIdentifier($0)) },
                lostWalls: wallsBefore.filter { !after.contains(ObjectIdentifier($0)) },
                lostDesktops: lostDesktops)
        }
        guard let moves else { return .pending }
        for wall in moves.gained {
            for message in moves.replay { wall.post(message) }
        }
        for mailbox in moves.lostWalls + moves.lostDesktops { mailbox.post(.callMoved(moves.info)) }
        for mailbox in moves.lostDesktops { mailbox.close() }
        return .applied
    }

    /// The call as the hub knows it now (with any context applied); nil when it is not live.
    public func currentInfo(callId: String) -> LiveCallInfo? { state.withLock { $0.calls[callId]?.info } }

    public enum RegistrationError: Error, Sendable, Equatable {
        /// A call with this id is already live.
        case duplicateCallId(String)
    }

    /// A call has started, with a context posted for it before, if any (its fields win). Its
    /// team's walls are told. Returns the call as registered.
    ///
    /// The other servers are told at once, unless `announced` is false: then `announceStart`
    /// tells them, once the call is recorded in the store they read when they join. (Told
    /// before the record lands, a server joining in between would learn of the call neither way.)
    @discardableResult
    public func register(_ info: LiveCallInfo, announced: Bool = true) throws(RegistrationError) -> LiveCallInfo {
        let registered = try registerHere(info)
        if announced { relayed(.started(registered)) }
        return registered
    }

    /// Tells the other servers that a call registered unannounced has started, as it is known now;
    /// nothing if it has ended meanwhile (they learn of a short call from its updates and end).
    public func announceStart(callId: String) {
        guard let info = currentInfo(callId: callId) else { return }
        relayed(.started(info))
    }

    private func registerHere(_ info: LiveCallInfo) throws(RegistrationError) -> LiveCallInfo {
        let (walls, registered) = try state.withLock { state throws(RegistrationError) in
            guard state.calls[info.callId] == nil else { throw RegistrationError.duplicateCallId(info.callId) }
            return Self.insert(info, into: &state)
        }
        for wall in walls { wall.post(.callStarted(registered)) }
        return registered
    }

    /// Makes a call not live yet live, with a context posted for it before; returns the walls to
    /// tell (after the lock) and the call as registered.
    private static func insert(_ info: LiveCallInfo, into state: inout State) -> (walls: [Mailbox], registered: LiveCallInfo) {
        let registered = state.pendingContexts.removeValue(forKey: info.callId).map { info.with($0.context) } ?? info
        state.calls[info.callId] = Live(info: registered)
        return (walls(of: registered, in: state), registered)
    }

    /// Hands an update or alert to everyone watching its call.
    public func publish(_ message: LiveMessage) {
        publishHere(message)
        switch message {
        case .update(let update): relayed(.update(update))
        case .alert(let alert): relayed(.alert(alert))
        default: break
        }
    }

    private func publishHere(_ message: LiveMessage) {
        let (mailboxes, routed): ([Mailbox], LiveMessage) = state.withLock { state in
            guard var live = state.calls[message.callId] else { return ([], message) }
            let message = message.about(live.info)
            switch message {
            case .update:
                live.latest = message
                state.calls[message.callId] = live
            case .alert:
                live.alerts.append(message)
                if live.alerts.count > Self.alertHistory { live.alerts.removeFirst(live.alerts.count - Self.alertHistory) }
                state.calls[message.callId] = live
            default:
                break
            }
            return (Self.watchers(of: live.info, in: state), message)
        }
        for mailbox in mailboxes { mailbox.post(routed) }
    }

    /// The call has ended: watchers get `callEnded`, and the call's own subscriptions close.
    public func end(_ ended: LiveCallEnded) {
        endHere(ended)
        relayed(.ended(ended))
    }

    /// A call whose server stopped during it (another server's, see `ClusterService`): its
    /// watchers here get `callEnded`, not stored, with the length its last update reached.
    public func endInterrupted(callId: String) {
        let last: (info: LiveCallInfo, seconds: Double)? = state.withLock { state in
            guard let live = state.calls[callId] else { return nil }
            if case .update(let update) = live.latest { return (live.info, update.streamSeconds) }
            return (live.info, 0)
        }
        guard let last else { return }
        endHere(LiveCallEnded(call: last.info, durationSeconds: last.seconds, effort: nil, distressValue: nil, distressLevel: nil, stored: false))
    }

    private func endHere(_ ended: LiveCallEnded) {
        let (watchers, own, info): ([Mailbox], [Mailbox], LiveCallInfo) = state.withLock { state in
            state.ended.insert(EndedCall(ended.call))
            guard let live = state.calls.removeValue(forKey: ended.call.callId) else { return ([], [], ended.call) }
            let watchers = Self.watchers(of: live.info, in: state)
            let own = (state.callSubscribers.removeValue(forKey: ended.call.callId) ?? [:]).values.map(\.mailbox)
            return (watchers, own, live.info)
        }
        var ended = ended
        ended.call = info
        for mailbox in watchers { mailbox.post(.callEnded(ended)) }
        for mailbox in own { mailbox.close() }
    }

    private static func watchers(of info: LiveCallInfo, in state: State) -> [Mailbox] {
        state.callSubscribers[info.callId, default: [:]].values.map(\.mailbox) + walls(of: info, in: state)
    }

    /// The walls that show `info`: its team's, or every team's for a call of no known team.
    private static func walls(of info: LiveCallInfo, in state: State) -> [Mailbox] {
        guard let team = info.team else { return state.teamSubscribers.values.flatMap(\.values) }
        return Array(state.teamSubscribers[team, default: [:]].values)
    }

    // MARK: - Subscribing

    public enum SubscriptionError: Error, Sendable, Equatable {
        /// No live call with this id that the token may see (the two are not told apart).
        case notFound
        /// The token's role may not do this.
        case forbidden
    }

    /// Subscribes to one call. Its start, its alerts so far and its latest update are waiting in
    /// the mailbox at once.
    public func subscribe(callId: String, role: AccessRole) throws(SubscriptionError) -> Mailbox {
        let mailbox = Mailbox()
        let live: Live = try state.withLock { state throws(SubscriptionError) in
            guard let live = state.calls[callId], role.canWatch(live.info) else { throw SubscriptionError.notFound }
            state.callSubscribers[callId, default: [:]][ObjectIdentifier(mailbox)] = CallSubscriber(mailbox: mailbox, role: role)
            return live
        }
        for message in live.replay { mailbox.post(message) }
        return mailbox
    }

    /// Subscribes a supervisor to their team's wall: every live call's start, updates, alerts and
    /// end; for the calls already live, their start, alerts so far and latest update at once.
    public func subscribeWall(role: AccessRole) throws(SubscriptionError) -> Mailbox {
        guard case .supervisor(let team) = role else { throw SubscriptionError.forbidden }
        let mailbox = Mailbox(alertCapacity: 256)
        let current: [Live] = state.withLock { state in
            state.teamSubscribers[team, default: [:]][ObjectIdentifier(mailbox)] = mailbox
            return state.calls.values.filter { role.canWatch($0.info) }.sorted { $0.info.startedAt < $1.info.startedAt }
        }
        for live in current {
            for message in live.replay { mailbox.post(message) }
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
            state.callSubscribers.values.flatMap { $0.values.map(\.mailbox) } + state.teamSubscribers.values.flatMap(\.values)
        }
        for mailbox in all { mailbox.heartbeat() }
    }

    /// The server is shutting down: every subscription ends (its stream finishes), so open
    /// desktop connections do not hold the shutdown up. Calls still streaming finish as their
    /// sockets close.
    public func closeAllSubscriptions() {
        let all: [Mailbox] = state.withLock { state in
            let all = state.callSubscribers.values.flatMap { $0.values.map(\.mailbox) } + state.teamSubscribers.values.flatMap(\.values)
            state.callSubscribers = [:]
            state.teamSubscribers = [:]
            return all
        }
        for mailbox in all { mailbox.close() }
    }

    public var liveCallCount: Int { state.withLock { $0.calls.count } }

    /// Contexts waiting for their calls.
    public var pendingContextCount: Int { state.withLock { $0.pendingContexts.count } }

    public var subscriberCount: Int {
        state.withLock { state in
            state.callSubscribers.values.reduce(0) { $0 + $1.count } + state.teamSubscribers.values.reduce(0) { $0 + $1.count }
        }
    }
}
