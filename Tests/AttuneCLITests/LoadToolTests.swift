import AttuneTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `attune-load replay` as a process (issue 15, item 6): every way a call can fail is counted in
/// its RESULT line, a `NOT CLEAN:` line names each count that is not zero and the exit status is
/// 1; a clean run exits 0. And `Scripts/bench/live-load.sh --check-result` fails a run whose
/// RESULT line shows any failure.
@Suite struct LoadToolTests {
    /// The built `attune-load` executable, beside the test bundle (as `attune` is).
    static let binary: String = {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        return bundle.appendingPathComponent("attune-load").path
    }()

    static let fixture = RepositoryPaths.fixtureCalls + "/heated-clean.flac"

    typealias Run = ChildProcess.Result

    /// Runs `executable` to its end (`ChildProcess`) on a thread of its own; -1 when it was still
    /// going after `seconds`.
    static func run(_ executable: String, _ arguments: [String], seconds: Double = 300) async throws -> Run {
        try await onOwnThread { try ChildProcess.run(executable, arguments, in: RepositoryPaths.root, seconds: seconds) }
    }

    /// A real `attune serve` that knows this ingest token and the load tool's supervisor token.
    static func startServer(ingestToken: String) throws -> ServeCommandTests.Server {
        let directory = RepositoryPaths.temporaryDirectory("attune-load-server")
        return try ServeCommandTests.startServer(configuration: """
            { "host": "127.0.0.1", "port": 0, "database": "\(directory)/live.db", "model": "\(RepositoryPaths.defaultModel)",
              "tokens": [ { "token": "\(ingestToken)", "role": "ingest" },
                          { "token": "supervisor-load-0123456789abcdef", "role": "supervisor", "team": "load" } ] }
            """)
    }

    /// `attune-load replay` against `port` with short calls and no warm-up.
    static func replay(port: Int, calls: Int, seconds: Double = 1, ingestToken: String = "ingest-load-0123456789abcdef",
                       viewerToken: String = "supervisor-load-0123456789abcdef", extra: [String] = []) async throws -> Run {
        try await run(binary, [
            "replay", "--server", "http://127.0.0.1:\(port)", "--calls", "\(calls)", "--seconds", "\(seconds)", "--ramp-seconds", "0",
            "--warmup-seconds", "0", "--fixture", fixture, "--ingest-token", ingestToken, "--viewer-token", viewerToken,
        ] + extra)
    }

    /// Every connect refused: the RESULT line counts one connect failure per call (the old tool
    /// printed none, only `sendFailures=0`), the failure line names them, the exit status is 1.
    @Test func connectFailuresAreCountedAndFailTheRun() async throws {
        // A port bound but not listening: every connect to it is refused, and nothing else can
        // take it while the test runs.
        let reserved = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(reserved >= 0)
        defer { close(reserved) }
        let port = try #require(Self.bindLoopback(reserved))
        let calls = 4
        let run = try await Self.replay(port: port, calls: calls)
        let fields = run.resultFields
        #expect(run.status == 1, "status \(run.status): \(run.standardOutput) \(run.standardError)")
        #expect(fields["connectFailures"] == "\(calls)", "\(run.standardOutput)")
        #expect(fields["refusedUpgrades"] == "0" && fields["earlyCloses"] == "0" && fields["ended"] == "0", "\(run.standardOutput)")
        #expect(run.notCleanLine?.contains("\(calls) connect failures") == true, "\(run.standardOutput)")
    }

    /// A real `attune serve` that knows another ingest token: every upgrade is refused with 401,
    /// counted as refused upgrades with their status.
    @Test func refusedUpgradesAreCountedWithTheirStatus() async throws {
        let server = try Self.startServer(ingestToken: "ingest-other-0123456789abcdef")
        defer { if server.process.isRunning { server.process.terminate() } }
        let calls = 3
        let run = try await Self.replay(port: server.port, calls: calls, ingestToken: "ingest-wrong-0123456789abcdef")
        let fields = run.resultFields
        #expect(run.status == 1, "status \(run.status): \(run.standardOutput) \(run.standardError)")
        #expect(fields["refusedUpgrades"] == "\(calls)", "\(run.standardOutput)")
        #expect(fields["refusedStatuses"] == "401:\(calls)", "\(run.standardOutput)")
        #expect(fields["connectFailures"] == "0" && fields["earlyCloses"] == "0", "\(run.standardOutput)")
        #expect(run.notCleanLine?.contains("\(calls) refused upgrades (HTTP 401 ×\(calls))") == true, "\(run.standardOutput)")
        ServeCommandTests.interruptAndWait(server.process)
    }

