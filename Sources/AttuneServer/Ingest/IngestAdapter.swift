import AttuneLive
import NIOCore

/// What an ingest protocol adapter makes of one WebSocket message.
struct IngestStep: Sendable {
    /// For the live call, in order.
    var events: [IngestEvent] = []
    /// Text messages to send back, in order (AudioHook `opened`, `pong`, `closed`, errors).
    var replies: [String] = []
    /// When set, the socket closes after the replies: with this reason, and as a protocol error
    /// unless `closesNormally`.
    var close: String? = nil
    var closesNormally = false
    /// A problem that did not close the socket (the message was ignored, or the protocol now
    /// waits for the client to close).
    var problem: String? = nil
    /// Missing audio filled with silence (20 ms frames) and frames dropped, with this message.
    var gapFrames = 0
    var droppedFrames = 0

    static func failure(_ error: IngestError) -> IngestStep {
        var step = IngestStep(replies: error.reply.map { [$0] } ?? [])
        if error.isFatal { step.close = error.reason } else { step.problem = error.reason }
        return step
    }
}

/// One protocol's message handling, one per connection (see `IngestDriver`).
protocol IngestAdapter: SendableMetatype {
    static var ingestProtocol: IngestProtocol { get }
    mutating func receive(text: String) -> IngestStep
    mutating func receive(binary: ByteBuffer) -> IngestStep
    /// The socket went away without the protocol's end message: whatever is held, then the end.
    mutating func connectionClosed() -> IngestStep
    /// The step telling the client its call was refused (e.g. its id is already live).
    mutating func refusal(_ reason: String) -> IngestStep
}

/// `/v1/ingest/native`: Attune's own protocol (`NativeStream`).
struct NativeAdapter: IngestAdapter {
    static let ingestProtocol = IngestProtocol.native
    private var stream = NativeStream()

    mutating func receive(text: String) -> IngestStep {
        do { return IngestStep(events: try stream.receive(text: text)) } catch { return .failure(error) }
    }

    mutating func receive(binary: ByteBuffer) -> IngestStep {
        do { return IngestStep(events: try stream.receive(binary: binary.readableBytesView)) } catch { return .failure(error) }
    }

    mutating func connectionClosed() -> IngestStep { IngestStep(events: [.end]) }

    mutating func refusal(_ reason: String) -> IngestStep {
        IngestStep(replies: [NativeStream.errorMessage(reason)], close: reason)
    }
}

/// `/v1/ingest/twilio`: Twilio Media Streams (`TwilioStream`). Frames are reordered by
/// timestamp; a missing stretch becomes silence and is counted (`gapFrames`), a frame arriving
/// after its stretch was released is dropped and counted.
struct TwilioAdapter: IngestAdapter {
    static let ingestProtocol = IngestProtocol.twilio
    private var stream = TwilioStream()
    private var gapFramesSeen = 0
    private var droppedFramesSeen = 0

    mutating func receive(text: String) -> IngestStep {
        var step: IngestStep
        do { step = IngestStep(events: try stream.receive(text: text)) } catch { step = .failure(error) }
        countFrames(into: &step)
        return step
    }

    mutating func receive(binary: ByteBuffer) -> IngestStep {
        IngestStep(problem: "twilio: binary message ignored (Media Streams sends JSON text)")
    }

    mutating func connectionClosed() -> IngestStep {
        var step = IngestStep(events: stream.finish() + [.end])
        countFrames(into: &step)
        return step
    }

    /// Twilio has no error message: the socket closes with the reason.
    mutating func refusal(_ reason: String) -> IngestStep { IngestStep(close: reason) }

    /// Gap-filled and dropped frames since the previous step.
    private mutating func countFrames(into step: inout IngestStep) {
        let gaps = TwilioTrack.allCases.reduce(0) { $0 + stream.counters(for: $1).gapFramesFilled }
        let dropped = stream.lateFramesDropped + stream.framesTooFarAhead
        step.gapFrames = gaps - gapFramesSeen
        step.droppedFrames = dropped - droppedFramesSeen
        gapFramesSeen = gaps
        droppedFramesSeen = dropped
    }
}

/// `/v1/ingest/audiohook`: Genesys AudioHook v2 (`AudioHookSession`); the upgrade request was
/// authenticated by the route.
struct AudioHookAdapter: IngestAdapter {
    static let ingestProtocol = IngestProtocol.audiohook
    private var session: AudioHookSession

    init(configuration: AudioHookSession.Configuration) {
        session = AudioHookSession(configuration: configuration)
    }

    mutating func receive(text: String) -> IngestStep { Self.step(session.receive(text: text)) }

    mutating func receive(binary: ByteBuffer) -> IngestStep { Self.step(session.receive(binary: Array(binary.readableBytesView))) }

    /// `close` → `closed` already ended the call; otherwise the socket dropped mid-call.
    mutating func connectionClosed() -> IngestStep { IngestStep(events: [.end]) }

    mutating func refusal(_ reason: String) -> IngestStep { Self.step(session.refuse(info: reason)) }

    private static func step(_ hook: AudioHookStep) -> IngestStep {
        var step = IngestStep(events: hook.events, replies: hook.replies)
        if let reason = hook.closeReason {
            step.close = reason
            step.closesNormally = hook.error == nil
        } else if let error = hook.error {
            // `disconnect` sent; the protocol now waits for the client's `close`.
            step.problem = error.reason
        }
        return step
    }
}
