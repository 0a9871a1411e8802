import AttuneAudioIO
import AttunePipeline
@_spi(Inspection) import AttuneStore
import AttuneTestSupport
import Foundation
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Two `attune serve` processes on one PostgreSQL store: a desktop connected to server B follows a
/// call ingested on server A (its updates and its dead-air alert); when A is killed mid-call, the
/// call ends on B's desktop and is `interrupted` in the store, and B goes on serving its own calls.
@Suite struct ServeClusterTests {
    static let ingestToken = "ingest-token-0123456789abcdef"
    static let aliceToken = "advisor-alice-0123456789abcdef"

    /// An SSE subscription read on a thread of its own until `done` holds for what came so far,
    /// or 120 s pass (a generous deadline for a busy machine). Returns the text read.
    static func read(port: Int, path: String, connected: @escaping @Sendable () -> Void = {}, until done: @escaping @Sendable (String) -> Bool) async -> String {
        await onOwnThread {
            let socket = RawHTTPRequest.open(port: port, path: path, token: Self.aliceToken)
            guard socket >= 0 else { return "" }
            defer { close(socket) }
            var timeout = timeval(tv_sec: 1, tv_usec: 0)
            setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var text = "", told = false
            var buffer = [UInt8](repeating: 0, count: 65_536)
            let deadline = Date().addingTimeInterval(120)
            while Date() < deadline {
                let count = recv(socket, &buffer, buffer.count, 0)
                if count == 0 { break }
                if count > 0 { text += String(decoding: buffer.prefix(count), as: UTF8.self) }
                if !told, text.contains(": connected") { told = true; connected() }
                if done(text) { break }
            }
            return text
        }
    }

    /// Subscribes to `path` and returns once the server has (its `: connected` line came), with the
    /// reading to await (until `done`).
    static func subscribe(port: Int, path: String, until done: @escaping @Sendable (String) -> Bool) async -> Task<String, Never> {
        let (subscribed, subscription) = AsyncStream<Void>.makeStream()
        let reading = Task {
            defer { subscription.finish() }
            return await read(port: port, path: path, connected: { subscription.yield() }, until: done)
        }
        var waiting = subscribed.makeAsyncIterator()
        _ = await waiting.next()
        return reading
    }

    /// 20 ms frames of 16-bit little-endian interleaved stereo, from `from` to `to` seconds.
    static func frames(_ samples: [Float], from: Double, to: Double) -> [[UInt8]] {
        let start = Int(from * 8000) * 2, end = min(samples.count, Int(to * 8000) * 2)
        return stride(from: start, to: end, by: 320).map { offset in
            var bytes: [UInt8] = []
            bytes.reserveCapacity(640)
            for sample in samples[offset..<min(offset + 320, end)] {
                let value = UInt16(bitPattern: Int16(max(-32768, min(32767, (sample * 32768).rounded()))))
                bytes += [UInt8(value & 0xFF), UInt8(value >> 8)]
            }
            return RawWebSocket.frame(opcode: 0x2, bytes[...])
        }
    }

