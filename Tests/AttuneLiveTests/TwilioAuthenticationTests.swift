import AttuneLive
import FoundationEssentials
import Testing

/// Twilio as Twilio really connects (issue 15, item 2): no query string and no header, so the
/// ingest token comes in the `start` message's `customParameters` and is checked before any audio
/// is released; and `X-Twilio-Signature`, Twilio's HMAC-SHA1 request signature.
@Suite struct TwilioAuthenticationTests {
    static let ingestToken = "ingest-token-0123456789abcdef"
    static let advisorToken = "advisor-alice-0123456789abcdef"
    static let tokens = AccessTokens([(ingestToken, .ingest), (advisorToken, .advisor(agentId: "alice"))])

    static let connected = #"{"event":"connected","protocol":"Call","version":"1.0.0"}"#

    /// A `start` as Twilio sends it; `parameters` is the `customParameters` object's JSON.
    static func start(parameters: String) -> String {
        #"{"event":"start","sequenceNumber":"1","start":{"accountSid":"AC25e16e9a716a4a1786a7c83f58e30482","streamSid":"MZ1","callSid":"CA1","tracks":["inbound","outbound"],"customParameters":\#(parameters),"mediaFormat":{"encoding":"audio/x-mulaw","sampleRate":8000,"channels":1}},"streamSid":"MZ1"}"#
    }

    /// 20 ms of μ-law silence on `track`.
    static func media(track: String, chunk: Int) -> String {
        let payload = Data(repeating: 0xFF, count: 160).base64EncodedString()
        return #"{"event":"media","sequenceNumber":"\#(chunk + 2)","media":{"track":"\#(track)","chunk":"\#(chunk)","timestamp":"\#((chunk - 1) * 20)","payload":"\#(payload)"},"streamSid":"MZ1"}"#
    }

    /// Runs `messages` through a stream that must authenticate with its `start`: the events, and
    /// the first error (the stream stops at a fatal one).
    static func run(_ messages: [String]) -> (stream: TwilioStream, events: [IngestEvent], error: IngestError?) {
        var stream = TwilioStream(authorization: .ingestToken(tokens))
        var events: [IngestEvent] = []
        for message in messages {
            do { events += try stream.receive(text: message) } catch {
                return (stream, events, error)
            }
        }
        return (stream, events, nil)
    }

    // MARK: customParameters.token

