import Crypto
import FoundationEssentials

/// Twilio's request signature (`X-Twilio-Signature`), as Twilio documents it
/// (https://www.twilio.com/docs/usage/security#validating-requests): base64 of HMAC-SHA1 keyed
/// with the account's Auth Token over the full URL Twilio requested, followed by the POST
/// parameters sorted by name. A Media Streams WebSocket upgrade is a GET with no parameters, so
/// the message is the URL alone: `wss://HOST[:PORT]/PATH[?QUERY]`, exactly as the `<Stream url>`
/// gave it. Pure: the URL is built by the caller (`url(base:target:)`).
///
/// ```swift
/// let validator = TwilioSignatureValidator(authToken: token)
/// let url = TwilioSignatureValidator.url(base: "wss://attune.example.com", target: "/v1/ingest/twilio")
/// validator.isValid(signature: header, url: url)
/// ```
public struct TwilioSignatureValidator: Sendable {
    private let key: [UInt8]

    /// - Parameter authToken: the Twilio account's Auth Token (its UTF-8 bytes are the key).
    public init(authToken: String) {
        key = Array(authToken.utf8)
    }

    /// The signature Twilio sends for a request to `url` without POST parameters.
    public func signature(url: String) -> String {
        Data(HMAC<Insecure.SHA1>.authenticationCode(for: Array(url.utf8), using: SymmetricKey(data: key))).base64EncodedString()
    }

    /// Whether `signature` (the header's value) signs `url`, compared in constant time. As
    /// Twilio's own helper libraries do, the URL is also tried without its port and with the
    /// scheme's default port (443 for `wss`/`https`, 80 for `ws`/`http`), since the URL Twilio
    /// signs may or may not name it.
    public func isValid(signature: String, url: String) -> Bool {
        guard let given = Data(base64Encoded: signature.filter { $0 != " " }) else { return false }
        let symmetricKey = SymmetricKey(data: key)
        var valid = false
        for candidate in Self.portVariants(of: url) {
            // Every variant is checked (no early exit); each check is constant time.
            let matches = HMAC<Insecure.SHA1>.isValidAuthenticationCode(given, authenticating: Array(candidate.utf8), using: symmetricKey)
            valid = valid || matches
        }
        return valid
    }

    /// The URL a request was made to: `base` (`wss://host[:port]`, no trailing slash) and the
    /// request target as it arrived (path and query, e.g. `/v1/ingest/twilio`).
    public static func url(base: String, target: String) -> String {
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return trimmed + (target.hasPrefix("/") ? target : "/" + target)
    }

    /// `url` as given, without its port, and with the scheme's default port when it names none
    /// (duplicates removed).
    static func portVariants(of url: String) -> [String] {
        guard let schemeEnd = url.firstRange(of: "://") else { return [url] }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        let rest = url[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex { "/?#".contains($0) } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        let tail = rest[authorityEnd...]
        // The port follows the last colon, unless that colon is inside an IPv6 literal ("[::1]").
        let host: Substring
        if let colon = authority.lastIndex(of: ":"), !authority[colon...].contains("]") {
            host = authority[..<colon]
        } else {
            host = authority
        }
        let defaultPort = ["wss": "443", "https": "443", "ws": "80", "http": "80"][scheme]
        let prefix = url[..<schemeEnd.upperBound]
        var variants = [url, String(prefix + host + tail)]
        if host == authority, let defaultPort { variants.append(String(prefix + host + ":" + defaultPort + tail)) }
        var seen = Set<String>()
        return variants.filter { seen.insert($0).inserted }
    }
}
