import AttuneLive
import NIOCore

/// What an ingest protocol adapter makes of one WebSocket message.
struct IngestStep: Sendable {
    /// For the live call, in order.
    var events: [IngestEvent] = []
    /// Text messages to send back, in order (AudioHook `opened`, `pong`, `closed`, errors).
    var replies: [String] = []
    /// When set, the socket closes after the replies: with this reason, and counted as a
    /// `closeCountsAs` error unless `closesNormally`.
    var close: String? = nil
    var closesNormally = false
    /// What an abnormal close is counted as (`attune_live_errors_total{kind}`): a refused
    /// credential is `auth`, anything else the client sent wrong `protocol`; each refusal once.
    var closeCountsAs = LiveMetrics.ErrorKind.protocol
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
    /// Messages telling the client of its call's alerts (AudioHook `event`s, when asked for);
    /// none by default.
    mutating func replies(forAlerts alerts: [LiveAlert]) -> [String]
}

extension IngestAdapter {
    mutating func replies(forAlerts alerts: [LiveAlert]) -> [String] { [] }
}
