import AttuneLive
import Testing

/// The hub's waiting call contexts are bounded in number and in time.
struct CallContextHubTests {
    static func info(_ callId: String) -> LiveCallInfo {
        LiveCallInfo(callId: callId, agentId: nil, team: nil, source: "native", startedAt: "2026-12-06T00:00:00Z")
    }

    @Test func waitingContextsAreBoundedAndExpire() throws {
        let hub = LiveHub()
        let start = ContinuousClock.now
        for index in 0...LiveHub.maximumPendingContexts {
            hub.setContext(CallContext(agentId: "a\(index)"), callId: "call-\(index)", now: start + .milliseconds(index))
        }
        #expect(hub.pendingContextCount == LiveHub.maximumPendingContexts, "the oldest makes room")
        // The oldest (call-0) was dropped; the newest waits and is applied when its call starts.
        #expect(try hub.register(Self.info("call-0")).agentId == nil)
        #expect(try hub.register(Self.info("call-\(LiveHub.maximumPendingContexts)")).agentId == "a\(LiveHub.maximumPendingContexts)")
        // An hour later the rest have expired: a new post clears them.
        hub.setContext(CallContext(team: "north"), callId: "late", now: start + .seconds(LiveHub.pendingContextSeconds + 20))
        #expect(hub.pendingContextCount == 1)
        #expect(try hub.register(Self.info("call-5")).agentId == nil)
    }

    @Test func aLiveCallTakesTheContextAndItsMessagesSayWho() throws {
        let hub = LiveHub()
        try hub.register(Self.info("c1"))
        #expect(hub.setContext(CallContext(agentId: "alice", team: "north"), callId: "c1") == .applied)
        #expect(hub.currentInfo(callId: "c1")?.agentId == "alice")
        #expect(hub.calls(visibleTo: .advisor(agentId: "alice")).map(\.callId) == ["c1"])
        #expect(hub.calls(visibleTo: .advisor(agentId: "bob")).isEmpty)
        #expect(hub.calls(visibleTo: .supervisor(team: "south")).isEmpty, "now a north call")
    }
}
