import ArgumentParser
import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// Replays a fixture as N concurrent calls at real-time pace (one 20 ms frame every 20 ms per
/// call), each watched by a desktop over `/v1/live/calls/{id}/ws`, and reports the latency from
/// sending the frame that completes an update to the desktop receiving it.
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a fixture as N concurrent live calls and report update latency, frame loss and server load.")

    @Option(help: "The server, e.g. http://127.0.0.1:8080.") var server = "http://127.0.0.1:8080"
    @Option(name: .customLong("protocol"), help: "native, twilio or audiohook.") var protocolName = "native"
    @Option(help: "Concurrent calls.") var calls = 100
    @Option(help: "Seconds of audio per call (the fixture loops).") var seconds = 30.0
    @Option(help: "Seconds over which call starts are spread.") var rampSeconds = 5.0
    @Option(help: "Stereo 8 kHz fixture to replay.") var fixture = "fixtures/calls/heated-clean.flac"
    @Option(help: "Ingest token (native, Twilio).") var ingestToken: String
    @Option(help: "Supervisor token of team 'load' for the desktops.") var viewerToken: String
    @Option(help: "AudioHook API key (X-API-KEY).") var audioHookKey = ""
    @Option(help: "The server's process id, to report its CPU and memory.") var serverPid: Int32?
    @Option(help: "Leave out of the latency figures updates during the first this many seconds.") var warmupSeconds = 5.0

    func run() async throws {
        guard let kind = IngestProtocolKind(rawValue: protocolName) else { throw ValidationError("--protocol: native, twilio or audiohook") }
        let frames = FixtureFrames(kind: kind, audio: try FixtureAudio(path: fixture))
        let frameCount = Int(seconds * 50)
        let recorder = LatencyRecorder()
        guard let url = URL(string: server), url.scheme == "http", let host = url.host else {
            throw ValidationError("--server: an http://host:port address")
        }
        let port = url.port ?? 80
        let metricsBefore = try await Self.metrics(server)
        let cpuBefore = serverPid.flatMap(ProcessSample.read)
        let toolBefore = ProcessSample.read(pid: getpid())
        let started = ContinuousClock.now
        let plan = ReplayPlan(
            host: host, port: port, kind: kind, frames: frames, frameCount: frameCount, warmupFrames: Int(warmupSeconds * 50),
            ingestToken: ingestToken, viewerToken: viewerToken, audioHookKey: audioHookKey, recorder: recorder)
        try await Self.replay(plan, calls: calls, rampSeconds: rampSeconds)
        let wall = (ContinuousClock.now - started)
        let cpuAfter = serverPid.flatMap(ProcessSample.read)
        let toolAfter = ProcessSample.read(pid: getpid())
        let metricsAfter = try await Self.metrics(server)
        let summary = recorder.summary()
        let wallSeconds = wall.milliseconds / 1000
        func delta(_ name: String) -> Int { Int((metricsAfter[name] ?? 0) - (metricsBefore[name] ?? 0)) }
        let expected = calls * Int(seconds - warmupSeconds)
        print("protocol \(kind.rawValue), \(calls) calls × \(seconds) s, fixture \(fixture)")
        print(String(format: "update latency (the frame completing an update sent → the desktop has the update), after %.0f s warm-up: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
                     warmupSeconds, summary.percentilesMilliseconds.p50, summary.percentilesMilliseconds.p90, summary.percentilesMilliseconds.p99, summary.percentilesMilliseconds.max))
        print(String(format: "content delay (the newest audio whose speech decision the update carries sent → desktop), includes the 0.1 s look-back: p50 %.1f ms, p99 %.1f ms",
                     summary.contentDelayMilliseconds.p50, summary.contentDelayMilliseconds.p99))
        print("updates received \(summary.updates) of about \(expected); calls ended \(summary.callsEnded)/\(calls); connect failures \(summary.connectFailures), send failures \(summary.sendFailures)")
        print("server: frames gap-filled \(delta("attune_live_gap_frames_total")), dropped \(delta("attune_live_dropped_frames_total")), protocol errors \(delta("attune_live_errors_total"))")
        print(String(format: "load tool: latest frame sent %.1f ms behind its schedule; the tool used %.2f cores", summary.maximumSendLagMilliseconds,
                     ((toolAfter?.cpuSeconds ?? 0) - (toolBefore?.cpuSeconds ?? 0)) / wallSeconds))
        var serverCores = Double.nan
        if let before = cpuBefore, let after = cpuAfter {
            serverCores = (after.cpuSeconds - before.cpuSeconds) / wallSeconds
            print(String(format: "server CPU %.0f %% of one core over %.1f s (%.2f cores); RSS %.1f MiB, peak %.1f MiB",
                         100 * (after.cpuSeconds - before.cpuSeconds) / wallSeconds, wallSeconds, (after.cpuSeconds - before.cpuSeconds) / wallSeconds,
                         Double(after.residentBytes) / 1_048_576, Double(after.peakResidentBytes) / 1_048_576))
            print(String(format: "server memory per live call (peak RSS over the RSS before, with sockets and buffers): %.1f KiB",
                         Double(after.peakResidentBytes - before.residentBytes) / Double(calls) / 1024))
        }
        print(String(format: "RESULT calls=%d p50=%.1f p99=%.1f max=%.1f contentP99=%.1f cpu=%.2f updates=%d expected=%d dropped=%d gaps=%d sendFailures=%d lagMs=%.1f",
                     calls, summary.percentilesMilliseconds.p50, summary.percentilesMilliseconds.p99, summary.percentilesMilliseconds.max,
                     summary.contentDelayMilliseconds.p99, serverCores, summary.updates, expected,
                     delta("attune_live_dropped_frames_total"), delta("attune_live_gap_frames_total"), summary.sendFailures, summary.maximumSendLagMilliseconds))
    }

    /// The server's counters (`/metrics`, unlabelled series summed by name).
    static func metrics(_ server: String) async throws -> [String: Double] {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: server + "/metrics"), timeout: .seconds(10))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 22))
        var values: [String: Double] = [:]
        for line in body.split(separator: "\n") where !line.hasPrefix("#") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, let value = Double(parts[1]) else { continue }
            let name = String(parts[0].prefix { $0 != "{" })
            values[name, default: 0] += value
        }
        return values
    }

    /// Runs every call on the event loops (a `LoopSender` per loop, calls shared out in turn and
    /// started evenly over the ramp) until each has ended or failed.
    static func replay(_ plan: ReplayPlan, calls: Int, rampSeconds: Double) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        let start = NIODeadline.now() + .milliseconds(100)
        let loops = Array(group.makeIterator())
        var senders: [NIOLoopBound<LoopSender>] = []
        for loop in loops {
            senders.append(try await loop.submit { NIOLoopBound(LoopSender(eventLoop: loop, start: start, recorder: plan.recorder), eventLoop: loop) }.get())
        }
        var finished: [EventLoopFuture<Void>] = []
        for index in 0..<calls {
            let loop = loops[index % loops.count], sender = senders[index % loops.count]
            let done = loop.makePromise(of: Void.self)
            finished.append(done.futureResult)
            let startAt = start + .nanoseconds(Int64(rampSeconds * 1e9 * Double(index) / Double(max(1, calls))))
            loop.scheduleTask(deadline: startAt) {
                ReplayedCall(index: index, plan: plan, sender: sender.value, done: done).start()
            }
        }
        for sender in senders { sender.eventLoop.execute { sender.value.run() } }
        try await EventLoopFuture.andAllComplete(finished, on: loops[0]).get()
        for sender in senders { try await sender.eventLoop.submit { sender.value.stop() }.get() }
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) * 1e-15 }
}
