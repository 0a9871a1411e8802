import AttuneLive
import HTTPTypes
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import NIOSSL
import NIOWebSocket
import ServiceLifecycle

/// Each connection of `attune serve`: HTTP/1.1 for the router, or a WebSocket upgrade decided by
/// `WebSocketEndpoint`. Modelled on Hummingbird's `HTTP1WebSocketUpgradeChannel`, with one
/// difference that matters: an ingest socket is not wrapped in an async channel but handled by
/// `IngestChannelHandler` right on its event loop. Desktop sockets are tasks (`DesktopSocket`).
/// A refused upgrade is answered with its status (401, 403, 404) and reason.
struct AttuneHTTPChannel: ServerChildChannel, HTTPChannelHandler {
    enum UpgradeResult: Sendable {
        case ingest(IngestConnection)
        case desktop(NIOAsyncChannel<WebSocketFrame, WebSocketFrame>, callId: String, role: AccessRole)
        case notUpgraded(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>)
        case refused(NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, HTTPError)
    }

    struct Value: ServerChildChannelValue {
        let upgradeResult: EventLoopFuture<UpgradeResult>
        let channel: any Channel
    }

    let responder: HTTPChannelHandler.Responder
    let state: LiveServerState
    /// Set: every connection speaks TLS first (the certificate of the moment: `ServerTLS.reload`).
    let tls: ServerTLS?

    init(responder: @escaping HTTPChannelHandler.Responder, state: LiveServerState, tls: ServerTLS?) {
        self.responder = Self.redirectingLateUpgrades(responder)
        self.state = state
        self.tls = tls
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context)) }
            let secure = tls != nil
            // What the upgrade request was granted, or why it was refused (set by shouldUpgrade).
            let decision = NIOLoopBoundBox<Result<WebSocketEndpoint, HTTPError>?>(nil, eventLoop: channel.eventLoop)
            let state = state
            let upgrader = NIOTypedWebSocketServerUpgrader<UpgradeResult>(
                maxFrameSize: LiveServer.maximumIngestMessageBytes,
                shouldUpgrade: { channel, head in
                    channel.eventLoop.makeCompletedFuture {
                        let granted = Self.decide(head, state: state)
                        decision.value = granted
                        let status = switch granted {
                        case .success: 101
                        case .failure(let refusal): Int(refusal.status.code)
                        }
                        logger.info("request", metadata: ["method": "GET", "path": "\(head.uri.prefix { $0 != "?" })", "status": "\(status)", "upgrade": "websocket"])
                        guard case .success = granted else { return nil }
                        return HTTPHeaders()
                    }
                },
                upgradePipelineHandler: { channel, _ in
                    channel.eventLoop.makeCompletedFuture {
                        guard case .success(let endpoint) = decision.value else { preconditionFailure("upgrade without a granted endpoint") }
                        switch endpoint {
                        case .ingest(let ingestProtocol, let audioHook):
                            return .ingest(try IngestConnection.install(ingestProtocol, audioHook: audioHook, on: channel, state: state, logger: logger))
                        case .desktop(let callId, let role):
                            let asyncChannel = try NIOAsyncChannel<WebSocketFrame, WebSocketFrame>(
                                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                            return .desktop(asyncChannel, callId: callId, role: role)
                        }
                    }
                }
            )
            let serverUpgrade = NIOTypedHTTPServerUpgradeConfiguration(
                upgraders: [upgrader],
                notUpgradingCompletionHandler: { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(HTTP1ToHTTPServerCodec(secure: secure))
                        try channel.pipeline.syncOperations.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
                        let asyncChannel = try NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>(
                            wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
                        if case .failure(let refusal) = decision.value { return .refused(asyncChannel, refusal) }
                        return .notUpgraded(asyncChannel)
                    }
                }
            )
            var pipeline = NIOUpgradableHTTPServerPipelineConfiguration<UpgradeResult>(upgradeConfiguration: serverUpgrade)
            pipeline.enablePipelining = false  // requests are handled one at a time by the async channel
            pipeline.enableErrorHandling = false  // Hummingbird answers errors
            pipeline.enableResponseHeaderValidation = false  // HTTP types have validated them
            let result = try channel.pipeline.syncOperations.configureUpgradableHTTPServerPipeline(configuration: pipeline)
            return Value(upgradeResult: result, channel: channel)
        }
    }

    func handle(value: Value, logger: Logger) async {
        do {
            switch try await value.upgradeResult.get() {
            case .notUpgraded(let http1):
                await handleHTTP(asyncChannel: http1, logger: logger)
            case .refused(let http1, let refusal):
                await Self.refuse(http1, refusal)
            case .ingest(let connection):
                await connection.run()
            case .desktop(let asyncChannel, let callId, let role):
                await DesktopSocket.run(asyncChannel, callId: callId, role: role, state: state)
            }
        } catch {
            logger.debug("connection ended before its first request", metadata: ["error": "\(error)"])
        }
    }

    /// The endpoint an upgrade request may open, or why not. (The request is logged like every
    /// other, by its path only: tokens may travel in the query.)
    static func decide(_ head: HTTPRequestHead, state: LiveServerState) -> Result<WebSocketEndpoint, HTTPError> {
        let request: Request
        do {
            request = Request(head: try HTTPRequest(head, secure: false, splitCookie: false), body: .init(buffer: ByteBuffer()))
        } catch {
            return .failure(HTTPError(.badRequest, message: "malformed upgrade request"))
        }
        do {
            return .success(try WebSocketEndpoint.decide(request, state: state))
        } catch let error as HTTPError {
            return .failure(error)
        } catch {
            return .failure(HTTPError(.badRequest, message: "\(error)"))
        }
    }

    /// Answers a refused upgrade with its status and reason, and closes the connection.
    static func refuse(_ asyncChannel: NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>, _ refusal: HTTPError) async {
        try? await asyncChannel.executeThenClose { _, outbound in
            var headers = refusal.headers
            let body = ByteBuffer(string: (refusal.body ?? "") + "\n")
            headers[.connection] = "close"
            headers[.contentType] = "text/plain; charset=utf-8"
            headers[.contentLength] = "\(body.readableBytes)"
            try await outbound.write(contentsOf: [.head(HTTPResponse(status: refusal.status, headerFields: headers)), .body(body), .end(nil)])
        }
    }

    /// NIO upgrades only a connection's first request. A later request asking for a WebSocket
    /// is sent back to the same address on a new connection (307 and close), as Hummingbird does.
    static func redirectingLateUpgrades(_ responder: @escaping HTTPChannelHandler.Responder) -> HTTPChannelHandler.Responder {
        struct LateUpgrade: Error {}
        return { request, responseWriter, channel in
            guard request.headers[.upgrade]?.lowercased() == "websocket" else {
                try await responder(request, responseWriter, channel)
                return
            }
            let location = request.uri.path + (request.uri.query.map { "?\($0)" } ?? "")
            try await responseWriter.writeResponse(HTTPResponse(status: .temporaryRedirect, headerFields: [.connection: "close", .location: location]))
            throw LateUpgrade()
        }
    }
}
