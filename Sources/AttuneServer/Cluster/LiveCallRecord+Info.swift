import AttuneLive
import AttuneStore

// A live call as the hub knows it, and as the store records it for the servers sharing it.

extension LiveCallRecord {
    /// `info`, under way on the server `serverId`.
    init(_ info: LiveCallInfo, serverId: String) {
        self.init(
            callId: info.callId, serverId: serverId, agentId: info.agentId, team: info.team, queue: info.queue, source: info.source,
            startedAt: info.startedAt)
    }

    /// The call as a hub registers it.
    var info: LiveCallInfo {
        LiveCallInfo(callId: callId, agentId: agentId, team: team, queue: queue, source: source, startedAt: startedAt)
    }
}
