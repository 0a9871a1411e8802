/// A live call as the store records it while it is under way, so that servers sharing the store
/// know each other's calls and a call whose server died ends as `interrupted`.
public struct LiveCallRecord: Sendable, Equatable {
    public var callId: String
    /// The server ingesting it (`ResultsStore.processIdentity` of that server).
    public var serverId: String
    public var agentId: String?
    public var team: String?
    public var queue: String?
    /// `native`, `twilio` or `audiohook`.
    public var source: String
    /// ISO 8601 UTC.
    public var startedAt: String

    public init(callId: String, serverId: String, agentId: String?, team: String?, queue: String?, source: String, startedAt: String) {
        self.callId = callId
        self.serverId = serverId
        self.agentId = agentId
        self.team = team
        self.queue = queue
        self.source = source
        self.startedAt = startedAt
    }
}

/// How a live call ended, as `liveCalls.status` records it.
public enum LiveCallStatus: String, Sendable {
    /// Ended on its server (stored, or not when the server has no store to keep reports in).
    case ended
    /// Its server stopped reporting (killed, or its machine lost) during the call.
    case interrupted
}

/// Messages between the servers that share a PostgreSQL store (`LISTEN`/`NOTIFY`), in order from
/// each sender. Each message is text of at most `maximumBytes`.
public struct StoreChannel: Sendable {
    public static let maximumBytes = 7_900
    /// Messages sent in one round trip at most.
    static let messagesPerRoundTrip = 100
    /// Sends up to `messagesPerRoundTrip` messages, in order.
    let sendBody: @Sendable ([String]) async throws -> Void
    /// What every server sends (this one's too: filter by origin), from the moment `LISTEN`
    /// takes effect, shortly after the channel is made (send a message of your own and wait for
    /// it to know that moment).
    public let messages: AsyncThrowingStream<String, any Error>

    /// Sends `payloads` in order, many per round trip.
    public func send(_ payloads: [String]) async throws(StorageError) {
        try await StorageError.wrapping("sending to the other servers") {
            for chunk in payloads.chunked(Self.messagesPerRoundTrip) { try await sendBody(Array(chunk)) }
        }
    }
}

extension ResultsStore {
    /// This process as runs, claims and live servers name it: `host:pid`.
    public static var processIdentity: String { RunWorker.current }

    /// A channel to the other servers sharing this store; nil for a SQLite store, which one
    /// server uses alone.
    public func channel(_ name: String) -> StoreChannel? {
        backend.channel(name)
    }

    /// Records that a call started on this server. A call id that is live already keeps its row.
    public func recordLiveCall(_ call: LiveCallRecord) async throws(StorageError) {
        try await write("recording live call \(call.callId)") { session in
            try session.execute("""
                INSERT INTO liveCalls (callId, serverId, agentId, team, queue, source, startedAt, status)
                VALUES (?, ?, ?, ?, ?, ?, ?, 'live')
                ON CONFLICT (callId) DO UPDATE SET serverId = excluded.serverId, agentId = excluded.agentId, team = excluded.team,
                    queue = excluded.queue, source = excluded.source, startedAt = excluded.startedAt, status = 'live', endedAt = NULL
                WHERE liveCalls.status <> 'live' OR liveCalls.serverId = excluded.serverId
                """,
                [.text(call.callId), .text(call.serverId), call.agentId.sqlValue, call.team.sqlValue, call.queue.sqlValue, .text(call.source),
                 .text(call.startedAt)])
        }
    }

    /// Records that a call ended on this server (whether or not its start was recorded yet).
    public func endLiveCall(_ call: LiveCallRecord, status: LiveCallStatus) async throws(StorageError) {
        try await write("ending live call \(call.callId)") { session in
            try session.execute("""
                INSERT INTO liveCalls (callId, serverId, agentId, team, queue, source, startedAt, status, endedAt)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (callId) DO UPDATE SET status = excluded.status, endedAt = excluded.endedAt
                """,
                [.text(call.callId), .text(call.serverId), call.agentId.sqlValue, call.team.sqlValue, call.queue.sqlValue, .text(call.source),
                 .text(call.startedAt), .text(status.rawValue), .text(timestampNow())])
        }
    }

    /// Reports this server alive, and ends the calls of servers that are not: on this machine,
    /// those whose process is gone; on any, those silent for `staleAfterSeconds`. Returns the
    /// calls it marked `interrupted` (every server sweeps, and each tells its own walls).
    public func liveServerHeartbeat(serverId: String, staleAfterSeconds: Double) async throws(StorageError) -> [String] {
        let now = timestampNow(), staleBefore = timestampNow(secondsAgo: staleAfterSeconds)
        return try await write("reporting live server \(serverId)") { session in
            try session.execute("""
                INSERT INTO liveServers (serverId, startedAt, heartbeatAt) VALUES (?, ?, ?)
                ON CONFLICT (serverId) DO UPDATE SET heartbeatAt = excluded.heartbeatAt
                """, [.text(serverId), .text(now), .text(now)])
            var gone: Set<String> = []
            for row in try session.rows("SELECT serverId, heartbeatAt FROM liveServers WHERE serverId <> ?", [.text(serverId)]) {
                let other: String = row["serverId"], heartbeat: String = row["heartbeatAt"]
                if RunWorker.isGone(other, lastSeen: heartbeat, staleBefore: staleBefore) { gone.insert(other) }
            }
            // Calls of servers that never reported (killed before their first heartbeat) too.
            for row in try session.rows("SELECT DISTINCT serverId FROM liveCalls WHERE status = 'live' AND serverId <> ?", [.text(serverId)]) {
                let other: String = row["serverId"]
                if !RunWorker.isAlive(other) { gone.insert(other) }
            }
            var interrupted: [String] = []
            for other in gone.sorted() {
                interrupted += try session.rows(
                    "UPDATE liveCalls SET status = 'interrupted', endedAt = ? WHERE serverId = ? AND status = 'live' RETURNING callId",
                    [.text(now), .text(other)]).map { $0["callId"] }
                try session.execute("DELETE FROM liveServers WHERE serverId = ?", [.text(other)])
            }
            return interrupted
        }
    }

    /// The calls live on servers other than `serverId`, oldest first.
    public func liveCalls(otherThan serverId: String) async throws(StorageError) -> [LiveCallRecord] {
        try await read("reading live calls") { session in
            try session.rows(
                "SELECT callId, serverId, agentId, team, queue, source, startedAt FROM liveCalls WHERE status = 'live' AND serverId <> ? ORDER BY startedAt",
                [.text(serverId)]
            ).map {
                LiveCallRecord(
                    callId: $0["callId"], serverId: $0["serverId"], agentId: $0["agentId"], team: $0["team"], queue: $0["queue"],
                    source: $0["source"], startedAt: $0["startedAt"])
            }
        }
    }
}
