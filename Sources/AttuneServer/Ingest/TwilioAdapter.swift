import AttuneLive
import NIOCore

/// `/v1/ingest/twilio`: Twilio Media Streams (`TwilioStream`). Frames are reordered by
/// timestamp; a missing stretch becomes silence and is counted (`gapFrames`), a frame arriving
/// after its stretch was released is dropped and counted.
///
/// A stream whose upgrade request authenticated nothing (Twilio can send neither `?token=` nor a
/// header) must authenticate with its `start` (`customParameters.token`, see
/// `TwilioStream.Authorization`): refused, it closes with the reason (policy violation) before
/// any call starts, and the refusal is counted as an `auth` error.
struct TwilioAdapter: IngestAdapter {
    static let ingestProtocol = IngestProtocol.twilio
    private var stream: TwilioStream
    private var gapFramesSeen = 0
    private var droppedFramesSeen = 0

    /// - Parameters:
    ///   - startTokens: the server's tokens when the upgrade authenticated nothing (the `start`
    ///     must carry an ingest token); nil when the upgrade did.
    init(startTokens: AccessTokens? = nil) {
        stream = TwilioStream(authorization: startTokens.map { .ingestToken($0) } ?? .upgrade)
    }

    mutating func receive(text: String) -> IngestStep {
        var step: IngestStep
        let wasRefused = stream.refusedUnauthenticated
        do { step = IngestStep(events: try stream.receive(text: text)) } catch {
            step = .failure(error)
            if stream.refusedUnauthenticated, !wasRefused { step.closeCountsAs = .auth }
        }
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