    static func start(_ callId: String) -> [UInt8] {
        RawWebSocket.textFrame(#"{"type":"start","callId":"\#(callId)","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#)
    }

    @Test func aDesktopOnOneServerFollowsACallOnAnotherAndADeadServersCallIsInterrupted() async throws {
        let location = try TestStores.freshLocation(.postgres, name: "attune-cluster")
        let configuration = """
            { "host": "127.0.0.1", "port": 0, "database": "\(location)", "model": "\(RepositoryPaths.defaultModel)",
              "live": { "idleSeconds": 3600 },
              "tokens": [ { "token": "\(Self.ingestToken)", "role": "ingest" },
                          { "token": "\(Self.aliceToken)", "role": "advisor", "agentId": "alice" } ] }
            """
        let a = try ServeCommandTests.startServer(configuration: configuration)
        defer { if a.process.isRunning { kill(a.process.processIdentifier, SIGKILL) } }
        let b = try ServeCommandTests.startServer(configuration: configuration)
        defer { if b.process.isRunning { ServeCommandTests.interruptAndWait(b.process) } }
        let samples = try LoadedRecording.load(FixtureTruth.load("heated-clean").recording()).samples

        // The call starts on A; B learns of it.
        let socket = await RawWebSocket.open(port: a.port, path: "/v1/ingest/native", token: Self.ingestToken, thenSending: [Self.start("on-a")])
        try #require(socket >= 0)
        defer { close(socket) }
        try await eventually("server B to list the call ingested on A", timeoutSeconds: 60, pollMilliseconds: 100) {
            await RawHTTPRequest.response(port: b.port, path: "/v1/live/calls", token: Self.aliceToken).contains("on-a")
        }
        // Alice's desktop on B, subscribed before the audio goes to A: it sees the updates and the
        // dead-air alert (12.9–17.4 s of the fixture) that A computes.
        let desktop = await Self.subscribe(port: b.port, path: "/v1/live/calls/on-a/events") {
            $0.contains(#""cause":"deadAir""#) && $0.contains(#""type":"update""#)
        }
        #expect(await RawWebSocket.send(socket, frames: Self.frames(samples, from: 0, to: 25)))
        let seen = await desktop.value
        #expect(seen.contains(#""type":"update""#), "B's desktop got A's updates: \(seen.suffix(500))")
        #expect(seen.contains(#""cause":"deadAir""#), "B's desktop got A's dead-air alert: \(seen.suffix(500))")

        // A dies mid-call: B's desktop is told the call ended, and the store says interrupted.
        let ending = await Self.subscribe(port: b.port, path: "/v1/live/calls/on-a/events") { $0.contains(#""type":"callEnded""#) }
        kill(a.process.processIdentifier, SIGKILL)
        a.process.waitUntilExit()
        let ended = await ending.value
        #expect(ended.contains(#""type":"callEnded""#) && ended.contains(#""stored":false"#), "B ended A's call: \(ended.suffix(500))")
        let store = try await ResultsStore.open(location)
        try await eventually("the store to show A's call interrupted", timeoutSeconds: 60, pollMilliseconds: 100) {
            (try? await store.value("SELECT status FROM liveCalls WHERE callId = 'on-a'") as String?) == "interrupted"
        }

        // B serves its own calls: one streams, its desktop follows, and it is stored.
        let own = await RawWebSocket.open(port: b.port, path: "/v1/ingest/native", token: Self.ingestToken, thenSending: [Self.start("on-b")])
        try #require(own >= 0)
        defer { close(own) }
        try await eventually("server B to list its own call", timeoutSeconds: 60, pollMilliseconds: 100) {
            await RawHTTPRequest.response(port: b.port, path: "/v1/live/calls", token: Self.aliceToken).contains("on-b")
        }
        let ownDesktop = await Self.subscribe(port: b.port, path: "/v1/live/calls/on-b/events") { $0.contains(#""type":"callEnded""#) }
        #expect(await RawWebSocket.send(own, frames: Self.frames(samples, from: 0, to: 6) + [RawWebSocket.textFrame(#"{"type":"stop"}"#)]))
        let ownSeen = await ownDesktop.value
        #expect(ownSeen.contains(#""type":"update""#) && ownSeen.contains(#""stored":true"#), "B served its own call: \(ownSeen.suffix(500))")
        #expect(try await store.callCount() == 1, "B's call is stored; A's, interrupted, is not")
        await store.close()
    }

    /// A server tells the others a call started only once the call's row is in the store: a server
    /// joining at any moment then either hears the start or reads the row (told first, one joining
    /// in between learnt of the call neither way, and never listed it). Checked the moment the
    /// start is heard, by a listener on the servers' own channel.
    @Test func aCallsStartIsHeardOnlyOnceItIsInTheStore() async throws {
        let location = try TestStores.freshLocation(.postgres, name: "attune-cluster-order")
        let configuration = """
            { "host": "127.0.0.1", "port": 0, "database": "\(location)", "model": "\(RepositoryPaths.defaultModel)",
              "live": { "idleSeconds": 3600 },
              "tokens": [ { "token": "\(Self.ingestToken)", "role": "ingest" } ] }
            """
        let store = try await ResultsStore.open(location)
        let channel = try #require(store.channel("attune_live"))
        let callIds = (0..<5).map { "ordered-\($0)" }
        let hello = #"{"origin":"order-test","hello":"\#(UInt64.random(in: 0...UInt64.max))"}"#
        // The listener: notes its own hello, and for each call's start, at once, whether the row
        // is in the store.
        let heardHello = Mutex(false), rowsWhenHeard = Mutex<[String: Int]>([:])
        let listener = Task {
            for try await text in channel.messages {
                if text == hello { heardHello.withLock { $0 = true } }
                guard text.contains(#""started""#), let callId = callIds.first(where: { text.contains(#""\#($0)""#) }) else { continue }
                let rows: Int? = try await store.value("SELECT COUNT(*) FROM liveCalls WHERE callId = ?", [.text(callId)])
                rowsWhenHeard.withLock { $0[callId] = rows ?? 0 }
            }
        }
        defer { listener.cancel() }
        // Listening once its own hello comes back (one sent before `LISTEN` took effect is lost).
        try await eventually("the listener to hear its own hello", timeoutSeconds: 60, pollMilliseconds: 100) {
            try await channel.send([hello])
            return heardHello.withLock { $0 }
        }

        let server = try ServeCommandTests.startServer(configuration: configuration)
        defer { if server.process.isRunning { ServeCommandTests.interruptAndWait(server.process) } }
        for callId in callIds {
            let socket = await RawWebSocket.open(port: server.port, path: "/v1/ingest/native", token: Self.ingestToken, thenSending: [Self.start(callId)])
            try #require(socket >= 0)
            defer { close(socket) }
            try await eventually("the start of \(callId) to be heard", timeoutSeconds: 60, pollMilliseconds: 20) {
                rowsWhenHeard.withLock { $0[callId] != nil }
            }
        }
        let rows = rowsWhenHeard.withLock { $0 }
        #expect(callIds.map { rows[$0] } == [1, 1, 1, 1, 1], "each call's row was in the store when its start was heard: \(rows)")
        await store.close()
    }
}
