import ArgumentParser
import AttuneDSP
import AttuneLive
import AttunePipeline
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// Holds N live calls in this process, each fed the same seconds of a fixture in 20 ms pushes,
/// and reports the resident memory they add per call: the analysis state a server keeps for
/// every live call (sockets and buffers not included).
struct MemoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memory", abstract: "Measure the resident memory of live-call analysis state, per call.")

    @Option(help: "Live calls to hold at once.") var calls = 500
    @Option(help: "Seconds of audio pushed into each call.") var seconds = 60.0
    @Option(help: "Stereo 8 kHz fixture.") var fixture = "fixtures/calls/heated-clean.flac"
    @Option(help: "Scoring model (scores are part of the state).") var model = "models/default.json"
    @Flag(help: "Measure bare CallAnalyzers (the signal engine) instead of scored live calls.") var engineOnly = false

    func run() async throws {
        guard case .binary(let interleaved) = FixtureFrames(kind: .native, audio: try FixtureAudio(path: fixture)) else { return }
        let loaded = try LoadedModel.load(path: model)
        let frames: [[Float]] = interleaved.map { buffer in
            var samples: [Float] = []
            G711.decodeMuLaw(buffer.readableBytesView, into: &samples)
            return samples
        }
        let framesPerCall = Int(seconds * 50)
        let before = ProcessSample.read(pid: getpid())?.residentBytes ?? 0
        if engineOnly {
            var bare: [CallAnalyzer] = []
            for index in 0..<calls {
                var analyzer = try CallAnalyzer(callId: "m\(index)", layout: .stereo(advisorChannel: 0), sampleRateHz: 8000, configuration: .default, model: nil)
                for frame in 0..<framesPerCall { analyzer.push(interleaved: frames[frame % frames.count]) }
                bare.append(analyzer)
            }
            let after = ProcessSample.read(pid: getpid())?.residentBytes ?? 0
            print(String(format: "%d call analyzers without scoring or live wrapping, %.0f s each: %.1f KiB per call", calls, seconds, Double(after - before) / Double(calls) / 1024))
            withExtendedLifetime(bare) {}
            return
        }
        // Lent work buffers, as the server lends them (`LiveServerState.scratch`).
        let scratch = FrameScratchPool()
        var live: [LiveCall] = []
        live.reserveCapacity(calls)
        for index in 0..<calls {
            var call = try LiveCall(
                setup: LiveCallSetup(callId: "memory-\(index)", agentId: "a", team: "t", layout: .stereo(advisorChannel: 0), sampleRateHz: 8000),
                source: "memory", startedAt: "2026-11-23T00:00:00Z", configuration: .default, model: loaded, options: LiveOptions())
            for frame in 0..<framesPerCall { _ = call.push(frames[frame % frames.count], scratch: scratch) }
            live.append(call)
        }
        let after = ProcessSample.read(pid: getpid())?.residentBytes ?? 0
        let perCall = Double(after - before) / Double(calls)
        print(String(format: "%d live calls, %.0f s of audio each: %.1f MiB resident added, %.1f KiB per call",
                     calls, seconds, Double(after - before) / 1_048_576, perCall / 1024))
        print(String(format: "RESULT calls=%d seconds=%.0f bytesPerCall=%.0f", calls, seconds, perCall))
        withExtendedLifetime(live) {}
    }
}
