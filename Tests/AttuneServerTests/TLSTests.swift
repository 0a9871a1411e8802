import AttuneLive
import AttuneServer
import AttuneTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOSSL
import NIOWebSocket
import Testing

/// Issue 15, item 4: `attune serve` speaks TLS itself. An AudioHook client connects over `wss`
/// trusting only a test CA, its signed upgrade is checked against the configured public host
/// (`publicBaseURL`: what Genesys signs when a proxy or load balancer stands in front), and a
/// reloaded certificate is what new connections get.
@Suite(.serialized) struct TLSTests {
    static let publicHost = "attune.test.example"

    static func client(trusting authority: String) throws -> TLSConfiguration {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(authority))
        return configuration
    }

    /// Opens an AudioHook session over `wss` with these headers; the replies, or the error.
    static func openSession(port: Int, headers: HTTPFields, trusting authority: String, sessionId: String) async throws -> [String] {
        var configuration = WebSocketClientConfiguration(maxFrameSize: 1 << 20)
        configuration.additionalHeaders = headers
        // The name the client asks for and checks the certificate against, as a client of the
        // public host would (an IP address cannot be sent as SNI).
        configuration.sniHostname = publicHost
        let replies = ReplyBox()
        _ = try await WebSocketClient.connect(
            url: "wss://127.0.0.1:\(port)/v1/ingest/audiohook", configuration: configuration, tlsConfiguration: try client(trusting: authority),
            logger: Logger(label: "test.wss")
        ) { inbound, outbound, _ in
            try await outbound.write(.text(IngestEndToEndTests.audioHookOpen(sessionId: sessionId, conversationId: UUID().uuidString.lowercased())))
            var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            if case .text(let text)? = try await iterator.next() { replies.append(text) }
            try await outbound.write(.text(IngestEndToEndTests.audioHookMessage("close", sessionId: sessionId, seq: 2, serverseq: 1, parameters: #"{"reason":"end"}"#)))
            while let message = try await iterator.next() { if case .text(let text) = message { replies.append(text) } }
        }
        return replies.replies
    }

    @Test func audioHookOverWssWithTheUpgradeSignedForThePublicHost() async throws {
        let folder = RepositoryPaths.temporaryDirectory("attune-tls")
        let first = try TestCertificates.make(in: folder, name: "first", hostNames: [Self.publicHost])
        let tls = try ServerTLS(certificatePath: first.serverCertificate, privateKeyPath: first.serverKey)
        let server = try await LiveTestServer.start(
            LiveTestServer.configuration {
                $0.audioHook = .init(apiKey: LiveTestServer.audioHookKey, clientSecret: IngestEndToEndTests.secret.base64EncodedString())
                $0.publicBaseURL = "wss://\(Self.publicHost)"
            }, tls: tls)
        defer { Task { await server.stop() } }

        // Signed for the public host, over wss: opened, then closed.
        let sessionId = UUID().uuidString.lowercased()
        let signed = IngestEndToEndTests.audioHookHeaders(server: server, sessionId: sessionId, authority: Self.publicHost)
        let replies = try await Self.openSession(port: server.port, headers: signed, trusting: first.authorityCertificate, sessionId: sessionId)
        #expect(replies.first?.contains(#""type":"opened""#) == true, "\(replies)")
        #expect(replies.last?.contains(#""type":"closed""#) == true, "\(replies)")

        // Signed for the address the server sees instead: refused (401) before the upgrade.
        let other = UUID().uuidString.lowercased()
        let local = IngestEndToEndTests.audioHookHeaders(server: server, sessionId: other)
        await #expect(throws: (any Error).self) {
            _ = try await Self.openSession(port: server.port, headers: local, trusting: first.authorityCertificate, sessionId: other)
        }

        // A client that trusts only a second CA is refused until the server's certificate is
        // replaced by one that CA signed and reloaded (what SIGHUP does).
        let second = try TestCertificates.make(in: folder, name: "second", hostNames: [Self.publicHost])
        let renewed = UUID().uuidString.lowercased()
        await #expect(throws: (any Error).self) {
            _ = try await Self.openSession(
                port: server.port, headers: IngestEndToEndTests.audioHookHeaders(server: server, sessionId: renewed, authority: Self.publicHost),
                trusting: second.authorityCertificate, sessionId: renewed)
        }
        try FileManager.default.removeItem(atPath: first.serverCertificate)
        try FileManager.default.removeItem(atPath: first.serverKey)
        try FileManager.default.copyItem(atPath: second.serverCertificate, toPath: first.serverCertificate)
        try FileManager.default.copyItem(atPath: second.serverKey, toPath: first.serverKey)
        try tls.reload()
        let again = UUID().uuidString.lowercased()
        let afterReload = try await Self.openSession(
            port: server.port, headers: IngestEndToEndTests.audioHookHeaders(server: server, sessionId: again, authority: Self.publicHost),
            trusting: second.authorityCertificate, sessionId: again)
        #expect(afterReload.first?.contains(#""type":"opened""#) == true, "\(afterReload)")
    }

    /// A certificate file that is not one is refused naming it; a failed reload keeps serving.
    @Test func aBadCertificateIsRefusedNamingTheFile() throws {
        let folder = RepositoryPaths.temporaryDirectory("attune-tls-bad")
        try "not a certificate".write(toFile: folder + "/bad.pem", atomically: true, encoding: .utf8)
        let made = try TestCertificates.make(in: folder, name: "good")
        #expect {
            _ = try ServerTLS(certificatePath: folder + "/bad.pem", privateKeyPath: made.serverKey)
        } throws: { "\($0)".contains(folder + "/bad.pem") }
        let tls = try ServerTLS(certificatePath: made.serverCertificate, privateKeyPath: made.serverKey)
        try "broken".write(toFile: made.serverCertificate, atomically: true, encoding: .utf8)
        #expect { try tls.reload() } throws: { "\($0)".contains(made.serverCertificate) }
    }
}
