import Crypto
public import FoundationEssentials

/// Why an AudioHook upgrade request is refused. Messages name headers and components, never the
/// API key, the client secret, the nonce or the signature.
public enum AudioHookAuthError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The configured client secret is not base64.
    case invalidClientSecret
    /// No `X-API-KEY` header.
    case missingAPIKey
    /// `X-API-KEY` is not the configured key.
    case wrongAPIKey
    /// A client secret is configured but the request carries no `Signature-Input`/`Signature`.
    case unsigned
    /// `Signature-Input` or `Signature` cannot be parsed or does not match the other.
    case malformedSignature(String)
    /// A required signature parameter (`created`, `nonce`) is absent.
    case missingSignatureParameter(String)
    /// The signature's `keyid` is not the `X-API-KEY` value.
    case keyIdMismatch
    /// The `nonce` is shorter than the minimum (its length).
    case nonceTooShort(length: Int)
    /// `created` is later than now (plus the allowed clock skew).
    case createdInFuture
    /// `created` is older than the maximum signature age.
    case signatureTooOld
    /// `expires` has passed.
    case expired
    /// Components the signature must cover but does not.
    case uncoveredComponents([String])
    /// A covered component that cannot be used (unknown, with parameters, duplicated, …).
    case unsupportedComponent(String)
    /// A covered header field is not in the request.
    case missingHeaderField(String)
    /// `alg` is not `hmac-sha256`.
    case unsupportedAlgorithm
    /// The signature does not match the request.
    case signatureMismatch

    public var description: String {
        switch self {
        case .invalidClientSecret: "the configured AudioHook client secret is not valid base64"
        case .missingAPIKey: "missing \"X-API-KEY\" header field"
        case .wrongAPIKey: "unknown API key"
        case .unsigned: "request is not signed (no \"Signature-Input\"/\"Signature\" header fields)"
        case .malformedSignature(let detail): "malformed signature: \(detail)"
        case .missingSignatureParameter(let name): "missing \"\(name)\" signature parameter"
        case .keyIdMismatch: "X-API-KEY header field and signature keyid mismatch"
        case .nonceTooShort(let length): "\"nonce\" signature parameter is too short (\(length) characters)"
        case .createdInFuture: "invalid \"created\" signature parameter (time in the future)"
        case .signatureTooOld: "signature too old (\"created\")"
        case .expired: "signature expired (\"expires\")"
        case .uncoveredComponents(let names): "signature does not cover required component(s): \(names.joined(separator: ", "))"
        case .unsupportedComponent(let name): "unsupported signature component \(name)"
        case .missingHeaderField(let name): "covered header field \"\(name)\" not present"
        case .unsupportedAlgorithm: "unsupported signature algorithm (only hmac-sha256)"
        case .signatureMismatch: "signatures do not match"
        }
    }
}

/// Checks a Genesys AudioHook WebSocket upgrade request: the `X-API-KEY` header and, when a client
/// secret is configured, its HTTP Message Signature (RFC 9421, HMAC-SHA256 keyed with the secret),
/// built and checked as the reference implementation does (`httpsignature/signature-verifier.ts`,
/// `app/src/authenticator.ts`). Pure: the time comes in as `now`.
public struct AudioHookAuthenticator: Sendable {
    /// Components every signature must cover.
    public static let requiredComponents = [
        "@request-target", "@authority", "audiohook-organization-id", "audiohook-session-id", "audiohook-correlation-id", "x-api-key",
    ]

    /// Oldest accepted `created`, before now (s). Default 10, as the reference's `maxSignatureAge`.
    public var maximumSignatureAgeSeconds = 10.0
    /// Latest accepted `created`, after now (s): allowed clock difference. Default 10.
    public var maximumClockSkewSeconds = 10.0
    /// Shortest accepted `nonce` (characters). Default 22, as the reference.
    public var minimumNonceLength = 22

