import AttuneDSP
import AttuneLive
import AttunePipeline
import AttuneStore
import HTTPTypes
import Hummingbird

/// What every connection of one server shares: the hub of live calls, the counters, the
/// tokens, the analysis set-up and the results store.
final class LiveServerState: Sendable {
    let hub = LiveHub()
    let metrics = LiveMetrics()
    /// FFT work buffers lent to live calls one push at a time (a few sets, not one per call).
    let scratch = FrameScratchPool()
    let tokens: AccessTokens
    let analysis: AnalysisConfiguration
    let model: LoadedModel?
    let options: LiveOptions
    let database: ResultsStore?
    /// Where live calls' audio is kept, and for how long; nil: not kept (the default), and
    /// never without a store to record it in.
    let liveAudio: ServerConfiguration.LiveAudioKeeping?
    /// This server among those sharing its store: `host:pid#random` (the process identity, and a
    /// random part so that two servers of one process, in tests, are two).
    let serverId = ResultsStore.processIdentity + "#" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
    /// Checks AudioHook upgrade requests; nil when the config has no `audioHook` (the endpoint
    /// then refuses every request).
    let audioHook: AudioHookAuthenticator?
    /// `host[:port]` of the configured `publicBaseURL`: the `@authority` signed requests are
    /// checked against (nil: the request's own `Host`).
    let publicAuthority: String?
    /// Checks Twilio upgrade requests' `X-Twilio-Signature`; nil when the config has no
    /// `twilio.authToken` (a Twilio stream then authenticates with an ingest token).
    let twilio: TwilioUpgradeAuthenticator?

    init(configuration: ServerConfiguration, model: LoadedModel?, database: ResultsStore?) {
        tokens = configuration.accessTokens
        analysis = configuration.analysisConfiguration
        self.model = model
        options = configuration.live
        self.database = database
        liveAudio = database == nil ? nil : configuration.liveAudio
        // The configuration has checked that the secret is base64.
        publicAuthority = configuration.publicBaseURL.flatMap { ServerConfiguration.splitBaseURL($0)?.authority }
        audioHook = configuration.audioHook.flatMap { try? AudioHookAuthenticator(apiKey: $0.apiKey, clientSecret: $0.clientSecret) }
        twilio = configuration.twilio.map { TwilioUpgradeAuthenticator(authToken: $0.authToken, publicBaseURL: configuration.publicBaseURL) }
    }

    /// The role of the request's token (`Authorization: Bearer …`, or a `token` query parameter
    /// where headers cannot be set: browsers' EventSource and WebSocket).
    /// - Throws: 401 without a token or with an unknown one.
    func role(of request: Request) throws -> AccessRole {
        guard let token = Self.presentedToken(of: request), !token.isEmpty else {
            metrics.error(.auth)
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer"], message: "a token is needed (Authorization: Bearer TOKEN)")
        }
        guard let role = tokens.role(of: token) else {
            metrics.error(.auth)
            throw HTTPError(.unauthorized, headers: [.wwwAuthenticate: "Bearer error=\"invalid_token\""], message: "unknown token")
        }
        return role
    }

    /// The token a request presents, if any (possibly empty): `Authorization: Bearer …`, else
    /// the `token` query parameter.
    static func presentedToken(of request: Request) -> String? {
        if let authorization = request.headers[.authorization], authorization.hasPrefix("Bearer ") {
            return String(authorization.dropFirst("Bearer ".count).filter { $0 != " " })
        }
        return request.uri.queryParameters.get("token").map { String($0) }
    }

    /// The role of a desktop or wall request: any role but ingest.
    func viewerRole(of request: Request) throws -> AccessRole {
        let role = try role(of: request)
        guard !role.canIngest else { throw HTTPError(.forbidden, message: "an ingest key may only send audio") }
        return role
    }
}
