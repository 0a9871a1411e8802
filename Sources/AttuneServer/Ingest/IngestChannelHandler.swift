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
/// meanwhile wait their turn. However the socket ends (the protocol's end, a close, a dropped
/// connection), the call is ended and stored; `done` completes after that.
final class IngestChannelHandler<Adapter: IngestAdapter>: ChannelInboundHandler {
    typealias InboundIn = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var adapter: Adapter
    private var driver: IngestDriver
    private let done: EventLoopPromise<Void>
    private var channel: (any Channel)?
    /// A call's report is being stored; frames wait in `held`.
    private var storing = false
    private var held: [WebSocketFrame] = []
    private var sentClose = false
    private var channelClosed = false
    private var disconnectApplied = false
    private var isDone = false
    private var receivedSinceCheck = true
    private var pingOutstanding = false
    private var idleCheck: RepeatedTask?

    /// - Parameter done: completed once the socket has closed and its call is stored.
    init(adapter: Adapter, state: LiveServerState, logger: Logger, done: EventLoopPromise<Void>) {
        self.adapter = adapter
        self.done = done
        driver = IngestDriver(state: state, source: Adapter.ingestProtocol, logger: logger)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        channel = context.channel
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let idle = TimeAmount.milliseconds(Int64(driver.state.options.idleSeconds * 1000))
        idleCheck = context.eventLoop.scheduleRepeatedTask(initialDelay: idle, delay: idle) { _ in bound.value.checkIdle() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        receivedSinceCheck = true
        pingOutstanding = false
        if storing { held.append(frame) } else { handle(frame) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        channelClosed = true
        idleCheck?.cancel()
        applyDisconnectWhenIdle()
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
        case .text:
            apply(adapter.receive(text: String(buffer: frame.unmaskedData)))
        case .binary:
            apply(adapter.receive(binary: frame.unmaskedData))
        case .ping:
            write(.pong(frame.unmaskedData), flush: true)
        case .connectionClose:
            // The client's close (or its answer to ours): echo its code, then the socket ends.
            if !sentClose {
                sentClose = true
                var data = frame.unmaskedData
                let code = data.readSlice(length: 2) ?? ByteBuffer()
                write(WebSocketFrame(fin: true, opcode: .connectionClose, data: code), flush: true)
            }
            channel?.close(promise: nil)
        default:
            break  // pong; continuations are joined by the aggregator before this handler
        }
    }

    /// Applies one step of the adapter: analysis now, replies now or after the call is stored.
    private func apply(_ step: IngestStep) {
        var outcome = driver.apply(step, arrival: .now)
        if let refused = outcome.refused {
            // The protocol's own refusal: AudioHook sends `disconnect` and waits for `close`.
            let refusal = adapter.refusal(refused)
            outcome.replies += refusal.replies
            outcome.close = refusal.close.map { ($0, false) }
        }
        if outcome.close != nil, outcome.ended == nil { outcome.ended = driver.end() }
        guard let ended = outcome.ended else {
            send(outcome)
            return
        }
        storing = true
        let eventLoop = channel?.eventLoop
        let bound = eventLoop.map { NIOLoopBound(self, eventLoop: $0) }
        let state = driver.state, logger = driver.logger, after = outcome
        Task {
            await IngestDriver.store(ended, state: state, logger: logger)
            eventLoop?.execute { bound?.value.stored(after) }
        }
    }

    private func stored(_ outcome: IngestDriver.Outcome) {
        storing = false
        send(outcome)
        while !storing, !held.isEmpty { handle(held.removeFirst()) }
        applyDisconnectWhenIdle()
    }

    private func send(_ outcome: IngestDriver.Outcome) {
        for reply in outcome.replies { write(.text(reply), flush: false) }
        if let close = outcome.close {
            self.close(code: close.normal ? .normalClosure : .policyViolation, reason: close.reason)
        } else if !outcome.replies.isEmpty {
            channel?.flush()
        }
    }

    /// Once the socket has closed and no store is under way: the protocol's end for whatever
    /// the client did not end itself, then `done`.
    private func applyDisconnectWhenIdle() {
        guard channelClosed, !storing, !isDone else { return }
        if !disconnectApplied {
            disconnectApplied = true
            held.removeAll()
            apply(adapter.connectionClosed())
            if storing { return }
        }
        isDone = true
        done.succeed()
    }

    /// Sends a close frame (once) and closes the socket if the client has not within
    /// `LiveServer.closeHandshakeSeconds`.
    private func close(code: WebSocketErrorCode, reason: String) {
        guard !sentClose, let channel else { return }
        sentClose = true
        write(.close(code, reason: reason), flush: true)
        channel.eventLoop.scheduleTask(in: .seconds(LiveServer.closeHandshakeSeconds)) { channel.close(promise: nil) }
    }

    private func write(_ frame: WebSocketFrame, flush: Bool) {
        guard let channel, !channelClosed else { return }
        if flush { channel.writeAndFlush(frame, promise: nil) } else { channel.write(frame, promise: nil) }
    }

    /// A socket silent for `LiveOptions.idleSeconds` is pinged; silent for as long again, it is
    /// closed (going away), and its call ends and is stored when the socket has closed.
    private func checkIdle() {
        defer { receivedSinceCheck = false }
        guard !receivedSinceCheck else { return }
        if pingOutstanding {
            driver.logger.notice("ingest connection silent: closed")
            close(code: .goingAway, reason: "no message for \(Int(2 * driver.state.options.idleSeconds)) s")
        } else {
            pingOutstanding = true
            write(.ping(ByteBuffer(string: "attune")), flush: true)
        }
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
        _ ingestProtocol: IngestProtocol, audioHook: AudioHookSession.Configuration?, on channel: any Channel, state: LiveServerState,
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
        switch ingestProtocol {
        case .native: shutDown = try install(NativeAdapter())
        case .twilio: shutDown = try install(TwilioAdapter())
        case .audiohook: shutDown = try install(AudioHookAdapter(configuration: audioHook ?? .init(sessionId: nil, organizationId: nil)))
        }
        return IngestConnection(done: done.futureResult, shutDown: shutDown, channel: channel)
    }
}
