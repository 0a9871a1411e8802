@testable import AttuneServer
import AttuneLive
import AttunePipeline
import AttuneStore
import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Synchronization
import Testing

/// The ingest handler on a test event loop whose clock the test advances: the idle ping, the
/// silent client's close and the unanswered close handshake happen at the configured times, with
/// no socket and no sleeping; the call is stored however the connection ends.
struct IngestChannelHandlerTests {
    static let start = #"{"type":"start","callId":"handler-call","sampleRateHz":8000,"encoding":"PCMU","channels":["advisor","customer"]}"#

    /// An ingest connection for the native protocol on a fresh test channel, connected.
    static func connection(database: ResultsStore) async throws -> (NIOAsyncTestingChannel, IngestConnection) {
        // The default idle time, 30 s, on the channel's test clock.
        let state = LiveServerState(configuration: LiveTestServer.configuration { $0.live.idleSeconds = 30 }, model: nil, database: database)
        final class Box: Sendable { let connection = Mutex<IngestConnection?>(nil) }
        let box = Box()
        let channel = try await NIOAsyncTestingChannel { channel in
            let installed = try IngestConnection.install(.native, audioHook: nil, on: channel, state: state, logger: Logger(label: "test.ingest"))
            box.connection.withLock { $0 = installed }
        }
        try await channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9)).get()
        return (channel, try #require(box.connection.withLock { $0 }))
    }

    /// Half a second of μ-law stereo silence, after the start message.
    static func sendHalfASecond(_ channel: NIOAsyncTestingChannel) async throws {
        try await channel.writeInbound(WebSocketFrame(fin: true, opcode: .text, data: ByteBuffer(string: start)))
        for _ in 0..<25 {
            try await channel.writeInbound(WebSocketFrame(fin: true, opcode: .binary, data: ByteBuffer(repeating: 0xFF, count: 320)))
        }
    }

    static func outbound(_ channel: NIOAsyncTestingChannel) async throws -> [WebSocketFrame] {
        var frames: [WebSocketFrame] = []
        while let frame = try await channel.readOutbound(as: WebSocketFrame.self) { frames.append(frame) }
        return frames
    }

    @Test func aSilentClientIsPingedClosedAndDroppedOnTheTestClock() async throws {
        let database = try ResultsStore.inMemory()
        let (channel, connection) = try await Self.connection(database: database)
        let loop = channel.testingEventLoop
        try await Self.sendHalfASecond(channel)

        await loop.advanceTime(by: .seconds(29))
        #expect(try await Self.outbound(channel).isEmpty, "nothing before 30 s of silence")
        await loop.advanceTime(by: .seconds(1))
        let ping = try await Self.outbound(channel)
        #expect(ping.map(\.opcode) == [.ping])

        await loop.advanceTime(by: .seconds(29))
        #expect(try await Self.outbound(channel).isEmpty, "closed before 30 s after the ping")
        await loop.advanceTime(by: .seconds(1))
        let close = try await Self.outbound(channel)
        #expect(close.map(\.opcode) == [.connectionClose])
        var payload = try #require(close.first).unmaskedData
        #expect(payload.readInteger(as: UInt16.self) == 1001)
        #expect(payload.readString(length: payload.readableBytes) == "no message for 60 s")

        // The client never answers the close: the socket is dropped 5 s later, not before.
        await loop.advanceTime(by: .seconds(4))
        #expect(channel.isActive)
        await loop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive)
        try await connection.done.get()
        let stored = try #require(try await database.report(callId: "handler-call"))
        #expect(abs(stored.durationSeconds - 0.5) < 0.01)
    }

    @Test func theClientsCloseIsEchoedOnceAndItsCallStored() async throws {
        let database = try ResultsStore.inMemory()
        let (channel, connection) = try await Self.connection(database: database)
        try await Self.sendHalfASecond(channel)
        var code = ByteBuffer()
        code.writeInteger(UInt16(1000))
        try await channel.writeInbound(WebSocketFrame(fin: true, opcode: .connectionClose, data: code))
        try await connection.done.get()
        let echoed = try await Self.outbound(channel)
        #expect(echoed.map(\.opcode) == [.connectionClose])
        #expect(echoed.first?.unmaskedData == code)
        #expect(!channel.isActive)
        #expect(try await database.report(callId: "handler-call").map(\.durationSeconds) == 0.5)
    }
}
