import ArgumentParser
import AsyncHTTPClient
import NIOCore
import NIOSSL

/// The load tool's TLS, for a server given as `https://…` (`attune serve` with `"tls"` in its
/// configuration): every ingest and desktop socket is `wss`, and `/metrics` is read over `https`.
/// The certificate is verified in full: against `--tls-ca` (a PEM file of CA certificates, the
/// only roots trusted then) or, without it, the system's roots; and for the host name, against
/// `--tls-server-name` (also sent as SNI) or else the URL's host (an IP address is matched
/// against the certificate's IP addresses and sends no SNI, which cannot carry one). NIOSSL
/// accepts a certificate for either the name or the connected IP address (RFC 6125's service
/// identity), so the name is what is verified only with a certificate that names no IP address,
/// as a public CA's does (`Scripts/bench/live-load-tls.sh` makes one so). A handshake that fails
/// is a connect failure of the call (`RawWebSocketHandler`).
///
/// Only the pipeline differs: a `NIOSSLClientHandler` goes in front of `RawWebSocketHandler`,
/// which writes the same shared frames; without TLS the pipeline is as it always was.
struct ClientTLS: Sendable {
    let context: NIOSSLContext
    let configuration: TLSConfiguration
    /// The name sent as SNI and verified against the certificate; nil: the connected IP address
    /// is verified instead.
    let serverName: String?
    /// The name the URL's host is reached by, for `/metrics` (an `HTTPClient` resolves it to the
    /// host: see `metricsClient`).
    let connectHost: String

    /// `caFile`: PEM CA certificates to trust (nil: the system's roots). `serverName`: the name
    /// to ask for and verify (nil: `host`, when it is a name).
    init(host: String, caFile: String?, serverName: String?) throws {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let caFile {
            let authorities: [NIOSSLCertificate]
            do { authorities = try NIOSSLCertificate.fromPEMFile(caFile) } catch {
                throw ValidationError("--tls-ca \(caFile): not a PEM certificate file (\(error))")
            }
            guard !authorities.isEmpty else { throw ValidationError("--tls-ca \(caFile): holds no certificate") }
            configuration.trustRoots = .certificates(authorities)
        }
        if let serverName, Self.isIPAddress(serverName) {
            throw ValidationError("--tls-server-name: a DNS name (an IP address cannot be sent as SNI; leave the option out to verify the IP)")
        }
        self.configuration = configuration
        context = try NIOSSLContext(configuration: configuration)
        self.serverName = serverName ?? (Self.isIPAddress(host) ? nil : host)
        connectHost = host
    }

    static func isIPAddress(_ host: String) -> Bool { (try? SocketAddress(ipAddress: host, port: 0)) != nil }

    /// The handler that goes first in a connection's pipeline.
    func makeHandler() throws -> NIOSSLClientHandler {
        try NIOSSLClientHandler(context: context, serverHostname: serverName)
    }

    /// The `/metrics` URL and a client to read it with: the URL names `serverName` (so that it is
    /// the name sent and verified) and the client connects it to the URL's host. The caller
    /// shuts the client down.
    func metricsClient(port: Int) -> (client: HTTPClient, url: String) {
        var configuration = HTTPClient.Configuration(tlsConfiguration: configuration)
        var urlHost = connectHost.contains(":") ? "[\(connectHost)]" : connectHost
        if let serverName, serverName != connectHost {
            configuration.dnsOverride = [serverName: connectHost]
            urlHost = serverName
        }
        return (HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration), "https://\(urlHost):\(port)")
    }
}