    private let apiKeyDigest: [UInt8]
    private let secret: [UInt8]
    /// Whether requests must be signed (a non-empty client secret is configured).
    public let requiresSignature: Bool

    /// - Parameters:
    ///   - apiKey: the integration's API key (the `X-API-KEY` header value).
    ///   - clientSecret: the integration's client secret, base64 as Genesys shows it; nil or empty
    ///     = unsigned requests are accepted (signed ones are still checked, with an empty key).
    public init(apiKey: String, clientSecret: String?) throws(AudioHookAuthError) {
        apiKeyDigest = Array(SHA256.hash(data: Array(apiKey.utf8)))
        let trimmed = HeaderFields.canonicalize(clientSecret ?? "")
        if trimmed.isEmpty {
            secret = []
        } else {
            guard let bytes = Self.decodeBase64(trimmed) else { throw .invalidClientSecret }
            secret = bytes
        }
        requiresSignature = !secret.isEmpty
    }

    /// Checks one upgrade request.
    /// - Parameters:
    ///   - method: the HTTP method (for an `@method` component).
    ///   - path: the request target as sent, query included (`@request-target`).
    ///   - authority: the `Host` header value (`@authority`).
    ///   - headers: all request headers; names compare case-insensitively, repeated fields join
    ///     with ", ".
    ///   - now: the current time.
    public func verify(
        method: String, path: String, authority: String, headers: [(name: String, value: String)], now: Date
    ) -> Result<Void, AudioHookAuthError> {
        let fields = HeaderFields(headers)
        guard let apiKey = fields["x-api-key"], !apiKey.isEmpty else { return .failure(.missingAPIKey) }
        guard Self.digestsEqual(Array(SHA256.hash(data: Array(apiKey.utf8))), apiKeyDigest) else { return .failure(.wrongAPIKey) }

        let signature: ParsedSignature
        switch Self.parseSignature(input: fields["signature-input"] ?? "", signature: fields["signature"] ?? "") {
        case .success(let parsed?): signature = parsed
        case .success(nil): return requiresSignature ? .failure(.unsigned) : .success(())
        case .failure(let error): return .failure(error)
        }

        // Time, as the reference checks it before building the base.
        let nowSeconds = now.timeIntervalSince1970
        if let created = signature.created, Double(created) > nowSeconds + maximumClockSkewSeconds {
            return .failure(.createdInFuture)
        }
        if let expires = signature.expires, Double(expires) < nowSeconds { return .failure(.expired) }
        guard let created = signature.created else { return .failure(.missingSignatureParameter("created")) }
        if Double(created) + maximumSignatureAgeSeconds < nowSeconds { return .failure(.signatureTooOld) }

        let base: String
        switch Self.signatureBase(signature, method: method, path: path, authority: authority, fields: fields) {
        case .success(let built): base = built
        case .failure(let error): return .failure(error)
        }

        // The reference's key resolver: nonce, then keyid.
        guard let nonce = signature.nonce else { return .failure(.missingSignatureParameter("nonce")) }
        if nonce.count < minimumNonceLength { return .failure(.nonceTooShort(length: nonce.count)) }
        guard let keyId = signature.keyId, keyId == apiKey else { return .failure(.keyIdMismatch) }
        if let alg = signature.algorithm, alg != "hmac-sha256" { return .failure(.unsupportedAlgorithm) }

        let valid = HMAC<SHA256>.isValidAuthenticationCode(
            signature.signature, authenticating: Array(base.utf8), using: SymmetricKey(data: secret))
        return valid ? .success(()) : .failure(.signatureMismatch)
    }

    // MARK: - Signature parsing

    /// The selected (first) signature of a request.
    struct ParsedSignature: Sendable, Equatable {
        var label: String
        /// Covered component names, in order.
        var components: [String]
        /// The `Signature-Input` member, re-serialised (the `@signature-params` value).
        var signatureParams: String
        var keyId: String?
        var nonce: String?
        var algorithm: String?
        var created: Int?
        var expires: Int?
        var signature: [UInt8]
    }

