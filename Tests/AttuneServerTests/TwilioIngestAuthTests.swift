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
import NIOWebSocket
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Twilio Media Streams as a real Twilio account connects (issue 15, item 2), end to end over
/// real sockets: Twilio's `<Stream url>` takes no query string and Twilio sets no
/// `Authorization` header, so the ingest token comes as `<Parameter name="token">`
/// (`start.customParameters.token`), checked before any audio is analysed; with the account's
/// Auth Token configured, the upgrade's `X-Twilio-Signature` is checked as Twilio documents it.
@Suite(.serialized) struct TwilioIngestAuthTests {
    static let path = "/v1/ingest/twilio"
    static let connected = #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#
    /// A Twilio account's Auth Token for the signature tests, and signatures of stream URLs with
    /// it computed independently (`printf %s URL | openssl dgst -sha1 -hmac TOKEN -binary | base64`).
    static let authToken = "12345678901234567890123456789012"
    static let publicBaseURL = "wss://attune.example.com"
    /// Signs `wss://attune.example.com/v1/ingest/twilio`.
    static let signature = "ctY8bpfGLbqsTQCA02aUFKZDFko="
    /// Signs `wss://attune.example.com/v1/ingest/native`: a signature for another path.
    static let signatureForAnotherPath = "p3xT/U8dDN3o1DRdoZZCCpe83/k="
    static let signatureHeader = HTTPField.Name("X-Twilio-Signature")!

    /// A `start` as Twilio sends it, `parameters` being its `customParameters` (JSON object).
    static func start(callId: String, streamSid: String, parameters: String) -> String {
        #"{"event":"start","sequenceNumber":"1","streamSid":"\#(streamSid)","start":{"accountSid":"AC0123","streamSid":"\#(streamSid)","callSid":"CA\#(callId)","tracks":["inbound","outbound"],"customParameters":\#(parameters),"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}}}"#
    }

    /// The first `seconds` of the μ-law fixture as Twilio media messages (both tracks).
    static func media(streamSid: String, seconds: Int) throws -> [String] {
        let (_, audio) = try IngestEndToEndTests.fixture("heated-mulaw")
        return IngestEndToEndTests.twilioMedia(audio, streamSid: streamSid).prefix(seconds * 100).map(\.text)
    }

    static func metric(_ name: String, _ server: LiveTestServer) async throws -> Double {
        try await IngestEndToEndTests.metric(name, server: server)
    }

    static let authErrors = #"attune_live_errors_total{kind="auth"}"#
    static let twilioAudio = #"attune_live_audio_messages_total{protocol="twilio"}"#

    /// Streams a short call to `/v1/ingest/twilio` with these upgrade headers and `customParameters`:
    /// waits for the call to be live (checking who may see it), sends 3 s of audio and `stop`,
    /// and waits for its report to be stored.
    static func streamCall(server: LiveTestServer, headers: HTTPFields, callId: String, parameters: String) async throws {
        let streamSid = "MZ-\(callId)"
        let media = try Self.media(streamSid: streamSid, seconds: 3)
        let box = ReplyBox()
        _ = try await server.webSocket(path, headers: headers) { inbound, outbound, _ in
            do {
                try await outbound.write(.text(Self.connected))
                try await outbound.write(.text(Self.start(callId: callId, streamSid: streamSid, parameters: parameters)))
                // The advisor and team come from customParameters: Alice and her supervisor see it.
                try await eventually("call \(callId) to be live for Alice and her team") {
                    let alice = try await server.get("/v1/live/calls", token: LiveTestServer.aliceToken).body
                    let north = try await server.get("/v1/live/calls", token: LiveTestServer.northToken).body
                    return alice.contains(callId) && north.contains(callId)
                }
                #expect(try await server.get("/v1/live/calls", token: LiveTestServer.bobToken).body.contains(callId) == false)
                for message in media { try await outbound.write(.text(message)) }
                try await outbound.write(IngestEndToEndTests.twilioStop(callId: callId, streamSid: streamSid))
                try await eventually("call \(callId) to be stored") { try await server.database.report(callId: callId) != nil }
                try await outbound.close(.normalClosure, reason: nil)
                for try await _ in inbound.messages(maxSize: 1 << 20) {}
            } catch { box.error = error }
        }
        if let error = box.error { throw error }
    }

