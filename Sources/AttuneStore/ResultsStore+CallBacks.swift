/// A live call that ended with high customer distress: the wall lists it to call the customer
/// back until a supervisor marks it handled (stored, so a restart keeps the list).
public struct CallBack: Sendable, Equatable, Codable {
    public var callId: String
    public var agentId: String?
    public var team: String?
    /// When the call ended (ISO 8601 UTC).
    public var endedAt: String
    /// The call's distress (0–1) and where in the call it peaked (s).
    public var distressValue: Double?
    public var peakAtSeconds: Double?

    /// - Parameter endedAt: nil: now.
    public init(callId: String, agentId: String?, team: String?, endedAt: String? = nil, distressValue: Double?, peakAtSeconds: Double?) {
        self.callId = callId
        self.agentId = agentId
        self.team = team
        self.endedAt = endedAt ?? timestampNow()
        self.distressValue = distressValue
        self.peakAtSeconds = peakAtSeconds
    }
}

extension ResultsStore {
    /// How far back the wall's list reaches (s): the last hour's calls.
    public static let callBackWindowSeconds = 3600.0

    /// Lists `call` for a call back (a call id listed already keeps its row).
    public func recordCallBack(_ call: CallBack) async throws(StorageError) {
        _ = try await writeStatement(
            "listing call \(call.callId) for a call back",
            """
            INSERT INTO callBacks (callId, agentId, team, endedAt, distressValue, peakAtSeconds) VALUES (?, ?, ?, ?, ?, ?)
            ON CONFLICT (callId) DO NOTHING
            """,
            [.text(call.callId), call.agentId.sqlValue, call.team.sqlValue, .text(call.endedAt), call.distressValue.sqlValue, call.peakAtSeconds.sqlValue])
    }

    /// The calls `scope` may see that ended within `callBackWindowSeconds` and are not handled,
    /// newest first.
    public func callBacks(scope: CallScope) async throws(StorageError) -> [CallBack] {
        let (scopeText, scopeNamed) = Self.scopeCondition(scope)
        let arguments = scopeNamed.merging(["since": .text(timestampNow(secondsAgo: Self.callBackWindowSeconds))]) { $1 }
        return try await read("reading the call-back list") { session in
            try session.rows(SQLStatement(
                "SELECT callId, agentId, team, endedAt, distressValue, peakAtSeconds FROM callBacks c WHERE handledAt IS NULL AND endedAt >= :since AND \(scopeText) ORDER BY endedAt DESC",
                arguments)
            ).map { row in
                CallBack(
                    callId: row["callId"], agentId: row["agentId"], team: row["team"], endedAt: row["endedAt"], distressValue: row["distressValue"],
                    peakAtSeconds: row["peakAtSeconds"])
            }
        }
    }

    /// Marks a listed call handled by `viewer`; false when `scope` may not see it or it is not listed.
    public func markCallBackHandled(_ callId: String, by viewer: String, scope: CallScope) async throws(StorageError) -> Bool {
        let (scopeText, scopeNamed) = Self.scopeCondition(scope)
        let arguments = scopeNamed.merging(["callId": .text(callId), "viewer": .text(viewer), "now": .text(timestampNow())]) { $1 }
        return try await write("marking call \(callId) called back") { session in
            let updated = try session.rows(SQLStatement(
                """
                UPDATE callBacks SET handledAt = :now, handledBy = :viewer
                WHERE callId IN (SELECT c.callId FROM callBacks c WHERE c.callId = :callId AND c.handledAt IS NULL AND \(scopeText)) RETURNING callId
                """,
                arguments))
            return !updated.isEmpty
        }
    }

    /// Who marked a call handled, and when; nil when it is not listed or not handled.
    public func callBackHandling(_ callId: String) async throws(StorageError) -> (by: String, at: String)? {
        try await read("reading the call-back list") { session in
            guard let row = try session.row("SELECT handledBy, handledAt FROM callBacks WHERE callId = ? AND handledAt IS NOT NULL", [.text(callId)]) else {
                return nil
            }
            return (by: row["handledBy"], at: row["handledAt"])
        }
    }
}
