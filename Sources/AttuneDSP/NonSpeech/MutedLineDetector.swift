/// A muted line on one channel: its level far below the line's own usual noise, as when an
/// advisor's microphone is taken out of the call for a silent hold (digital silence or a faint
/// comfort noise replaces the room and line noise heard the rest of the call).
///
/// The usual noise is the median level of the channel's frames that are not speech (every 10th
/// frame scoring below the speech threshold, muted frames left out); a frame is muted when its
/// level is `mutedDropDb` below it. Lines whose usual noise is below −75 dBFS (digitally clean
/// recordings, whose pauses are already silent) are never called muted, and nothing is called
/// muted before 3 s of the line's noise has been sampled.
/// Runs shorter than 1 s are dropped.
struct MutedLineDetector: Sendable {
    private static let sampleEveryFrames = 10
    private static let minimumSamples = 30
    private static let quietestUsualNoiseDBFS = -75.0
    private static let minimumRunFrames = 100
    private let dropDb: Double
    private var noise = Histogram(lowerBound: -120, upperBound: 0, binWidth: 1)
    private var samples = 0
    /// The line's usual noise (dBFS): the median level of its non-speech frames; nil before 3 s
    /// of them.
    private(set) var usualNoiseDBFS: Double?
    private var openStart: Int?
    private var frame = 0
    /// Runs closed so far, in order.
    private(set) var runs: [NonSpeechRun] = []

    init(configuration: HoldConfiguration) {
        dropDb = configuration.mutedDropDb
    }

    /// Feeds the next frame's level (dBFS) and whether it may be speech.
    mutating func push(levelDBFS: Float, maybeSpeech: Bool) {
        let muted = usualNoiseDBFS.map { $0 >= Self.quietestUsualNoiseDBFS && Double(levelDBFS) < $0 - dropDb } ?? false
        if muted {
            if openStart == nil { openStart = frame }
        } else {
            close(at: frame)
            if frame % Self.sampleEveryFrames == 0 && !maybeSpeech {
                noise.add(Double(levelDBFS))
                samples += 1
                if samples >= Self.minimumSamples { usualNoiseDBFS = noise.percentile(0.5) }
            }
        }
        frame += 1
    }

    /// Closes an open run at the end of the stream.
    mutating func finish() { close(at: frame) }

    /// The runs so far with an open one closed as `finish()` would. Changes nothing.
    func snapshotRuns() -> [NonSpeechRun] {
        var copy = self
        copy.finish()
        return copy.runs
    }

    private mutating func close(at end: Int) {
        guard let start = openStart else { return }
        if end - start >= Self.minimumRunFrames { runs.append(NonSpeechRun(kind: .muted, startFrame: start, endFrame: end)) }
        openStart = nil
    }
}
