import AttuneLive
import FoundationEssentials
import HTTPTypes
import Hummingbird
import NIOCore

/// The WebSocket endpoints and who may open them, decided from the upgrade request alone:
///
/// - `/v1/ingest/native`: audio in, with an ingest token (`Authorization: Bearer …`, or `?token=`);
/// - `/v1/ingest/twilio`: Twilio Media Streams (`authenticateTwilio`): with `twilio.authToken`
///   configured, a valid `X-Twilio-Signature`; otherwise an ingest token as for native, or none,
///   and then the `start` message's `customParameters.token` must be one (Twilio can send
///   neither a query string nor a header);
/// - `/v1/ingest/audiohook`: Genesys AudioHook, with its own `X-API-KEY` (and, with a client
///   secret configured, an HTTP message signature), not with Attune tokens;
/// - `/v1/live/calls/{callId}/ws`: a desktop watching one call it may see.
///
/// A refusal is an `HTTPError` (401, 403 or 404 with the reason, never the credential).
enum WebSocketEndpoint: Sendable {
    case ingest(IngestGrant, audioHook: AudioHookSession.Configuration?)
    case desktop(callId: String, role: AccessRole)

    static let audioHookSessionId = HTTPField.Name("Audiohook-Session-Id")!
    static let audioHookOrganizationId = HTTPField.Name("Audiohook-Organization-Id")!

    /// The endpoint `request` may open.
    static func decide(_ request: Request, state: LiveServerState) throws -> WebSocketEndpoint {
        let path = request.uri.path
        switch path {
        case "/v1/ingest/native":
            guard try state.role(of: request).canIngest else { throw HTTPError(.forbidden, message: "only an ingest key may send audio") }
            return .ingest(.native, audioHook: nil)
        case "/v1/ingest/twilio":
            return .ingest(try authenticateTwilio(request, state: state), audioHook: nil)
        case "/v1/ingest/audiohook":
            try authenticateAudioHook(request, state: state)
            let headers = request.headers
            return .ingest(.audiohook, audioHook: .init(sessionId: headers[audioHookSessionId], organizationId: headers[audioHookOrganizationId]))
        default:
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 6, parts[1] == "v1", parts[2] == "live", parts[3] == "calls", parts[5] == "ws", !parts[4].isEmpty else {
                throw HTTPError(.notFound, message: "no WebSocket endpoint at \(path)")
            }
            let role = try state.viewerRole(of: request)
            let callId = String(parts[4])
            do { _ = try state.hub.info(callId: callId, role: role) } catch {
                throw HTTPError(.notFound, message: "no live call \(callId) for this token")
            }
            return .desktop(callId: callId, role: role)
        }
    }

    /// Checks a Twilio upgrade request. With `twilio.authToken` configured, its
    /// `X-Twilio-Signature` must sign the URL Twilio requested (401 otherwise), and that alone
    /// authenticates the stream. Without it, an ingest token given as for native still does
    /// (401 unknown, 403 another role); with none, the grant asks the stream's `start` for one.
    static func authenticateTwilio(_ request: Request, state: LiveServerState) throws -> IngestGrant {
        if let twilio = state.twilio {
            let refusal = twilio.refusal(
                signature: request.headers[TwilioUpgradeAuthenticator.signatureHeader], host: request.head.authority, target: request.uri.string)
            if let refusal {
                state.metrics.error(.auth)
                throw HTTPError(.unauthorized, message: "Twilio: \(refusal)")
            }
            return .twilio
        }
        guard LiveServerState.presentedToken(of: request) != nil else { return IngestGrant(ingestProtocol: .twilio, needsStartToken: true) }
        guard try state.role(of: request).canIngest else { throw HTTPError(.forbidden, message: "only an ingest key may send audio") }
        return .twilio
    }

    /// Checks an AudioHook upgrade request's API key and, when a client secret is configured,
    /// its signature. Each refusal is counted.
    static func authenticateAudioHook(_ request: Request, state: LiveServerState) throws {
        guard let authenticator = state.audioHook else {
            state.metrics.error(.auth)
            throw HTTPError(.unauthorized, message: "AudioHook is not configured on this server")
        }
        let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        let result = authenticator.verify(
            // Behind a proxy the `Host` the server sees is not the one Genesys signed.
            method: request.method.rawValue, path: request.uri.string, authority: state.publicAuthority ?? request.head.authority ?? "",
            headers: headers, now: .now)
        if case .failure(let error) = result {
            state.metrics.error(.auth)
            throw HTTPError(.unauthorized, message: "AudioHook: \(error)")
        }
    }
}

/// An ingest endpoint an upgrade request was granted: its protocol, and (Twilio) whether the
/// stream must still authenticate itself.
struct IngestGrant: Sendable, Equatable {
    var ingestProtocol: IngestProtocol
    /// Twilio: the upgrade carried no credential, so the `start` message's
    /// `customParameters.token` must be an ingest token before any audio is analysed.
    var needsStartToken = false

    static let native = IngestGrant(ingestProtocol: .native)
    static let twilio = IngestGrant(ingestProtocol: .twilio)
    static let audiohook = IngestGrant(ingestProtocol: .audiohook)
}