    /// A server that accepts the upgrade and closes at once with 1011: the ingest sockets are
    /// counted as closed early, by close code.
    @Test func earlyClosesAreCountedWithTheirCloseCodes() async throws {
        let server = try #require(ClosingServer(closeCode: 1011))
        defer { server.stop() }
        let calls = 3
        let run = try await Self.replay(port: server.port, calls: calls)
        let fields = run.resultFields
        #expect(run.status == 1, "status \(run.status): \(run.standardOutput) \(run.standardError)")
        #expect(fields["earlyCloses"] == "\(calls)", "\(run.standardOutput)")
        #expect(fields["closeCodes"] == "1011:\(calls)", "\(run.standardOutput)")
        #expect(fields["connectFailures"] == "0" && fields["refusedUpgrades"] == "0", "\(run.standardOutput)")
        #expect(run.notCleanLine?.contains("\(calls) calls closed by the server before finishing (close code 1011 ×\(calls))") == true, "\(run.standardOutput)")
    }

    /// Calls a real server accepts and ends: every failure count is 0, the calls ended, and the
    /// exit status is 0 (the counts do not call a normal end a failure). The late-frame tolerance
    /// is widened: a busy test machine may stall the tool's debug build. With no tolerance, the
    /// same calls have late frames, and that alone fails the run.
    @Test func aCleanRunExitsZero() async throws {
        let server = try Self.startServer(ingestToken: "ingest-load-0123456789abcdef")
        defer { if server.process.isRunning { server.process.terminate() } }
        let calls = 2
        let run = try await Self.replay(port: server.port, calls: calls, seconds: 2, extra: ["--late-tolerance-ms", "10000"])
        let fields = run.resultFields
        #expect(run.status == 0, "status \(run.status): \(run.standardOutput) \(run.standardError)")
        #expect(run.notCleanLine == nil, "\(run.standardOutput)")
        for key in ["connectFailures", "refusedUpgrades", "earlyCloses", "sendFailures", "lateFrames", "endTimeouts"] {
            #expect(fields[key] == "0", "\(key): \(run.standardOutput)")
        }
        #expect(fields["refusedStatuses"] == "-" && fields["closeCodes"] == "-", "\(run.standardOutput)")
        #expect(fields["ended"] == "\(calls)", "\(run.standardOutput)")

        // The same calls with no tolerance at all: a timer never fires exactly on its due
        // nanosecond, so frames are late, and the run is not clean for that alone.
        let strict = try await Self.replay(port: server.port, calls: calls, seconds: 2, extra: ["--late-tolerance-ms", "0"])
        let strictFields = strict.resultFields
        #expect(strict.status == 1, "status \(strict.status): \(strict.standardOutput) \(strict.standardError)")
        #expect(Int(strictFields["lateFrames"] ?? "") ?? 0 > 0, "\(strict.standardOutput)")
        #expect(strictFields["lateToleranceMs"] == "0", "\(strict.standardOutput)")
        #expect(strict.notCleanLine?.contains("late frames (written more than 0 ms behind their real-time schedule") == true, "\(strict.standardOutput)")
        for key in ["connectFailures", "refusedUpgrades", "earlyCloses", "sendFailures", "endTimeouts"] {
            #expect(strictFields[key] == "0", "\(key): \(strict.standardOutput)")
        }
        ServeCommandTests.interruptAndWait(server.process)
    }

    // MARK: live-load.sh

    static let script = RepositoryPaths.root + "/Scripts/bench/live-load.sh"
    static let cleanResult = "RESULT calls=3 p50=1.0 p99=2.0 max=3.0 contentP99=4.0 cpu=0.10 updates=3 expected=3 dropped=0 gaps=0 ended=3 "
        + "connectFailures=0 refusedUpgrades=0 refusedStatuses=- earlyCloses=0 closeCodes=- sendFailures=0 lateFrames=0 lateToleranceMs=100 "
        + "endTimeouts=0 lagMs=0.5"

    /// `live-load.sh --check-result OUTPUT [STATUS]` on a saved output.
    static func checkResult(_ output: String, status: Int32 = 0) async throws -> Run {
        let path = RepositoryPaths.temporaryDirectory("attune-live-load-check") + "/out.txt"
        try output.write(toFile: path, atomically: true, encoding: .utf8)
        return try await run("/bin/bash", [script, "--check-result", path, "\(status)"], seconds: 60)
    }

