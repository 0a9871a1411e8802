@testable import AttuneLive
import Testing

/// The hub's waiting call contexts are bounded in number and in time.
struct CallContextHubTests {
    static func info(_ callId: String) -> LiveCallInfo {
        LiveCallInfo(callId: callId, agentId: nil, team: nil, source: "native", startedAt: "2026-12-06T00:00:00Z")
    }

    static func deadAir(_ call: LiveCallInfo) -> LiveMessage {
        .alert(LiveAlert(call: call, cause: .deadAir, atSeconds: 12, streamSeconds: 12.1, party: nil, message: "Dead air: 3 s of silence"))
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

    /// A context that changes a call's team moves it between walls: the new team's wall is told
    /// it started (with its latest update), the old team's that it moved, and a waiting update
    /// cannot bring it back there.
    @Test func aTeamChangeMovesTheCallBetweenWalls() async throws {
        let hub = LiveHub()
        let north = try hub.subscribeWall(role: .supervisor(team: "north"))
        let south = try hub.subscribeWall(role: .supervisor(team: "south"))
        let call = LiveCallInfo(callId: "c1", agentId: "alice", team: "north", source: "native", startedAt: "2026-12-06T00:00:00Z")
        try hub.register(call)
        #expect(await north.next() == .message(.callStarted(call)))
        hub.publish(Self.deadAir(call))
        #expect(await north.next() == .message(Self.deadAir(call)))

        hub.setContext(CallContext(team: "south"), callId: "c1")
        var moved = call
        moved.team = "south"
        #expect(await north.next() == .message(.callMoved(moved)))
        #expect(await south.next() == .message(.callStarted(moved)))
        #expect(hub.calls(visibleTo: .supervisor(team: "north")).isEmpty)
        #expect(hub.calls(visibleTo: .supervisor(team: "south")).map(\.callId) == ["c1"])
        // Later messages go to the new wall only.
        hub.publish(Self.deadAir(moved))
        #expect(await south.next() == .message(Self.deadAir(moved)))
        #expect(north.pendingCount == 0, "the old wall was sent nothing more")
    }

    /// A transfer (a context naming another advisor): the first advisor's desktop is told the
    /// call moved and its subscription ends; the new advisor may open it.
    @Test func aTransferEndsTheFirstAdvisorsSubscription() async throws {
        let hub = LiveHub()
        let call = LiveCallInfo(callId: "c2", agentId: "alice", team: "north", source: "native", startedAt: "2026-12-06T00:00:00Z")
        try hub.register(call)
        let alice = try hub.subscribe(callId: "c2", role: .advisor(agentId: "alice"))
        #expect(await alice.next() == .message(.callStarted(call)))
        hub.setContext(CallContext(agentId: "bob"), callId: "c2")
        var moved = call
        moved.agentId = "bob"
        #expect(await alice.next() == .message(.callMoved(moved)))
        #expect(await alice.next() == nil, "alice's subscription ended")
        hub.publish(Self.deadAir(moved))
        #expect(alice.pendingCount == 0)
        #expect(hub.calls(visibleTo: .advisor(agentId: "alice")).isEmpty)
        let bob = try hub.subscribe(callId: "c2", role: .advisor(agentId: "bob"))
        #expect(await bob.next() == .message(.callStarted(moved)))
        #expect(hub.subscriberCount == 1)
    }
}
