import AttuneLive
import FoundationEssentials
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket

/// `/v1/ingest/native`, `/v1/ingest/twilio`, `/v1/ingest/audiohook`: audio in, one call per socket.
extension LiveServer {
    /// Largest WebSocket message accepted (bytes).
    static let maximumIngestMessageBytes = 1 << 20

    static func addIngestRoutes(to router: Router<AttuneRequestContext>, state: LiveServerState) {
        router.ws("/v1/ingest/native") { request, _ in
            guard try state.role(of: request).canIngest else { throw HTTPError(.forbidden, message: "only an ingest key may send audio") }
            return .upgrade()
        } onUpgrade: { inbound, outbound, context in
            try await runIngest(NativeAdapter(), state: state, inbound: inbound, outbound: outbound, logger: context.logger)
        }
        // Twilio's <Stream url> cannot carry headers: the ingest token goes in `?token=`.
        router.ws("/v1/ingest/twilio") { request, _ in
            guard try state.role(of: request).canIngest else { throw HTTPError(.forbidden, message: "only an ingest key may send audio") }
            return .upgrade()
        } onUpgrade: { inbound, outbound, context in
            try await runIngest(TwilioAdapter(), state: state, inbound: inbound, outbound: outbound, logger: context.logger)
        }
        router.ws("/v1/ingest/audiohook") { request, _ in
            try authenticateAudioHook(request, state: state)
            return .upgrade()
        } onUpgrade: { inbound, outbound, context in
            let headers = context.request.headers
            let configuration = AudioHookSession.Configuration(
                sessionId: headers[audioHookSessionId], organizationId: headers[audioHookOrganizationId])
            try await runIngest(
                AudioHookAdapter(configuration: configuration), state: state, inbound: inbound, outbound: outbound, logger: context.logger)
        }
    }

    static let audioHookSessionId = HTTPField.Name("Audiohook-Session-Id")!
    static let audioHookOrganizationId = HTTPField.Name("Audiohook-Organization-Id")!

    /// Genesys authenticates with its own `X-API-KEY` (and, with a client secret configured, an
    /// HTTP message signature), not with Attune tokens. 401 with the reason (never the key).
    static func authenticateAudioHook(_ request: Request, state: LiveServerState) throws {
        guard let authenticator = state.audioHook else {
            state.metrics.error(.auth)
            throw HTTPError(.unauthorized, message: "AudioHook is not configured on this server")
        }
        let headers = request.headers.map { (name: $0.name.rawName, value: $0.value) }
        let result = authenticator.verify(
            method: request.method.rawValue, path: request.uri.string, authority: request.head.authority ?? "",
            headers: headers, now: .now)
        if case .failure(let error) = result {
            state.metrics.error(.auth)
            throw HTTPError(.unauthorized, message: "AudioHook: \(error)")
        }
    }

    /// Reads one ingest socket to its end: each message through the adapter and the driver,
    /// replies written back, and the call finished (stored) however the socket ends.
    static func runIngest<Adapter: IngestAdapter>(
        _ adapter: Adapter, state: LiveServerState, inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, logger: Logger
    ) async throws {
        var adapter = adapter
        var driver = IngestDriver(state: state, source: Adapter.ingestProtocol, logger: logger)
        var messages = inbound.messages(maxSize: maximumIngestMessageBytes).makeAsyncIterator()
        while true {
            let message: WebSocketMessage?
            do { message = try await messages.next() } catch {
                logger.notice("ingest connection failed", metadata: ["error": "\(error)"])
                break
            }
            guard let message else { break }
            let arrival = ContinuousClock.now
            let step: IngestStep = switch message {
            case .text(let text): adapter.receive(text: text)
            case .binary(let bytes): adapter.receive(binary: bytes)
            }
            var outcome = await driver.apply(step, arrival: arrival)
            if let refused = outcome.refused {
                // The protocol's own refusal: AudioHook sends `disconnect` and waits for `close`.
                let refusal = adapter.refusal(refused)
                outcome.replies += refusal.replies
                outcome.close = refusal.close.map { ($0, false) }
            }
            for reply in outcome.replies { try await outbound.write(.text(reply)) }
            if let close = outcome.close {
                await driver.finish()
                try await outbound.close(close.normal ? .normalClosure : .policyViolation, reason: String(close.reason.prefix(120)))
                return
            }
        }
        let last = await driver.apply(adapter.connectionClosed(), arrival: .now)
        for reply in last.replies { try? await outbound.write(.text(reply)) }
        await driver.finish()
    }
}
