import Foundation
import NIOCore
import NIOPosix

/// What every replayed call of one run shares.
struct ReplayPlan: Sendable {
    var host: String
    var port: Int
    /// Where the desktops subscribe: `port`, or another server's sharing the same store
    /// (`--viewer-server`).
    var viewerPort: Int
    /// The server's TLS (an `https://` server): nil, plain sockets.
    var tls: ClientTLS?
    var kind: IngestProtocolKind
    var frames: FixtureFrames
    /// 20 ms frames per call.
    var frameCount: Int
    /// Updates completed by frames before this one are left out of the latency figures.
    var warmupFrames: Int
    var ingestToken: String
    var viewerToken: String
    var audioHookKey: String
    /// A frame written more than this after its slot on the call's real-time schedule is late
    /// (see `LoopSender`).
    var lateToleranceNanoseconds: Int64
    var recorder: LatencyRecorder

    func callId(_ index: Int) -> String { String(format: "00000000-0000-4000-8000-%012d", index) }
    func sessionId(_ index: Int) -> String { String(format: "10000000-0000-4000-8000-%012d", index) }

    func script(_ index: Int) -> IngestScript {
        IngestScript(
            kind: kind, frames: frames, callId: callId(index), agentId: "agent-\(index)", team: "load", frameCount: frameCount,
            sessionId: sessionId(index))
    }

    func ingestHeaders(_ index: Int) -> [(String, String)] {
        switch kind {
        case .audiohook:
            [("X-API-KEY", audioHookKey), ("Audiohook-Session-Id", sessionId(index)),
             ("Audiohook-Organization-Id", "d7934305-0972-4844-938e-9060eef73d05")]
        case .native, .twilio: [("Authorization", "Bearer \(ingestToken)")]
        }
    }

    /// Opens a client WebSocket to `path` on `eventLoop` (called on it); its events arrive there.
    /// With `tls`, a TLS client handler goes first in the pipeline (the `Host` header then names
    /// the server name, when there is one); nothing else differs.
    func connect(
        path: String, headers: [(String, String)], port: Int? = nil, on eventLoop: any EventLoop, onEvent: @escaping (RawWebSocketHandler.Event) -> Void
    ) -> RawWebSocketHandler {
        let port = port ?? self.port
        let handler = RawWebSocketHandler(
            request: WebSocketWire.upgradeRequest(host: "\(tls?.serverName ?? host):\(port)", path: path, headers: headers), onEvent: onEvent)
        let bound = NIOLoopBound(handler, eventLoop: eventLoop)
        let tls = tls
        ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(tls.makeHandler()) }
                    try channel.pipeline.syncOperations.addHandler(bound.value)
                }
            }
            .connect(host: host, port: port)
            .whenFailure { error in bound.value.connectFailed(error) }
        return handler
    }
}

/// One event loop's share of the calls and its clock: every millisecond it sends the next frame
/// of each call whose 20 ms slot it is (calls take the slot after the one they became ready in,
/// so a ramp spreads them over all 20 and the server sees a steady stream, not a burst every
/// 20 ms). A late tick sends what was due, and its lateness is recorded.
///
/// **The schedule, and late frames.** The clock counts 1 ms ticks from the run's `start`; tick
/// `t` is due at `start + t ms`. A call joins when its desktop is watching; from then on its
/// frame `k` is due at tick `j + 20·k`, where `j` is the tick after the one that was next when it
/// joined: one 20 ms frame every 20 ms of real time, never re-anchored, so falling behind is not
/// forgiven by later frames. When the event loop runs a tick late (it was busy, or the machine
/// was), it sends every frame due since at once, and each frame's lateness is the time from its
/// due tick to its write. A frame is **late** when that lateness is more than the tolerance
/// (`ReplayPlan.lateToleranceNanoseconds`, `--late-tolerance-ms`, 100 ms by default): the
/// server then saw that audio arrive later than a real-time platform would have sent it, so the
/// run did not offer the load it claims. `lagMs` in the RESULT line is the largest lateness of
/// any frame.
final class LoopSender {
    static let slotCount = 20

