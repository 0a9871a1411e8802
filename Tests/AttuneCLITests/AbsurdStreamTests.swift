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

/// Issue 15, item 1: a live stream cannot ask the server for what a file may not. Streams that
/// start with an absurd sample rate, channel list or encoding are refused with a reason, the
/// server process (a real `attune serve`) does not grow, and a healthy call streaming beside them
/// is stored exactly as the batch analyses the same audio.
@Suite struct AbsurdStreamTests {
    static let token = "ingest-token-0123456789abcdef"

    /// Each absurd `start` and the words its refusal must contain.
    static let absurdStarts: [(start: String, reason: String)] = {
        func start(rate: String = "8000", encoding: String = "L16", channels: String = #"["advisor","customer"]"#) -> String {
            #"{"type":"start","callId":"absurd","sampleRateHz":\#(rate),"encoding":"\#(encoding)","channels":\#(channels)}"#
        }
        var out: [(String, String)] = []
        for rate in ["0", "1", "7999", "192001", "1000000000", "1000000000000", "4294967296"] {
            out.append((start(rate: rate), "sampleRateHz \(rate) is not supported (8000–192000 Hz"))
        }
        let many = "[" + Array(repeating: #""customer""#, count: 255).joined(separator: ",") + "]"
        for channels in ["[]", #"["advisor","customer","mixed"]"#, many] {
            out.append((start(channels: channels), "channels must be"))
        }
        out.append((start(encoding: "OPUS"), "encoding (L16 or PCMU)"))
        return out
    }()

    /// The server's resident memory (bytes), from /proc.
    static func residentBytes(_ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try #require(Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])) * 1024
    }

    /// Opens an ingest socket, sends `start`, and returns the texts the server sent and its
    /// close code (raw socket: the close code is read exactly, whatever the timing).
    static func refusal(port: Int, start: String) async -> (texts: [String], closeCode: UInt16?) {
        let socket = await RawWebSocket.open(port: port, path: "/v1/ingest/native", token: token)
        guard socket >= 0 else { return (["upgrade refused"], nil) }
        defer { close(socket) }
        await RawWebSocket.sendText(socket, start)
        let read = await RawWebSocket.readUntilClose(socket)
        return (read.texts, read.closeCode)
    }

    @Test func absurdStreamsAreRefusedBesideAHealthyCallAndTheServerDoesNotGrow() async throws {
        let directory = RepositoryPaths.temporaryDirectory("attune-absurd")
        let database = directory + "/live.db"
        let server = try ServeCommandTests.startServer(configuration: """
            { "host": "127.0.0.1", "port": 0, "database": "\(database)",
              "live": { "idleSeconds": 3600 }, "tokens": [ { "token": "\(Self.token)", "role": "ingest" } ] }
            """)
        let process = server.process
        defer { if process.isRunning { process.terminate() } }

        // The healthy call: 20 s of a fixture as 16-bit samples, its first half before the
        // absurd streams, the rest after.
        var reader = try AudioFileReader(path: RepositoryPaths.fixtureCalls + "/calm-clean.flac")
        var samples: [Float] = []
        _ = try reader.read(into: &samples, maximumSampleCountPerChannel: 20 * 8000)
        let quantized = samples.map { Float(Int16(max(-32768, min(32767, ($0 * 32768).rounded())))) / 32768 }
        let frames = stride(from: 0, to: quantized.count, by: 320).map { start in
            var bytes: [UInt8] = []
            for sample in quantized[start..<min(start + 320, quantized.count)] {
                let value = UInt16(bitPattern: Int16(sample * 32768))
                bytes += [UInt8(value & 0xFF), UInt8(value >> 8)]
            }
            return RawWebSocket.frame(opcode: 0x2, bytes[...])
        }
        var afterWarmUp = 0, afterAll = 0, streams = 0
        // (The healthy client reads nothing while the absurd streams run, so it answers no ping:
        // the idle rule is set far beyond this test, which a busy machine may stretch.)
        let healthy = await RawWebSocket.open(port: server.port, path: "/v1/ingest/native", token: Self.token)
        try #require(healthy >= 0)
        defer { close(healthy) }
        await RawWebSocket.sendText(healthy, #"{"type":"start","callId":"healthy-call","agentId":"alice","sampleRateHz":8000,"encoding":"L16","channels":["advisor","customer"]}"#)
        let firstHalf = Array(frames.prefix(frames.count / 2)), secondHalf = Array(frames.suffix(from: frames.count / 2))
        #expect(await RawWebSocket.send(healthy, frames: firstHalf))
        for round in 0..<21 {
            for (start, reason) in Self.absurdStarts {
                let (texts, closeCode) = await Self.refusal(port: server.port, start: start)
                streams += 1
                #expect(texts.contains { $0.contains(#""type":"error""#) && $0.contains(reason) }, "\(start.prefix(80)): \(texts)")
                #expect(closeCode == 1008, "\(start.prefix(80)): close \(String(describing: closeCode))")
            }
            if round == 0 { afterWarmUp = try Self.residentBytes(process.processIdentifier) }
        }
        afterAll = try Self.residentBytes(process.processIdentifier)
        #expect(await RawWebSocket.send(healthy, frames: secondHalf))
        await RawWebSocket.sendText(healthy, #"{"type":"stop"}"#)
        let storedLog = await server.log.waitAsync { $0.contains("call ended") && $0.contains("callId=healthy-call") && $0.contains("stored=true") }
        #expect(storedLog != nil, "\(server.log.contents.suffix(2000))")
        let grownMB = Double(afterAll - afterWarmUp) / 1_048_576
        #expect(grownMB < 10, "the server grew \(grownMB) MB over \(streams - Self.absurdStarts.count) refused streams")
        ServeCommandTests.interruptAndWait(process)

        // The healthy call is stored as the batch analyses the same audio.
        let wav = directory + "/healthy.wav"
        try AudioFileWriter.write(quantized, to: wav, format: .wavFloat, sampleRateHz: 8000, channelCount: 2)
        let batch = try AnalyzeCommandTests.run(["analyze", wav, "--json", "--call-id", "healthy-call"])
        #expect(batch.status == 0, "\(batch.standardError)")
        let export = try AnalyzeCommandTests.run(["export", "--format", "jsonl", "--db", database])
        let storedLine = try #require(export.standardOutput.split(separator: "\n").first { $0.contains(#""healthy-call""#) }, "not stored")
        let stored = try #require(JSONSerialization.jsonObject(with: Data(storedLine.utf8)) as? [String: Any])
        let analysed = try #require(JSONSerialization.jsonObject(with: Data(batch.standardOutput.utf8)) as? [String: Any])
        let storedReport = (stored["report"] as? [String: Any]) ?? stored
        #expect((storedReport["durationSeconds"] as? Double) == 20)
        for key in ["durationSeconds", "metrics", "events", "segments", "scores"] {
            #expect(analysed[key] != nil, "the batch report has no \(key)")
            #expect((storedReport[key] as? NSObject) == (analysed[key] as? NSObject), "\(key) differs from the batch's")
        }
    }
}
