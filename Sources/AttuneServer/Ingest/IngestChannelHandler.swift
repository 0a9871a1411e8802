import AttuneLive
import Logging
import NIOCore
import NIOWebSocket
import ServiceLifecycle

/// One ingest WebSocket, handled on its event loop as each frame arrives: the adapter reads the
/// message, the driver analyses it and publishes what it gives, replies go straight back. No task
/// per message and no hop between threads: at a thousand calls of 50 frames a second, that hop
/// cost more than the analysis.
///
/// A call's end is the one thing that waits: its report is stored by a task, and the replies of
/// the step that ended it (AudioHook's `closed`) go out once it is stored. Frames that arrive
/// meanwhile wait their turn (a bounded number). However the socket ends (the protocol's end, a
/// close, a dropped connection, silence), the call is ended and stored; `done` completes after
/// that. What happens when is `IngestConnectionState`'s decision; this handler only carries it
/// out, with one timer on the event loop's clock.
final class IngestChannelHandler<Adapter: IngestAdapter>: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var adapter: Adapter
    private var driver: IngestDriver
    private let done: EventLoopPromise<Void>
    private let limits: IngestConnectionState<WebSocketFrame>.Limits
    private var state: IngestConnectionState<WebSocketFrame>?
    private var context: ChannelHandlerContext?
    private var timer: Scheduled<Void>?
    private var timerDeadline: NIODeadline?

    /// - Parameter done: completed once the socket has closed and its call is stored.
    init(adapter: Adapter, state: LiveServerState, logger: Logger, done: EventLoopPromise<Void>) {
        self.adapter = adapter
        self.done = done
        driver = IngestDriver(state: state, source: Adapter.ingestProtocol, logger: logger)
        limits = .init(
            idle: .nanoseconds(Int64(state.options.idleSeconds * 1e9)), closeHandshake: .seconds(LiveServer.closeHandshakeSeconds))
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        state = IngestConnectionState(limits: limits, now: context.eventLoop.now)
        scheduleTimer()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        self.context = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        guard let arrival = state?.received(frame, bytes: frame.length, at: context.eventLoop.now) else { return }
        switch arrival {
        case .handle(let frame): handle(frame)
        case .held: break
        case .dropped(let reason):
            driver.state.metrics.error(.protocol)
            driver.logger.notice("ingest message dropped", metadata: ["reason": "\(reason)"])
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        state?.socketClosed()
        timer?.cancel()
        timer = nil
        continueEnding()
        context.fireChannelInactive()
    }

    /// The client closed its side without a close frame (its process ended, say): the stream is
    /// over, and the call ends as for a dropped connection.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, event == .inputClosed {
            context.close(promise: nil)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        driver.logger.notice("ingest connection failed", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    /// The server is shutting down: the client is told to go away (its call ends and is stored
    /// when the socket closes).
    func shutDown() {
        close(code: .goingAway, reason: "the server is shutting down")
    }

    // MARK: - Frames

    private func handle(_ frame: WebSocketFrame) {
        switch frame.opcode {
        case .text where state?.acceptsData == true:
            apply(adapter.receive(text: String(buffer: frame.unmaskedData)))
        case .binary where state?.acceptsData == true:
            apply(adapter.receive(binary: frame.unmaskedData))
        case .ping:
            write(.pong(frame.unmaskedData), flush: true)
        case .connectionClose:
            // The client's close (or its answer to ours): echo its code, then the socket ends.
            if state?.clientClosed() == true {
                var data = frame.unmaskedData
                let code = data.readSlice(length: 2) ?? ByteBuffer()
                write(WebSocketFrame(fin: true, opcode: .connectionClose, data: code), flush: true)
            }
            context?.close(promise: nil)
        default:
            break  // pong; continuations are joined by the aggregator before this handler
        }
    }

    /// Applies one step of the adapter: analysis now, replies now or after the call is stored.
    private func apply(_ step: IngestStep) {
        var outcome = driver.apply(step, arrival: .now)
        if let refused = outcome.refused {
            // The protocol's own refusal instead of the step's replies (AudioHook's `opened` is
            // never sent for a session refused at `open`).
            let refusal = adapter.refusal(refused)
            outcome.replies = refusal.replies
            outcome.close = refusal.close.map { ($0, false) }
        }
        outcome.replies += adapter.replies(forAlerts: outcome.alerts)
        if outcome.close != nil, outcome.ended == nil { outcome.ended = driver.end() }
        guard let ended = outcome.ended, let eventLoop = context?.eventLoop else {
            send(outcome)
            return
        }
        state?.storeBegan()
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        let serverState = driver.state, logger = driver.logger, after = outcome
        Task {
            await IngestDriver.store(ended, state: serverState, logger: logger)
            eventLoop.execute { bound.value.stored(after) }
        }
    }

    private func stored(_ outcome: IngestDriver.Outcome) {
        state?.storeFinished()
        send(outcome)
        while let frame = state?.nextHeldFrame() { handle(frame) }
        continueEnding()
    }

    private func send(_ outcome: IngestDriver.Outcome) {
        for reply in outcome.replies { write(.text(reply), flush: false) }
        if let close = outcome.close {
            self.close(code: close.normal ? .normalClosure : .policyViolation, reason: close.reason)
        } else if !outcome.replies.isEmpty {
            context?.flush()
        }
    }

    /// Once the socket has closed and no store is under way: the protocol's end for whatever
    /// the client did not end itself, then `done`.
    private func continueEnding() {
        while let ending = state?.ending() {
            switch ending {
            case .wait: return
            case .applyDisconnect: apply(adapter.connectionClosed())
            case .finish:
                done.succeed()
                return
            }
        }
    }

    /// Sends a close frame (once); the socket is dropped if the client has not answered within
    /// `LiveServer.closeHandshakeSeconds`.
    private func close(code: WebSocketErrorCode, reason: String) {
        guard let context, state?.closeRequested(at: context.eventLoop.now) == true else { return }
        write(.close(code, reason: reason), flush: true)
        scheduleTimer()
    }

    private func write(_ frame: WebSocketFrame, flush: Bool) {
        guard let context, context.channel.isActive else { return }
        if flush { context.writeAndFlush(wrapOutboundOut(frame), promise: nil) } else { context.write(wrapOutboundOut(frame), promise: nil) }
    }

    // MARK: - Timer

    /// Sets the one timer to the state's next deadline (silence, or our close unanswered).
    private func scheduleTimer() {
        guard let context, let deadline = state?.nextTimerDeadline else { return }
        if deadline == timerDeadline, timer != nil { return }
        timer?.cancel()
        timerDeadline = deadline
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: deadline) { bound.value.timerFired() }
    }

    private func timerFired() {
        timer = nil
        guard let context, let action = state?.timerFired(at: context.eventLoop.now) else { return }
        switch action {
        case .none: break
        case .ping: write(.ping(ByteBuffer(string: "attune")), flush: true)
        case .close(let reason):
            driver.logger.notice("ingest connection silent: closed")
            close(code: .goingAway, reason: reason)
        case .dropConnection: context.close(promise: nil)
        }
        scheduleTimer()
    }
}