    let eventLoop: any EventLoop
    private let start: NIODeadline
    private let recorder: LatencyRecorder
    private let lateToleranceNanoseconds: Int64
    private var slots = Array(repeating: [ReplayedCall](), count: slotCount)
    private var tick = 0
    private var stopped = false

    init(eventLoop: any EventLoop, start: NIODeadline, lateToleranceNanoseconds: Int64, recorder: LatencyRecorder) {
        self.eventLoop = eventLoop
        self.start = start
        self.lateToleranceNanoseconds = lateToleranceNanoseconds
        self.recorder = recorder
    }

    /// The call is connected and watched: it sends from the next tick, then every 20 ms.
    func join(_ call: ReplayedCall) { slots[(tick + 1) % Self.slotCount].append(call) }

    func run() {
        guard !stopped else { return }
        let now = NIODeadline.now()
        let currentTick = Int((now - start).nanoseconds / 1_000_000)
        var lateNanoseconds: Int64 = 0
        var lateFrames = 0
        while tick <= currentTick {
            let slot = tick % Self.slotCount
            if !slots[slot].isEmpty {
                let lateness = (now - (start + .milliseconds(Int64(tick)))).nanoseconds
                lateNanoseconds = max(lateNanoseconds, lateness)
                let isLate = lateness > lateToleranceNanoseconds
                let nowNanoseconds = now.uptimeNanoseconds
                slots[slot].removeAll { call in
                    let sent = call.sendNextFrame(atNanoseconds: nowNanoseconds)
                    if isLate, sent != .notSent { lateFrames += 1 }
                    return sent != .sentMore
                }
            }
            tick += 1
        }
        if lateNanoseconds > 0 { recorder.sendLag(milliseconds: Double(lateNanoseconds) / 1e6) }
        if lateFrames > 0 { recorder.lateFrames(lateFrames) }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(deadline: start + .milliseconds(Int64(tick))) { bound.value.run() }
    }

    func stop() { stopped = true }
}

/// One replayed call, bound to one event loop: its ingest socket (sent by the loop's
/// `LoopSender`) and a desktop socket watching it, which measures each update's latency from
/// the moment the frame completing it was written.
///
/// Every way the call can go wrong is counted in the recorder (see `LatencyRecorder.Summary`):
/// a socket whose TCP connection could not be made, an upgrade answered with another status
/// than 101 (the desktop's 404 while the server has not yet read the call's opening is retried,
/// for about 5 s), a socket the server closed before the call finished for it (the ingest socket
/// before the tool wrote its closing message, the desktop before `callEnded`) or with a close
/// code other than 1000, and a call whose end never reached the desktop: each call once, under
/// the first of these (what follows, such as the desktop refused once the ingest socket has
/// closed, is its consequence). Besides, every write that failed and every late frame.
final class ReplayedCall {
    /// What `sendNextFrame` did.
    enum SendOutcome {
        /// Nothing: the ingest socket is gone or the call has ended.
        case notSent
        /// A frame was written, and more follow.
        case sentMore
        /// The last frame was written, and the closing after it.
        case sentLast
    }

    private let index: Int
    private let plan: ReplayPlan
    private let script: IngestScript
    private let sender: LoopSender
    private let done: EventLoopPromise<Void>
    /// When each frame was written (uptime ns; 0: not yet).
    private var sendTimes: [UInt64]
    private var nextFrame = 0
    private var ingest: RawWebSocketHandler?
    private var desktop: RawWebSocketHandler?
    private var desktopAttempt = 0
    /// A refused desktop (404) waits for its next attempt.
    private var desktopRetryPending = false
    private var ingestClosed = false
    private var desktopClosed = true
    /// The closing message (after the last frame) has been written: the call is finished for
    /// the ingest socket.
    private var closingWritten = false
    /// `callEnded` reached the desktop.
    private var ended = false
    private var joined = false
    /// A failure of this call has been counted (each call is counted once, under its first).
    private var failed = false
    /// This tool closed the ingest socket without waiting (writes failing after that are its
    /// own doing, not the server's).
    private var abortedIngest = false
    private var finished = false
    private let decoder = JSONDecoder()

