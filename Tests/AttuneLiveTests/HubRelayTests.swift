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
}