    /// Parses both header values (RFC 8941 dictionaries; absent = empty) and validates every
    /// signature as the reference does; returns the first one, or nil when both are empty
    /// (unsigned).
    static func parseSignature(input: String, signature: String) -> Result<ParsedSignature?, AudioHookAuthError> {
        guard let inputs = StructuredFieldParser.dictionary(input) else { return .failure(.malformedSignature("cannot parse \"Signature-Input\"")) }
        guard let signatures = StructuredFieldParser.dictionary(signature) else { return .failure(.malformedSignature("cannot parse \"Signature\"")) }
        if inputs.isEmpty && signatures.isEmpty { return .success(nil) }
        if inputs.isEmpty { return .failure(.malformedSignature("\"Signature\" without \"Signature-Input\"")) }
        if signatures.isEmpty { return .failure(.malformedSignature("\"Signature-Input\" without \"Signature\"")) }
        var parsed: [ParsedSignature] = []
        for (label, member) in inputs {
            guard let signatureMember = signatures.first(where: { $0.key == label })?.value else {
                return .failure(.malformedSignature("no \"Signature\" for label \(label)"))
            }
            guard case .item(.bytes(let bytes), _) = signatureMember else {
                return .failure(.malformedSignature("\"Signature\" value is not a byte sequence"))
            }
            guard case .innerList(let items, let parameters) = member else {
                return .failure(.malformedSignature("\"Signature-Input\" value is not an inner list"))
            }
            var components: [String] = []
            for (value, itemParameters) in items {
                guard case .string(let name) = value else { return .failure(.malformedSignature("covered components must be strings")) }
                guard itemParameters.isEmpty else { return .failure(.unsupportedComponent("\"\(name)\" (component parameters)")) }
                components.append(name)
            }
            var result = ParsedSignature(
                label: label, components: components,
                signatureParams: StructuredFieldSerializer.innerList(items, parameters), signature: bytes)
            for (key, value) in parameters {
                switch (key, value) {
                case ("alg", .string(let text)): result.algorithm = text
                case ("keyid", .string(let text)): result.keyId = text
                case ("nonce", .string(let text)): result.nonce = text
                case ("created", .integer(let number)) where number >= 0: result.created = number
                case ("expires", .integer(let number)) where number >= 0: result.expires = number
                case ("alg", _), ("keyid", _), ("nonce", _), ("created", _), ("expires", _):
                    return .failure(.malformedSignature("signature parameter \"\(key)\" has the wrong type"))
                default:
                    return .failure(.malformedSignature("unknown signature parameter \"\(key)\""))
                }
            }
            parsed.append(result)
        }
        return .success(parsed[0])
    }

    /// The RFC 9421 signature base, as the reference builds it: one line per covered component,
    /// `"<name>": <value>`, then `"@signature-params": <the Signature-Input member re-serialised>`,
    /// joined by "\n" (no trailing newline). Header values are trimmed, obs-folds become one space,
    /// repeated fields join with ", ".
    static func signatureBase(
        _ signature: ParsedSignature, method: String, path: String, authority: String, fields: HeaderFields
    ) -> Result<String, AudioHookAuthError> {
        var lines: [String] = []
        var included: Set<String> = []
        for name in signature.components {
            let value: String?
            if name.hasPrefix("@") {
                if included.contains(name) { return .failure(.unsupportedComponent("\"\(name)\" (duplicate)")) }
                switch name {
                case "@request-target": value = path
                case "@authority": value = authority.isEmpty ? fields["host"] : HeaderFields.canonicalize(authority)
                case "@method": value = method
                case "@path": value = String(path.prefix { $0 != "?" })
                case "@query": value = path.firstIndex(of: "?").map { String(path[$0...]) } ?? "?"
                default: return .failure(.unsupportedComponent("\"\(name)\""))
                }
                guard let value, !value.isEmpty else { return .failure(.unsupportedComponent("\"\(name)\" (cannot resolve)")) }
                lines.append("\(StructuredFieldSerializer.string(name)): \(value)")
            } else {
                if name == "signature" { return .failure(.unsupportedComponent("\"signature\"")) }
                value = fields[name]
                guard let value else { return .failure(.missingHeaderField(name)) }
                lines.append("\(StructuredFieldSerializer.string(name)): \(value)")
            }
            included.insert(name)
        }
        let uncovered = requiredComponents.filter { !included.contains($0) }
        if !uncovered.isEmpty { return .failure(.uncoveredComponents(uncovered)) }
        lines.append("\"@signature-params\": \(signature.signatureParams)")
        return .success(lines.joined(separator: "\n"))
    }