/// A running ingest socket, for the connection's task: waits for it to end (its call stored),
/// tells it when the server shuts down, and drops it if the task is cancelled.
struct IngestConnection: Sendable {
    let done: EventLoopFuture<Void>
    let shutDown: @Sendable () -> Void
    let channel: any Channel

    func run() async {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                try? await done.get()
            } onGracefulShutdown: {
                shutDown()
            }
        } onCancel: {
            channel.close(promise: nil)
        }
    }

    /// Adds the ingest handler for `endpoint` to an upgraded channel (on its event loop).
    static func install(
        _ grant: IngestGrant, audioHook: AudioHookSession.Configuration?, on channel: any Channel, state: LiveServerState,
        logger: Logger
    ) throws -> IngestConnection {
        let done = channel.eventLoop.makePromise(of: Void.self)
        func install<Adapter: IngestAdapter>(_ adapter: Adapter) throws -> @Sendable () -> Void {
            let handler = IngestChannelHandler(adapter: adapter, state: state, logger: logger, done: done)
            try channel.pipeline.syncOperations.addHandlers([
                NIOWebSocketFrameAggregator(
                    minNonFinalFragmentSize: 0, maxAccumulatedFrameCount: 1024, maxAccumulatedFrameSize: LiveServer.maximumIngestMessageBytes),
                handler,
            ])
            let bound = NIOLoopBound(handler, eventLoop: channel.eventLoop)
            return { [eventLoop = channel.eventLoop] in eventLoop.execute { bound.value.shutDown() } }
        }
        let shutDown: @Sendable () -> Void
        switch grant.ingestProtocol {
        case .native: shutDown = try install(NativeAdapter())
        case .twilio: shutDown = try install(TwilioAdapter(startTokens: grant.needsStartToken ? state.tokens : nil))
        case .audiohook: shutDown = try install(AudioHookAdapter(configuration: audioHook ?? .init(sessionId: nil, organizationId: nil)))
        }
        return IngestConnection(done: done.futureResult, shutDown: shutDown, channel: channel)
    }
}