    /// Desktop upgrades refused with 404 (the call not registered yet) are retried every 50 ms
    /// this many times.
    static let desktopAttempts = 100
    /// Seconds after the closing message within which `callEnded` must reach the desktop.
    static let endTimeoutSeconds: Int64 = 30

    init(index: Int, plan: ReplayPlan, sender: LoopSender, done: EventLoopPromise<Void>) {
        self.index = index
        self.plan = plan
        self.sender = sender
        self.done = done
        script = plan.script(index)
        sendTimes = Array(repeating: 0, count: plan.frameCount)
    }

    private var eventLoop: any EventLoop { sender.eventLoop }
    private var bound: NIOLoopBound<ReplayedCall> { NIOLoopBound(self, eventLoop: eventLoop) }
    private var recorder: LatencyRecorder { plan.recorder }

    func start() {
        let bound = bound
        ingest = plan.connect(path: plan.kind.path, headers: plan.ingestHeaders(index), on: eventLoop) { bound.value.ingestEvent($0) }
    }

    private func ingestEvent(_ event: RawWebSocketHandler.Event) {
        switch event {
        case .open:
            guard let channel = ingest?.channel else { return }
            for message in script.opening { write(message, to: channel, flush: false) }
            channel.flush()
            connectDesktop()
        case .message: break  // AudioHook `opened`, `pong`; native errors end in a close
        case .connectFailed(let reason):
            countFailure { $0.connectFailed(reason: "ingest: " + reason) }
        case .refused(let status, _):
            countFailure { $0.refusedUpgrade(status: status) }
        case .closed(let ending):
            ingestClosed = true
            if case .server(let code) = ending, !closingWritten || code != 1000 {
                countFailure { $0.closedEarly(code: code) }
            }
            if ended {
                recorder.callCompleted()
            } else if !closingWritten {
                // The audio stopped early: nothing more can arrive for this call.
                desktop?.abort()
            }
            finishIfDone()
        }
    }

    private func connectDesktop() {
        desktopRetryPending = false
        guard !ingestClosed, !finished else {
            finishIfDone()
            return
        }
        desktopAttempt += 1
        desktopClosed = false
        let attempt = desktopAttempt, bound = bound
        let path = "/v1/live/calls/\(plan.callId(index))/ws?token=\(plan.viewerToken)"
        desktop = plan.connect(path: path, headers: [], port: plan.viewerPort, on: eventLoop) { bound.value.desktopEvent($0, attempt: attempt) }
    }

    private func desktopEvent(_ event: RawWebSocketHandler.Event, attempt: Int) {
        guard attempt == desktopAttempt else { return }
        switch event {
        case .open:
            guard !joined else { return }  // a desktop that reconnected
            joined = true
            sender.join(self)
        case .message(.text, let payload):
            received(payload, atNanoseconds: NIODeadline.now().uptimeNanoseconds)
        case .message: break
        case .connectFailed(let reason):
            countFailure { $0.connectFailed(reason: "desktop: " + reason) }
            abortIngest()
        case .refused(let status, _):
            // The server registers the call when it has read the opening: until then, 404.
            if status == 404, attempt < Self.desktopAttempts, !ingestClosed {
                desktopRetryPending = true
                let bound = bound
                eventLoop.scheduleTask(in: .milliseconds(50)) { bound.value.connectDesktop() }
                return
            }
            countFailure { $0.refusedUpgrade(status: status) }
            abortIngest()
        case .closed(let ending):
            desktopClosed = true
            if case .server(let code) = ending, !ended || code != 1000 {
                countFailure { $0.closedEarly(code: code) }
            }
            finishIfDone()
        }
    }