    // MARK: - Helpers

    /// Constant-time comparison of two digests.
    private static func digestsEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// Standard base64, padding optional.
    static func decodeBase64(_ text: String) -> [UInt8]? {
        var padded = text
        if padded.utf8.count % 4 != 0 { padded += String(repeating: "=", count: 4 - padded.utf8.count % 4) }
        return Data(base64Encoded: padded).map { Array($0) }
    }
}

/// Request headers by lower-cased name; repeated fields join with ", " (as Node.js does).
struct HeaderFields: Sendable {
    private var values: [String: String] = [:]

    init(_ headers: [(name: String, value: String)]) {
        for (name, value) in headers {
            let key = name.lowercased(), canonical = Self.canonicalize(value)
            values[key] = values[key].map { "\($0), \(canonical)" } ?? canonical
        }
    }

    subscript(name: String) -> String? { values[name.lowercased()] }

    /// Trims the value and turns obs-folds (`[ \t]*\r\n[ \t]+`) into one space.
    static func canonicalize(_ value: String) -> String {
        let isSpace = { (scalar: Unicode.Scalar) in scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n" }
        let scalarsIn = value.unicodeScalars
        var text = String(String.UnicodeScalarView(scalarsIn.drop(while: isSpace).reversed().drop(while: isSpace).reversed()))
        guard text.unicodeScalars.contains("\r") else { return text }
        var result = ""
        var scalars = Array(text.unicodeScalars)[...]
        while let scalar = scalars.first {
            if scalar == "\r", scalars.dropFirst().first == "\n", let next = scalars.dropFirst(2).first, next == " " || next == "\t" {
                while let last = result.unicodeScalars.last, last == " " || last == "\t" { result.unicodeScalars.removeLast() }
                result.append(" ")
                scalars = scalars.dropFirst(2).drop { $0 == " " || $0 == "\t" }
            } else {
                result.unicodeScalars.append(scalar)
                scalars = scalars.dropFirst()
            }
        }
        text = result
        return text
    }
}

// MARK: - RFC 8941 structured fields (the subset HTTP Message Signatures use)

enum StructuredBareItem: Sendable, Equatable {
    case integer(Int)
    case decimal(Double)
    case string(String)
    case token(String)
    case bytes([UInt8])
    case boolean(Bool)
}

typealias StructuredParameters = [(key: String, value: StructuredBareItem)]

enum StructuredMember: Sendable {
    case item(StructuredBareItem, StructuredParameters)
    case innerList([(value: StructuredBareItem, parameters: StructuredParameters)], StructuredParameters)
}

/// RFC 8941 parser, following the reference's `structured-fields.ts`.
struct StructuredFieldParser {
    private let bytes: [UInt8]
    private var index = 0

    private init(_ text: String) { bytes = Array(text.utf8) }

