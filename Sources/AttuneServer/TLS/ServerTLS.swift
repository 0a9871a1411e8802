import Logging
import NIOSSL
import ServiceLifecycle
import Synchronization
import UnixSignals

/// The server's own TLS (`"tls": {"certificate", "privateKey"}` in the configuration): the
/// certificate chain and private key from PEM files, loaded at start and again on SIGHUP (a
/// renewed certificate is served to new connections without a restart; open ones keep theirs).
/// Genesys AudioHook requires `wss` with a certificate from a public CA, Twilio an `https`/`wss`
/// one; behind a TLS-terminating proxy leave `tls` out and set `publicBaseURL` instead.
public final class ServerTLS: Sendable {
    public let certificatePath: String
    public let privateKeyPath: String
    private let current: Mutex<NIOSSLContext>

    /// A certificate or key that cannot be used, naming the file.
    public struct Problem: Error, Sendable, CustomStringConvertible {
        public var file: String
        public var message: String
        public var description: String { "\(file): \(message)" }
    }

    /// Loads the chain (server certificate first) and the key. Throws `Problem` naming the file.
    public init(certificatePath: String, privateKeyPath: String) throws(Problem) {
        self.certificatePath = certificatePath
        self.privateKeyPath = privateKeyPath
        current = Mutex(try Self.makeContext(certificatePath: certificatePath, privateKeyPath: privateKeyPath))
    }

    /// The context new connections are given.
    var context: NIOSSLContext { current.withLock { $0 } }

    /// Reads the files again; on failure the previous certificate stays in use.
    public func reload() throws(Problem) {
        let fresh = try Self.makeContext(certificatePath: certificatePath, privateKeyPath: privateKeyPath)
        current.withLock { $0 = fresh }
    }

    static func makeContext(certificatePath: String, privateKeyPath: String) throws(Problem) -> NIOSSLContext {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificatePath) } catch {
            throw Problem(file: certificatePath, message: "not a PEM certificate chain (\(error))")
        }
        guard !chain.isEmpty else { throw Problem(file: certificatePath, message: "holds no certificate") }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem) } catch {
            throw Problem(file: privateKeyPath, message: "not a PEM private key (\(error))")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        do { return try NIOSSLContext(configuration: configuration) } catch {
            throw Problem(file: privateKeyPath, message: "does not go with \(certificatePath) (\(error))")
        }
    }
}

/// Reloads the server's certificate on SIGHUP, logging what happened.
struct TLSReloadService: Service {
    let tls: ServerTLS
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                do {
                    try tls.reload()
                    logger.notice("TLS certificate reloaded", metadata: ["certificate": "\(tls.certificatePath)"])
                } catch {
                    logger.error("TLS certificate not reloaded: the previous one stays in use", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