    /// Opens `/v1/ingest/twilio` with no credential, sends `connected`, a `start` with these
    /// `customParameters` and a second of audio, and returns how the server closed the socket.
    /// Should the server start the call instead of closing, that is recorded and the client
    /// closes (the test fails rather than waits).
    static func refusedStream(server: LiveTestServer, callId: String, parameters: String) async throws -> WebSocketCloseFrame? {
        let streamSid = "MZ-\(callId)"
        let media = try Self.media(streamSid: streamSid, seconds: 1)
        return try await server.webSocket(path) { inbound, outbound, _ in
            // Writes after the server's close may fail: what matters is how it closed.
            try? await outbound.write(.text(Self.connected))
            try? await outbound.write(.text(Self.start(callId: callId, streamSid: streamSid, parameters: parameters)))
            for message in media { try? await outbound.write(.text(message)) }
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    do { for try await _ in inbound.messages(maxSize: 1 << 20) {} } catch {}
                }
                group.addTask {
                    // Cancelled (so false) once the server has closed the socket.
                    guard (try? await eventually("a call to start", timeoutSeconds: 30) { server.server.hub.liveCallCount > 0 }) != nil else { return }
                    Issue.record("\(callId): the call started instead of being refused")
                    try? await outbound.close(.normalClosure, reason: nil)
                }
                await group.next()
                group.cancelAll()
            }
        }
    }

    // MARK: customParameters.token

    /// No query string, no header: the token in `customParameters` alone authenticates the
    /// stream, and `agentId`/`team` there say who may watch it; the call is stored.
    @Test func aStreamAuthenticatedOnlyByCustomParametersIsAcceptedAndStored() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        // The upgrade itself is granted without any credential.
        #expect(await RawHTTPRequest.status(port: server.port, path: Self.path, token: nil, headers: RawHTTPRequest.webSocketUpgrade) == 101)
        let callId = "twilio-parameter-token"
        try await Self.streamCall(
            server: server, headers: [:], callId: callId,
            parameters: #"{"token":"\#(LiveTestServer.ingestToken)","callId":"\#(callId)","agentId":"alice","team":"north"}"#)
        let stored = try #require(try await server.database.report(callId: callId))
        #expect(abs(stored.durationSeconds - 3) < 0.05)
        #expect(try await Self.metric(Self.authErrors, server) == 0)
        #expect(try await Self.metric(Self.twilioAudio, server) > 0)
    }

    /// A missing or wrong `customParameters.token` closes the socket with a policy-violation
    /// close naming the problem, before any audio: no call is registered, started or stored, no
    /// audio is counted, and the refusal is counted as an `auth` error.
    @Test func aMissingOrWrongParameterTokenIsRefusedBeforeAudio() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let cases: [(callId: String, parameters: String, reason: String)] = [
            ("twilio-no-token", #"{"callId":"twilio-no-token","agentId":"alice","team":"north"}"#,
             #"twilio: start.customParameters has no token (<Parameter name="token" value=…/>)"#),
            ("twilio-wrong-token", #"{"token":"not-a-token-0123456789abcdef","callId":"twilio-wrong-token","agentId":"alice"}"#,
             "twilio: start.customParameters.token is not an ingest token"),
            ("twilio-advisor-token", #"{"token":"\#(LiveTestServer.aliceToken)","callId":"twilio-advisor-token","agentId":"alice"}"#,
             "twilio: start.customParameters.token is not an ingest token"),
        ]
        for (index, (callId, parameters, reason)) in cases.enumerated() {
            let close = try await Self.refusedStream(server: server, callId: callId, parameters: parameters)
            #expect(close?.closeCode == .policyViolation, "\(callId)")
            #expect(close?.reason == reason, "\(callId)")
            #expect(server.server.hub.liveCallCount == 0, "\(callId)")
            #expect(try await server.database.report(callId: callId) == nil, "\(callId) was stored")
            try await eventually("the refusal of \(callId) to be counted") { try await Self.metric(Self.authErrors, server) == Double(index + 1) }
        }
        // Counted once, as what it is: not also as a protocol error.
        #expect(try await Self.metric(#"attune_live_errors_total{kind="protocol"}"#, server) == 0)
        #expect(try await Self.metric("attune_live_calls_started_total", server) == 0)
        #expect(try await Self.metric("attune_live_calls_stored_total", server) == 0)
        #expect(try await Self.metric(Self.twilioAudio, server) == 0)
        #expect(try await Self.metric("attune_live_audio_seconds_total", server) == 0)
    }

    /// Other clients may still give the token as before; a viewer's token is still refused.
    @Test func theOldWayStillWorks() async throws {
        let server = try await LiveTestServer.start()
        defer { Task { await server.stop() } }
        let upgrade = RawHTTPRequest.webSocketUpgrade
        #expect(await RawHTTPRequest.status(port: server.port, path: Self.path + "?token=\(LiveTestServer.ingestToken)", token: nil, headers: upgrade) == 101)
        #expect(await RawHTTPRequest.status(port: server.port, path: Self.path, token: LiveTestServer.ingestToken, headers: upgrade) == 101)
        #expect(await RawHTTPRequest.status(port: server.port, path: Self.path, token: LiveTestServer.aliceToken, headers: upgrade) == 403)
        #expect(await RawHTTPRequest.status(port: server.port, path: Self.path, token: "not-a-token-0123456789", headers: upgrade) == 401)
        let callId = "twilio-bearer"
        try await Self.streamCall(
            server: server, headers: [.authorization: "Bearer \(LiveTestServer.ingestToken)"], callId: callId,
            parameters: #"{"callId":"\#(callId)","agentId":"alice","team":"north"}"#)
    }

    // MARK: X-Twilio-Signature

    /// With `twilio.authToken` configured and `publicBaseURL` set (as behind a TLS-terminating
    /// proxy), a signature over the public URL is accepted and alone authenticates the stream; a
    /// tampered one, one for another path, none, or an ingest token without a signature: 401.
    @Test func theSignatureIsCheckedAgainstThePublicURL() async throws {
        let server = try await LiveTestServer.start(LiveTestServer.configuration {
            $0.twilio = .init(authToken: Self.authToken)
            $0.publicBaseURL = Self.publicBaseURL
        })
        defer { Task { await server.stop() } }
        let upgrade = RawHTTPRequest.webSocketUpgrade
        func status(_ signature: String?, token: String? = nil, path: String = Self.path) async -> Int? {
            await RawHTTPRequest.status(port: server.port, path: path, token: token, headers: upgrade + (signature.map { ["X-Twilio-Signature: \($0)"] } ?? []))
        }
        #expect(await status(Self.signature) == 101)
        var tampered = Array(Self.signature)
        tampered[5] = tampered[5] == "A" ? "B" : "A"
        #expect(await status(String(tampered)) == 401, "one character changed")
        #expect(await status(Self.signatureForAnotherPath) == 401, "signed for /v1/ingest/native")
        #expect(await status(Self.signature, path: Self.path + "?x=1") == 401, "signed without the query the request has")
        #expect(await status(nil) == 401, "no signature")
        #expect(await status(nil, token: LiveTestServer.ingestToken) == 401, "an ingest token does not replace the signature")
        try await eventually("five refusals counted") { try await Self.metric(Self.authErrors, server) == 5 }
        // A refused upgrade says why, and what URL it checked (with the public base).
        let refusal = await RawHTTPRequest.response(port: server.port, path: Self.path, token: nil, headers: RawHTTPRequest.webSocketUpgrade + ["X-Twilio-Signature: \(Self.signatureForAnotherPath)"])
        #expect(refusal.hasPrefix("HTTP/1.1 401"), "\(refusal)")
        #expect(refusal.contains("X-Twilio-Signature does not sign wss://attune.example.com/v1/ingest/twilio"), "\(refusal)")

        // Signed, with no token anywhere: streamed and stored.
        let callId = "twilio-signed"
        try await Self.streamCall(
            server: server, headers: [Self.signatureHeader: Self.signature], callId: callId,
            parameters: #"{"callId":"\#(callId)","agentId":"alice","team":"north"}"#)
        #expect(try await server.database.report(callId: callId) != nil)
    }

    /// Without `publicBaseURL`, the signed URL is `wss://` and the request's `Host`: a signature
    /// computed here with Twilio's algorithm over that URL is accepted, one over another host not.
    @Test func withoutAPublicBaseURLTheHostHeaderIsSigned() async throws {
        let server = try await LiveTestServer.start(LiveTestServer.configuration { $0.twilio = .init(authToken: Self.authToken) })
        defer { Task { await server.stop() } }
        // Twilio's documented algorithm: base64(HMAC-SHA1(key: Auth Token, message: the URL)),
        // no POST parameters for a WebSocket GET.
        func twilioSignature(_ url: String) -> String {
            Data(HMAC<Insecure.SHA1>.authenticationCode(for: Data(url.utf8), using: SymmetricKey(data: Data(Self.authToken.utf8)))).base64EncodedString()
        }
        #expect(twilioSignature("wss://attune.example.com/v1/ingest/twilio") == Self.signature, "the test's own HMAC agrees with openssl")
        let upgrade = RawHTTPRequest.webSocketUpgrade
        let signed = twilioSignature("wss://127.0.0.1:\(server.port)/v1/ingest/twilio")
        #expect(await RawHTTPRequest.status(port: server.port, path: Self.path, token: nil, headers: upgrade + ["X-Twilio-Signature: \(signed)"]) == 101)
        #expect(await RawHTTPRequest.status(port: server.port, path: Self.path, token: nil, headers: upgrade + ["X-Twilio-Signature: \(Self.signature)"]) == 401)
        let http = twilioSignature("ws://127.0.0.1:\(server.port)/v1/ingest/twilio")
        #expect(await RawHTTPRequest.status(port: server.port, path: Self.path, token: nil, headers: upgrade + ["X-Twilio-Signature: \(http)"]) == 401, "Twilio streams to wss only")
    }

    // MARK: Configuration

    @Test func theTwilioConfigurationIsCheckedLikeTheOthers() throws {
        let configuration = try ServerConfiguration.parse(#"{ "twilio": { "authToken": "0123456789abcdef0123456789abcdef" } }"#, file: "serve.json")
        #expect(configuration.twilio?.authToken == "0123456789abcdef0123456789abcdef")
        #expect(try ServerConfiguration.parse("{}", file: "serve.json").twilio == nil)
        let unknown = #expect(throws: ServerConfiguration.Problem.self) {
            try ServerConfiguration.parse(#"{ "twilio": { "authToken": "0123456789abcdef0123456789abcdef", "authTokn": "x" } }"#, file: "serve.json")
        }
        #expect(unknown?.file == "serve.json")
        #expect(unknown?.message.hasPrefix(#"twilio.authTokn: unknown key (did you mean "authToken"?"#) == true, "\(String(describing: unknown))")
        let empty = #expect(throws: ServerConfiguration.Problem.self) {
            try ServerConfiguration.parse(#"{ "twilio": { "authToken": "" } }"#, file: "serve.json")
        }
        #expect(empty?.message.hasPrefix("twilio.authToken:") == true, "\(String(describing: empty))")
        // The commented example shows it, and reads.
        #expect(ServerConfiguration.example.contains(#""twilio": { "authToken""#))
        #expect(try ServerConfiguration.parse(ServerConfiguration.example, file: "example").twilio != nil)
    }
}
