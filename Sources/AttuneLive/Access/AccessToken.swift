/// The roles a token may have, by the names the server's configuration file gives them
/// (`"role": "advisor"`): the one vocabulary both the file and `AccessRole` use.
public enum AccessRoleName: String, Sendable, Equatable, Codable, CaseIterable {
    /// An advisor's desktop: needs the advisor's `agentId`.
    case advisor
    /// A supervisor's wall: needs the `team`.
    case supervisor
    /// A system that sends audio.
    case ingest

    /// "advisor, supervisor or ingest": every name, in declaration order, for messages.
    public static var allowedList: String {
        let names = allCases.map(\.rawValue)
        guard let last = names.last, names.count > 1 else { return names.joined() }
        return names.dropLast().joined(separator: ", ") + " or " + last
    }
}

/// What a token may do (from the server's configuration file).
public enum AccessRole: Sendable, Equatable {
    /// Sees only the calls of this advisor.
    case advisor(agentId: String)
    /// Sees the calls of this team, and calls of no known team.
    case supervisor(team: String)
    /// May only send audio.
    case ingest

    /// Whether a token of this role may watch `call`.
    public func canWatch(_ call: LiveCallInfo) -> Bool {
        switch self {
        case .advisor(let agentId): call.agentId == agentId
        // A call no system has given a team is every supervisor's (never nobody's).
        case .supervisor(let team): call.team == nil || call.team == team
        case .ingest: false
        }
    }

    public var canIngest: Bool { self == .ingest }

    /// The role's name in the configuration's vocabulary.
    public var roleName: AccessRoleName {
        switch self {
        case .advisor: .advisor
        case .supervisor: .supervisor
        case .ingest: .ingest
        }
    }

    /// The role's name, for logs (never the token).
    public var name: String { roleName.rawValue }
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
