@testable import AttuneLive
import Synchronization
import Testing

/// What a hub sends to the other servers sharing its store, and what it takes from them.
struct HubRelayTests {
    /// Every start, alert, context and end of this server goes to the sink, once and in order;
    /// events applied from another server reach this hub's watchers and are not sent back. Many
    /// events in a row cost no more each (a relay once grew a chain of thunks per event until the
    /// stack overflowed at 500 live calls).
    @Test func ownEventsAreSentOnceAndOthersAreAppliedNotSentBack() async throws {
        let hub = LiveHub()
        let sent = Mutex<[HubEvent]>([])
        hub.relayEvents { event in sent.withLock { $0.append(event) } }
        let call = CallContextHubTests.info("mine")
        try hub.register(call)
        let alerts = 200_000
        for _ in 0..<alerts { hub.publish(CallContextHubTests.deadAir(call)) }
        hub.setContext(CallContext(agentId: "alice"), callId: "mine")
        let events = sent.withLock { $0 }
        #expect(events.count == alerts + 2)
        #expect(events.first == .started(call))
        #expect(events.last == .context(callId: "mine", context: CallContext(agentId: "alice")))

        // Another server's call: its watchers here get it; nothing goes back out.
        let theirs = CallContextHubTests.info("theirs")
        hub.apply(.started(theirs))
        let desktop = try hub.subscribe(callId: "theirs", role: .supervisor(team: "any"))
        hub.apply(.alert(LiveAlert(call: theirs, cause: .deadAir, atSeconds: 12, streamSeconds: 12.1, party: nil, message: "Dead air")))
        hub.endInterrupted(callId: "theirs")
        var received: [LiveMessage] = []
        while let delivery = await desktop.next() { if case .message(let message) = delivery { received.append(message) } }
        #expect(received.map(\.callId).allSatisfy { $0 == "theirs" })
        if case .callEnded(let ended) = received.last { #expect(!ended.stored) } else { Issue.record("no callEnded: \(received)") }
        #expect(received.contains { if case .alert = $0 { true } else { false } })
        #expect(sent.withLock { $0.count } == alerts + 2, "events from another server are not sent back")
    }

    /// A call registered unannounced is told to the other servers only by `announceStart`, as it
    /// is known then (with a context that came meanwhile), and not at all once it has ended.
    @Test func anUnannouncedStartIsRelayedWhenAnnouncedAndNotAfterTheCallEnded() throws {
        let hub = LiveHub()
        let sent = Mutex<[HubEvent]>([])
        hub.relayEvents { event in sent.withLock { $0.append(event) } }
        let call = CallContextHubTests.info("recorded-later")
        try hub.register(call, announced: false)
        #expect(sent.withLock { $0 }.isEmpty, "nothing relayed before the announcement")
        #expect(hub.currentInfo(callId: "recorded-later") == call, "live here at once")
        hub.setContext(CallContext(agentId: "alice"), callId: "recorded-later")
        hub.announceStart(callId: "recorded-later")
        #expect(sent.withLock { $0 }.last == .started(call.with(CallContext(agentId: "alice"))))

        let short = CallContextHubTests.info("short")
        try hub.register(short, announced: false)
        hub.end(Self.ended(short))
        let before = sent.withLock { $0.count }
        hub.announceStart(callId: "short")
        #expect(sent.withLock { $0.count } == before, "a call that has ended is not announced")
    }

    /// Another server's update or alert for a call this one never heard start (its start went out
    /// before this server listened) starts it here; late news of a call that ended here, or whose
    /// end was heard, does not start it again, while the same id starting afresh later does.
    @Test func lateNewsStartsAnUnknownCallButNeverAnEndedOne() async throws {
        let hub = LiveHub()
        let wall = try hub.subscribeWall(role: .supervisor(team: "north"))
        var missed = CallContextHubTests.info("missed-start")
        missed.team = "north"
        hub.apply(.update(Self.update(missed, streamSeconds: 3)))
        #expect(hub.calls(visibleTo: .supervisor(team: "north")).map(\.callId) == ["missed-start"])
        #expect(await wall.next() == .message(.callStarted(missed)))
        #expect(await wall.next() == .message(.update(Self.update(missed, streamSeconds: 3))))

        var alerted = CallContextHubTests.info("alert-first")
        alerted.team = "north"
        hub.apply(.alert(LiveAlert(call: alerted, cause: .deadAir, atSeconds: 12, streamSeconds: 12.1, party: nil, message: "Dead air")))
        #expect(hub.currentInfo(callId: "alert-first") == alerted)

        // The end is heard; a stale start (a store read that raced it) or a late update is ignored.
        hub.apply(.ended(Self.ended(missed)))
        hub.apply(.started(missed))
        hub.apply(.update(Self.update(missed, streamSeconds: 4)))
        #expect(hub.currentInfo(callId: "missed-start") == nil)

        // An end heard for a call never known here is remembered too.
        let unseen = CallContextHubTests.info("never-seen")
        hub.apply(.ended(Self.ended(unseen)))
        hub.apply(.started(unseen))
        #expect(hub.currentInfo(callId: "never-seen") == nil)

        // The same id started again later is a new call.
        var again = missed
        again.startedAt = "2026-12-06T01:00:00Z"
        hub.apply(.started(again))
        #expect(hub.currentInfo(callId: "missed-start") == again)
    }

    /// The ended calls remembered are bounded: the oldest are forgotten first.
    @Test func recentKeysKeepTheNewestUpToCapacity() {
        var keys = RecentKeys<String>(capacity: 3)
        for key in ["a", "b", "c", "b", "d", "e"] { keys.insert(key) }
        #expect(keys.count == 3)
        #expect(!keys.contains("a") && !keys.contains("b"))
        #expect(keys.contains("c") && keys.contains("d") && keys.contains("e"))
        for index in 0..<10_000 { keys.insert("k\(index)") }
        #expect(keys.count == 3 && keys.contains("k9999") && !keys.contains("k9996"))
    }

    static func ended(_ call: LiveCallInfo) -> LiveCallEnded {
        LiveCallEnded(call: call, durationSeconds: 4, effort: nil, distressValue: nil, distressLevel: nil, stored: true)
    }

    static func update(_ call: LiveCallInfo, streamSeconds: Double) -> LiveUpdate {
        LiveUpdate(
            call: call, streamSeconds: streamSeconds, receivedSeconds: streamSeconds + 0.1, effort: nil, distress: nil,
            distressNote: nil, talk: [:], silenceSeconds: 0, deadAirSeconds: nil, deadAirCount: nil, deadAirThresholdSeconds: 5,
            overtalkSeconds: nil, overtalkCount: nil, interruptions: [:], raisedVoice: [:], holdSeconds: nil, holdCount: nil,
            onHoldSinceSeconds: nil)
    }
}
