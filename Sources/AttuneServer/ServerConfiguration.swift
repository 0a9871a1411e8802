public import AttuneDSP
public import AttuneLive
import FoundationEssentials
import AttuneStore

/// `attune serve`'s configuration file: JSON, where whole lines starting with `//` are comments.
/// `attune serve --print-config-example` prints `ServerConfiguration.example`. A key the file does
/// not know, at any level, is refused (a typo must not quietly become a default), and relative
/// paths in it (`database`, `model`) are relative to the file's own folder (`load(path:)`).
public struct ServerConfiguration: Sendable {
    /// Address to listen on. Default 127.0.0.1.
    public var host = "127.0.0.1"
    /// Port (1–65535; 0 picks a free one). Default 8080.
    public var port = 8080
    /// The results store where finished calls go; nil: not stored. Read from a file, a relative
    /// path (this default included) is relative to the file's folder.
    public var database: String? = Self.defaultDatabase
    /// Whether the file named `database` (a store, or null): `attune serve` takes `$ATTUNE_DB` only
    /// when it did not.
    public var databaseGiven = false
    /// The scoring model file; nil: the default (`$ATTUNE_MODEL`, else the model built into
    /// `attune`), as for `attune analyze`.
    public var model: String?
    /// False when the file says `"model": null`: calls are not scored.
    public var scoresCalls = true
    /// Analysis settings by key, as `attune config` lists them.
    public var settings: [String: Double] = [:]
    public var live = LiveOptions()
    public var tokens: [Token] = []
    /// Genesys AudioHook: the API key Genesys sends, and the client secret (base64) that signs its
    /// requests (nil or empty: unsigned requests are accepted).
    public var audioHook: AudioHookCredentials?
    /// Twilio Media Streams: the account's Auth Token, when set every `/v1/ingest/twilio` upgrade
    /// must carry a valid `X-Twilio-Signature` (which then authenticates the stream alone).
    public var twilio: TwilioCredentials?
    /// How clients reach this server, scheme and authority only (`wss://attune.example.com`, or
    /// `wss://attune.example.com:8443`): what platforms sign when they sign a request (AudioHook's
    /// `@authority`, Twilio's stream URL). Needed when a TLS-terminating proxy or load balancer
    /// stands in front, where the request the server sees is not the one the platform sent; nil:
    /// taken from the request itself (its `Host` header, and `wss` when the server speaks TLS).
    public var publicBaseURL: String?
    /// The server's own TLS: PEM certificate chain and private key (`ServerTLS`); nil: plain
    /// HTTP and `ws` (behind a TLS-terminating proxy, or on a trusted network).
    public var tls: TLSFiles?
    /// Keep live calls' audio, so that the call explorer can play them: off (nil) by default.
    public var liveAudio: LiveAudioKeeping?

    /// `"liveAudio": {"folder": "live-audio", "keepDays": 30}`: each live call's audio is written
    /// to `folder` (relative: to the configuration's folder) as 16-bit WAV and deleted `keepDays`
    /// after the call (and by `attune calls purge`).
    public struct LiveAudioKeeping: Sendable, Equatable, Decodable {
        public var folder: String
        /// 0.01–3650.
        public var keepDays: Double

        public init(folder: String, keepDays: Double) {
            self.folder = folder
            self.keepDays = keepDays
        }

        private enum Keys: String, CodingKey, CaseIterable { case folder, keepDays }

        public init(from decoder: any Decoder) throws {
            try refuseUnknownKeys(decoder, known: Keys.self)
            let container = try decoder.container(keyedBy: Keys.self)
            folder = try container.decode(String.self, forKey: .folder)
            keepDays = try container.decode(Double.self, forKey: .keepDays)
        }
    }

    public struct TLSFiles: Sendable, Equatable, Decodable {
        /// The certificate chain, server certificate first (PEM). Relative: to the file's folder.
        public var certificate: String
        /// Its private key (PEM).
        public var privateKey: String

        public init(certificate: String, privateKey: String) {
            self.certificate = certificate
            self.privateKey = privateKey
        }

