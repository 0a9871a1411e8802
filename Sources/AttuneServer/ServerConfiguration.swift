public import AttuneDSP
public import AttuneLive
import FoundationEssentials

/// `attune serve`'s configuration file: JSON, where whole lines starting with `//` are comments.
/// `attune serve --print-config-example` prints `ServerConfiguration.example`.
public struct ServerConfiguration: Sendable {
    /// Address to listen on. Default 127.0.0.1.
    public var host = "127.0.0.1"
    /// Port (1–65535; 0 picks a free one). Default 8080.
    public var port = 8080
    /// The results store where finished calls go; nil: not stored.
    public var database: String? = "attune-results.db"
    /// The scoring model file; nil: `models/default.json` as for `attune analyze`.
    public var model: String?
    /// Analysis settings by key, as `attune config` lists them.
    public var settings: [String: Double] = [:]
    public var live = LiveOptions()
    public var tokens: [Token] = []
    /// Genesys AudioHook: the API key Genesys sends, and the client secret (base64) that signs its
    /// requests (nil or empty: unsigned requests are accepted).
    public var audioHook: AudioHookCredentials?

    public struct Token: Sendable, Equatable, Decodable {
        public var token: String
        /// `advisor` (with `agentId`), `supervisor` (with `team`) or `ingest`.
        public var role: String
        public var agentId: String?
        public var team: String?

        public init(token: String, role: String, agentId: String? = nil, team: String? = nil) {
            self.token = token
            self.role = role
            self.agentId = agentId
            self.team = team
        }
    }

    public struct AudioHookCredentials: Sendable, Equatable, Decodable {
        public var apiKey: String
        public var clientSecret: String?

        public init(apiKey: String, clientSecret: String?) {
            self.apiKey = apiKey
            self.clientSecret = clientSecret
        }
    }

    public init() {}