    /// Writes the next frame (and after the last, the closing).
    func sendNextFrame(atNanoseconds now: UInt64) -> SendOutcome {
        guard let channel = ingest?.channel, !ingestClosed, !ended else { return .notSent }
        script.send(frame: nextFrame) { message in write(message, to: channel, flush: true) }
        sendTimes[nextFrame] = now
        nextFrame += 1
        guard nextFrame == plan.frameCount else { return .sentMore }
        for message in script.closing { write(message, to: channel, flush: false) }
        channel.flush()
        closingWritten = true
        // A call whose end never shows on the desktop is given up after 30 s.
        let bound = bound
        eventLoop.scheduleTask(in: .seconds(Self.endTimeoutSeconds)) { bound.value.giveUp() }
        return .sentLast
    }

    /// Writes one of the call's messages; a write that fails is a send failure (unless this tool
    /// had closed the socket itself).
    private func write(_ message: ByteBuffer, to channel: any Channel, flush: Bool) {
        let promise = channel.eventLoop.makePromise(of: Void.self)
        let bound = bound
        promise.futureResult.whenFailure { _ in bound.value.writeFailed() }
        if flush { channel.writeAndFlush(message, promise: promise) } else { channel.write(message, promise: promise) }
    }

    private func writeFailed() {
        guard !abortedIngest else { return }
        recorder.sendFailed()
    }

    /// Counts this call's first failure; the later ones are its consequences (the other socket
    /// closed or refused once the call is broken), not counted.
    private func countFailure(_ record: (LatencyRecorder) -> Void) {
        guard !failed else { return }
        failed = true
        record(recorder)
    }

    private func abortIngest() {
        guard !ingestClosed else { return }
        abortedIngest = true
        ingest?.abort()
    }

    private struct Pushed: Decodable {
        var type: String
        var streamSeconds: Double?
        var receivedSeconds: Double?
    }

    private func received(_ payload: ByteBuffer, atNanoseconds now: UInt64) {
        guard let pushed = try? decoder.decode(Pushed.self, from: Data(payload.readableBytesView)) else { return }
        switch pushed.type {
        case "update":
            // The frame that completed the update, and the frame holding the newest audio whose
            // speech decision it carries.
            let trigger = Int(((pushed.receivedSeconds ?? 0) * 50).rounded()) - 1
            let decided = Int(((pushed.streamSeconds ?? 0) * 50).rounded()) - 1
            guard trigger >= plan.warmupFrames else { return }
            func delay(_ frame: Int) -> Double? {
                guard frame >= 0, frame < sendTimes.count, sendTimes[frame] > 0, sendTimes[frame] <= now else { return nil }
                return Double(now - sendTimes[frame]) / 1e6
            }
            recorder.update(latencyMilliseconds: delay(trigger), contentDelayMilliseconds: delay(decided))
        case "callEnded":
            guard !ended else { return }
            ended = true
            recorder.callEnded()
            desktop?.close()
            if closingWritten {
                ingest?.close()
            } else {
                // The server ended the call before its audio was all sent: it closes the ingest
                // socket (counted there); if it never does, the call is given up.
                let bound = bound
                eventLoop.scheduleTask(in: .seconds(Self.endTimeoutSeconds)) { bound.value.giveUp() }
            }
        default: break
        }
    }

    /// The call's end never reached the desktop within 30 s of its last frame, or the server
    /// ended it before its last frame and left its ingest socket open 30 s: an end timeout,
    /// unless a failure of this call is counted already; both sockets are closed.
    private func giveUp() {
        guard !finished else { return }
        if !ended || !closingWritten { countFailure { $0.endTimedOut() } }
        abortIngest()
        desktop?.abort()
    }

    private func finishIfDone() {
        guard !finished, ingestClosed, desktopClosed, !desktopRetryPending else { return }
        finished = true
        done.succeed()
    }
}