    @Test func theScriptPassesOnlyACleanResult() async throws {
        #expect(try await Self.checkResult(Self.cleanResult + "\n").status == 0)
        let failing: [(from: String, to: String, named: String)] = [
            ("connectFailures=0", "connectFailures=244", "connectFailures=244"),
            ("refusedUpgrades=0 refusedStatuses=-", "refusedUpgrades=2 refusedStatuses=401:2", "refusedUpgrades=2 (HTTP status:count 401:2)"),
            ("earlyCloses=0 closeCodes=-", "earlyCloses=1 closeCodes=1006:1", "earlyCloses=1 (close code:count 1006:1)"),
            ("sendFailures=0", "sendFailures=5", "sendFailures=5"),
            ("lateFrames=0", "lateFrames=12", "lateFrames=12 (more than 100 ms behind schedule)"),
            ("endTimeouts=0", "endTimeouts=1", "endTimeouts=1"),
        ]
        for (from, to, named) in failing {
            let check = try await Self.checkResult(Self.cleanResult.replacingOccurrences(of: from, with: to) + "\n", status: 1)
            #expect(check.status == 1, "\(to): \(check.standardError)")
            #expect(check.standardError.contains("NOT CLEAN") && check.standardError.contains(named), "\(to): \(check.standardError)")
        }
        // The old RESULT line (no connect failures in it), no RESULT line, a failed exit status.
        let old = "RESULT calls=3 p50=1.0 p99=2.0 max=3.0 contentP99=4.0 cpu=0.10 updates=0 expected=3 dropped=0 gaps=0 sendFailures=0 lagMs=0.0\n"
        #expect(try await Self.checkResult(old).status == 1)
        #expect(try await Self.checkResult("protocol native\n").status == 1)
        let crashed = try await Self.checkResult(Self.cleanResult + "\n", status: 134)
        #expect(crashed.status == 1 && crashed.standardError.contains("status 134"), "\(crashed.standardError)")
    }

    // MARK: helpers

    /// Binds `socket` to a free loopback port (no listen): the port.
    static func bindLoopback(_ socket: Int32) -> Int? {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0 else { return nil }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket, $0, &length) }
        }
        return named == 0 ? Int(UInt16(bigEndian: address.sin_port)) : nil
    }
}

/// A loopback server on POSIX sockets, a thread per connection: `/metrics` is answered 200 and
/// empty; an ingest upgrade (`/v1/ingest/…`) is accepted (101) and at once followed by a close
/// frame with `closeCode`; any other request (a desktop) gets 404. A connection is closed once the
/// client has closed its side (or after 60 s).
final class ClosingServer: Sendable {
    let port: Int
    private let listener: Int32

    init?(closeCode: UInt16) {
        listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard listener >= 0, let port = LoadToolTests.bindLoopback(listener), listen(listener, 64) == 0 else { return nil }
        self.port = port
        let listener = listener
        Thread {
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }  // the listener was shut down
                Thread { Self.serve(connection, closeCode: closeCode) }.start()
            }
        }.start()
    }

    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func serve(_ connection: Int32, closeCode: UInt16) {
        defer { close(connection) }
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: request, as: UTF8.self).contains("\r\n\r\n") {
            let count = recv(connection, &buffer, buffer.count, 0)
            guard count > 0 else { return }
            request += buffer.prefix(count)
        }
        let requestLine = String(decoding: request, as: UTF8.self).prefix { $0 != "\r" }
        var response: [UInt8]
        if requestLine.hasPrefix("GET /metrics ") {
            response = Array("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8)
        } else if requestLine.hasPrefix("GET /v1/ingest/") {
            response = Array("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n".utf8)
            response += [0x88, 0x02, UInt8(closeCode >> 8), UInt8(closeCode & 0xFF)]
        } else {
            response = Array("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".utf8)
        }
        _ = response.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        // Half-close, then read until the client has closed (so no reset can overtake the close frame).
        shutdown(connection, Int32(SHUT_WR))
        while recv(connection, &buffer, buffer.count, 0) > 0 {}
    }
}

/// What `attune-load`'s output says.
extension ChildProcess.Result {
    var resultFields: [String: String] {
        guard let line = standardOutput.split(separator: "\n").last(where: { $0.hasPrefix("RESULT ") }) else { return [:] }
        var fields: [String: String] = [:]
        for field in line.split(separator: " ").dropFirst() {
            let parts = field.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        return fields
    }

    var notCleanLine: String? { standardOutput.split(separator: "\n").first { $0.hasPrefix("NOT CLEAN:") }.map(String.init) }
}