    /// A dictionary field in member order (a repeated key keeps its first place, last value), or nil
    /// if the text is not one.
    static func dictionary(_ text: String) -> [(key: String, value: StructuredMember)]? {
        var parser = StructuredFieldParser(text)
        parser.skip(spacesOnly: true)
        var members: [(key: String, value: StructuredMember)] = []
        if parser.atEnd { return members }
        while true {
            guard let key = parser.key() else { return nil }
            let member: StructuredMember
            if parser.peek == UInt8(ascii: "=") {
                parser.index += 1
                guard let value = parser.itemOrInnerList() else { return nil }
                member = value
            } else {
                guard let parameters = parser.parameters() else { return nil }
                member = .item(.boolean(true), parameters)
            }
            if let existing = members.firstIndex(where: { $0.key == key }) {
                members[existing].value = member
            } else {
                members.append((key, member))
            }
            parser.skip(spacesOnly: false)
            if parser.atEnd { return members }
            guard parser.peek == UInt8(ascii: ",") else { return nil }
            parser.index += 1
            parser.skip(spacesOnly: false)
            if parser.atEnd { return nil }
        }
    }

    private var atEnd: Bool { index >= bytes.count }
    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func skip(spacesOnly: Bool) {
        while let byte = peek, byte == 0x20 || (!spacesOnly && byte == 0x09) { index += 1 }
    }

    private mutating func itemOrInnerList() -> StructuredMember? {
        if peek == UInt8(ascii: "(") {
            index += 1
            var items: [(value: StructuredBareItem, parameters: StructuredParameters)] = []
            while true {
                skip(spacesOnly: true)
                guard let byte = peek else { return nil }
                if byte == UInt8(ascii: ")") {
                    index += 1
                    guard let parameters = parameters() else { return nil }
                    return .innerList(items, parameters)
                }
                guard let value = bareItem(), let parameters = parameters() else { return nil }
                items.append((value, parameters))
                guard let next = peek, next == 0x20 || next == UInt8(ascii: ")") else { return nil }
            }
        }
        guard let value = bareItem(), let parameters = parameters() else { return nil }
        return .item(value, parameters)
    }

    private mutating func parameters() -> StructuredParameters? {
        var result: StructuredParameters = []
        while peek == UInt8(ascii: ";") {
            index += 1
            skip(spacesOnly: true)
            guard let key = key() else { return nil }
            var value = StructuredBareItem.boolean(true)
            if peek == UInt8(ascii: "=") {
                index += 1
                guard let item = bareItem() else { return nil }
                value = item
            }
            if let existing = result.firstIndex(where: { $0.key == key }) {
                result[existing].value = value
            } else {
                result.append((key, value))
            }
        }
        return result
    }

