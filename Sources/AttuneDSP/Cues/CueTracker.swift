internal import Glibc

/// Follows one speaker's arousal, strain and voice-quality cues (`CueSums`) in one-second bins: a moving window of the last `windowSeconds`, and a baseline of the
/// speaker's first `baselineSpeechSeconds` of speech, frozen once full. Every second it offers a
/// `CueSnapshot` (window against baseline) once both hold enough speech.
///
/// Used for the customer's channel only: the advisor's voice is never measured for distress.
/// Memory is fixed: `windowSeconds` bins, whatever the call's length.
struct CueTracker: Sendable {
    private let binsInWindow: Int
    private let baselineFrames: Int
    private let minimumBaselineFrames: Int
    private let minimumWindowFrames: Int
    private var bins: [CueSums]
    private var binSlot = 0
    private var binFrames = 0
    private var window = CueSums()
    private(set) var baseline = CueSums()
    /// The whole stream (for calibration against other baselines).
    private(set) var total = CueSums()
    private var previousPitch: Double? = nil
    private var previousPitchFrame = -2
    private var previousVoicedLevel: Double? = nil
    private var previousVoicedFrame = -2
    private var frame = 0
    /// The largest frame-to-frame pitch change counted in the jitter cue (semitones).
    static let jitterCapSemitones = 0.5
    /// The steepest frame-to-frame pitch slope counted in the contour cue (semitones per second):
    /// a jump beyond it is a slip of the tracker or a new phrase, not intonation.
    static let slopeCapSemitonesPerSecond = 50.0
    /// The largest frame-to-frame level change counted in the shimmer cue (dB).
    static let shimmerCapDb = 3.0
    /// Periodicity is clamped to this range before it becomes harmonicity (−20 … +23 dB).
    static let harmonicityVoicingRange: ClosedRange<Float> = 0.01...0.995
    /// Snapshots not yet taken by the caller (at most a few: the caller drains after each push).
    private(set) var pending: [CueSnapshot] = []

    init(configuration: AnalysisConfiguration) {
        binsInWindow = max(1, Int(configuration.distressCues.windowSeconds.rounded()))
        baselineFrames = AnalysisGrid.frames(seconds: configuration.distressCues.baselineSpeechSeconds)
        minimumBaselineFrames = AnalysisGrid.frames(seconds: configuration.distressCues.minimumBaselineSeconds)
        minimumWindowFrames = AnalysisGrid.frames(seconds: configuration.distressCues.minimumWindowSpeechSeconds)
        bins = [CueSums](repeating: CueSums(), count: binsInWindow)
        pending.reserveCapacity(4)  // one snapshot a second; the caller drains after each push
    }

    /// Adds the next decided frame: whether it is speech and voiced, its pitch when clearly
    /// periodic (semitones above 40 Hz, else nil), and whether the pace counter counted a peak at it.
    /// Returns true when it closes a second: the caller then calls `closeSecond(windowSpikes:)`
    /// with the raised-voice events since `windowStartFrame`.
    mutating func add(isSpeech: Bool, isVoiced: Bool, pitchSemitones: Double?, record: FrameRecord, syllablePeak: Bool) -> Bool {
        if isSpeech || syllablePeak {
            let sums = frameSums(isSpeech: isSpeech, isVoiced: isVoiced, pitchSemitones: pitchSemitones, record: record, syllablePeak: syllablePeak)
            bins[binSlot] += sums
            window += sums
            total += sums
            if baseline.speechFrames < baselineFrames { baseline += sums }
        }
        frame += 1
        binFrames += 1
        return binFrames == 100
    }

    /// One frame's contribution to the sums.
    private mutating func frameSums(isSpeech: Bool, isVoiced: Bool, pitchSemitones: Double?, record: FrameRecord, syllablePeak: Bool) -> CueSums {
        var sums = CueSums()
        sums.syllablePeaks = syllablePeak ? 1 : 0
        guard isSpeech else { return sums }
        sums.speechFrames = 1
        let level = Double(record.features.levelDBFS)
        sums.level.add(level)
        if record.features.centroidHz > 0 {
            sums.centroid.add(Double(record.features.centroidHz))
            sums.tilt.add(Double(record.features.tiltDb))
            sums.flatness.add(Double(record.flatnessDb))
        }
        if isVoiced {
            let r = Double(min(max(record.pitch.voicing, Self.harmonicityVoicingRange.lowerBound), Self.harmonicityVoicingRange.upperBound))
            sums.harmonicity.add(10 * log10(r / (1 - r)))
            if let previous = previousVoicedLevel, previousVoicedFrame == frame - 1 {
                sums.shimmer.add(min(abs(level - previous), Self.shimmerCapDb))
            }
            previousVoicedLevel = level
            previousVoicedFrame = frame
        }
        if let semitones = pitchSemitones {
            sums.pitch.add(semitones)
            sums.pitchSquareSum = semitones * semitones
            if let previous = previousPitch, previousPitchFrame == frame - 1 {
                let change = semitones - previous
                sums.jitter.add(min(abs(change), Self.jitterCapSemitones))
                let slope = change / AnalysisGrid.frameSeconds
                sums.pitchSlope.add(min(max(slope, -Self.slopeCapSemitonesPerSecond), Self.slopeCapSemitonesPerSecond))
            }
            previousPitch = semitones
            previousPitchFrame = frame
        }
        return sums
    }

    /// The first frame of the current window.
    var windowStartFrame: Int { max(0, frame - binsInWindow * 100) }

    /// Forgets the snapshots the caller has taken.
    mutating func clearPending() { pending.removeAll(keepingCapacity: true) }

    /// Ends the second: offers a snapshot if the baseline and window hold enough speech, and moves
    /// the window on.
    mutating func closeSecond(windowSpikes: Int) {
        if baseline.speechFrames >= minimumBaselineFrames && window.speechFrames >= minimumWindowFrames {
            pending.append(CueSnapshot(endFrame: frame, window: window, windowSpikes: windowSpikes, baseline: baseline))
        }
        binFrames = 0
        binSlot = (binSlot + 1) % binsInWindow
        window -= bins[binSlot]  // the second leaving the window
        bins[binSlot] = CueSums()
    }
}
