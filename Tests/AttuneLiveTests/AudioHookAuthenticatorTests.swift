@testable import AttuneLive
import FoundationEssentials
import Testing

/// Test vectors for the AudioHook HTTP Message Signature check.
private enum Vector {
    // MARK: Genesys documentation example ("Example 1" of the AudioHook protocol documentation,
    // also used by purecloudlabs/audiohook-reference-implementation). The expected signature is
    // Genesys's; we re-derived it with Python (hmac/hashlib/base64) from the base format below.
    enum Genesys {
        static let apiKey = "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh"
        static let clientSecret = "TXlTdXBlclNlY3JldEtleVRlbGxOby0xITJAMyM0JDU="
        static let path = "/api/v1/voicebiometrics/ws"
        static let authority = "audiohook.example.com"
        static let now = Date(timeIntervalSince1970: 1_641_013_205)
        static let headers: [(name: String, value: String)] = [
            ("Host", "audiohook.example.com"),
            ("Audiohook-Organization-Id", "d7934305-0972-4844-938e-9060eef73d05"),
            ("Audiohook-Correlation-Id", "e160e428-53e2-487c-977d-96989bf5c99d"),
            ("Audiohook-Session-Id", "30b0e395-84d3-4570-ac13-9a62d8f514c0"),
            ("X-API-KEY", "SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh"),
            ("Signature", "sig1=:NZBwyBHRRyRoeLqy1IzOa9VYBuI8TgMFt2GRDkDuJh4=:"),
            ("Signature-Input", #"sig1=("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="SGVsbG8sIEkgYW0gdGhlIEFQSSBrZXkh";nonce="VGhpc0lzQVVuaXF1ZU5vbmNl";alg="hmac-sha256";created=1641013200;expires=3282026430"#),
        ]
    }

    // MARK: Our own vector, computed independently of the Swift code, once, with Python 3:
    //
    //   import hmac, hashlib, base64
    //   secret = b"attune-test-client-secret-0123456789"      # base64: YXR0dW5lLXRlc3QtY2xpZW50LXNlY3JldC0wMTIzNDU2Nzg5
    //   base = "\n".join([
    //     '"@request-target": /audiohook/v2/ws?tenant=acme&region=eu',
    //     '"@authority": attune.example.net',
    //     '"audiohook-organization-id": 5f0c2a8e-3b1d-4c6e-9a7f-2d4b6c8e0a13',
    //     '"audiohook-session-id": 7c9e6679-7425-40de-944b-e07fc1f90ae7',
    //     '"audiohook-correlation-id": 0d9a3b5c-1e2f-4a6b-8c7d-9e0f1a2b3c4d',
    //     '"x-api-key": attune-api-key-7f3c',
    //     '"@signature-params": ' + SIGNATURE_PARAMS])
    //   base64.b64encode(hmac.new(secret, base.encode(), hashlib.sha256).digest())
    //
    // with SIGNATURE_PARAMS the Signature-Input member below (after "sig1="), giving
    // "uyKkF/aEP/31jvaPoQvAokIGgHBnIICHkcF93XSChy8=". The second signature (parameters in another
    // order, no `expires`, doubled spaces in the header that the base normalises to single ones)
    // used SIGNATURE_PARAMS = '("@request-target" "@authority" "audiohook-organization-id"
    // "audiohook-session-id" "audiohook-correlation-id" "x-api-key");created=1767225600;
    // keyid="attune-api-key-7f3c";alg="hmac-sha256";nonce="bm9uY2UtZm9yLWF0dHVuZS10ZXN0cw"' and
    // gave "xC7/VY8kpaepriftbmMeJqYTZ0xYqNr7R10soFuaqcw=".
    enum Own {
        static let apiKey = "attune-api-key-7f3c"
        static let clientSecret = "YXR0dW5lLXRlc3QtY2xpZW50LXNlY3JldC0wMTIzNDU2Nzg5"
        static let decodedSecret = "attune-test-client-secret-0123456789"
        static let path = "/audiohook/v2/ws?tenant=acme&region=eu"
        static let authority = "attune.example.net"
        static let created = 1_767_225_600.0
        static let now = Date(timeIntervalSince1970: created + 5)
        static let signature = "uyKkF/aEP/31jvaPoQvAokIGgHBnIICHkcF93XSChy8="
        static let signatureInput =
            #"sig1=("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="attune-api-key-7f3c";nonce="bm9uY2UtZm9yLWF0dHVuZS10ZXN0cw";alg="hmac-sha256";created=1767225600;expires=1767225630"#
        static let reorderedSignature = "xC7/VY8kpaepriftbmMeJqYTZ0xYqNr7R10soFuaqcw="
        static let reorderedSignatureInput =
            #"sig1=("@request-target"  "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");created=1767225600;keyid="attune-api-key-7f3c";alg="hmac-sha256";nonce="bm9uY2UtZm9yLWF0dHVuZS10ZXN0cw""#
        static let expectedBase = """
            "@request-target": /audiohook/v2/ws?tenant=acme&region=eu
            "@authority": attune.example.net
            "audiohook-organization-id": 5f0c2a8e-3b1d-4c6e-9a7f-2d4b6c8e0a13
            "audiohook-session-id": 7c9e6679-7425-40de-944b-e07fc1f90ae7
            "audiohook-correlation-id": 0d9a3b5c-1e2f-4a6b-8c7d-9e0f1a2b3c4d
            "x-api-key": attune-api-key-7f3c
            "@signature-params": ("@request-target" "@authority" "audiohook-organization-id" "audiohook-session-id" "audiohook-correlation-id" "x-api-key");keyid="attune-api-key-7f3c";nonce="bm9uY2UtZm9yLWF0dHVuZS10ZXN0cw";alg="hmac-sha256";created=1767225600;expires=1767225630
            """

