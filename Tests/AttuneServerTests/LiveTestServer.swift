import AsyncHTTPClient
import AttuneLive
import AttunePipeline
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1
import NIOWebSocket

/// An `attune serve` running in this process on a free port, with a fresh results store.
struct LiveTestServer {
    static let ingestToken = "ingest-token-0123456789abcdef"
    static let aliceToken = "advisor-alice-0123456789abcdef"
    static let bobToken = "advisor-bob-0123456789abcdef"
    static let northToken = "supervisor-north-0123456789abcdef"
    static let audioHookKey = "audiohook-api-key-0123456789"

    let server: LiveServer
    let database: ResultsStore
    let port: Int
    private let task: Task<Void, any Error>

    static func configuration(_ change: (inout ServerConfiguration) -> Void = { _ in }) -> ServerConfiguration {
        var configuration = ServerConfiguration()
        configuration.port = 0
        configuration.tokens = [
            .init(token: ingestToken, role: .ingest),
            .init(token: aliceToken, role: .advisor, agentId: "alice"),
            .init(token: bobToken, role: .advisor, agentId: "bob"),
            .init(token: northToken, role: .supervisor, team: "north"),
        ]
        configuration.audioHook = .init(apiKey: audioHookKey, clientSecret: nil)
        // The idle rule (ping, then close) is tested on a test clock (IngestChannelHandlerTests)
        // and, where a test wants it, with a short idle time; elsewhere it is set beyond any test,
        // whose client task a busy machine may not run for a minute.
        configuration.live.idleSeconds = 3600
        change(&configuration)
        return configuration
    }

    static var model: LoadedModel { get throws { try LoadedModel.load(path: RepositoryPaths.defaultModel) } }

    /// - Parameters:
    ///   - model: the scoring model (default: the shipped one).
    ///   - database: the store (default: a fresh one in memory).
    static func start(
        _ configuration: ServerConfiguration = configuration(), tls: ServerTLS? = nil, model: LoadedModel? = nil, database: ResultsStore? = nil
    ) async throws -> LiveTestServer {
        let database = try database ?? ResultsStore.inMemory()
        var logger = Logger(label: "test.serve")
        // Critical only: cancelling the server task at a test's end makes HummingbirdCore log
        // shutdown errors that say nothing about the test.
        logger.logLevel = .critical
        let server = LiveServer(configuration: configuration, model: try model ?? Self.model, database: database, tls: tls, logger: logger)
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let task = Task { try await server.run { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next() else { throw CancellationError() }
        return LiveTestServer(server: server, database: database, port: port, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    func url(_ path: String, scheme: String = "http") -> String { "\(scheme)://127.0.0.1:\(port)\(path)" }

    /// A WebSocket client on `path` with these headers; `handler` runs while it is open.
    func webSocket(
        _ path: String, headers: HTTPFields = [:], handler: @escaping WebSocketDataHandler<WebSocketClient.Context>
    ) async throws -> WebSocketCloseFrame? {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
        configuration.additionalHeaders = headers
        return try await WebSocketClient.connect(url: url(path, scheme: "ws"), configuration: configuration, logger: Logger(label: "test.ws"), handler: handler)
    }

    /// A plain HTTP GET: status and body. (A generous deadline: on a busy 2-core machine a
    /// request can wait many seconds for the CPU; a test's own expectations decide what is late.)
    func get(_ path: String, token: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url(path))
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(60))
        let body = try await response.body.collect(upTo: 1 << 22)
        return (Int(response.status.code), String(buffer: body))
    }
}

/// A pushed message, as a desktop reads it (the fields the tests look at).
struct PushedMessage: Decodable, Sendable {
    struct Call: Decodable, Sendable { var callId: String; var agentId: String?; var team: String? }
    struct Effort: Decodable, Sendable { var value: Double; var index: Double }
    struct Distress: Decodable, Sendable { var value: Double; var level: String }
    struct Talk: Decodable, Sendable { var seconds: Double; var share: Double? }
    var type: String
    var call: Call?
    var callId: String?
    var cause: String?
    var atSeconds: Double?
    var streamSeconds: Double?
    var party: String?
    var effort: Effort?
    var distress: Distress?
    var talk: [String: Talk]?
    var silenceSeconds: Double?
    var stored: Bool?
    var durationSeconds: Double?
    /// The message's call id, wherever it sits.
    var id: String? { call?.callId ?? callId }
}

/// A Server-Sent Events subscription read in the background: the JSON messages so far.
final class EventStreamReader: Sendable {
    private let task: Task<(status: Int, messages: [PushedMessage]), any Error>
    private let subscribed: AsyncStream<Void>

    /// Starts reading `path` (with `token`) until the stream ends, `until` returns true for a
    /// message, or `timeoutSeconds` pass.
    init(server: LiveTestServer, path: String, token: String?, timeoutSeconds: Int64 = 60, until: @escaping @Sendable (PushedMessage) -> Bool) {
        let url = server.url(path)
        let (subscribed, subscription) = AsyncStream<Void>.makeStream()
        self.subscribed = subscribed
        task = Task {
            defer { subscription.finish() }
            var request = HTTPClientRequest(url: url)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(timeoutSeconds))
            var messages: [PushedMessage] = []
            guard response.status == .ok else { return (Int(response.status.code), []) }
            var pending = ""
            for try await buffer in response.body {
                pending += String(buffer: buffer)
                while let end = pending.range(of: "\n\n") {
                    let event = String(pending[..<end.lowerBound])
                    pending = String(pending[end.upperBound...])
                    if event == ": connected" { subscription.yield() }
                    for line in event.split(separator: "\n") where line.hasPrefix("data: ") {
                        let message = try JSONDecoder().decode(PushedMessage.self, from: Data(line.dropFirst(6).utf8))
                        messages.append(message)
                        if until(message) { return (200, messages) }
                    }
                }
            }
            return (200, messages)
        }
    }

    var result: (status: Int, messages: [PushedMessage]) { get async throws { try await task.value } }

    /// Returns once the server has subscribed this reader (its first `: connected` line came),
    /// so what is published from now on reaches it. Throws if the stream ended first.
    func connected() async throws {
        var iterator = subscribed.makeAsyncIterator()
        guard await iterator.next() != nil else {
            let status = try await task.value.status
            throw NotSubscribed(status: status)
        }
    }

    func cancel() { task.cancel() }

    /// The event stream ended (with this HTTP status) before the server subscribed it.
    struct NotSubscribed: Error { var status: Int }
}
