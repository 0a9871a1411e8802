import AttuneLive
import HTTPTypes
import NIOCore

/// `/v1/ingest/twilio`: Twilio Media Streams (`TwilioStream`). Frames are reordered by
/// timestamp; a missing stretch becomes silence and is counted (`gapFrames`), a frame arriving
/// after its stretch was released is dropped and counted.
///
/// A stream whose upgrade request authenticated nothing (Twilio can send neither `?token=` nor a
/// header) must authenticate with its `start` (`customParameters.token`, see
/// `TwilioStream.Authorization`): refused, it closes with the reason (policy violation) before
/// any call starts, and the refusal is counted as an `auth` error.
struct TwilioAdapter: IngestAdapter {
    static let ingestProtocol = IngestProtocol.twilio
    private var stream: TwilioStream
    private var gapFramesSeen = 0
    private var droppedFramesSeen = 0

    /// - Parameters:
    ///   - startTokens: the server's tokens when the upgrade authenticated nothing (the `start`
    ///     must carry an ingest token); nil when the upgrade did.
    init(startTokens: AccessTokens? = nil) {
        stream = TwilioStream(authorization: startTokens.map { .ingestToken($0) } ?? .upgrade)
    }

    mutating func receive(text: String) -> IngestStep {
        var step: IngestStep
        let wasRefused = stream.refusedUnauthenticated
        do { step = IngestStep(events: try stream.receive(text: text)) } catch {
            step = .failure(error)
            if stream.refusedUnauthenticated, !wasRefused { step.closeCountsAs = .auth }
        }
        countFrames(into: &step)
        return step
    }

    mutating func receive(binary: ByteBuffer) -> IngestStep {
        IngestStep(problem: "twilio: binary message ignored (Media Streams sends JSON text)")
    }

    mutating func connectionClosed() -> IngestStep {
        var step = IngestStep(events: stream.finish() + [.end])
        countFrames(into: &step)
        return step
    }

    /// Twilio has no error message: the socket closes with the reason.
    mutating func refusal(_ reason: String) -> IngestStep { IngestStep(close: reason) }

    /// Gap-filled and dropped frames since the previous step.
    private mutating func countFrames(into step: inout IngestStep) {
        let gaps = TwilioTrack.allCases.reduce(0) { $0 + stream.counters(for: $1).gapFramesFilled }
        let dropped = stream.lateFramesDropped + stream.framesTooFarAhead
        step.gapFrames = gaps - gapFramesSeen
        step.droppedFrames = dropped - droppedFramesSeen
        gapFramesSeen = gaps
        droppedFramesSeen = dropped
    }
}

/// Checks the `X-Twilio-Signature` of a `/v1/ingest/twilio` upgrade request
/// (`TwilioSignatureValidator`) against the URL Twilio requested: `publicBaseURL` (how Twilio
/// reaches the server, e.g. through a TLS-terminating proxy) or else `wss://` and the request's
/// `Host`, followed by the request's path and query as they arrived.
struct TwilioUpgradeAuthenticator: Sendable {
    static let signatureHeader = HTTPField.Name("X-Twilio-Signature")!

    let validator: TwilioSignatureValidator
    let publicBaseURL: String?

    init(authToken: String, publicBaseURL: String?) {
        validator = TwilioSignatureValidator(authToken: authToken)
        self.publicBaseURL = publicBaseURL
    }

    /// The URL a request for `target` (path and query) to `host` was signed over.
    func signedURL(host: String?, target: String) -> String? {
        guard let base = publicBaseURL ?? host.flatMap({ $0.isEmpty ? nil : "wss://\($0)" }) else { return nil }
        return TwilioSignatureValidator.url(base: base, target: target)
    }

    /// Why the request is refused (naming no credential); nil when `signature` is valid.
    func refusal(signature: String?, host: String?, target: String) -> String? {
        guard let signature, !signature.isEmpty else { return "no X-Twilio-Signature (twilio.authToken is configured)" }
        guard let url = signedURL(host: host, target: target) else { return "no Host header to check X-Twilio-Signature against (set publicBaseURL)" }
        guard validator.isValid(signature: signature, url: url) else {
            let shown = url.prefix { $0 != "?" }
            return "X-Twilio-Signature does not sign \(shown) with twilio.authToken (behind a proxy, set publicBaseURL)"
        }
        return nil
    }
}
