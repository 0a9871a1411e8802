import AttuneTestSupport
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `attune serve` as a real process: a bad configuration is refused naming the file, and SIGINT
/// stops the server promptly even with a desktop subscription open.
@Suite struct ServeCommandTests {
    @Test func badConfigurationIsRefusedNamingTheFile() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-serve")
        let path = directory + "/serve.json"
        try #"{ "port": 0, "tokens": [ { "token": "short", "role": "advisor", "agentId": "a" } ] }"#.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try AnalyzeCommandTests.run(["serve", "--config", path])
        #expect(run.status == 3)
        #expect(run.standardError.contains(path) && run.standardError.contains("tokens[0]"), "\(run.standardError)")
    }

    @Test func sigintStopsTheServerWithASubscriberConnected() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-serve")
        let path = directory + "/serve.json"
        try """
            { "host": "127.0.0.1", "port": 0, "database": "\(directory)/live.db", "model": "\(RepositoryPaths.defaultModel)",
              "tokens": [ { "token": "supervisor-north-0123456789abcdef", "role": "supervisor", "team": "north" } ] }
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: AnalyzeCommandTests.binary)
        process.arguments = ["serve", "--config", path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        defer { if process.isRunning { process.terminate() } }
        // The log line "listening url=http://127.0.0.1:PORT".
        var log = ""
        var port: Int? = nil
        while port == nil {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
            if let match = log.firstMatch(of: #/http://127\.0\.0\.1:(\d+)/#) { port = Int(match.output.1) }
        }
        let bound = try #require(port, "no listening line in: \(log)")
        // A wall subscription that stays open.
        let socket = RawHTTPRequest.open(port: bound, path: "/v1/live/wall/events", token: "supervisor-north-0123456789abcdef")
        #expect(socket >= 0)
        defer { close(socket) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let received = recv(socket, &buffer, buffer.count, 0)
        #expect(received > 0 && String(decoding: buffer.prefix(max(0, received)), as: UTF8.self).hasPrefix("HTTP/1.1 200"))

        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!process.isRunning, "attune serve still running 10 s after SIGINT")
        if !process.isRunning { #expect(process.terminationStatus == 0) }
    }
}
