import Foundation

/// A test certificate authority and a server certificate it signed, made with the `openssl`
/// command (Debian's `openssl`, installed with the test dependencies): for `wss` tests.
public struct TestCertificates: Sendable {
    /// The CA's certificate (PEM): what a client trusts.
    public var authorityCertificate: String
    /// The server's certificate (PEM), for `127.0.0.1` and each of `hostNames`.
    public var serverCertificate: String
    /// The server's private key (PEM).
    public var serverKey: String

    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Makes a fresh CA and server certificate in `folder` (files named after `name`).
    public static func make(in folder: String, name: String, hostNames: [String] = []) throws -> TestCertificates {
        let base = folder + "/" + name
        let san = (["IP:127.0.0.1"] + hostNames.map { "DNS:\($0)" }).joined(separator: ",")
        let extensions = base + "-server.ext"
        try "subjectAltName=\(san)\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n"
            .write(toFile: extensions, atomically: true, encoding: .utf8)
        try run([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
            "-subj", "/CN=Attune test CA \(name)", "-keyout", base + "-ca.key", "-out", base + "-ca.pem",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign",
        ])
        try run([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=attune test server",
            "-keyout", base + "-server.key", "-out", base + "-server.csr",
        ])
        try run([
            "x509", "-req", "-in", base + "-server.csr", "-CA", base + "-ca.pem", "-CAkey", base + "-ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", extensions, "-out", base + "-server.pem",
        ])
        return TestCertificates(authorityCertificate: base + "-ca.pem", serverCertificate: base + "-server.pem", serverKey: base + "-server.key")
    }

    private static func run(_ arguments: [String]) throws {
        let run = try ChildProcess.run("/usr/bin/openssl", arguments, seconds: 60)
        guard run.status == 0 else {
            throw Failure(description: "openssl \(arguments.prefix(2).joined(separator: " ")) failed: \(run.standardError)")
        }
    }
}
