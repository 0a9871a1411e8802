import AttuneAudioIO
import AttuneTestSupport
import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `attune serve` as a real process: a bad configuration is refused naming the file; SIGINT
/// stops the server promptly even with a desktop subscription open, and a call streaming at
/// that moment is ended and stored.
@Suite struct ServeCommandTests {
    @Test func badConfigurationIsRefusedNamingTheFile() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-serve")
        let path = directory + "/serve.json"
        try #"{ "port": 0, "tokens": [ { "token": "short", "role": "advisor", "agentId": "a" } ] }"#.write(toFile: path, atomically: true, encoding: .utf8)
        let run = try AnalyzeCommandTests.run(["serve", "--config", path])
        #expect(run.status == 3)
        #expect(run.standardError.contains(path) && run.standardError.contains("tokens[0]"), "\(run.standardError)")
    }

    /// `attune serve` as a process with this configuration, and the port it bound.
    static func startServer(configuration: String) throws -> (process: Process, port: Int) {
        let directory = RepositoryPaths.temporaryDirectory("attune-serve")
        let path = directory + "/serve.json"
        try configuration.write(toFile: path, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: AnalyzeCommandTests.binary)
        process.arguments = ["serve", "--config", path]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        // The log line "listening url=http://127.0.0.1:PORT".
        var log = ""
        while true {
            let data = errors.fileHandleForReading.availableData
            if data.isEmpty { break }
            log += String(decoding: data, as: UTF8.self)
            if let match = log.firstMatch(of: #/http://127\.0\.0\.1:(\d+)/#), let port = Int(match.output.1) {
                // Keep draining the log: a full pipe would stall the server's next log line.
                errors.fileHandleForReading.readabilityHandler = { _ = $0.availableData }
                return (process, port)
            }
        }
        process.terminate()
        throw ServerDidNotStart(log: log)
    }

    struct ServerDidNotStart: Error { var log: String }

    /// Sends SIGINT and waits up to 10 s: the server must have exited, with status 0.
    static func interruptAndWait(_ process: Process) {
        kill(process.processIdentifier, SIGINT)
        let deadline = Date().addingTimeInterval(10)
        while process.isRunning, Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        #expect(!process.isRunning, "attune serve still running 10 s after SIGINT")
        if !process.isRunning { #expect(process.terminationStatus == 0) }
    }

    @Test func sigintStopsTheServerWithASubscriberConnected() throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-serve")
        let (process, port) = try Self.startServer(configuration: """
            { "host": "127.0.0.1", "port": 0, "database": "\(directory)/live.db", "model": "\(RepositoryPaths.defaultModel)",
              "tokens": [ { "token": "supervisor-north-0123456789abcdef", "role": "supervisor", "team": "north" } ] }
            """)
        defer { if process.isRunning { process.terminate() } }
        // A wall subscription that stays open.
        let socket = RawHTTPRequest.open(port: port, path: "/v1/live/wall/events", token: "supervisor-north-0123456789abcdef")
        #expect(socket >= 0)
        defer { close(socket) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let received = recv(socket, &buffer, buffer.count, 0)
        #expect(received > 0 && String(decoding: buffer.prefix(max(0, received)), as: UTF8.self).hasPrefix("HTTP/1.1 200"))
        Self.interruptAndWait(process)
    }

    /// SIGINT during a call: the client is told the server is going away (1001), the call ends
    /// with the audio received so far, and its report is in the store when the server has exited.
    @Test func sigintEndsAStreamingCallAndStoresIt() async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-serve-ingest")
        let database = directory + "/live.db"
        let token = "ingest-token-0123456789abcdef"
        let (process, port) = try Self.startServer(configuration: """
            { "host": "127.0.0.1", "port": 0, "database": "\(database)", "model": "\(RepositoryPaths.defaultModel)",
              "tokens": [ { "token": "\(token)", "role": "ingest" } ] }
            """)
        defer { if process.isRunning { process.terminate() } }
        // Four seconds of a stereo fixture, as 20 ms frames of 16-bit little-endian samples.
        var reader = try AudioFileReader(path: RepositoryPaths.fixtureCalls + "/calm-clean.flac")
        var samples: [Float] = []
        _ = try reader.read(into: &samples, maximumSampleCountPerChannel: 4 * 8000)
        let frames = stride(from: 0, to: samples.count, by: 320).map { start in
            var buffer = ByteBuffer()
            for sample in samples[start..<min(start + 320, samples.count)] {
                buffer.writeInteger(Int16(max(-32768, min(32767, (sample * 32768).rounded()))), endianness: .little)
            }
            return buffer
        }
        var configuration = WebSocketClientConfiguration()
        configuration.additionalHeaders = [.authorization: "Bearer \(token)"]
        let closeFrame = try await WebSocketClient.connect(
            url: "ws://127.0.0.1:\(port)/v1/ingest/native", configuration: configuration, logger: Logger(label: "test.ws")
        ) { inbound, outbound, _ in
            try await outbound.write(.text(#"{"type":"start","callId":"sigint-call","agentId":"alice","team":"north","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#))
            for frame in frames { try await outbound.write(.binary(frame)) }
            // Let the server read it all, then interrupt it mid-call. (Polling /metrics here with a
            // blocking socket read instead failed in a full fresh-clone run, cause not found.)
            try await Task.sleep(for: .milliseconds(500))
            kill(process.processIdentifier, SIGINT)
            for try await _ in inbound {}
        }
        #expect(closeFrame?.closeCode == .goingAway, "close frame: \(String(describing: closeFrame))")
        Self.interruptAndWait(process)
        let export = try AnalyzeCommandTests.run(["export", "--format", "jsonl", "--db", database])
        #expect(export.status == 0)
        #expect(export.standardOutput.contains("sigint-call"), "the interrupted call was not stored: \(export.standardOutput.prefix(300))")
    }
}
