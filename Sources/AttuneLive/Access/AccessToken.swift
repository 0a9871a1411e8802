/// What a token may do (from the server's configuration file).
public enum AccessRole: Sendable, Equatable {
    /// Sees only the calls of this advisor.
    case advisor(agentId: String)
    /// Sees the calls of this team.
    case supervisor(team: String)
    /// May only send audio.
    case ingest

    /// Whether a token of this role may watch `call`.
    public func canWatch(_ call: LiveCallInfo) -> Bool {
        switch self {
        case .advisor(let agentId): call.agentId == agentId
        case .supervisor(let team): call.team == team
        case .ingest: false
        }
    }

    public var canIngest: Bool { self == .ingest }

    /// The role's name, for logs (never the token).
    public var name: String {
        switch self {
        case .advisor: "advisor"
        case .supervisor: "supervisor"
        case .ingest: "ingest"
        }
    }
}

/// Looks tokens up in constant time per comparison (no early exit on the first differing byte).
public struct AccessTokens: Sendable {
    private let entries: [(token: [UInt8], role: AccessRole)]

    public init(_ entries: [(token: String, role: AccessRole)]) {
        self.entries = entries.map { (Array($0.token.utf8), $0.role) }
    }

    /// The role of `token`, if it is known.
    public func role(of token: String) -> AccessRole? {
        let candidate = Array(token.utf8)
        var found: AccessRole? = nil
        for entry in entries where Self.constantTimeEqual(entry.token, candidate) { found = entry.role }
        return found
    }

    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }
}
