import AttuneLive
import AttunePipeline
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The WebSocket layer of an ingest socket, byte by byte over a bare TCP socket: a message sent
/// in fragments is joined, a ping is answered with its payload, a silent socket is pinged then
/// closed, a dropped one ends its call; every call so sent is stored.
@Suite(.serialized) struct IngestSocketTests {
    @Test func fragmentsAreJoinedAndPingsAnswered() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let socket = await Self.openIngestSocket(server)
        defer { close(socket) }

        // The start message in three fragments, with a ping between two of them (control frames
        // may come between the fragments of a message).
        let start = Array(#"{"type":"start","callId":"fragmented-call","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#.utf8)
        await Self.send(socket, Self.frame(opcode: 0x1, fin: false, start[0..<40]))
        await Self.send(socket, Self.frame(opcode: 0x0, fin: false, start[40..<90]))
        await Self.send(socket, Self.frame(opcode: 0x9, fin: true, Array("are you there".utf8)[...]))
        await Self.send(socket, Self.frame(opcode: 0x0, fin: true, start[90...]))
        // The pong: 0x8A, the payload's length, the payload.
        let pong = await Self.receive(socket, until: Array("are you there".utf8))
        #expect(pong.starts(with: [0x8A, 13]), "no pong: \(pong)")

        // Two seconds of a 200 Hz tone on both channels, in 20 ms frames, then stop.
        for frame in 0..<100 {
            var bytes: [UInt8] = []
            for index in 0..<160 {
                let sample = Int16(8000 * sin(2 * Double.pi * 200 * Double(frame * 160 + index) / 8000))
                let word = UInt16(bitPattern: sample)
                bytes += [UInt8(word & 0xFF), UInt8(word >> 8), UInt8(word & 0xFF), UInt8(word >> 8)]
            }
            await Self.send(socket, Self.frame(opcode: 0x2, fin: true, bytes[...]))
        }
        await Self.send(socket, Self.frame(opcode: 0x1, fin: true, Array(#"{"type":"stop"}"#.utf8)[...]))
        let stored = try await Self.storedDuration("fragmented-call", server: server)
        #expect(stored.map { abs($0 - 2.0) < 0.01 } == true, "stored duration \(String(describing: stored))")
        // The client's close is answered with a close, and the connection ends.
        await Self.send(socket, Self.frame(opcode: 0x8, fin: true, [0x03, 0xE8][...]))
        let closing = await Self.receive(socket, until: nil)
        #expect(closing.first == 0x88, "no close frame: \(closing)")
    }

    /// A client that goes silent without closing (a dropped network) is pinged, then told to go
    /// away, and its call is stored with the audio it sent.
    @Test func aSilentSocketIsPingedThenClosedAndItsCallStored() async throws {
        let server = try await LiveTestServer.start(LiveTestServer.configuration { $0.live.idleSeconds = 1 })
        defer { Task { await server.stop() } }
        let socket = await Self.openIngestSocket(server)
        // The start and a second of audio in one go (a gap of 1 s between two of them would be
        // a silence of its own, and earn its own ping).
        let start = Self.frame(opcode: 0x1, fin: true, Array(#"{"type":"start","callId":"silent-call","sampleRateHz":8000,"encoding":"PCMU","channels":["advisor","customer"]}"#.utf8)[...])
        let audio = Array(repeating: Self.frame(opcode: 0x2, fin: true, [UInt8](repeating: 0xFF, count: 320)[...]), count: 50)
        #expect(await RawWebSocket.send(socket, frames: [start] + audio))
        // A ping (0x89 "attune"), then a close (0x88) with 1001 (going away) and its reason, which
        // names the silence: at least two idle periods (the ping after one, the close one later),
        // more when a busy machine runs the timer late. The client answers neither, and the server
        // then drops the connection. (When each comes is asserted on a test clock:
        // IngestChannelHandlerTests; a busy machine may deliver both in one read.)
        let received = await Self.receive(socket, until: nil)
        let frames = RawWebSocket.serverFrames(received)
        let ping = frames.firstIndex { $0.opcode == 0x9 && $0.payload == Array("attune".utf8) }
        let goingAway = frames.firstIndex { $0.opcode == 0x8 }
        #expect(ping != nil, "no ping: \(received)")
        let closePayload = goingAway.map { frames[$0].payload } ?? []
        #expect(closePayload.prefix(2) == [0x03, 0xE9], "no going-away close: \(received)")
        let reason = String(decoding: closePayload.dropFirst(2), as: UTF8.self)
        let silentSeconds = reason.hasPrefix("no message for ") && reason.hasSuffix(" s") ? Int(reason.dropFirst(15).dropLast(2)) : nil
        #expect((silentSeconds ?? 0) >= 2, "the close names no silence of two idle periods or more: \(reason)")
        #expect(ping.map { ping in goingAway.map { ping < $0 } ?? false } == true, "the close came before the ping: \(received)")
        // Closed once, here (a second close could close another test's file that reused the number).
        close(socket)
        let stored = try await Self.storedDuration("silent-call", server: server)
        #expect(stored.map { abs($0 - 1.0) < 0.01 } == true, "stored duration \(String(describing: stored))")
    }

    /// A client whose connection drops mid-call (no close frame, no stop) has its call ended and
    /// stored at once, with the audio it sent.
    @Test func aDroppedConnectionEndsAndStoresTheCall() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let socket = await Self.openIngestSocket(server)
        await Self.send(socket, Self.frame(opcode: 0x1, fin: true, Array(#"{"type":"start","callId":"dropped-call","sampleRateHz":8000,"encoding":"PCMU","channels":["advisor","customer"]}"#.utf8)[...]))
        for _ in 0..<25 { await Self.send(socket, Self.frame(opcode: 0x2, fin: true, [UInt8](repeating: 0xFF, count: 320)[...])) }
        try await eventually("the server to receive the half second sent") { server.server.metrics.audioSecondsReceived >= 0.5 - 1e-9 }
        close(socket)
        let dropped = ContinuousClock.now
        let stored = try await Self.storedDuration("dropped-call", server: server)
        #expect(stored.map { abs($0 - 0.5) < 0.01 } == true, "stored duration \(String(describing: stored))")
        // At once, not when the silence would have closed it (idleSeconds).
        #expect(ContinuousClock.now - dropped < .seconds(15))
    }

    /// A client that sends a minute of audio at once, with a 10 s allowance for running ahead of
    /// real time, has its call ended (and stored with what it sent until then) and its socket
    /// closed as a policy violation that says why.
    @Test func audioFarAheadOfRealTimeEndsTheCall() async throws {
        let server = try await LiveTestServer.start(LiveTestServer.configuration { $0.live.maximumLeadSeconds = 10 })
        defer { Task { await server.stop() } }
        let socket = await Self.openIngestSocket(server)
        defer { close(socket) }
        await Self.send(socket, Self.frame(opcode: 0x1, fin: true, Array(#"{"type":"start","callId":"racing-call","sampleRateHz":8000,"encoding":"PCMU","channels":["advisor","customer"]}"#.utf8)[...]))
        // 60 s in 20 ms frames (the sends after the server's close may fail; they are not checked).
        await RawWebSocket.send(socket, frames: Array(repeating: Self.frame(opcode: 0x2, fin: true, [UInt8](repeating: 0xFF, count: 320)[...]), count: 3000))
        let read = await RawWebSocket.readUntilClose(socket)
        #expect(read.closeCode == 1008, "close \(String(describing: read.closeCode)) \(read.closeReason)")
        #expect(read.closeReason.contains("audio arrived faster than real time"), "\(read.closeReason)")
        let stored = try await Self.storedDuration("racing-call", server: server)
        #expect(stored.map { $0 > 10 && $0 < 60 } == true, "stored duration \(String(describing: stored))")
    }

    /// A socket upgraded to `/v1/ingest/native` with the ingest token (10 s receive timeout).
    static func openIngestSocket(_ server: LiveTestServer) async -> Int32 {
        let socket = await RawWebSocket.open(port: server.port, path: "/v1/ingest/native", token: LiveTestServer.ingestToken, timeoutSeconds: 10)
        #expect(socket >= 0, "the upgrade was refused")
        return socket
    }

    /// The stored report's duration (s), once it is stored.
    static func storedDuration(_ callId: String, server: LiveTestServer) async throws -> Double? {
        try await eventually("call \(callId) to be stored") { try await server.database.report(callId: callId)?.durationSeconds }
    }

    static func frame(opcode: UInt8, fin: Bool, _ payload: ArraySlice<UInt8>) -> [UInt8] { RawWebSocket.frame(opcode: opcode, fin: fin, payload) }

    static func send(_ socket: Int32, _ bytes: [UInt8]) async { #expect(await RawWebSocket.send(socket, bytes)) }

    static func receive(_ socket: Int32, until marker: [UInt8]?) async -> [UInt8] { await RawWebSocket.receive(socket, until: marker) }
}