    /// `[a-z*][a-z0-9_\-.*]*`
    private mutating func key() -> String? {
        guard let first = peek, Self.isLower(first) || first == UInt8(ascii: "*") else { return nil }
        let start = index
        while let byte = peek, Self.isLower(byte) || Self.isDigit(byte) || "_-.*".utf8.contains(byte) { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func bareItem() -> StructuredBareItem? {
        guard let first = peek else { return nil }
        if first == UInt8(ascii: "-") || Self.isDigit(first) { return number() }
        if first == UInt8(ascii: "\"") { return string() }
        if Self.isAlpha(first) || first == UInt8(ascii: "*") {
            let start = index
            index += 1
            while let byte = peek, Self.isAlpha(byte) || Self.isDigit(byte) || ":/!#$%&'*+-.^_`|~".utf8.contains(byte) { index += 1 }
            return .token(String(decoding: bytes[start..<index], as: UTF8.self))
        }
        if first == UInt8(ascii: ":") { return byteSequence() }
        if first == UInt8(ascii: "?") {
            guard index + 1 < bytes.count else { return nil }
            let flag = bytes[index + 1]
            guard flag == UInt8(ascii: "0") || flag == UInt8(ascii: "1") else { return nil }
            index += 2
            return .boolean(flag == UInt8(ascii: "1"))
        }
        return nil
    }

    /// `-?\d+(\.\d*)?`: integers up to 15 digits, decimals up to 12 + 3.
    private mutating func number() -> StructuredBareItem? {
        let start = index
        if peek == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        while let byte = peek, Self.isDigit(byte) { index += 1 }
        let integerDigits = index - integerStart
        guard integerDigits > 0 else { return nil }
        if peek == UInt8(ascii: ".") {
            let dot = index
            index += 1
            while let byte = peek, Self.isDigit(byte) { index += 1 }
            guard integerDigits <= 12, index - dot <= 4 else { return nil }
            return Double(String(decoding: bytes[start..<index], as: UTF8.self)).map(StructuredBareItem.decimal)
        }
        guard integerDigits <= 15 else { return nil }
        return Int(String(decoding: bytes[start..<index], as: UTF8.self)).map(StructuredBareItem.integer)
    }

    private mutating func string() -> StructuredBareItem? {
        index += 1
        var value: [UInt8] = []
        while let byte = peek {
            index += 1
            if byte == UInt8(ascii: "\\") {
                guard let escaped = peek, escaped == UInt8(ascii: "\\") || escaped == UInt8(ascii: "\"") else { return nil }
                value.append(escaped)
                index += 1
            } else if byte == UInt8(ascii: "\"") {
                return .string(String(decoding: value, as: UTF8.self))
            } else if byte < 0x20 || byte > 0x7E {
                return nil
            } else {
                value.append(byte)
            }
        }
        return nil
    }

    /// `:[A-Za-z0-9+/]*={0,2}:`
    private mutating func byteSequence() -> StructuredBareItem? {
        index += 1
        let start = index
        while let byte = peek, Self.isAlpha(byte) || Self.isDigit(byte) || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "/") { index += 1 }
        var padding = 0
        while peek == UInt8(ascii: "="), padding < 2 { index += 1; padding += 1 }
        guard peek == UInt8(ascii: ":") else { return nil }
        let text = String(decoding: bytes[start..<index], as: UTF8.self)
        index += 1
        return AudioHookAuthenticator.decodeBase64(text).map(StructuredBareItem.bytes)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    private static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    private static func isAlpha(_ byte: UInt8) -> Bool { isLower(byte) || (byte >= 0x41 && byte <= 0x5A) }
}

/// RFC 8941 serialisation of what a signature base needs.
enum StructuredFieldSerializer {
    /// `"…"` with `\` and `"` escaped.
    static func string(_ text: String) -> String {
        var result = "\""
        for character in text {
            if character == "\\" || character == "\"" { result.append("\\") }
            result.append(character)
        }
        return result + "\""
    }

    static func bareItem(_ item: StructuredBareItem) -> String {
        switch item {
        case .integer(let value): String(value)
        case .decimal(let value): decimal(value)
        case .string(let value): string(value)
        case .token(let value): value
        case .bytes(let value): ":\(Data(value).base64EncodedString()):"
        case .boolean(let value): value ? "?1" : "?0"
        }
    }

    static func parameters(_ parameters: StructuredParameters) -> String {
        parameters.map { key, value in value == .boolean(true) ? ";\(key)" : ";\(key)=\(bareItem(value))" }.joined()
    }

    static func innerList(_ items: [(value: StructuredBareItem, parameters: StructuredParameters)], _ listParameters: StructuredParameters) -> String {
        "(" + items.map { bareItem($0.value) + parameters($0.parameters) }.joined(separator: " ") + ")" + parameters(listParameters)
    }

    /// At most 3 decimals, at least one.
    private static func decimal(_ value: Double) -> String {
        let thousandths = Int((value * 1000).rounded(.toNearestOrEven))
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = abs(thousandths)
        var fraction = String(magnitude % 1000)
        fraction = String(repeating: "0", count: 3 - fraction.count) + fraction
        while fraction.count > 1 && fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(sign)\(magnitude / 1000).\(fraction)"
    }
}
