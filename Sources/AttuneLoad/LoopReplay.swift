import Foundation
import NIOCore
import NIOPosix

/// What every replayed call of one run shares.
struct ReplayPlan: Sendable {
    var host: String
    var port: Int
    var kind: IngestProtocolKind
    var frames: FixtureFrames
    /// 20 ms frames per call.
    var frameCount: Int
    /// Updates completed by frames before this one are left out of the latency figures.
    var warmupFrames: Int
    var ingestToken: String
    var viewerToken: String
    var audioHookKey: String
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
    func connect(
        path: String, headers: [(String, String)], on eventLoop: any EventLoop, onEvent: @escaping (RawWebSocketHandler.Event) -> Void
    ) -> RawWebSocketHandler {
        let handler = RawWebSocketHandler(
            request: WebSocketWire.upgradeRequest(host: "\(host):\(port)", path: path, headers: headers), onEvent: onEvent)
        let bound = NIOLoopBound(handler, eventLoop: eventLoop)
        ClientBootstrap(group: eventLoop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(bound.value) }
            }
            .connect(host: host, port: port)
            .whenFailure { error in
                bound.value.onEvent(.failed("\(error)"))
                bound.value.onEvent(.closed)
            }
        return handler
    }
}

/// One event loop's share of the calls and its clock: every millisecond it sends the next frame
/// of each call whose 20 ms slot it is (calls take the slot after the one they became ready in,
/// so a ramp spreads them over all 20 and the server sees a steady stream, not a burst every
/// 20 ms). A late tick sends what was due, and its lateness is recorded.
final class LoopSender {
    static let slotCount = 20

    let eventLoop: any EventLoop
    private let start: NIODeadline
    private let recorder: LatencyRecorder
    private var slots = Array(repeating: [ReplayedCall](), count: slotCount)
    private var tick = 0
    private var stopped = false

    init(eventLoop: any EventLoop, start: NIODeadline, recorder: LatencyRecorder) {
        self.eventLoop = eventLoop
        self.start = start
        self.recorder = recorder
    }

    /// The call is connected and watched: it sends from the next tick, then every 20 ms.
    func join(_ call: ReplayedCall) { slots[(tick + 1) % Self.slotCount].append(call) }

    func run() {
        guard !stopped else { return }
        let now = NIODeadline.now()
        let currentTick = Int((now - start).nanoseconds / 1_000_000)
        var lateNanoseconds: Int64 = 0
        while tick <= currentTick {
            let slot = tick % Self.slotCount
            if !slots[slot].isEmpty {
                lateNanoseconds = max(lateNanoseconds, (now - (start + .milliseconds(Int64(tick)))).nanoseconds)
                let nowNanoseconds = now.uptimeNanoseconds
                slots[slot].removeAll { !$0.sendNextFrame(atNanoseconds: nowNanoseconds) }
            }
            tick += 1
        }
        if lateNanoseconds > 0 { recorder.sendLag(milliseconds: Double(lateNanoseconds) / 1e6) }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        eventLoop.scheduleTask(deadline: start + .milliseconds(Int64(tick))) { bound.value.run() }
    }

    func stop() { stopped = true }
}

/// One replayed call, bound to one event loop: its ingest socket (sent by the loop's
/// `LoopSender`) and a desktop socket watching it, which measures each update's latency from
/// the moment the frame completing it was written.
final class ReplayedCall {
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
    private var ingestClosed = false
    private var desktopClosed = true
    private var ended = false
    private var joined = false
    /// This call's failure has been counted (once per call).
    private var failed = false
    private var finished = false
    private let decoder = JSONDecoder()

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

    func start() {
        let bound = bound
        ingest = plan.connect(path: plan.kind.path, headers: plan.ingestHeaders(index), on: eventLoop) { bound.value.ingestEvent($0) }
    }

    private func ingestEvent(_ event: RawWebSocketHandler.Event) {
        switch event {
        case .open:
            guard let channel = ingest?.channel else { return }
            for message in script.opening { channel.write(message, promise: nil) }
            channel.flush()
            connectDesktop()
        case .message: break  // AudioHook `opened`, `pong`; native errors end in a close
        case .failed: break  // counted when the socket has closed
        case .closed:
            ingestClosed = true
            if ended {
                plan.recorder.callCompleted()
            } else if nextFrame < plan.frameCount {
                // The audio stopped early: nothing more can arrive for this call.
                countFailure(connecting: nextFrame == 0)
                desktop?.channel?.close(promise: nil)
            }
            finishIfDone()
        }
    }

    private func connectDesktop() {
        desktopAttempt += 1
        desktopClosed = false
        let attempt = desktopAttempt, bound = bound
        let path = "/v1/live/calls/\(plan.callId(index))/ws?token=\(plan.viewerToken)"
        desktop = plan.connect(path: path, headers: [], on: eventLoop) { bound.value.desktopEvent($0, attempt: attempt) }
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
        case .failed:
            // The server registers the call when it has read the opening: until then, 404.
            guard attempt < 100, !ingestClosed else {
                countFailure(connecting: true)
                ingest?.channel?.close(promise: nil)
                return
            }
            let bound = bound
            eventLoop.scheduleTask(in: .milliseconds(50)) { bound.value.connectDesktop() }
        case .closed:
            desktopClosed = true
            finishIfDone()
        }
    }

    /// Writes the next frame (and after the last, the closing); false once the audio is all sent.
    func sendNextFrame(atNanoseconds now: UInt64) -> Bool {
        guard let channel = ingest?.channel, !ingestClosed else { return false }
        script.send(frame: nextFrame, to: channel)
        sendTimes[nextFrame] = now
        nextFrame += 1
        guard nextFrame == plan.frameCount else { return true }
        for message in script.closing { channel.write(message, promise: nil) }
        channel.flush()
        // A call whose end never shows on the desktop is given up after 30 s.
        let bound = bound
        eventLoop.scheduleTask(in: .seconds(30)) { bound.value.giveUp() }
        return false
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
            plan.recorder.update(latencyMilliseconds: delay(trigger), contentDelayMilliseconds: delay(decided))
        case "callEnded":
            ended = true
            plan.recorder.callEnded()
            ingest?.close()
            desktop?.close()
        default: break
        }
    }

    private func countFailure(connecting: Bool) {
        guard !failed else { return }
        failed = true
        if connecting { plan.recorder.connectFailed() } else { plan.recorder.sendFailed() }
    }

    private func giveUp() {
        guard !finished else { return }
        ingest?.channel?.close(promise: nil)
        desktop?.channel?.close(promise: nil)
    }

    private func finishIfDone() {
        guard !finished, ingestClosed, desktopClosed else { return }
        finished = true
        done.succeed()
    }
}
