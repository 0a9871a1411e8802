import AttuneDSP
@testable import AttuneLive
import AttunePipeline
import AttuneTestSupport
import Testing

/// A subscriber that never reads holds the newest update and a bounded queue of alerts; the hub
/// never lets an advisor see another advisor's call.
@Suite struct FanoutTests {
    /// The live messages of a real fixture call (its updates and alerts), analysed in 20 ms pushes.
    static func messages(_ callId: String, agentId: String = "alice") throws -> [LiveMessage] {
        let truth = try FixtureTruth.load(callId)
        let audio = try LoadedRecording.load(truth.recording())
        var call = try LiveCall(
            setup: LiveCallSetup(callId: callId, agentId: agentId, team: "north", layout: audio.layout, sampleRateHz: audio.sampleRateHz),
            source: "test", startedAt: "2026-11-23T09:00:00Z", configuration: .default, model: nil, options: LiveOptions())
        var messages: [LiveMessage] = []
        let scratch = FrameScratchPool()
        let step = 2 * audio.sampleRateHz / 50
        for start in stride(from: 0, to: audio.samples.count, by: step) {
            messages += call.push(Array(audio.samples[start..<min(start + step, audio.samples.count)]), scratch: scratch)
        }
        return messages
    }

    @Test func stalledMailboxKeepsNewestUpdateAndBoundedAlerts() async throws {
        let messages = try Self.messages("heated-clean")
        let updates = messages.filter { if case .update = $0 { true } else { false } }
        let alerts = messages.count - updates.count
        #expect(updates.count >= 45 && alerts >= 3)
        let stalled = Mailbox(alertCapacity: 2)
        for message in messages { stalled.post(message) }
        // One update (the newest) and at most two alerts wait; the rest were replaced or dropped.
        #expect(stalled.pendingCount == 1 + 2)
        #expect(stalled.losses.replacedUpdates == updates.count - 1)
        #expect(stalled.losses.droppedAlerts == alerts - 2)
        // Queued alerts come first, then the newest update.
        var delivered: [LiveMessage] = []
        for _ in 0..<3 { if case .message(let message)? = await stalled.next() { delivered.append(message) } }
        #expect(delivered.last == updates.last)
    }

    /// A stalled wall holding a call's update and then its end gets the end only: the update,
    /// sent after it, would put the ended call back on the wall.
    @Test func aCallsEndDropsItsWaitingUpdate() async throws {
        let messages = try Self.messages("heated-clean")
        let update = try #require(messages.last { if case .update = $0 { true } else { false } })
        guard case .update(let last) = update else { return }
        let mailbox = Mailbox()
        mailbox.post(update)
        let ended = LiveMessage.callEnded(LiveCallEnded(call: last.call, durationSeconds: 30, effort: nil, distressValue: nil, distressLevel: nil, stored: true))
        mailbox.post(ended)
        #expect(mailbox.pendingCount == 1)
        #expect(await mailbox.next() == .message(ended))
    }

    @Test func advisorsSeeOnlyTheirOwnCalls() throws {
        let hub = LiveHub()
        let alice = LiveCallInfo(callId: "a-1", agentId: "alice", team: "north", source: "test", startedAt: "2026-11-23T09:00:00Z")
        let carol = LiveCallInfo(callId: "c-1", agentId: "carol", team: "south", source: "test", startedAt: "2026-11-23T09:00:00Z")
        try hub.register(alice)
        try hub.register(carol)
        #expect(hub.calls(visibleTo: .advisor(agentId: "alice")).map(\.callId) == ["a-1"])
        #expect(hub.calls(visibleTo: .advisor(agentId: "bob")).isEmpty)
        #expect(hub.calls(visibleTo: .supervisor(team: "north")).map(\.callId) == ["a-1"])
        #expect(hub.calls(visibleTo: .ingest).isEmpty)
        #expect(throws: (any Error).self) { try hub.subscribe(callId: "a-1", role: .advisor(agentId: "bob")) }
        #expect(throws: (any Error).self) { try hub.subscribe(callId: "a-1", role: .supervisor(team: "south")) }
        #expect(throws: (any Error).self) { try hub.subscribe(callId: "a-1", role: .ingest) }
        #expect(throws: (any Error).self) { try hub.subscribeWall(role: .advisor(agentId: "alice")) }
        #expect(throws: (any Error).self) { try hub.register(alice) }  // one live call per id
    }

    /// A wall or desktop that connects mid-call gets the call's alerts so far, in order, then its
    /// latest update (issue 17); a call's history is bounded.
    @Test func watchersWhoConnectLateGetTheAlertsSoFar() async throws {
        let messages = try Self.messages("heated-clean")
        let alerts = messages.filter { if case .alert = $0 { true } else { false } }
        #expect(alerts.count >= 3)
        let hub = LiveHub()
        try hub.register(LiveCallInfo(callId: "heated-clean", agentId: "alice", team: "north", source: "test", startedAt: "2026-11-23T09:00:00Z"))
        // Everything up to the third alert happens before anyone watches.
        let third = try #require(messages.firstIndex(of: alerts[2]))
        for message in messages[...third] { hub.publish(message) }
        let lastUpdate = messages[...third].last { if case .update = $0 { true } else { false } }
        for mailbox in [try hub.subscribeWall(role: .supervisor(team: "north")), try hub.subscribe(callId: "heated-clean", role: .advisor(agentId: "alice"))] {
            var delivered: [LiveMessage] = []
            while mailbox.pendingCount > 0, case .message(let message)? = await mailbox.next() { delivered.append(message) }
            guard case .callStarted = delivered.first else { Issue.record("no callStarted first: \(delivered)"); continue }
            #expect(Array(delivered.dropFirst().prefix(3)) == Array(alerts.prefix(3)), "the three alerts so far, in order")
            #expect(delivered.count == 5 && delivered.last == lastUpdate, "then the latest update")
        }
        // A long call keeps its last `alertHistory` alerts.
        let many = LiveHub()
        try many.register(LiveCallInfo(callId: "heated-clean", agentId: "alice", team: "north", source: "test", startedAt: "2026-11-23T09:00:00Z"))
        for _ in 0..<(LiveHub.alertHistory / alerts.count + 2) { for alert in alerts { many.publish(alert) } }
        let late = try many.subscribeWall(role: .supervisor(team: "north"))
        #expect(late.pendingCount == 1 + LiveHub.alertHistory)
    }
}
