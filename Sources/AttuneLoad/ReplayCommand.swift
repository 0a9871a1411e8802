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
///
/// It ends with one `RESULT` line of `key=value` fields (no spaces inside a value):
///
///     RESULT calls=100 p50=2.4 p99=16.8 max=40.2 contentP99=137.0 cpu=1.02 updates=2500
///       expected=2500 dropped=0 gaps=0 ended=100 connectFailures=0 refusedUpgrades=0
///       refusedStatuses=- earlyCloses=0 closeCodes=- sendFailures=0 lateFrames=0
///       lateToleranceMs=100 endTimeouts=0 lagMs=3.1
///
/// (one line). With an `https://` server (`--tls-ca`, `--tls-server-name`: `ClientTLS`) every
/// socket is `wss` and `/metrics` is read over `https`; the figures and the line are the same.
/// `connectFailures`, `refusedUpgrades` (with `refusedStatuses`, e.g. `401:3,404:1`),
/// `earlyCloses` (with `closeCodes`, e.g. `1008:2,1006:1`), `sendFailures`, `lateFrames` and
/// `endTimeouts` are defined in `LatencyRecorder.Summary` and `LoopSender` (late frames). When any
/// of them is not zero the run did not offer the load it was asked for: a line beginning
/// `NOT CLEAN:` before the RESULT line names each, and the exit status is 1. `dropped` and `gaps`
/// are the server's counters over the run (-1 when its `/metrics` could not be read).
struct ReplayCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a fixture as N concurrent live calls and report update latency, frame loss and server load.")

    @Option(help: "The server, e.g. http://127.0.0.1:8080, or https://127.0.0.1:8443 for one that speaks TLS (wss sockets, https metrics).")
    var server = "http://127.0.0.1:8080"
    @Option(help: ArgumentHelp("Subscribe the desktops on this server instead (another attune serve sharing the same PostgreSQL store; same host and scheme).", valueName: "url"))
    var viewerServer: String?
    @Option(name: .customLong("tls-ca"), help: "With an https server: trust only the CA certificates in this PEM file (default: the system's roots).")
    var tlsCA: String?
    @Option(name: .customLong("tls-server-name"), help: "With an https server: the name sent as SNI and verified against the certificate (default: the URL's host; an IP address is verified as such).")
    var tlsServerName: String?
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
    @Option(name: .customLong("late-tolerance-ms"), help: "A frame written more than this many milliseconds behind its real-time schedule is late (the run is then not clean).")
    var lateToleranceMilliseconds = 100.0

    func run() async throws {
        guard let kind = IngestProtocolKind(rawValue: protocolName) else { throw ValidationError("--protocol: native, twilio or audiohook") }
        guard lateToleranceMilliseconds >= 0 else { throw ValidationError("--late-tolerance-ms: zero or more") }
        let frames = FixtureFrames(kind: kind, audio: try FixtureAudio(path: fixture))
        let frameCount = Int(seconds * 50)
        let recorder = LatencyRecorder()
        guard let url = URL(string: server), url.scheme == "http" || url.scheme == "https", let host = url.host else {
            throw ValidationError("--server: an http://host:port or https://host:port address")
        }
        let usesTLS = url.scheme == "https"
        guard usesTLS || (tlsCA == nil && tlsServerName == nil) else {
            throw ValidationError("--tls-ca and --tls-server-name go with an https:// server")
        }
        let port = url.port ?? (usesTLS ? 443 : 80)
        var viewerPort = port
        if let viewerServer {
            guard let viewer = URL(string: viewerServer), viewer.scheme == url.scheme, viewer.host == host, let other = viewer.port else {
                throw ValidationError("--viewer-server: an address on the same host and scheme as --server, with its port")
            }
            viewerPort = other
        }
        let tls = usesTLS ? try ClientTLS(host: host, caFile: tlsCA, serverName: tlsServerName) : nil
        // /metrics: over TLS with its own client (the CA, the server name), else the shared one.
        let metricsTLS = tls?.metricsClient(port: port)
        let metricsClient = metricsTLS?.client ?? HTTPClient.shared
        let metricsBase = metricsTLS?.url ?? server
        let metricsBefore = await Self.metrics(metricsBase, client: metricsClient, when: "before")
        let cpuBefore = serverPid.flatMap(ProcessSample.read)
        let toolBefore = ProcessSample.read(pid: getpid())
        let started = ContinuousClock.now
        let plan = ReplayPlan(
            host: host, port: port, viewerPort: viewerPort, tls: tls, kind: kind, frames: frames, frameCount: frameCount, warmupFrames: Int(warmupSeconds * 50),
            ingestToken: ingestToken, viewerToken: viewerToken, audioHookKey: audioHookKey,
            lateToleranceNanoseconds: Int64(lateToleranceMilliseconds * 1e6), recorder: recorder)
        do { try await Self.replay(plan, calls: calls, rampSeconds: rampSeconds) } catch {
            if let metricsTLS { try? await metricsTLS.client.shutdown() }
            throw error
        }
        let wall = (ContinuousClock.now - started)
        let cpuAfter = serverPid.flatMap(ProcessSample.read)
        let toolAfter = ProcessSample.read(pid: getpid())
        // Without the counters before, those after would give no difference.
        let metricsAfter = metricsBefore == nil ? nil : await Self.metrics(metricsBase, client: metricsClient, when: "after")
        if let metricsTLS { try? await metricsTLS.client.shutdown() }
        let summary = recorder.summary()
        let wallSeconds = wall.milliseconds / 1000
        func delta(_ name: String) -> Int {
            guard let before = metricsBefore, let after = metricsAfter else { return -1 }
            return Int((after[name] ?? 0) - (before[name] ?? 0))
        }
        let expected = calls * Int(seconds - warmupSeconds)
        print("protocol \(kind.rawValue)\(usesTLS ? " over TLS" : ""), \(calls) calls × \(seconds) s, fixture \(fixture)")
        print(String(format: "update latency (the frame completing an update sent → the desktop has the update), after %.0f s warm-up: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
                     warmupSeconds, summary.percentilesMilliseconds.p50, summary.percentilesMilliseconds.p90, summary.percentilesMilliseconds.p99, summary.percentilesMilliseconds.max))
        print(String(format: "content delay (the newest audio whose speech decision the update carries sent → desktop), includes the 0.1 s look-back: p50 %.1f ms, p99 %.1f ms",
                     summary.contentDelayMilliseconds.p50, summary.contentDelayMilliseconds.p99))
        print("updates received \(summary.updates) of about \(expected); calls ended \(summary.callsEnded)/\(calls)")
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
        if !summary.connectFailureReasons.isEmpty {
            print("connect failures by reason: " + summary.connectFailureReasons.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                .map { "\($0.key) ×\($0.value)" }.joined(separator: "; "))
        }
        let failures = Self.failureLine(summary, lateToleranceMilliseconds: lateToleranceMilliseconds)
        if let failures { print(failures) }
        print(String(format: "RESULT calls=%d p50=%.1f p99=%.1f max=%.1f contentP99=%.1f cpu=%.2f updates=%d expected=%d dropped=%d gaps=%d ended=%d",
                     calls, summary.percentilesMilliseconds.p50, summary.percentilesMilliseconds.p99, summary.percentilesMilliseconds.max,
                     summary.contentDelayMilliseconds.p99, serverCores, summary.updates, expected,
                     delta("attune_live_dropped_frames_total"), delta("attune_live_gap_frames_total"), summary.callsEnded)
              + " connectFailures=\(summary.connectFailures) refusedUpgrades=\(summary.refusedUpgradeCount) refusedStatuses=\(Self.histogram(summary.refusedUpgrades))"
              + " earlyCloses=\(summary.earlyCloseCount) closeCodes=\(Self.histogram(summary.earlyCloses)) sendFailures=\(summary.sendFailures)"
              + String(format: " lateFrames=%d lateToleranceMs=%g endTimeouts=%d lagMs=%.1f",
                       summary.lateFrames, lateToleranceMilliseconds, summary.endTimeouts, summary.maximumSendLagMilliseconds))
        if failures != nil { throw ExitCode(1) }
    }

    /// `NOT CLEAN: …` naming every failure count that is not zero; nil for a clean run.
    static func failureLine(_ summary: LatencyRecorder.Summary, lateToleranceMilliseconds: Double) -> String? {
        func times<Key: BinaryInteger>(_ counts: [Key: Int], _ name: String) -> String {
            counts.sorted { $0.key < $1.key }.map { "\(name) \($0.key) ×\($0.value)" }.joined(separator: ", ")
        }
        func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }
        var parts: [String] = []
        if summary.connectFailures > 0 {
            parts.append("\(plural(summary.connectFailures, "connect failure")) (TCP connection refused, timed out or unreachable, or TLS handshake failed)")
        }
        if summary.refusedUpgradeCount > 0 {
            parts.append("\(plural(summary.refusedUpgradeCount, "refused upgrade")) (\(times(summary.refusedUpgrades, "HTTP")))")
        }
        if summary.earlyCloseCount > 0 {
            parts.append("\(plural(summary.earlyCloseCount, "call")) closed by the server before finishing (\(times(summary.earlyCloses, "close code")))")
        }
        if summary.sendFailures > 0 { parts.append("\(plural(summary.sendFailures, "send failure")) (writes that failed)") }
        if summary.lateFrames > 0 {
            parts.append(plural(summary.lateFrames, "late frame")
                         + String(format: " (written more than %g ms behind their real-time schedule; the worst %.1f ms)",
                                  lateToleranceMilliseconds, summary.maximumSendLagMilliseconds))
        }
        if summary.endTimeouts > 0 {
            parts.append("\(plural(summary.endTimeouts, "call")) whose end never reached the desktop (\(ReplayedCall.endTimeoutSeconds) s after the last frame)")
        }
        guard !parts.isEmpty else { return nil }
        return "NOT CLEAN: " + parts.joined(separator: "; ") + ". These figures are not those of the load asked for."
    }

    /// `key:count,…` in key order, or `-` when empty (a RESULT value has no spaces).
    static func histogram<Key: BinaryInteger>(_ counts: [Key: Int]) -> String {
        counts.isEmpty ? "-" : counts.sorted { $0.key < $1.key }.map { "\($0.key):\($0.value)" }.joined(separator: ",")
    }

    /// The server's counters (`/metrics`, unlabelled series summed by name); nil, with a line
    /// saying so, when they cannot be read (nothing listens, say: the run still reports what the
    /// calls met).
    static func metrics(_ server: String, client: HTTPClient = .shared, when: String) async -> [String: Double]? {
        do {
            return try await metrics(server, client: client)
        } catch {
            print("server metrics could not be read \(when) the run: \(error)")
            return nil
        }
    }

    static func metrics(_ server: String, client: HTTPClient = .shared) async throws -> [String: Double] {
        let response = try await client.execute(HTTPClientRequest(url: server + "/metrics"), timeout: .seconds(10))
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
            senders.append(
                try await loop.submit {
                    NIOLoopBound(
                        LoopSender(eventLoop: loop, start: start, lateToleranceNanoseconds: plan.lateToleranceNanoseconds, recorder: plan.recorder),
                        eventLoop: loop)
                }.get())
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
