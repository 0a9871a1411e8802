import AttuneLive
import HTTPTypes

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