        static func headers(
            signature: String? = Own.signature, signatureInput: String? = Own.signatureInput, apiKey: String = Own.apiKey,
            sessionId: String = "7c9e6679-7425-40de-944b-e07fc1f90ae7", dropping: String? = nil
        ) -> [(name: String, value: String)] {
            var list: [(name: String, value: String)] = [
                ("host", "attune.example.net"),
                ("audiohook-organization-id", "5f0c2a8e-3b1d-4c6e-9a7f-2d4b6c8e0a13"),
                ("AUDIOHOOK-SESSION-ID", sessionId),
                ("Audiohook-Correlation-Id", " 0d9a3b5c-1e2f-4a6b-8c7d-9e0f1a2b3c4d "),
                ("x-api-key", apiKey),
            ]
            if let signature { list.append(("Signature", "sig1=:\(signature):")) }
            if let signatureInput { list.append(("Signature-Input", signatureInput)) }
            return list.filter { $0.name.lowercased() != dropping }
        }
    }
}

@Suite struct AudioHookAuthenticatorTests {
    private func own(_ configure: (inout AudioHookAuthenticator) -> Void = { _ in }) throws -> AudioHookAuthenticator {
        var authenticator = try AudioHookAuthenticator(apiKey: Vector.Own.apiKey, clientSecret: Vector.Own.clientSecret)
        configure(&authenticator)
        return authenticator
    }

    private func verify(
        _ authenticator: AudioHookAuthenticator, headers: [(name: String, value: String)] = Vector.Own.headers(),
        path: String = Vector.Own.path, authority: String = Vector.Own.authority, now: Date = Vector.Own.now
    ) -> AudioHookAuthError? {
        switch authenticator.verify(method: "GET", path: path, authority: authority, headers: headers, now: now) {
        case .success: nil
        case .failure(let error): error
        }
    }

    // MARK: Accepted

    @Test func genesysDocumentationExampleVerifies() throws {
        let authenticator = try AudioHookAuthenticator(apiKey: Vector.Genesys.apiKey, clientSecret: Vector.Genesys.clientSecret)
        let result = authenticator.verify(
            method: "GET", path: Vector.Genesys.path, authority: Vector.Genesys.authority, headers: Vector.Genesys.headers, now: Vector.Genesys.now)
        #expect(throws: Never.self) { try result.get() }
    }

    @Test func pythonComputedVectorVerifies() throws {
        #expect(verify(try own()) == nil)
    }

