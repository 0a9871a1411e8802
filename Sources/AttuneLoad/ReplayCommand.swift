import ArgumentParser
import AsyncHTTPClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import HTTPTypes
import HummingbirdWSClient
import Logging
import Synchronization
import NIOCore
import NIOWebSocket

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
        let logger = Logger(label: "attune-load")
        let metricsBefore = try await Self.metrics(server)
        let cpuBefore = serverPid.flatMap(ProcessSample.read)
        let toolBefore = ProcessSample.read(pid: getpid())
        let started = ContinuousClock.now
        let wsBase = server.replacingOccurrences(of: "http", with: "ws")
        let warmupFrames = Int(warmupSeconds * 50)

        let groupSize = 25
        let callGroups = (0..<(calls + groupSize - 1) / groupSize).map { CallGroup(size: min(groupSize, calls - $0 * groupSize)) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for callGroup in callGroups {
                group.addTask { await callGroup.run(frameCount: frameCount, warmupFrames: warmupFrames, recorder: recorder) }
            }
            for index in 0..<calls {
                let callId = String(format: "00000000-0000-4000-8000-%012d", index)
                let sessionId = String(format: "10000000-0000-4000-8000-%012d", index)
                let script = IngestScript(kind: kind, frames: frames, callId: callId, agentId: "agent-\(index)", team: "load", frameCount: frameCount, sessionId: sessionId)
                // Groups start one after another over the ramp.
                let groupIndex = index / groupSize
                let startAt = started + .milliseconds(Int(rampSeconds * 1000 * Double(groupIndex) / Double(max(1, callGroups.count))))
                let call = ReplayedCall(
                    callId: callId, script: script, startAt: startAt, ingestURL: wsBase + kind.path, desktopURL: wsBase + "/v1/live/calls/\(callId)/ws",
                    ingestHeaders: kind == .audiohook ? Self.audioHookHeaders(key: audioHookKey, sessionId: sessionId) : [.authorization: "Bearer \(ingestToken)"],
                    viewerToken: viewerToken, warmupFrames: warmupFrames, recorder: recorder, logger: logger, group: callGroups[groupIndex])
                group.addTask { await call.run() }
            }
            try await group.waitForAll()
        }
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

    static func audioHookHeaders(key: String, sessionId: String) -> HTTPFields {
        [HTTPField.Name("X-API-KEY")!: key, HTTPField.Name("Audiohook-Session-Id")!: sessionId,
         HTTPField.Name("Audiohook-Organization-Id")!: "d7934305-0972-4844-938e-9060eef73d05"]
    }
}

/// Calls that share one 20 ms timer (a timer per call would cost the load tool more than the
/// server): once every member has connected, each tick sends every member its next frame.
final class CallGroup: Sendable {
    private struct Member: Sendable {
        var outbound: WebSocketOutboundWriter
        var script: IngestScript
        var sendTimes: SendTimes
        var done: CheckedContinuation<Void, Never>
        var failed = false
    }

    private struct State {
        var members: [Member] = []
        var dropped = 0
    }

    private let state = Mutex(State())
    let size: Int

    init(size: Int) { self.size = size }

    /// A member's socket is open: waits until the group has sent all its frames.
    func join(outbound: WebSocketOutboundWriter, script: IngestScript, sendTimes: SendTimes) async {
        await withCheckedContinuation { continuation in
            state.withLock { $0.members.append(Member(outbound: outbound, script: script, sendTimes: sendTimes, done: continuation)) }
        }
    }

    /// A member could not connect: the group does not wait for it.
    func drop() { state.withLock { $0.dropped += 1 } }

    /// Sends every member's frames on schedule from when the last member joined.
    func run(frameCount: Int, warmupFrames: Int, recorder: LatencyRecorder) async {
        let deadline = ContinuousClock.now + .seconds(30)
        while state.withLock({ $0.members.count + $0.dropped < size }), ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(5))
        }
        var members = state.withLock { $0.members }
        let start = ContinuousClock.now
        for index in 0..<frameCount {
            let due = start + .milliseconds(20 * (index + 1))
            try? await Task.sleep(until: due)
            for position in members.indices where !members[position].failed {
                do {
                    for message in members[position].script.messages(forFrame: index) { try await members[position].outbound.write(message.frame) }
                } catch {
                    members[position].failed = true
                    recorder.sendFailed()
                    continue
                }
                members[position].sendTimes.record(index, at: .now)
            }
            if index >= warmupFrames { recorder.sendLag(milliseconds: (ContinuousClock.now - due).milliseconds) }
        }
        for member in members { member.done.resume() }
    }
}

/// One replayed call: its ingest socket (sent by its group's timer), its desktop socket measuring.
struct ReplayedCall: Sendable {
    var callId: String
    var script: IngestScript
    var startAt: ContinuousClock.Instant
    var ingestURL: String
    var desktopURL: String
    var ingestHeaders: HTTPFields
    var viewerToken: String
    var warmupFrames: Int
    var recorder: LatencyRecorder
    var logger: Logger
    var group: CallGroup

    func run() async {
        let sendTimes = SendTimes(frameCount: script.frameCount)
        try? await Task.sleep(until: startAt)
        let joined = Mutex(false)
        do {
            _ = try await WebSocketClient.connect(url: ingestURL, configuration: .init(additionalHeaders: ingestHeaders), logger: logger) { inbound, outbound, _ in
                for message in script.opening { try await outbound.write(message.frame) }
                let desktop = Task { await watch(sendTimes) }
                joined.withLock { $0 = true }
                await group.join(outbound: outbound, script: script, sendTimes: sendTimes)
                for message in script.closing { try await outbound.write(message.frame) }
                await desktop.value
                try await outbound.close(.normalClosure, reason: nil)
                recorder.callCompleted()
            }
        } catch {
            if !joined.withLock({ $0 }) { group.drop() }
            recorder.sendFailed()
        }
    }

    /// The desktop: connects once the call is live, reads updates until the call ends.
    private func watch(_ sendTimes: SendTimes) async {
        for _ in 0..<100 {
            do {
                _ = try await WebSocketClient.connect(url: desktopURL + "?token=\(viewerToken)", logger: logger) { inbound, _, _ in
                    var iterator = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
                    while let message = try await iterator.next() {
                        guard case .text(let text) = message else { continue }
                        let received = ContinuousClock.now
                        let pushed = try JSONDecoder().decode(Pushed.self, from: Data(text.utf8))
                        switch pushed.type {
                        case "update":
                            // The frame that completed the update, and the frame holding the
                            // newest audio whose speech decision it carries.
                            let trigger = Int(((pushed.receivedSeconds ?? 0) * 50).rounded()) - 1
                            let decided = Int(((pushed.streamSeconds ?? 0) * 50).rounded()) - 1
                            guard trigger >= warmupFrames else { continue }
                            recorder.update(
                                latencyMilliseconds: sendTimes.instant(of: trigger).map { (received - $0).milliseconds },
                                contentDelayMilliseconds: sendTimes.instant(of: decided).map { (received - $0).milliseconds })
                        case "callEnded":
                            recorder.callEnded()
                            return
                        default: break
                        }
                    }
                }
                return
            } catch {
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
        recorder.connectFailed()
    }

    struct Pushed: Decodable {
        var type: String
        var streamSeconds: Double?
        var receivedSeconds: Double?
    }
}

extension Outgoing {
    var frame: WebSocketOutboundWriter.OutboundFrame {
        switch self {
        case .text(let text): .text(text)
        case .binary(let buffer): .binary(buffer)
        }
    }
}

extension Duration {
    var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) * 1e-15 }
}
