public import AttuneLive
public import AttunePipeline
public import AttuneStore
import Hummingbird
import HummingbirdCore
public import Logging
import ServiceLifecycle

/// `attune serve`: live ingest, desktop push, pages, `/metrics` and `/health`, on Hummingbird.
public struct LiveServer: Sendable {
    public let configuration: ServerConfiguration
    let state: LiveServerState
    let tls: ServerTLS?
    let logger: Logger

    /// - Parameters:
    ///   - model: the scoring model (nil: updates carry no scores).
    ///   - database: where finished calls are stored (nil: not stored).
    ///   - tls: the certificate to serve HTTPS and `wss` with (nil: plain HTTP and `ws`).
    public init(configuration: ServerConfiguration, model: LoadedModel?, database: ResultsStore?, tls: ServerTLS? = nil, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.tls = tls
        state = LiveServerState(configuration: configuration, model: model, database: database)
    }

    /// Deletes kept live audio whose time is up `secondsFromNow` from now (the server does it every
    /// ten minutes); the number of calls whose audio went.
    public func sweepLiveAudio(secondsFromNow: Double = 0) async throws -> Int {
        guard let store = state.database else { return 0 }
        return try await LiveAudioSweeper.sweep(store, secondsFromNow: secondsFromNow)
    }

    /// The server's counters (for tests and the load tool).
    public var metrics: LiveMetrics { state.metrics }
    public var hub: LiveHub { state.hub }

    /// Runs until SIGINT or SIGTERM, then shuts down gracefully (open calls are finished and stored
    /// as their sockets close). `onRunning` gets the port actually bound.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        try await application(onRunning: onRunning).runService()
    }

    /// Largest WebSocket message accepted (bytes).
    static let maximumIngestMessageBytes = 1 << 20
    /// How long the server waits for a client to answer its close frame before it drops the
    /// connection (s).
    static let closeHandshakeSeconds: Int64 = 5

    /// The Hummingbird application: the router for HTTP; WebSocket upgrades go to
    /// `WebSocketEndpoint` (see `AttuneHTTPChannel`).
    func application(onRunning: @escaping @Sendable (Int) async -> Void) -> some ApplicationProtocol {
        let router = Router(context: AttuneRequestContext.self)
        router.middlewares.add(RequestLogMiddleware())
        Self.addServiceRoutes(to: router, state: state)
        Self.addLiveRoutes(to: router, state: state)
        Self.addCallRoutes(to: router, state: state)
        let hub = state.hub, state = state, tls = tls
        var services: [any Service] = [HeartbeatService(hub: hub)]
        if let tls { services.append(TLSReloadService(tls: tls, logger: logger)) }
        if let store = state.database { services.append(ClusterService(state: state, store: store, logger: logger)) }
        if let store = state.database, state.liveAudio != nil { services.append(LiveAudioSweeper(store: store, logger: logger)) }
        return Application(
            router: router,
            server: HTTPServerBuilder { responder in AttuneHTTPChannel(responder: responder, state: state, tls: tls) },
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "attune"),
            services: services,
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }
}

/// Wakes idle subscriptions every few seconds so closed connections are noticed. (On graceful
/// shutdown each desktop stream ends itself, see `LiveServer.eventStream`; this service is shut
/// down after the HTTP server and closes whatever is left.)
struct HeartbeatService: Service {
    let hub: LiveHub
    var intervalSeconds = 15

    func run() async throws {
        let hub = hub, interval = intervalSeconds
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(interval)) } catch { break }
                hub.heartbeat()
            }
        }
        hub.closeAllSubscriptions()
    }
}
