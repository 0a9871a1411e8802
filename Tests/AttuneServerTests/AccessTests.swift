import AttuneAudioIO
import AttuneLive
import AttunePipeline
import AttuneServer
import AttuneTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOCore
import NIOWebSocket
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Who may see what, over real sockets; and a stalled desktop slows nobody.
@Suite(.serialized) struct AccessTests {
    static let startMessage = #"{"type":"start","callId":"alice-call-1","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#

    @Test func tokensAndRoles() async throws {
        // The ingest client stays silent while the checks run (which can take minutes on a busy
        // machine): a long idle time keeps its call live (the idle close is IngestChannelHandlerTests').
        let server = try await LiveTestServer.start(LiveTestServer.configuration { $0.live.idleSeconds = 3600 })
        defer { Task { await server.stop() } }
        let checks = ReplyBox()
        _ = try await server.webSocket("/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"]) { _, outbound, _ in
            do {
                try await outbound.write(.text(Self.startMessage))
                try await eventually("alice-call-1 to be live") {
                    try await server.get("/v1/live/calls", token: LiveTestServer.aliceToken).body.contains("alice-call-1")
                }
                try await Self.checkAccess(server: server)
            } catch { checks.error = error }
            try await outbound.close(.normalClosure, reason: nil)
        }
        if let error = checks.error { throw error }
    }

    static func checkAccess(server: LiveTestServer) async throws {
        // No token, or an unknown one: 401 everywhere.
        for path in ["/v1/live/calls", "/v1/live/calls/alice-call-1/events", "/v1/live/wall/events"] {
            #expect(try await server.get(path).status == 401, "\(path) without a token")
            #expect(try await server.get(path, token: "not-a-token-0123456789").status == 401, "\(path) with an unknown token")
        }
        // The ingest key may only send audio.
        for path in ["/v1/live/calls", "/v1/live/calls/alice-call-1/events", "/v1/live/wall/events"] {
            #expect(try await server.get(path, token: LiveTestServer.ingestToken).status == 403, "\(path) with the ingest key")
        }
        // Alice sees her call; Bob does not, by listing, by guessing its id, or through the wall.
        #expect(try await server.get("/v1/live/calls", token: LiveTestServer.aliceToken).body.contains("alice-call-1"))
        let bobList = try await server.get("/v1/live/calls", token: LiveTestServer.bobToken)
        #expect(bobList.status == 200 && !bobList.body.contains("alice-call-1"))
        #expect(try await server.get("/v1/live/calls/alice-call-1/events", token: LiveTestServer.bobToken).status == 404)
        #expect(try await server.get("/v1/live/wall/events", token: LiveTestServer.bobToken).status == 403)
        await #expect(throws: (any Error).self, "Bob's desktop socket on Alice's call") {
            _ = try await server.webSocket("/v1/live/calls/alice-call-1/ws", headers: [.authorization: "Bearer \(LiveTestServer.bobToken)"]) { _, _, _ in }
        }
        // Her supervisor sees it; a browser may pass the token as a query parameter.
        #expect(try await server.get("/v1/live/calls", token: LiveTestServer.northToken).body.contains("alice-call-1"))
        #expect(try await server.get("/v1/live/calls?token=\(LiveTestServer.aliceToken)").body.contains("alice-call-1"))
        // Only the ingest key may send audio.
        for token in [LiveTestServer.aliceToken, LiveTestServer.northToken] {
            await #expect(throws: (any Error).self, "audio sent with a viewer token") {
                _ = try await server.webSocket("/v1/ingest/native", headers: [.authorization: "Bearer \(token)"]) { _, _, _ in }
            }
        }
        await #expect(throws: (any Error).self, "audio sent without a token") {
            _ = try await server.webSocket("/v1/ingest/native") { _, _, _ in }
        }
        // A refused WebSocket upgrade says why in its status, as plain requests do.
        let upgrade = RawHTTPRequest.webSocketUpgrade
        for (path, token, expected) in [
            ("/v1/ingest/native", nil, 401), ("/v1/ingest/native", "not-a-token-0123456789", 401),
            ("/v1/ingest/twilio", LiveTestServer.aliceToken, 403), ("/v1/ingest/native", LiveTestServer.northToken, 403),
            ("/v1/live/calls/alice-call-1/ws", nil, 401), ("/v1/live/calls/alice-call-1/ws", LiveTestServer.ingestToken, 403),
            ("/v1/live/calls/alice-call-1/ws", LiveTestServer.bobToken, 404), ("/v1/live/calls/no-such-call/ws", LiveTestServer.aliceToken, 404),
            ("/v1/ingest/audiohook", LiveTestServer.ingestToken, 401), ("/v1/somewhere-else", LiveTestServer.ingestToken, 404),
            ("/v1/live/calls/alice-call-1/ws", LiveTestServer.aliceToken, 101), ("/v1/ingest/native", LiveTestServer.ingestToken, 101),
        ] as [(String, String?, Int)] {
            #expect(await RawHTTPRequest.status(port: server.port, path: path, token: token, headers: upgrade) == expected, "upgrade \(path) with \(token ?? "no token")")
        }
    }

    /// Ten desktops that subscribe and never read (1 KiB receive buffers) next to one that
    /// reads: it still gets every update and the call's end, and ingest finishes.
    @Test func stalledSubscribersDelayNobody() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let (truth, audio) = try IngestEndToEndTests.fixture("heated-clean")
        let callId = "stall-test"
        let stalled = SocketList()
        defer { stalled.closeAll() }
        let frame = 160 * 2
        let frames = stride(from: 0, to: audio.samples.count, by: frame).map {
            WebSocketOutboundWriter.OutboundFrame.binary(IngestEndToEndTests.l16(audio.samples[$0..<min($0 + frame, audio.samples.count)]))
        }
        // The same call with no stalled subscriber, timed as the baseline.
        let baselineStart = ContinuousClock.now
        _ = try await IngestEndToEndTests.stream(
            server: server, path: "/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"], callId: "stall-baseline",
            opening: [.text(#"{"type":"start","callId":"stall-baseline","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#)],
            frames: frames, framesPerSecond: 50, closing: [.text(#"{"type":"stop"}"#)])
        let baseline = ContinuousClock.now - baselineStart
        // The stalled desktops subscribe to Alice's call as her supervisor's wall (open before
        // the call) and as stalled SSE readers of the call itself once it is live.
        for _ in 0..<5 { stalled.add(try Self.stalledRequest(port: server.port, path: "/v1/live/wall/events", token: LiveTestServer.northToken)) }
        let started = ContinuousClock.now
        let streamed = try await IngestEndToEndTests.stream(
            server: server, path: "/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"], callId: callId,
            opening: [.text(#"{"type":"start","callId":"\#(callId)","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#)],
            frames: frames, framesPerSecond: 50, closing: [.text(#"{"type":"stop"}"#)],
            whenLive: {
                for _ in 0..<5 { stalled.add(try Self.stalledRequest(port: server.port, path: "/v1/live/calls/\(callId)/events", token: LiveTestServer.northToken)) }
            })
        let elapsed = ContinuousClock.now - started
        let updates = streamed.messages.filter { $0.type == "update" }
        #expect(streamed.updatesPublished >= Int(truth.durationSeconds) - 2)
        // And in order, the last at the call's end (the healthy desktop kept up to the end).
        let times = updates.compactMap(\.streamSeconds)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
        #expect((times.last ?? 0) >= truth.durationSeconds - 2, "last update at \(times.last ?? 0) s of \(truth.durationSeconds) s")
        #expect(streamed.messages.last?.type == "callEnded" && streamed.messages.last?.stored == true)
        // Stalled readers must not stretch ingest: against the same call streamed with no
        // subscriber just before, on the same (possibly busy) machine. A server that waited on
        // them would never finish (they never read).
        #expect(elapsed < baseline * 3 + .seconds(5), "ingest took \(elapsed), \(baseline) with no subscriber")
    }

    /// A desktop that subscribes with a 1 KiB receive buffer and never reads.
    static func stalledRequest(port: Int, path: String, token: String) throws -> Int32 {
        let socket = RawHTTPRequest.open(port: port, path: path, token: token, receiveBufferBytes: 1024)
        #expect(socket >= 0)
        return socket
    }
}

/// Raw sockets to close when a test ends.
final class SocketList: @unchecked Sendable {
    private let lock = NSLock()
    private var sockets: [Int32] = []
    func add(_ socket: Int32) { lock.withLock { sockets.append(socket) } }
    func closeAll() { lock.withLock { for socket in sockets { close(socket) }; sockets = [] } }
}
