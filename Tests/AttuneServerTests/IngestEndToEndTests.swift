import AttuneScoring
import AttuneAudioIO
import AttuneCalibration
import AttuneDSP
import AttuneLive
import AttunePipeline
import AttuneServer
import AttuneStore
import AttuneTestSupport
import Crypto
import Foundation
import HTTPTypes
import HummingbirdWSClient
import NIOCore
import NIOHTTP1
import NIOWebSocket
import Testing

/// Each ingest protocol end to end, in process, over real sockets: a fixture streamed in 20 ms
/// frames gives updates and alerts at the right moments to a subscribed desktop, and the stored
/// final report equals the batch's for the same audio.
@Suite(.serialized) struct IngestEndToEndTests {
    /// The fixture's audio as the batch decodes it (advisor on channel 0).
    static func fixture(_ callId: String) throws -> (truth: FixtureTruth, audio: LoadedRecording) {
        let truth = try FixtureTruth.load(callId)
        let audio = try LoadedRecording.load(truth.recording())
        #expect(audio.layout == .stereo(advisorChannel: 0))
        return (truth, audio)
    }

    /// Samples in [-1, 1] to 16-bit little-endian bytes (exact for audio decoded from 16-bit files).
    static func l16(_ samples: ArraySlice<Float>) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(samples.count * 2)
        for sample in samples { buffer.writeInteger(Int16(max(-32768, min(32767, (sample * 32768).rounded()))), endianness: .little) }
        return buffer
    }

    /// Samples decoded from μ-law back to their μ-law bytes (exact: re-encoding a decoded value
    /// gives its code).
    static func muLaw(_ samples: some Collection<Float>) -> [UInt8] { samples.map { G711.encodeMuLaw($0) } }

    /// What one streamed call gave: the desktop's messages and the protocol's text replies.
    struct Streamed {
        var messages: [PushedMessage]
        var replies: [String]
        /// Updates the server published for the call (its own count: a desktop that reads
        /// slower than the stream gets the newest update, not each one).
        var updatesPublished = 0
    }

    /// Opens `path`, sends `opening`, subscribes Alice's desktop once the call is live, sends
    /// `frames` at about ten times real time (`framesPerSecond` messages make a second of audio),
    /// then `closing`, and waits for the call's end. (`pauseMilliseconds` after each tenth of a
    /// second of audio: 10 ms gives about ten times real time.)
    static func stream(
        server: LiveTestServer, path: String, headers: HTTPFields, callId: String,
        opening: [WebSocketOutboundWriter.OutboundFrame], frames: [WebSocketOutboundWriter.OutboundFrame],
        framesPerSecond: Int, closing: [WebSocketOutboundWriter.OutboundFrame], pauseMilliseconds: Int = 10, whenLive: @escaping @Sendable () throws -> Void = {}
    ) async throws -> Streamed {
        let box = ReplyBox()
        let updatesBefore = server.server.metrics.updateCount
        _ = try await server.webSocket(path, headers: headers) { inbound, outbound, _ in
            // Errors are kept for after the socket: a handler that throws leaves the client's
            // inbound stream half-read.
            do { try await body(inbound, outbound) } catch { box.error = error }
        }
        if let error = box.error { throw error }
        return Streamed(messages: box.messages, replies: box.replies, updatesPublished: server.server.metrics.updateCount - updatesBefore)

        @Sendable func body(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
            let reader = Task {
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                while let message = try await iterator.next() {
                    if case .text(let text) = message { box.append(text) }
                }
            }
            for message in opening { try await outbound.write(message) }
            try await eventually("call \(callId) to be live") {
                try await server.get("/v1/live/calls", token: LiveTestServer.aliceToken).body.contains(callId)
            }
            let subscribed = EventStreamReader(server: server, path: "/v1/live/calls/\(callId)/events", token: LiveTestServer.aliceToken) {
                $0.type == "callEnded"
            }
            try whenLive()
            try await subscribed.connected()
            for (index, frame) in frames.enumerated() {
                try await outbound.write(frame)
                if (index + 1) % max(1, framesPerSecond / 10) == 0 { try await Task.sleep(for: .milliseconds(pauseMilliseconds)) }
            }
            for message in closing { try await outbound.write(message) }
            box.messages = try await subscribed.result.messages
            try? await outbound.close(.normalClosure, reason: nil)
            _ = try? await reader.value
        }
    }

    /// Checks what a desktop saw against the fixture's truth and the batch's report.
    static func check(
        _ streamed: Streamed, truth: FixtureTruth, callId: String, server: LiveTestServer, batch: CallReport
    ) async throws {
        let messages = streamed.messages
        let updates = messages.filter { $0.type == "update" }
        let alerts = messages.filter { $0.type == "alert" }
        let ended = messages.last { $0.type == "callEnded" }
        #expect(ended?.stored == true)
        // About one update per second of audio published; the desktop saw them in order, up to
        // the call's end (a desktop slower than the stream gets the newest, by design).
        #expect(streamed.updatesPublished >= Int(truth.durationSeconds) - 2, "\(streamed.updatesPublished) updates for \(truth.durationSeconds) s")
        #expect(!updates.isEmpty && (updates.last?.streamSeconds ?? 0) >= truth.durationSeconds - 2, "last update at \(updates.last?.streamSeconds ?? 0) s")
        let times = updates.compactMap(\.streamSeconds)
        #expect(zip(times, times.dropFirst()).allSatisfy { $0 < $1 })
        #expect(updates.last?.effort != nil && updates.last?.talk?["customer"] != nil)
        // Dead air: an alert within 0.5 s (stream time) of each true dead-air run passing 3 s.
        let deadAirAlerts = alerts.filter { $0.cause == "deadAir" }
        let deadAirs = truth.events.filter { $0.type == "deadAir" }
        #expect(!deadAirs.isEmpty)
        for run in deadAirs {
            let crossing = run.startSeconds + 3.0
            let alert = deadAirAlerts.first { abs(($0.atSeconds ?? -100) - crossing) < 1.0 }
            #expect(alert != nil, "no dead-air alert near \(crossing) s")
            if let raised = alert?.streamSeconds {
                #expect(raised - crossing <= 0.5 && raised - crossing >= 0, "dead-air alert raised at \(raised) s for a crossing at \(crossing) s")
            }
        }
        // Interruptions and raised voice, when the call has them.
        if truth.events.contains(where: { $0.type == "interruption" }) { #expect(alerts.contains { $0.cause == "interruption" }) }
        if truth.events.contains(where: { $0.type == "energySpike" && $0.party == "customer" }) {
            #expect(alerts.contains { $0.cause == "raisedVoice" && $0.party == "customer" })
        } else {
            #expect(!alerts.contains { $0.cause == "raisedVoice" })
        }
        // The stored report is the batch's.
        let stored = try #require(try await server.database.report(callId: callId))
        #expect(stored == batch)
    }

    // MARK: Native

    @Test func nativeStreamEndToEnd() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let (truth, audio) = try Self.fixture("heated-clean")
        let callId = "native-heated"
        let batch = try RecordingAnalysis.analyze(truth.recording(), callId: callId, model: try LiveTestServer.model)

        // The supervisor's wall is open before the call starts.
        let wall = EventStreamReader(server: server, path: "/v1/live/wall/events", token: LiveTestServer.northToken) { $0.type == "callEnded" }
        try await wall.connected()
        let frame = 160 * 2  // 20 ms of stereo at 8 kHz
        let frames = stride(from: 0, to: audio.samples.count, by: frame).map {
            WebSocketOutboundWriter.OutboundFrame.binary(Self.l16(audio.samples[$0..<min($0 + frame, audio.samples.count)]))
        }
        let streamed = try await Self.stream(
            server: server, path: "/v1/ingest/native", headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"], callId: callId,
            opening: [.text(#"{"type":"start","callId":"\#(callId)","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#)],
            frames: frames, framesPerSecond: 50, closing: [.text(#"{"type":"stop"}"#)])
        try await Self.check(streamed, truth: truth, callId: callId, server: server, batch: batch)
        let wallMessages = try await wall.result.messages
        #expect(wallMessages.first?.type == "callStarted" && wallMessages.last?.type == "callEnded")
        #expect(wallMessages.contains { $0.type == "update" && $0.id == callId })
    }

    /// A client that breaks the protocol gets the reason and a closed socket; the call next to it
    /// carries on and is stored.
    @Test func aBrokenStreamDoesNotDisturbAnother() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let (_, audio) = try Self.fixture("calm-clean")
        let headers: HTTPFields = [.authorization: "Bearer \(LiveTestServer.ingestToken)"]
        let good = Task {
            let frame = 160 * 2
            let frames = stride(from: 0, to: 8000 * 2 * 8, by: frame).map {
                WebSocketOutboundWriter.OutboundFrame.binary(Self.l16(audio.samples[$0..<min($0 + frame, audio.samples.count)]))
            }
            return try await Self.stream(
                server: server, path: "/v1/ingest/native", headers: headers, callId: "good-call",
                opening: [.text(#"{"type":"start","callId":"good-call","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#)],
                frames: frames, framesPerSecond: 50, closing: [.text(#"{"type":"stop"}"#)])
        }
        let box = ReplyBox()
        let closeFrame = try await server.webSocket("/v1/ingest/native", headers: headers) { inbound, outbound, _ in
            do {
                try await outbound.write(.text(#"{"type":"start","callId":"bad-call","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#))
                try await outbound.write(.binary(ByteBuffer(bytes: [1, 2, 3])))
                var iterator = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
                while let message = try await iterator.next() { if case .text(let text) = message { box.append(text) } }
            } catch { box.error = error }
        }
        #expect(box.replies.contains { $0.contains(#""type":"error""#) && $0.contains("whole sample frames") })
        #expect(closeFrame?.closeCode == .policyViolation)
        #expect(closeFrame?.reason?.contains("whole sample frames") == true)
        let streamed = try await good.value
        #expect(streamed.messages.last?.type == "callEnded" && streamed.messages.last?.stored == true)
        #expect(try await server.database.report(callId: "bad-call") != nil, "the broken call's audio so far is kept")
    }

    // MARK: Twilio

    /// Twilio media messages for a stereo μ-law recording: one per track and 20 ms, outbound =
    /// advisor (channel 0), inbound = customer (channel 1), chunks counted per track from 1.
    static func twilioMedia(_ audio: LoadedRecording, streamSid: String) -> [(track: String, chunk: Int, text: String)] {
        let frameCount = audio.samples.count / 2
        var messages: [(String, Int, String)] = []
        for (index, start) in stride(from: 0, to: frameCount, by: 160).enumerated() {
            let end = min(start + 160, frameCount)
            for (channel, track) in [(0, "outbound"), (1, "inbound")] {
                let samples = (start..<end).map { audio.samples[2 * $0 + channel] }
                let payload = Data(Self.muLaw(samples)).base64EncodedString()
                let text = #"{"event":"media","sequenceNumber":"\#(2 * index + 3 + channel)","streamSid":"\#(streamSid)","media":{"track":"\#(track)","chunk":"\#(index + 1)","timestamp":"\#(index * 20)","payload":"\#(payload)"}}"#
                messages.append((track, index + 1, text))
            }
        }
        return messages
    }

    static func twilioOpening(callId: String, streamSid: String) -> [WebSocketOutboundWriter.OutboundFrame] {
        [.text(#"{"event":"connected","protocol":"Call","version":"1.0.0"}"#),
         .text(#"{"event":"start","sequenceNumber":"2","streamSid":"\#(streamSid)","start":{"accountSid":"AC0123","streamSid":"\#(streamSid)","callSid":"CA\#(callId)","tracks":["inbound","outbound"],"customParameters":{"callId":"\#(callId)","agentId":"alice","team":"north"},"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#)]
    }

    static func twilioStop(callId: String, streamSid: String) -> WebSocketOutboundWriter.OutboundFrame {
        .text(#"{"event":"stop","sequenceNumber":"99999","streamSid":"\#(streamSid)","stop":{"accountSid":"AC0123","callSid":"CA\#(callId)"}}"#)
    }

    /// The μ-law fixture in order, shuffled within 100 ms windows (as a jittery network delivers
    /// it), and with one customer frame lost.
    @Test func twilioInOrderOutOfOrderAndMissingChunk() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let (truth, audio) = try Self.fixture("heated-mulaw")
        let headers: HTTPFields = [.authorization: "Bearer \(LiveTestServer.ingestToken)"]

        // In order: updates, alerts and the batch's report.
        let inOrder = "twilio-in-order"
        let media = Self.twilioMedia(audio, streamSid: "MZ1")
        let streamed = try await Self.stream(
            server: server, path: "/v1/ingest/twilio", headers: headers, callId: inOrder,
            opening: Self.twilioOpening(callId: inOrder, streamSid: "MZ1"), frames: media.map { .text($0.text) }, framesPerSecond: 100,
            closing: [Self.twilioStop(callId: inOrder, streamSid: "MZ1")])
        let batch = try RecordingAnalysis.analyze(truth.recording(), callId: inOrder, model: try LiveTestServer.model)
        try await Self.check(streamed, truth: truth, callId: inOrder, server: server, batch: batch)

        // Out of order within 100 ms windows (10 messages): the same report.
        let shuffledId = "twilio-shuffled"
        var generator = SeededGenerator(seed: 5)
        let shuffledMedia = Self.twilioMedia(audio, streamSid: "MZ2")
        var shuffled: [String] = []
        for window in stride(from: 0, to: shuffledMedia.count, by: 10) {
            shuffled += shuffledMedia[window..<min(window + 10, shuffledMedia.count)].map(\.text).shuffled(using: &generator)
        }
        #expect(shuffled != shuffledMedia.map(\.text))
        _ = try await Self.stream(
            server: server, path: "/v1/ingest/twilio", headers: headers, callId: shuffledId,
            opening: Self.twilioOpening(callId: shuffledId, streamSid: "MZ2"), frames: shuffled.map { .text($0) }, framesPerSecond: 100,
            closing: [Self.twilioStop(callId: shuffledId, streamSid: "MZ2")])
        let shuffledBatch = try RecordingAnalysis.analyze(truth.recording(), callId: shuffledId, model: try LiveTestServer.model)
        #expect(try await server.database.report(callId: shuffledId) == shuffledBatch)

        // One customer chunk lost: counted as a gap frame, the call still ends and is stored.
        let gapsBefore = try await Self.metric("attune_live_gap_frames_total", server: server)
        let lossyId = "twilio-lossy"
        var lossy = Self.twilioMedia(audio, streamSid: "MZ3")
        lossy.removeAll { $0.track == "inbound" && $0.chunk == 700 }
        let lossyStreamed = try await Self.stream(
            server: server, path: "/v1/ingest/twilio", headers: headers, callId: lossyId,
            opening: Self.twilioOpening(callId: lossyId, streamSid: "MZ3"), frames: lossy.map { .text($0.text) }, framesPerSecond: 100,
            closing: [Self.twilioStop(callId: lossyId, streamSid: "MZ3")])
        #expect(lossyStreamed.messages.last?.type == "callEnded" && lossyStreamed.messages.last?.stored == true)
        #expect(try await Self.metric("attune_live_gap_frames_total", server: server) == gapsBefore + 1)
        let stored = try #require(try await server.database.report(callId: lossyId))
        #expect(abs(stored.durationSeconds - batch.durationSeconds) < 0.01)
    }

    /// A counter's value in `/metrics`.
    static func metric(_ name: String, server: LiveTestServer) async throws -> Double {
        let text = try await server.get("/metrics").body
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix(name + " ") })
        return try #require(Double(line.split(separator: " ")[1]))
    }

    // MARK: AudioHook

    static let organizationId = "d7934305-0972-4844-938e-9060eef73d05"
    static let secret = Data("attune-audiohook-client-secret".utf8)

    /// AudioHook upgrade headers, signed with `secret` (RFC 9421, HMAC-SHA256) as Genesys signs.
    /// `authority`: what the signature's `@authority` says (default: the address the test dials).
    static func audioHookHeaders(
        server: LiveTestServer, sessionId: String, apiKey: String = LiveTestServer.audioHookKey, secret: Data = secret, authority: String? = nil
    ) -> HTTPFields {
        let correlationId = UUID().uuidString.lowercased()
        let created = Int(Date().timeIntervalSince1970)
        let nonce = "bm9uY2UtZm9yLWF0dHVuZS1lMmUtdGVzdHM"
        let params = #"("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="\#(apiKey)";nonce="\#(nonce)";alg="hmac-sha256";created=\#(created);expires=\#(created + 30)"#
        let base = [
            #""@request-target": /v1/ingest/audiohook"#,
            #""@authority": \#(authority ?? "127.0.0.1:\(server.port)")"#,
            #""audiohook-organization-id": \#(organizationId)"#,
            #""audiohook-session-id": \#(sessionId)"#,
            #""audiohook-correlation-id": \#(correlationId)"#,
            #""x-api-key": \#(apiKey)"#,
            #""@signature-params": \#(params)"#,
        ].joined(separator: "\n")
        let signature = Data(HMAC<SHA256>.authenticationCode(for: Data(base.utf8), using: SymmetricKey(data: secret))).base64EncodedString()
        return [
            HTTPField.Name("Audiohook-Organization-Id")!: organizationId,
            HTTPField.Name("Audiohook-Session-Id")!: sessionId,
            HTTPField.Name("Audiohook-Correlation-Id")!: correlationId,
            HTTPField.Name("X-API-KEY")!: apiKey,
            HTTPField.Name("Signature-Input")!: "sig1=\(params)",
            HTTPField.Name("Signature")!: "sig1=:\(signature):",
        ]
    }

    static func audioHookMessage(_ type: String, sessionId: String, seq: Int, serverseq: Int = 0, position: String = "PT0S", parameters: String = "{}") -> String {
        #"{"version":"2","id":"\#(sessionId)","type":"\#(type)","seq":\#(seq),"serverseq":\#(serverseq),"position":"\#(position)","parameters":\#(parameters)}"#
    }

    static func audioHookOpen(sessionId: String, conversationId: String, customConfig: String = #"{"agentId":"alice","team":"north"}"#) -> String {
        audioHookMessage("open", sessionId: sessionId, seq: 1, parameters: #"{"organizationId":"\#(organizationId)","conversationId":"\#(conversationId)","participant":{"id":"883efee8-3d6c-4537-b500-6d7ca4b92fa0","ani":"+15555550100","aniName":"Jo","dnis":"+15555550199"},"media":[{"type":"audio","format":"PCMU","channels":["external","internal"],"rate":8000},{"type":"audio","format":"PCMU","channels":["external"],"rate":8000}],"language":"en-US","customConfig":\#(customConfig)}"#)
    }

    /// Stereo PCMU frames of 20 ms, external (customer) first, as Genesys sends them.
    static func audioHookFrames(_ audio: LoadedRecording, range: Range<Int>? = nil) -> [WebSocketOutboundWriter.OutboundFrame] {
        let frameCount = audio.samples.count / 2
        let range = range ?? 0..<frameCount
        return stride(from: range.lowerBound, to: range.upperBound, by: 160).map { start in
            var bytes: [UInt8] = []
            for index in start..<min(start + 160, range.upperBound) {
                bytes.append(G711.encodeMuLaw(audio.samples[2 * index + 1]))  // external = customer
                bytes.append(G711.encodeMuLaw(audio.samples[2 * index]))      // internal = advisor
            }
            return .binary(ByteBuffer(bytes: bytes))
        }
    }

    /// The batch's report of `audio` as AudioHook sends it: external (customer) on channel 0.
    static func audioHookBatch(_ audio: LoadedRecording, callId: String) throws -> CallReport {
        let swappedPath = RepositoryPaths.temporaryDirectory("audiohook-e2e-\(callId)") + "/external-first.wav"
        var swapped = audio.samples
        for frame in 0..<(swapped.count / 2) { swapped.swapAt(2 * frame, 2 * frame + 1) }
        try AudioFileWriter.write(swapped, to: swappedPath, format: .wavMuLaw, sampleRateHz: 8000, channelCount: 2)
        return try RecordingAnalysis.analyze(
            CallRecording(source: .file(swappedPath), advisorChannel: 1), callId: callId, model: try LiveTestServer.model)
    }

    /// AudioHook upgrade headers without a signature (the test server has no client secret).
    static func audioHookUnsignedHeaders(sessionId: String) -> HTTPFields {
        [HTTPField.Name("X-API-KEY")!: LiveTestServer.audioHookKey, HTTPField.Name("Audiohook-Session-Id")!: sessionId,
         HTTPField.Name("Audiohook-Organization-Id")!: organizationId]
    }

    @Test func audioHookEndToEnd() async throws {
        let secretBase64 = Self.secret.base64EncodedString()
        let server = try await LiveTestServer.start(LiveTestServer.configuration { $0.audioHook = .init(apiKey: LiveTestServer.audioHookKey, clientSecret: secretBase64) })
        defer { Task { await server.stop() } }
        let (truth, audio) = try Self.fixture("heated-mulaw")
        let sessionId = "30b0e395-84d3-4570-ac13-9a62d8f514c0"
        let conversationId = "090eaa2f-72fa-480a-83e0-8667ff89c0ec"
        let streamed = try await Self.stream(
            server: server, path: "/v1/ingest/audiohook", headers: Self.audioHookHeaders(server: server, sessionId: sessionId), callId: conversationId,
            opening: [.text(Self.audioHookOpen(sessionId: sessionId, conversationId: conversationId))],
            frames: Self.audioHookFrames(audio), framesPerSecond: 50,
            closing: [.text(Self.audioHookMessage("ping", sessionId: sessionId, seq: 2, serverseq: 1)),
                      .text(Self.audioHookMessage("close", sessionId: sessionId, seq: 3, serverseq: 2, parameters: #"{"reason":"end"}"#))])
        let batch = try Self.audioHookBatch(audio, callId: conversationId)
        try await Self.check(streamed, truth: truth, callId: conversationId, server: server, batch: batch)
        let types = streamed.replies.compactMap { try? JSONDecoder().decode(Reply.self, from: Data($0.utf8)).type }
        #expect(types == ["opened", "pong", "closed"])
    }

    struct Reply: Decodable { var type: String; var parameters: Parameters?; struct Parameters: Decodable { var reason: String?; var info: String?; var media: [Media]? }; struct Media: Decodable { var format: String; var channels: [String] } }

    @Test func audioHookRefusesWrongKeyAndBadSignature() async throws {
        let server = try await LiveTestServer.start(LiveTestServer.configuration { $0.audioHook = .init(apiKey: LiveTestServer.audioHookKey, clientSecret: Self.secret.base64EncodedString()) })
        defer { Task { await server.stop() } }
        let sessionId = "30b0e395-84d3-4570-ac13-9a62d8f514c0"
        for (name, headers) in [
            ("wrong API key", Self.audioHookHeaders(server: server, sessionId: sessionId, apiKey: "not-the-key-0123456789")),
            ("signed with another secret", Self.audioHookHeaders(server: server, sessionId: sessionId, secret: Data("another-secret".utf8))),
            ("no signature", Self.audioHookHeaders(server: server, sessionId: sessionId).filter { !$0.name.rawName.lowercased().hasPrefix("signature") }),
            ("an Attune ingest token instead", HTTPFields([HTTPField(name: .authorization, value: "Bearer \(LiveTestServer.ingestToken)")])),
        ] {
            // Refused by the credential check itself (it counts each refusal), not by anything else.
            let refusals = try await Self.metric(#"attune_live_errors_total{kind="auth"}"#, server: server)
            await #expect(throws: (any Error).self, "\(name) was accepted") {
                _ = try await server.webSocket("/v1/ingest/audiohook", headers: headers) { _, _, _ in }
            }
            #expect(try await Self.metric(#"attune_live_errors_total{kind="auth"}"#, server: server) == refusals + 1, "\(name)")
        }
        // The right headers are accepted (so the refusals above are about the credentials).
        _ = try await server.webSocket("/v1/ingest/audiohook", headers: Self.audioHookHeaders(server: server, sessionId: sessionId)) { _, outbound, _ in
            try await outbound.close(.normalClosure, reason: nil)
        }
        #expect(try await Self.metric("attune_live_calls_started_total", server: server) == 0)
    }

    /// A `seq` gap gets `disconnect` (reason error) and the call is not stored; audio sent while
    /// `paused` is not analysed.
    @Test func audioHookSeqGapAndPause() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let (truth, audio) = try Self.fixture("heated-mulaw")
        _ = truth
        let unsigned: (String) -> HTTPFields = { sessionId in
            [HTTPField.Name("X-API-KEY")!: LiveTestServer.audioHookKey, HTTPField.Name("Audiohook-Session-Id")!: sessionId,
             HTTPField.Name("Audiohook-Organization-Id")!: Self.organizationId]
        }

        // seq 1, then 3: disconnect.
        let gapSession = "4f1c6d2e-0b3a-4c5d-8e9f-0a1b2c3d4e5f"
        let box = ReplyBox()
        _ = try await server.webSocket("/v1/ingest/audiohook", headers: unsigned(gapSession)) { inbound, outbound, _ in
            do { try await gapBody(inbound, outbound) } catch { box.error = error }
        }
        if let error = box.error { throw error }
        @Sendable func gapBody(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
            try await outbound.write(.text(Self.audioHookOpen(sessionId: gapSession, conversationId: "6b1d3c2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d")))
            try await outbound.write(.text(Self.audioHookMessage("ping", sessionId: gapSession, seq: 3, serverseq: 1)))
            var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            while box.replies.count < 2, let message = try await iterator.next() {
                if case .text(let text) = message { box.append(text) }
            }
            try await outbound.write(.text(Self.audioHookMessage("close", sessionId: gapSession, seq: 4, serverseq: 2, parameters: #"{"reason":"error"}"#)))
            while let message = try await iterator.next() { if case .text(let text) = message { box.append(text) } }
        }
        let replies = box.replies.compactMap { try? JSONDecoder().decode(Reply.self, from: Data($0.utf8)) }
        #expect(replies.map(\.type) == ["opened", "disconnect", "closed"])
        #expect(replies.dropFirst().first?.parameters?.reason == "error")
        #expect(replies.dropFirst().first?.parameters?.info?.contains("seq") == true)
        // What was received before the violation is not lost: the call is stored when the socket closes.
        try await eventually("the interrupted AudioHook call to be stored") {
            try await server.database.report(callId: "6b1d3c2a-9e8f-4a7b-8c6d-5e4f3a2b1c0d") != nil
        }

        // Paused for the middle 20 s: only the first 10 s and the last part are analysed.
        let pauseSession = "5a2b7c3d-1e4f-4a6b-9c8d-7e6f5a4b3c2d"
        let pauseCall = "7c8d9e0f-1a2b-4c3d-9e4f-5a6b7c8d9e0f"
        let frameCount = audio.samples.count / 2
        let firstPart = 0..<80_000, paused = 80_000..<240_000, lastPart = 240_000..<frameCount
        let streamed = try await Self.stream(
            server: server, path: "/v1/ingest/audiohook", headers: unsigned(pauseSession), callId: pauseCall,
            opening: [.text(Self.audioHookOpen(sessionId: pauseSession, conversationId: pauseCall))],
            frames: Self.audioHookFrames(audio, range: firstPart)
                + [.text(Self.audioHookMessage("paused", sessionId: pauseSession, seq: 2, serverseq: 1, position: "PT10S"))]
                + Self.audioHookFrames(audio, range: paused)
                + [.text(Self.audioHookMessage("resumed", sessionId: pauseSession, seq: 3, serverseq: 1, position: "PT30S", parameters: #"{"start":"PT10S","discarded":"PT0S"}"#))]
                + Self.audioHookFrames(audio, range: lastPart),
            framesPerSecond: 50,
            closing: [.text(Self.audioHookMessage("close", sessionId: pauseSession, seq: 4, serverseq: 1, parameters: #"{"reason":"end"}"#))])
        #expect(streamed.messages.last?.type == "callEnded")
        let stored = try #require(try await server.database.report(callId: pauseCall))
        let expected = Double(firstPart.count + lastPart.count) / 8000
        #expect(abs(stored.durationSeconds - expected) < 0.02, "analysed \(stored.durationSeconds) s, expected \(expected) s without the paused 20 s")
    }
}

// MARK: AudioHook: refusal at open, alert events, resumed without paused (issue 15, item 5)

extension IngestEndToEndTests {
    /// A reply's envelope and the parameters the tests below read.
    struct AudioHookReply: Decodable {
        struct Parameters: Decodable {
            struct Entity: Decodable {
                struct Alert: Decodable { var cause: String; var party: String?; var atSeconds: Double; var message: String }
                var type: String
                var data: Alert
            }
            var reason: String?
            var info: String?
            var entities: [Entity]?
        }
        var type: String
        var seq: Int
        var clientseq: Int
        var parameters: Parameters
    }

    static func audioHookReplies(_ texts: [String]) throws -> [AudioHookReply] {
        try texts.map { try JSONDecoder().decode(AudioHookReply.self, from: Data($0.utf8)) }
    }

    /// A second AudioHook session for a conversation that is already live is refused at `open`:
    /// `disconnect` (reason `error`, "conversation … is already live") and never `opened`, seq 1;
    /// its `close` is answered `closed` (seq 2). The first session's call goes on undisturbed and
    /// its stored report is the batch's for the whole audio.
    @Test func audioHookSecondSessionForALiveConversationIsRefusedAtOpen() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let (_, audio) = try Self.fixture("heated-mulaw")
        let conversationId = "2e4c6a8b-1d3f-4a5b-9c7d-8e9f0a1b2c3d"
        let firstSession = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
        let secondSession = "1b2c3d4e-5f6a-4b7c-9d8e-0f1a2b3c4d5e"
        let batch = try Self.audioHookBatch(audio, callId: conversationId)

        let first = ReplyBox(), second = ReplyBox()
        let secondClose = AudioHookCloseBox()
        _ = try await server.webSocket("/v1/ingest/audiohook", headers: Self.audioHookUnsignedHeaders(sessionId: firstSession)) { inbound, outbound, _ in
            do { try await firstBody(inbound, outbound) } catch { first.error = error }
        }
        if let error = first.error { throw error }
        if let error = second.error { throw error }

        @Sendable func firstBody(_ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter) async throws {
            let reader = Task {
                var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                while let message = try await iterator.next() { if case .text(let text) = message { first.append(text) } }
            }
            try await outbound.write(.text(Self.audioHookOpen(sessionId: firstSession, conversationId: conversationId)))
            try await eventually("the first session's call to be live") {
                try await server.get("/v1/live/calls", token: LiveTestServer.aliceToken).body.contains(conversationId)
            }
            let desktop = EventStreamReader(server: server, path: "/v1/live/calls/\(conversationId)/events", token: LiveTestServer.aliceToken) {
                $0.type == "callEnded"
            }
            try await desktop.connected()
            let frames = Self.audioHookFrames(audio)
            for frame in frames.prefix(frames.count / 2) { try await outbound.write(frame) }

            // The second session, for the same conversation, while the first streams.
            secondClose.frame = try await server.webSocket(
                "/v1/ingest/audiohook", headers: Self.audioHookUnsignedHeaders(sessionId: secondSession)
            ) { inbound, outbound, _ in
                do {
                    try await outbound.write(.text(Self.audioHookOpen(sessionId: secondSession, conversationId: conversationId)))
                    var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    while second.replies.isEmpty, let message = try await iterator.next() {
                        if case .text(let text) = message { second.append(text) }
                    }
                    try await outbound.write(.text(Self.audioHookMessage(
                        "close", sessionId: secondSession, seq: 2, serverseq: 1, parameters: #"{"reason":"error"}"#)))
                    while let message = try await iterator.next() { if case .text(let text) = message { second.append(text) } }
                } catch { second.error = error }
            }

            for frame in frames.dropFirst(frames.count / 2) { try await outbound.write(frame) }
            try await outbound.write(.text(Self.audioHookMessage(
                "close", sessionId: firstSession, seq: 2, serverseq: 1, position: "PT50S", parameters: #"{"reason":"end"}"#)))
            first.messages = try await desktop.result.messages
            try? await outbound.close(.normalClosure, reason: nil)
            _ = try? await reader.value
        }

        // The second session: refused at open, then closed as the protocol ends a session.
        let refused = try Self.audioHookReplies(second.replies)
        #expect(refused.map(\.type) == ["disconnect", "closed"], "\(second.replies)")
        #expect(!second.replies.contains { $0.contains(#""type":"opened""#) })
        #expect(refused.map(\.seq) == [1, 2] && refused.map(\.clientseq) == [1, 2])
        #expect(refused.first?.parameters.reason == "error")
        #expect(refused.first?.parameters.info == "conversation \(conversationId) is already live")
        #expect(secondClose.frame?.closeCode == .normalClosure)

        // The first session: undisturbed, and its whole call stored.
        let replies = try Self.audioHookReplies(first.replies)
        #expect(replies.map(\.type) == ["opened", "closed"] && replies.map(\.seq) == [1, 2])
        #expect(first.messages.filter { $0.type == "callEnded" }.map(\.stored) == [true])
        #expect(first.messages.contains { $0.type == "alert" }, "the first call's alerts reached its desktop")
        let stored = try #require(try await server.database.report(callId: conversationId))
        #expect(stored == batch, "the first call's stored report is the batch's for the whole audio")
        #expect(try await Self.metric("attune_live_calls_started_total", server: server) == 1)
    }

    /// A client that asks (`customConfig.attuneEvents: true`) gets each of its call's alerts as an
    /// `event` (the same alerts, in order, that the advisor's desktop gets), every reply with the
    /// next server `seq` and the client's last `seq`. A `resumed` without `paused` in the middle
    /// is no error and gets no answer: the call goes on and all its audio is stored.
    @Test func audioHookAlertEventsAndResumedWithoutPaused() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let (truth, audio) = try Self.fixture("heated-mulaw")
        let sessionId = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
        let conversationId = "4d5e6f7a-8b9c-4d0e-9f1a-2b3c4d5e6f7a"
        let open = Self.audioHookOpen(
            sessionId: sessionId, conversationId: conversationId, customConfig: #"{"agentId":"alice","team":"north","attuneEvents":true}"#)
        let frames = Self.audioHookFrames(audio)
        let half = frames.count / 2
        let resumed = Self.audioHookMessage(
            "resumed", sessionId: sessionId, seq: 2, serverseq: 1, position: "PT25S", parameters: #"{"start":"PT25S","discarded":"PT0S"}"#)
        let streamed = try await Self.stream(
            server: server, path: "/v1/ingest/audiohook", headers: Self.audioHookUnsignedHeaders(sessionId: sessionId), callId: conversationId,
            opening: [.text(open)],
            frames: Array(frames.prefix(half)) + [.text(resumed)] + Array(frames.dropFirst(half)), framesPerSecond: 50,
            closing: [.text(Self.audioHookMessage("ping", sessionId: sessionId, seq: 3, serverseq: 1)),
                      .text(Self.audioHookMessage("close", sessionId: sessionId, seq: 4, serverseq: 1, parameters: #"{"reason":"end"}"#))])

        let replies = try Self.audioHookReplies(streamed.replies)
        let events = replies.filter { $0.type == "event" }
        #expect(replies.first?.type == "opened" && Array(replies.suffix(2).map(\.type)) == ["pong", "closed"])
        #expect(replies.map(\.type).filter { !["opened", "event", "pong", "closed"].contains($0) }.isEmpty, "no disconnect: \(replies.map(\.type))")
        #expect(replies.map(\.seq) == Array(1...replies.count), "server seq rises by one")
        // Each event carries one alert, the same the desktop got, in the same order.
        let alerts = streamed.messages.filter { $0.type == "alert" }
        #expect(alerts.count >= 2, "the fixture raises alerts (\(alerts.count))")
        let entities = events.compactMap { $0.parameters.entities }
        #expect(entities.allSatisfy { $0.count == 1 && $0[0].type == "attune.alert" })
        let sent = entities.compactMap(\.first?.data)
        #expect(sent.map(\.cause) == alerts.map { $0.cause ?? "" })
        #expect(sent.map(\.party) == alerts.map(\.party))
        #expect(zip(sent, alerts).allSatisfy { abs($0.atSeconds - ($1.atSeconds ?? -1)) < 1e-9 })
        #expect(sent.contains { $0.cause == "deadAir" } && truth.events.contains { $0.type == "deadAir" })
        // clientseq: the client's last seq when each was sent (1 before `resumed`, 2 after).
        #expect(events.allSatisfy { $0.clientseq == 1 || $0.clientseq == 2 })
        #expect(events.map(\.clientseq) == events.map(\.clientseq).sorted())
        #expect(events.contains { $0.clientseq == 2 }, "events go on after the resumed without paused")
        // All the audio analysed and stored: resumed without paused paused nothing.
        #expect(streamed.messages.last?.type == "callEnded" && streamed.messages.last?.stored == true)
        let stored = try #require(try await server.database.report(callId: conversationId))
        #expect(abs(stored.durationSeconds - Double(audio.samples.count / 2) / 8000) < 0.02)
    }
}

/// The second session's close frame, set inside the first session's handler.
final class AudioHookCloseBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _frame: WebSocketCloseFrame?
    var frame: WebSocketCloseFrame? {
        get { lock.withLock { _frame } }
        set { lock.withLock { _frame = newValue } }
    }
}

/// Text replies gathered by a socket handler, read after it ends.
final class ReplyBox: @unchecked Sendable {
    private let lock = NSLock()
    private var _replies: [String] = []
    private var _messages: [PushedMessage] = []
    private var _error: (any Error)?
    var error: (any Error)? {
        get { lock.withLock { _error } }
        set { lock.withLock { _error = newValue } }
    }
    var replies: [String] { lock.withLock { _replies } }
    var messages: [PushedMessage] {
        get { lock.withLock { _messages } }
        set { lock.withLock { _messages = newValue } }
    }
    func append(_ text: String) { lock.withLock { _replies.append(text) } }
}