    @Test func signatureBaseMatchesPythonString() throws {
        let headers = Vector.Own.headers()
        let fields = HeaderFields(headers)
        let parsed = try #require(try AudioHookAuthenticator.parseSignature(
            input: fields["signature-input"] ?? "", signature: fields["signature"] ?? "").get())
        let base = try AudioHookAuthenticator.signatureBase(
            parsed, method: "GET", path: Vector.Own.path, authority: Vector.Own.authority, fields: fields).get()
        #expect(base == Vector.Own.expectedBase)
    }

    @Test func parameterOrderIsKeptAndSpacingNormalised() throws {
        let headers = Vector.Own.headers(signature: Vector.Own.reorderedSignature, signatureInput: Vector.Own.reorderedSignatureInput)
        #expect(verify(try own(), headers: headers) == nil)
        // The same parameters sorted differently are a different base: refused.
        let swapped = Vector.Own.reorderedSignatureInput.replacing(
            #";created=1767225600;keyid="attune-api-key-7f3c""#, with: #";keyid="attune-api-key-7f3c";created=1767225600"#)
        #expect(verify(try own(), headers: Vector.Own.headers(signature: Vector.Own.reorderedSignature, signatureInput: swapped)) == .signatureMismatch)
    }

    @Test func unsignedAcceptedWithoutSecret() throws {
        for secret in [nil, ""] as [String?] {
            let authenticator = try AudioHookAuthenticator(apiKey: Vector.Own.apiKey, clientSecret: secret)
            #expect(!authenticator.requiresSignature)
            #expect(verify(authenticator, headers: Vector.Own.headers(signature: nil, signatureInput: nil)) == nil)
            // The key is still checked.
            #expect(verify(authenticator, headers: Vector.Own.headers(signature: nil, signatureInput: nil, apiKey: "other")) == .wrongAPIKey)
            // A signed request is checked with an empty key (as the reference): this one is not.
            #expect(verify(authenticator) == .signatureMismatch)
        }
    }

    // MARK: Refused

    @Test func wrongOrMissingAPIKeyRefused() throws {
        let authenticator = try own()
        #expect(verify(authenticator, headers: Vector.Own.headers(apiKey: "attune-api-key-7f3d")) == .wrongAPIKey)
        #expect(verify(authenticator, headers: Vector.Own.headers(dropping: "x-api-key")) == .missingAPIKey)
        // Right X-API-KEY, but the signature's keyid names another key.
        let other = Vector.Own.signatureInput.replacing(#"keyid="attune-api-key-7f3c""#, with: #"keyid="someone-else""#)
        #expect(verify(authenticator, headers: Vector.Own.headers(signatureInput: other)) == .keyIdMismatch)
    }

    @Test func tamperedRequestRefused() throws {
        let authenticator = try own()
        #expect(verify(authenticator, headers: Vector.Own.headers(sessionId: "7c9e6679-7425-40de-944b-e07fc1f90ae8")) == .signatureMismatch)
        #expect(verify(authenticator, path: "/audiohook/v2/ws?tenant=evil&region=eu") == .signatureMismatch)
        #expect(verify(authenticator, authority: "attacker.example.net") == .signatureMismatch)
        // A covered header that is missing altogether.
        #expect(verify(authenticator, headers: Vector.Own.headers(dropping: "audiohook-correlation-id")) == .missingHeaderField("audiohook-correlation-id"))
    }

    @Test func badSignatureRefused() throws {
        let authenticator = try own()
        // One bit changed in the MAC.
        var bytes = try #require(AudioHookAuthenticator.decodeBase64(Vector.Own.signature))
        bytes[7] ^= 0x01
        let flipped = Data(bytes).base64EncodedString()
        #expect(verify(authenticator, headers: Vector.Own.headers(signature: flipped)) == .signatureMismatch)
        // Truncated MAC.
        #expect(verify(authenticator, headers: Vector.Own.headers(signature: Data(bytes.prefix(16)).base64EncodedString())) == .signatureMismatch)
        // Another client secret.
        let otherSecret = try AudioHookAuthenticator(apiKey: Vector.Own.apiKey, clientSecret: "b3RoZXItc2VjcmV0LXZhbHVlLTEyMzQ1Njc4OTAxMjM=")
        #expect(verify(otherSecret) == .signatureMismatch)
        // Not an hmac-sha256 signature.
        let rsa = Vector.Own.signatureInput.replacing(#"alg="hmac-sha256""#, with: #"alg="rsa-pss-sha512""#)
        #expect(verify(authenticator, headers: Vector.Own.headers(signatureInput: rsa)) == .unsupportedAlgorithm)
    }

    @Test func staleFutureAndExpiredRefused() throws {
        let authenticator = try own()
        let created = Vector.Own.created
        #expect(verify(authenticator, now: Date(timeIntervalSince1970: created + 10)) == nil)
        #expect(verify(authenticator, now: Date(timeIntervalSince1970: created - 10)) == nil)
        #expect(verify(authenticator, now: Date(timeIntervalSince1970: created + 10.5)) == .signatureTooOld)
        #expect(verify(authenticator, now: Date(timeIntervalSince1970: created - 10.5)) == .createdInFuture)
        // expires = created + 30: passed.
        #expect(verify(try own { $0.maximumSignatureAgeSeconds = 60 }, now: Date(timeIntervalSince1970: created + 31)) == .expired)
        #expect(verify(try own { $0.maximumSignatureAgeSeconds = 60 }, now: Date(timeIntervalSince1970: created + 29)) == nil)
        // No `created` at all.
        let noCreated = Vector.Own.signatureInput.replacing(";created=1767225600", with: "")
        #expect(verify(authenticator, headers: Vector.Own.headers(signatureInput: noCreated)) == .missingSignatureParameter("created"))
    }

    @Test func shortOrMissingNonceRefused() throws {
        let authenticator = try own()
        let short = Vector.Own.signatureInput.replacing("bm9uY2UtZm9yLWF0dHVuZS10ZXN0cw", with: "c2hvcnQtbm9uY2UtMTIz")
        #expect(verify(authenticator, headers: Vector.Own.headers(signatureInput: short)) == .nonceTooShort(length: 20))
        let none = Vector.Own.signatureInput.replacing(#";nonce="bm9uY2UtZm9yLWF0dHVuZS10ZXN0cw""#, with: "")
        #expect(verify(authenticator, headers: Vector.Own.headers(signatureInput: none)) == .missingSignatureParameter("nonce"))
    }

    @Test func missingSignatureRefusedWhenSecretConfigured() throws {
        let authenticator = try own()
        #expect(authenticator.requiresSignature)
        #expect(verify(authenticator, headers: Vector.Own.headers(signature: nil, signatureInput: nil)) == .unsigned)
        guard case .malformedSignature? = verify(authenticator, headers: Vector.Own.headers(signature: nil)) else {
            Issue.record("Signature-Input without Signature accepted")
            return
        }
        guard case .malformedSignature? = verify(authenticator, headers: Vector.Own.headers(signatureInput: nil)) else {
            Issue.record("Signature without Signature-Input accepted")
            return
        }
    }

    @Test func requiredComponentsMustBeCovered() throws {
        let authenticator = try own()
        let partial = Vector.Own.signatureInput.replacing(#" "x-api-key")"#, with: ")")
        #expect(verify(authenticator, headers: Vector.Own.headers(signatureInput: partial)) == .uncoveredComponents(["x-api-key"]))
        let unknown = Vector.Own.signatureInput.replacing(#"("@request-target""#, with: #"("@request-target" "@scheme""#)
        #expect(verify(authenticator, headers: Vector.Own.headers(signatureInput: unknown)) == .unsupportedComponent(#""@scheme""#))
    }

    @Test(arguments: [
        "sig1=", "sig1=(", #"sig1=("@authority""#, "SIG1=()", #"sig1=("a";"#, "sig1=(1 2)", #"sig1=("x");foo="bar""#,
        #"sig1=("x");created="soon""#, #"sig1=("x");created=-5"#, #"sig1=("x");created=1.5"#, "sig1=:AAAA:", "\u{1F600}", "sig1=?2", #"sig1=("\q")"#,
    ])
    func malformedSignatureInputRefused(input: String) throws {
        let error = verify(try own(), headers: Vector.Own.headers(signatureInput: input))
        guard case .malformedSignature? = error else {
            Issue.record("\(input): \(String(describing: error))")
            return
        }
    }

    @Test func invalidClientSecretRejectedAtConfiguration() {
        #expect(throws: AudioHookAuthError.invalidClientSecret) {
            try AudioHookAuthenticator(apiKey: "k", clientSecret: "not base64 at all!")
        }
    }

    /// No refusal's message contains the API key, the secret (either form), the nonce or the MAC.
    @Test func messagesNeverLeakCredentials() throws {
        let authenticator = try own()
        let secrets = [Vector.Own.apiKey, Vector.Own.clientSecret, Vector.Own.decodedSecret, Vector.Own.signature, "bm9uY2UtZm9yLWF0dHVuZS10ZXN0cw"]
        let cases: [[(name: String, value: String)]] = [
            Vector.Own.headers(apiKey: "wrong"),
            Vector.Own.headers(sessionId: "7c9e6679-7425-40de-944b-e07fc1f90ae8"),
            Vector.Own.headers(signature: nil, signatureInput: nil),
            Vector.Own.headers(signatureInput: Vector.Own.signatureInput.replacing("keyid", with: "keyidx")),
            Vector.Own.headers(signatureInput: Vector.Own.signatureInput.replacing(#"keyid="attune-api-key-7f3c""#, with: #"keyid="x""#)),
            Vector.Own.headers(dropping: "x-api-key"),
        ]
        var errors: [AudioHookAuthError] = cases.compactMap { verify(authenticator, headers: $0) }
        errors.append(contentsOf: [
            verify(authenticator, now: Date(timeIntervalSince1970: Vector.Own.created + 100)),
            verify(authenticator, now: Date(timeIntervalSince1970: Vector.Own.created - 100)),
        ].compactMap { $0 })
        #expect(errors.count == cases.count + 2)
        for error in errors {
            for secret in secrets {
                #expect(!error.description.contains(secret), "\(error)")
                #expect(!String(reflecting: error).contains(secret), "\(error)")
            }
        }
    }

    @Test func headerValuesAreCanonicalised() {
        #expect(HeaderFields.canonicalize("  a b \t") == "a b")
        #expect(HeaderFields.canonicalize("one \r\n\t two") == "one two")
        let fields = HeaderFields([("X-Thing", "a"), ("x-thing", " b ")])
        #expect(fields["X-THING"] == "a, b")
    }
}