    /// A problem found while reading the file: where, and what was expected.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var message: String
        public var description: String { "\(file): \(message)" }
    }

    /// Reads and checks a configuration file.
    public static func load(path: String) throws(Problem) -> ServerConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(file: path, message: "cannot be read") }
        return try parse(String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses configuration text (JSON with `//` comment lines).
    public static func parse(_ text: String, file: String) throws(Problem) -> ServerConfiguration {
        let json = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.drop { $0 == " " || $0 == "\t" }.hasPrefix("//") }.joined(separator: "\n")
        let raw: Raw
        do { raw = try JSONDecoder().decode(Raw.self, from: Data(json.utf8)) } catch let error as DecodingError {
            throw Problem(file: file, message: Self.describe(error))
        } catch {
            throw Problem(file: file, message: "not valid JSON")
        }
        var configuration = ServerConfiguration()
        if let host = raw.host { configuration.host = host }
        if let port = raw.port {
            guard (0...65535).contains(port) else { throw Problem(file: file, message: "port: expected 0–65535, got \(port)") }
            configuration.port = port
        }
        if raw.databaseIsNull { configuration.database = nil } else if let database = raw.database { configuration.database = database }
        configuration.model = raw.model
        configuration.settings = raw.settings ?? [:]
        var check = AnalysisConfiguration.default
        for key in configuration.settings.keys.sorted() {
            do { try check.set(key, to: configuration.settings[key]!) } catch { throw Problem(file: file, message: "settings.\(error)") }
        }
        do { try check.validate() } catch { throw Problem(file: file, message: "settings: \(error)") }
        if let live = raw.live {
            if let value = live.updateIntervalSeconds { configuration.live.updateIntervalSeconds = value }
            if let value = live.alertThrottleSeconds { configuration.live.alertThrottleSeconds = value }
            if let value = live.idleSeconds { configuration.live.idleSeconds = value }
            if let problem = configuration.live.problem { throw Problem(file: file, message: "live.\(problem)") }
        }
        configuration.tokens = raw.tokens ?? []
        var seen = Set<String>()
        for (index, token) in configuration.tokens.enumerated() {
            let path = "tokens[\(index)]"
            guard token.token.count >= 16 else { throw Problem(file: file, message: "\(path).token: expected at least 16 characters") }
            guard seen.insert(token.token).inserted else { throw Problem(file: file, message: "\(path).token: the same token is listed twice") }
            switch token.role {
            case "advisor": guard token.agentId?.isEmpty == false else { throw Problem(file: file, message: "\(path): an advisor token needs an agentId") }
            case "supervisor": guard token.team?.isEmpty == false else { throw Problem(file: file, message: "\(path): a supervisor token needs a team") }
            case "ingest": break
            default: throw Problem(file: file, message: "\(path).role: expected advisor, supervisor or ingest, got '\(token.role)'")
            }
        }
        if let audioHook = raw.audioHook {
            guard !audioHook.apiKey.isEmpty else { throw Problem(file: file, message: "audioHook.apiKey: expected a non-empty key") }
            if let secret = audioHook.clientSecret, !secret.isEmpty, Data(base64Encoded: secret) == nil {
                throw Problem(file: file, message: "audioHook.clientSecret: expected base64")
            }
        }
        configuration.audioHook = raw.audioHook
        return configuration
    }

    /// The analysis settings: defaults with `settings` applied (checked when loaded).
    public var analysisConfiguration: AnalysisConfiguration {
        var configuration = AnalysisConfiguration.default
        for (key, value) in settings { try? configuration.set(key, to: value) }
        return configuration
    }

    /// The tokens as roles.
    public var accessTokens: AccessTokens {
        AccessTokens(tokens.compactMap { token in
            switch token.role {
            case "advisor": token.agentId.map { (token.token, AccessRole.advisor(agentId: $0)) }
            case "supervisor": token.team.map { (token.token, AccessRole.supervisor(team: $0)) }
            case "ingest": (token.token, AccessRole.ingest)
            default: nil
            }
        })
    }

    private struct Raw: Decodable {
        struct Live: Decodable {
            var updateIntervalSeconds: Double?
            var alertThrottleSeconds: Double?
            var idleSeconds: Double?
        }
        var host: String?
        var port: Int?
        var database: String?
        var databaseIsNull = false
        var model: String?
        var settings: [String: Double]?
        var live: Live?
        var tokens: [Token]?
        var audioHook: AudioHookCredentials?

        private enum Keys: String, CodingKey { case host, port, database, model, settings, live, tokens, audioHook }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            host = try container.decodeIfPresent(String.self, forKey: .host)
            port = try container.decodeIfPresent(Int.self, forKey: .port)
            if container.contains(.database), try container.decodeNil(forKey: .database) { databaseIsNull = true }
            database = try container.decodeIfPresent(String.self, forKey: .database)
            model = try container.decodeIfPresent(String.self, forKey: .model)
            settings = try container.decodeIfPresent([String: Double].self, forKey: .settings)
            live = try container.decodeIfPresent(Live.self, forKey: .live)
            tokens = try container.decodeIfPresent([Token].self, forKey: .tokens)
            audioHook = try container.decodeIfPresent(AudioHookCredentials.self, forKey: .audioHook)
        }
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined().trimmingPrefix(".").description
        }
        switch error {
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])): missing (required)"
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)): expected \(type)"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)): expected \(type), got null"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "\(error)"
        }
    }

    /// A commented example (`attune serve --print-config-example`).
    public static let example = """
        // attune serve --config FILE: JSON; lines starting with // are comments.
        {
          // Where to listen (0 = any free port).
          "host": "127.0.0.1",
          "port": 8080,
          // Finished calls are stored here, exactly as `attune batch` stores them (null: not stored).
          "database": "attune-results.db",
          // The scoring model (default: models/default.json).
          "model": "models/default.json",
          // Analysis settings, as `attune config` lists them.
          "settings": { "turns.deadAirMinimumSeconds": 3 },
          // A score update every updateIntervalSeconds of call audio; the same alert cause at most
          // once per alertThrottleSeconds. An ingest socket silent for idleSeconds is pinged, and
          // closed (its call stored) after as long again.
          "live": { "updateIntervalSeconds": 1, "alertThrottleSeconds": 20, "idleSeconds": 30 },
          // Who may do what. Tokens travel as "Authorization: Bearer TOKEN" (pages, SSE and Twilio,
          // which cannot set headers, may use ?token=TOKEN). Use long random tokens.
          "tokens": [
            // An advisor sees only their own calls (the agentId the ingest stream names).
            { "token": "advisor-alice-3f9d1c0e7b5a4d2f", "role": "advisor", "agentId": "alice" },
            // A supervisor sees every call of their team.
            { "token": "supervisor-north-8e2b6a1f4c7d9e03", "role": "supervisor", "team": "north" },
            // An ingest key may only send audio (native and Twilio endpoints).
            { "token": "ingest-5a7c9e1b3d2f4a6c8e0b", "role": "ingest" }
          ],
          // Genesys AudioHook: the API key it sends as X-API-KEY and the client secret (base64)
          // that signs its requests (omit the secret to accept unsigned requests).
          "audioHook": { "apiKey": "audiohook-key-2b4d6f8a0c1e3g5h", "clientSecret": "c2VjcmV0LXNoYXJlZC13aXRoLWdlbmVzeXM=" }
        }
        """
}