    @Test func anIngestTokenInCustomParametersStartsTheCallWithItsAdvisorAndTeam() throws {
        let (stream, events, error) = Self.run([
            Self.connected,
            Self.start(parameters: #"{"token":"\#(Self.ingestToken)","callId":"call-42","agentId":"alice","team":"north"}"#),
            Self.media(track: "outbound", chunk: 1), Self.media(track: "inbound", chunk: 1),
        ])
        #expect(error == nil)
        #expect(!stream.refusedUnauthenticated)
        let setup = try #require(events.first.flatMap { if case .start(let setup) = $0 { setup } else { nil } })
        #expect(setup.callId == "call-42" && setup.agentId == "alice" && setup.team == "north")
        #expect(events.count == 2, "the start, then the first 20 ms of both tracks")
    }

    @Test func aMissingOrWrongTokenIsRefusedBeforeAnyAudio() {
        let cases: [(parameters: String, reason: String)] = [
            (#"{"callId":"call-42","agentId":"alice"}"#, "twilio: start.customParameters has no token"),
            (#"{"token":"","callId":"call-42"}"#, "twilio: start.customParameters has no token"),
            (#"{"token":"not-a-token-0123456789abcdef","callId":"call-42"}"#, "twilio: start.customParameters.token is not an ingest token"),
            // A known token of another role may not send audio either.
            (#"{"token":"\#(Self.advisorToken)","callId":"call-42"}"#, "twilio: start.customParameters.token is not an ingest token"),
            // One character changed.
            (#"{"token":"ingest-token-0123456789abcdeF","callId":"call-42"}"#, "twilio: start.customParameters.token is not an ingest token"),
            // Not a string: left out, so missing.
            (#"{"token":12345678901234567890,"callId":"call-42"}"#, "twilio: start.customParameters has no token"),
        ]
        for (parameters, reason) in cases {
            let (stream, events, error) = Self.run([
                Self.connected, Self.start(parameters: parameters), Self.media(track: "outbound", chunk: 1), Self.media(track: "inbound", chunk: 1),
            ])
            #expect(events.isEmpty, "\(parameters): no start and no audio")
            #expect(error?.isFatal == true && error?.reason.hasPrefix(reason) == true, "\(parameters): \(String(describing: error))")
            #expect(error?.reason.contains("0123456789") == false, "the reason never repeats the token")
            #expect(stream.refusedUnauthenticated && stream.setup == nil && stream.emittedSampleCount == 0)
            // Every later message is refused too: the stream never starts.
            var after = stream
            #expect(throws: IngestError.self) { try after.receive(text: Self.start(parameters: #"{"token":"\#(Self.ingestToken)"}"#)) }
        }
    }

    /// Until its `start`, an unauthenticated stream may only say `connected` (Twilio sends nothing
    /// else first): media, marks or junk end it, where an authenticated stream would ignore them.
    @Test func onlyConnectedMayComeBeforeTheAuthenticatingStart() {
        for first in [Self.media(track: "inbound", chunk: 1), #"{"event":"mark","mark":{"name":"x"}}"#, "not json", #"{"event":"stop"}"#] {
            let (stream, events, error) = Self.run([first, Self.start(parameters: #"{"token":"\#(Self.ingestToken)"}"#)])
            #expect(events.isEmpty && error?.isFatal == true && stream.refusedUnauthenticated, "\(first.prefix(30))")
            #expect(error?.reason.contains("before a start with an ingest token") == true, "\(String(describing: error))")
        }
        // Authenticated by its upgrade, the stream ignores a mark before start and needs no token.
        var upgraded = TwilioStream()
        #expect(throws: Never.self) { try upgraded.receive(text: #"{"event":"mark","mark":{"name":"x"}}"#) }
        let events = try? upgraded.receive(text: Self.start(parameters: #"{"callId":"call-42"}"#))
        #expect(events?.count == 1 && !upgraded.refusedUnauthenticated)
    }

    // MARK: X-Twilio-Signature

    /// Known answers computed independently of this code, so the test does not compare the code
    /// with itself:
    /// - Twilio's own documented example (https://www.twilio.com/docs/usage/security, Auth Token
    ///   `12345`): the URL followed by the POST parameters sorted by name, each name then value;
    /// - stream URLs (no POST parameters, as for a WebSocket upgrade), computed with
    ///   `printf %s 'URL' | openssl dgst -sha1 -hmac TOKEN -binary | base64`.
    @Test func signaturesMatchKnownAnswers() {
        let documented = TwilioSignatureValidator(authToken: "12345")
        let message = "https://mycompany.com/myapp.php?foo=1&bar=2"
            + "CallSidCA1234567890ABCDE" + "Caller+12349013030" + "Digits1234" + "From+12349013030" + "To+18005551212"
        #expect(documented.signature(url: message) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")

        let validator = TwilioSignatureValidator(authToken: "12345678901234567890123456789012")
        #expect(validator.signature(url: "wss://attune.example.com/v1/ingest/twilio") == "ctY8bpfGLbqsTQCA02aUFKZDFko=")
        #expect(validator.signature(url: "wss://attune.example.com/v1/ingest/native") == "p3xT/U8dDN3o1DRdoZZCCpe83/k=")
        #expect(validator.signature(url: "wss://attune.example.com:443/v1/ingest/twilio") == "aWSt7G0z1/Oo/LwE0AmUuaH1mF0=")
        #expect(TwilioSignatureValidator(authToken: "x").signature(url: "wss://127.0.0.1:12345/v1/ingest/twilio") == "1sCgoC3N7Y8CpNz46QEarSb9SyI=")
    }

    @Test func aValidSignatureIsAcceptedAndATamperedOneRefused() {
        let validator = TwilioSignatureValidator(authToken: "12345678901234567890123456789012")
        let url = TwilioSignatureValidator.url(base: "wss://attune.example.com", target: "/v1/ingest/twilio")
        #expect(url == "wss://attune.example.com/v1/ingest/twilio")
        #expect(validator.isValid(signature: "ctY8bpfGLbqsTQCA02aUFKZDFko=", url: url))
        // One character changed, signed for another path, another key, not base64, empty.
        #expect(!validator.isValid(signature: "ctY8bpfGLbqsTQCA02aUFKZDFkO=", url: url))
        #expect(!validator.isValid(signature: "p3xT/U8dDN3o1DRdoZZCCpe83/k=", url: url))
        #expect(!TwilioSignatureValidator(authToken: "12345678901234567890123456789013").isValid(signature: "ctY8bpfGLbqsTQCA02aUFKZDFko=", url: url))
        #expect(!validator.isValid(signature: "not base64!", url: url))
        #expect(!validator.isValid(signature: "", url: url))
        // The query is part of what is signed.
        #expect(!validator.isValid(signature: "ctY8bpfGLbqsTQCA02aUFKZDFko=", url: url + "?x=1"))
        // As Twilio's helper libraries: the URL with or without the scheme's default port.
        #expect(validator.isValid(signature: "aWSt7G0z1/Oo/LwE0AmUuaH1mF0=", url: url))
        #expect(validator.isValid(signature: "ctY8bpfGLbqsTQCA02aUFKZDFko=", url: "wss://attune.example.com:443/v1/ingest/twilio"))
        #expect(!validator.isValid(signature: "ctY8bpfGLbqsTQCA02aUFKZDFko=", url: "wss://attune.example.org/v1/ingest/twilio"))
    }
}