        private enum Keys: String, CodingKey, CaseIterable { case certificate, privateKey }

        public init(from decoder: any Decoder) throws {
            try refuseUnknownKeys(decoder, known: Keys.self)
            let container = try decoder.container(keyedBy: Keys.self)
            certificate = try container.decode(String.self, forKey: .certificate)
            privateKey = try container.decode(String.self, forKey: .privateKey)
        }
    }

    public struct Token: Sendable, Equatable, Decodable {
        public var token: String
        /// `advisor` (with `agentId`), `supervisor` (with `team`) or `ingest`; a file naming any
        /// other role is refused when it is read.
        public var role: AccessRoleName
        public var agentId: String?
        public var team: String?

        public init(token: String, role: AccessRoleName, agentId: String? = nil, team: String? = nil) {
            self.token = token
            self.role = role
            self.agentId = agentId
            self.team = team
        }

        /// What the token may do; nil when its role lacks what it needs (an advisor token without
        /// an `agentId`, a supervisor token without a `team`), which `parse` refuses, so every
        /// token of a configuration read from a file has one.
        public var accessRole: AccessRole? {
            switch role {
            case .advisor: agentId.flatMap { $0.isEmpty ? nil : .advisor(agentId: $0) }
            case .supervisor: team.flatMap { $0.isEmpty ? nil : .supervisor(team: $0) }
            case .ingest: .ingest
            }
        }

        private enum Keys: String, CodingKey, CaseIterable { case token, role, agentId, team }

        public init(from decoder: any Decoder) throws {
            try refuseUnknownKeys(decoder, known: Keys.self)
            let container = try decoder.container(keyedBy: Keys.self)
            token = try container.decode(String.self, forKey: .token)
            let name = try container.decode(String.self, forKey: .role)
            guard let role = AccessRoleName(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    forKey: .role, in: container, debugDescription: "expected \(AccessRoleName.allowedList), got '\(name)'")
            }
            self.role = role
            agentId = try container.decodeIfPresent(String.self, forKey: .agentId)
            team = try container.decodeIfPresent(String.self, forKey: .team)
        }
    }

    public struct AudioHookCredentials: Sendable, Equatable, Decodable {
        public var apiKey: String
        public var clientSecret: String?

        public init(apiKey: String, clientSecret: String?) {
            self.apiKey = apiKey
            self.clientSecret = clientSecret
        }

        private enum Keys: String, CodingKey, CaseIterable { case apiKey, clientSecret }

        public init(from decoder: any Decoder) throws {
            try refuseUnknownKeys(decoder, known: Keys.self)
            let container = try decoder.container(keyedBy: Keys.self)
            apiKey = try container.decode(String.self, forKey: .apiKey)
            clientSecret = try container.decodeIfPresent(String.self, forKey: .clientSecret)
        }
    }

    public struct TwilioCredentials: Sendable, Equatable, Decodable {
        /// The Twilio account's Auth Token: the key of its `X-Twilio-Signature` (HMAC-SHA1).
        public var authToken: String

        public init(authToken: String) {
            self.authToken = authToken
        }

        private enum Keys: String, CodingKey, CaseIterable { case authToken }

        public init(from decoder: any Decoder) throws {
            try refuseUnknownKeys(decoder, known: Keys.self)
            let container = try decoder.container(keyedBy: Keys.self)
            authToken = try container.decode(String.self, forKey: .authToken)
        }
    }

    public init() {}

    /// The store's file name when the configuration names none.
    public static let defaultDatabase = "attune-results.db"

    /// A problem found while reading the file: where, and what was expected.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        public var file: String
        public var message: String
        public var description: String { "\(file): \(message)" }
    }

    /// Reads and checks a configuration file. Relative paths in it (`database`, also when it is
    /// the default, and `model`) are made absolute against the file's own folder, so the server
    /// finds the same files whatever folder it is started from.
    public static func load(path: String) throws(Problem) -> ServerConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else { throw Problem(file: path, message: "cannot be read") }
        var configuration = try parse(String(decoding: data, as: UTF8.self), file: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        configuration.database = configuration.database.map { ResultsStore.isPostgres($0) ? $0 : resolve($0, against: folder) }
        configuration.model = configuration.model.map { resolve($0, against: folder) }
        configuration.tls = configuration.tls.map {
            TLSFiles(certificate: resolve($0.certificate, against: folder), privateKey: resolve($0.privateKey, against: folder))
        }
        configuration.liveAudio = configuration.liveAudio.map { LiveAudioKeeping(folder: resolve($0.folder, against: folder), keepDays: $0.keepDays) }
        return configuration
    }

    /// `path` made absolute against `folder` (absolute paths are kept as they are).
    static func resolve(_ path: String, against folder: URL) -> String {
        if path.hasPrefix("/") { return path }
        return URL(fileURLWithPath: path, relativeTo: folder).standardizedFileURL.path
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
        if raw.databaseIsNull { configuration.database = nil } else if let database = raw.database {
            guard !database.isEmpty else { throw Problem(file: file, message: "database: expected a path, or null for no store") }
            configuration.database = database
        }
        configuration.databaseGiven = raw.databaseIsNull || raw.database != nil
        if raw.modelIsNull { configuration.scoresCalls = false } else if let model = raw.model {
            guard !model.isEmpty else { throw Problem(file: file, message: "model: expected a path, or null for no scores") }
            configuration.model = model
        }
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
            if let value = live.maximumLeadSeconds { configuration.live.maximumLeadSeconds = value }
            if let problem = configuration.live.problem { throw Problem(file: file, message: "live.\(problem)") }
        }
        configuration.tokens = raw.tokens ?? []
        var seen = Set<String>()
        for (index, token) in configuration.tokens.enumerated() {
            let path = "tokens[\(index)]"
            guard token.token.count >= 16 else { throw Problem(file: file, message: "\(path).token: expected at least 16 characters") }
            guard seen.insert(token.token).inserted else { throw Problem(file: file, message: "\(path).token: the same token is listed twice") }
            // The role name was checked when the file was decoded; here what each role needs.
            switch token.role {
            case .advisor: guard token.agentId?.isEmpty == false else { throw Problem(file: file, message: "\(path): an advisor token needs an agentId") }
            case .supervisor: guard token.team?.isEmpty == false else { throw Problem(file: file, message: "\(path): a supervisor token needs a team") }
            case .ingest: break
            }
        }
        if let audioHook = raw.audioHook {
            guard !audioHook.apiKey.isEmpty else { throw Problem(file: file, message: "audioHook.apiKey: expected a non-empty key") }
            if let secret = audioHook.clientSecret, !secret.isEmpty, Data(base64Encoded: secret) == nil {
                throw Problem(file: file, message: "audioHook.clientSecret: expected base64")
            }
        }
        configuration.audioHook = raw.audioHook
        configuration.tls = raw.tls
        if let keeping = raw.liveAudio {
            guard !keeping.folder.isEmpty else { throw Problem(file: file, message: "liveAudio.folder: expected a folder") }
            guard (0.01...3650).contains(keeping.keepDays) else { throw Problem(file: file, message: "liveAudio.keepDays: expected 0.01–3650 days") }
            configuration.liveAudio = keeping
        }
        if let twilio = raw.twilio {
            guard !twilio.authToken.isEmpty else { throw Problem(file: file, message: "twilio.authToken: expected the account's Auth Token") }
            configuration.twilio = twilio
        }
        if let base = raw.publicBaseURL {
            guard Self.splitBaseURL(base) != nil else {
                throw Problem(file: file, message: "publicBaseURL: expected ws://HOST[:PORT] or wss://HOST[:PORT] with no path, got '\(base)'")
            }
            configuration.publicBaseURL = base.hasSuffix("/") ? String(base.dropLast()) : base
        }
        return configuration
    }

    /// The scheme (`ws` or `wss`) and authority (`host[:port]`) of a `publicBaseURL`; nil when it
    /// is not one (another scheme, a path, a query, no host).
    public static func splitBaseURL(_ base: String) -> (scheme: String, authority: String)? {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        for scheme in ["wss", "ws"] where trimmed.hasPrefix(scheme + "://") {
            let authority = String(trimmed.dropFirst(scheme.count + 3))
            guard !authority.isEmpty, !authority.contains(where: { "/?#@ ".contains($0) }) else { return nil }
            return (scheme, authority)
        }
        return nil
    }

    /// The analysis settings: defaults with `settings` applied (checked when loaded).
    public var analysisConfiguration: AnalysisConfiguration {
        var configuration = AnalysisConfiguration.default
        for (key, value) in settings { try? configuration.set(key, to: value) }
        return configuration
    }

    /// The tokens as roles (`Token.accessRole`: one for every token of a checked configuration; a
    /// token built in code without what its role needs grants nothing).
    public var accessTokens: AccessTokens {
        AccessTokens(tokens.compactMap { token in token.accessRole.map { (token.token, $0) } })
    }

    private struct Raw: Decodable {
        struct Live: Decodable {
            var updateIntervalSeconds: Double?
            var alertThrottleSeconds: Double?
            var idleSeconds: Double?
            var maximumLeadSeconds: Double?

            private enum Keys: String, CodingKey, CaseIterable { case updateIntervalSeconds, alertThrottleSeconds, idleSeconds, maximumLeadSeconds }

            init(from decoder: any Decoder) throws {
                try refuseUnknownKeys(decoder, known: Keys.self)
                let container = try decoder.container(keyedBy: Keys.self)
                updateIntervalSeconds = try container.decodeIfPresent(Double.self, forKey: .updateIntervalSeconds)
                alertThrottleSeconds = try container.decodeIfPresent(Double.self, forKey: .alertThrottleSeconds)
                idleSeconds = try container.decodeIfPresent(Double.self, forKey: .idleSeconds)
                maximumLeadSeconds = try container.decodeIfPresent(Double.self, forKey: .maximumLeadSeconds)
            }
        }
        var host: String?
        var port: Int?
        var database: String?
        var databaseIsNull = false
        var model: String?
        var modelIsNull = false
        var settings: [String: Double]?
        var live: Live?
        var tokens: [Token]?
        var audioHook: AudioHookCredentials?
        var twilio: TwilioCredentials?
        var publicBaseURL: String?

        var tls: TLSFiles?
        var liveAudio: LiveAudioKeeping?

        private enum Keys: String, CodingKey, CaseIterable { case host, port, database, model, settings, live, tokens, audioHook, publicBaseURL, twilio, tls, liveAudio }

        init(from decoder: any Decoder) throws {
            try refuseUnknownKeys(decoder, known: Keys.self)
            let container = try decoder.container(keyedBy: Keys.self)
            host = try container.decodeIfPresent(String.self, forKey: .host)
            port = try container.decodeIfPresent(Int.self, forKey: .port)
            if container.contains(.database), try container.decodeNil(forKey: .database) { databaseIsNull = true }
            database = try container.decodeIfPresent(String.self, forKey: .database)
            if container.contains(.model), try container.decodeNil(forKey: .model) { modelIsNull = true }
            model = try container.decodeIfPresent(String.self, forKey: .model)
            settings = try container.decodeIfPresent([String: Double].self, forKey: .settings)
            live = try container.decodeIfPresent(Live.self, forKey: .live)
            tokens = try container.decodeIfPresent([Token].self, forKey: .tokens)
            audioHook = try container.decodeIfPresent(AudioHookCredentials.self, forKey: .audioHook)
            twilio = try container.decodeIfPresent(TwilioCredentials.self, forKey: .twilio)
            publicBaseURL = try container.decodeIfPresent(String.self, forKey: .publicBaseURL)
            tls = try container.decodeIfPresent(TLSFiles.self, forKey: .tls)
            liveAudio = try container.decodeIfPresent(LiveAudioKeeping.self, forKey: .liveAudio)
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
          // Relative paths are relative to this file's folder.
          // Finished calls are stored here, exactly as `attune batch` stores them (null: not stored).
          "database": "attune-results.db",
          // The scoring model: leave it out for the one built into attune (a copy of the
          // repository's models/default.json; or $ATTUNE_MODEL), name a file such as one
          // `attune calibrate --fit` wrote, or null to score nothing.
          // "model": "models/centre.json",
          // Analysis settings, as `attune config` lists them.
          "settings": { "turns.deadAirMinimumSeconds": 3 },
          // A score update every updateIntervalSeconds of call audio; the same alert cause at most
          // once per alertThrottleSeconds. An ingest socket silent for idleSeconds is pinged, and
          // closed (its call stored) after as long again. A call whose audio runs more than
          // maximumLeadSeconds ahead of real time is ended and stored (a client replaying faster
          // than real time gets that much of a burst, then its own core's worth, no more).
          "live": { "updateIntervalSeconds": 1, "alertThrottleSeconds": 20, "idleSeconds": 30, "maximumLeadSeconds": 600 },
          // Who may do what. Tokens travel as "Authorization: Bearer TOKEN" (pages and SSE, which
          // cannot set headers, may use ?token=TOKEN; Twilio sends it in its start message, see
          // "twilio" below). Use long random tokens.
          "tokens": [
            // An advisor sees only their own calls (the agentId the ingest stream names).
            { "token": "advisor-alice-3f9d1c0e7b5a4d2f", "role": "advisor", "agentId": "alice" },
            // A supervisor sees every call of their team.
            { "token": "supervisor-north-8e2b6a1f4c7d9e03", "role": "supervisor", "team": "north" },
            // An ingest key may only send audio (native and Twilio endpoints).
            { "token": "ingest-5a7c9e1b3d2f4a6c8e0b", "role": "ingest" }
          ],
          // TLS served by attune itself: PEM certificate chain and private key (relative to this
          // file; SIGHUP reloads them, a bad pair keeps the old one). Leave it out behind a
          // TLS-terminating proxy, and set publicBaseURL to the scheme and host clients dial (it is
          // what Genesys and Twilio sign).
          // "tls": { "certificate": "certs/fullchain.pem", "privateKey": "certs/privkey.pem" },
          // "publicBaseURL": "wss://attune.example.com",
          // Genesys AudioHook: the API key it sends as X-API-KEY and the client secret (base64)
          // that signs its requests (omit the secret to accept unsigned requests).
          "audioHook": { "apiKey": "audiohook-key-2b4d6f8a0c1e3g5h", "clientSecret": "c2VjcmV0LXNoYXJlZC13aXRoLWdlbmVzeXM=" },
          // Twilio Media Streams: the account's Auth Token (Twilio console). With it, every
          // /v1/ingest/twilio upgrade must carry a valid X-Twilio-Signature, computed over
          // publicBaseURL (or wss:// and the Host header) plus the path. Without it, the stream
          // sends an ingest token as <Parameter name="token" value="..."/> in its <Stream>.
          "twilio": { "authToken": "0123456789abcdef0123456789abcdef" }
        }
        """
}

/// A key standing for whatever key a JSON object holds.
private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

/// Throws for the first key of the object being decoded that is not one of `known` (a typo such as
/// `databse` would otherwise quietly leave its setting at the default), naming the key and
/// suggesting the known key it most likely meant.
private func refuseUnknownKeys<Known: CodingKey & CaseIterable>(_ decoder: any Decoder, known: Known.Type) throws {
    let names = Known.allCases.map(\.stringValue)
    let container = try decoder.container(keyedBy: AnyKey.self)
    for key in container.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) where !names.contains(key.stringValue) {
        let guess = names.min { editDistance($0, key.stringValue) < editDistance($1, key.stringValue) }
        let hint = guess.flatMap { editDistance($0, key.stringValue) <= max(2, key.stringValue.count / 3) ? "did you mean \"\($0)\"? " : nil } ?? ""
        throw DecodingError.dataCorrupted(DecodingError.Context(
            codingPath: decoder.codingPath + [key],
            debugDescription: "unknown key (\(hint)known here: \(names.joined(separator: ", ")))"))
    }
}

/// Levenshtein distance, ignoring case.
private func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.lowercased()), b = Array(b.lowercased())
    guard !a.isEmpty, !b.isEmpty else { return max(a.count, b.count) }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + Array(repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
