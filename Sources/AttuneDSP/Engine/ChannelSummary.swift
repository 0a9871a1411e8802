internal import Glibc

/// Everything the engine measured on one channel over the whole stream.
public struct ChannelSummary: Sendable, Equatable {
    /// Turns, in order.
    public var segments: [SpeechSegment]
    /// Raised-voice runs, in order.
    public var spikes: [EnergySpike]
    /// Frames judged speech (before turn merging).
    public var speechFrameCount: Int
    /// Speech frames with a pitch.
    public var voicedFrameCount: Int
    /// Syllable-like peaks counted in speech.
    public var syllablePeakCount: Int
    /// Median level of speech frames (dBFS, telephone band); nil without speech.
    public var levelMedianDBFS: Double?
    /// 10th and 90th percentile of speech-frame levels (dBFS).
    public var levelP10DBFS: Double?
    public var levelP90DBFS: Double?
    /// Median F0 of voiced speech frames (Hz); nil without voiced speech.
    public var pitchMedianHz: Double?
    /// 10th and 90th percentile F0 (Hz).
    public var pitchP10Hz: Double?
    public var pitchP90Hz: Double?
    /// Mean spectral centroid of speech frames (Hz).
    public var centroidMeanHz: Double?
    /// Mean spectral tilt of speech frames (dB, low band over high band).
    public var tiltMeanDb: Double?
    /// The raised-voice baseline at the end (dBFS): median short-term speech level.
    public var speechBaselineDBFS: Double?
    /// Per-frame measurements, only when the engine was asked to trace (memory grows with length).
    public var trace: [FrameTrace]?
    /// Distress cues over the whole stream and over the speaker's baseline (customer channel only).
    public var cueTotals: CueSums?
    public var cueBaseline: CueSums?
    /// Music, looped announcements and muted stretches heard on the channel, in order of start
    /// (`segments` already leave out music and loops).
    public var nonSpeechRuns: [NonSpeechRun] = []
    /// Keypad digits (their value only when `tones.revealDtmfDigits` allows) and call-progress
    /// tones heard on the channel, in order of start (also left out of `segments`).
    public var toneRuns: [ToneRun] = []

    /// F0 range between the 10th and 90th percentile (semitones).
    public var pitchRangeSemitones: Double? {
        guard let low = pitchP10Hz, let high = pitchP90Hz, low > 0 else { return nil }
        return 12 * log2(high / low)
    }
}

/// A channel's progress, cheap to read after every chunk (live calls watch it for alerts).
public struct ChannelLiveState: Sendable, Equatable {
    /// Frames whose speech decision is made (10 ms units).
    public var decidedFrames: Int
    /// One past the last frame decided as speech; 0 before any speech.
    public var lastSpeechEndFrame: Int
    /// Turns closed so far.
    public var closedSegmentCount: Int
    /// Raised-voice runs so far, counting an open run once it is long enough.
    public var spikeCount: Int
    /// Whether the channel is playing hold material now: music, or a looped announcement (the
    /// silences between its hearings included).
    public var playsHoldMaterial = false
}

/// One frame of one channel, as the engine saw it (for `attune analyze --frames`).
public struct FrameTrace: Sendable, Equatable {
    /// Frame index (10 ms units).
    public var frame: Int
    /// Level in the measured band (dBFS).
    public var levelDBFS: Float
    /// Mean positive band SNR against noise floor and bleed (dB): the speech score.
    public var speechScoreDb: Float
    /// Noise floor summed over bands (dBFS).
    public var noiseFloorDBFS: Float
    /// Final speech decision.
    public var isSpeech: Bool
    /// F0 (Hz), 0 when unvoiced.
    public var pitchHz: Float
    /// Periodicity (0–1).
    public var voicing: Float
    /// Spectral centroid (Hz) and tilt (dB), on frames that may be speech (else 0).
    public var centroidHz: Float
    public var tiltDb: Float
    /// The far-talker gate (`NearFieldGate`): probability that the frame is the channel's own
    /// talker (1 when the gate is off), and the features it read (dB).
    public var nearFieldProbability: Float
    public var belowPeakDb: Float
    public var bandModulationDb: Float
    public var loudnessDb: Float
}

/// Running totals behind a `ChannelSummary`'s levels, pitch and spectral shape.
struct ChannelStatistics: Sendable {
    private var levels = Histogram(lowerBound: -120, upperBound: 0, binWidth: 0.25)
    /// F0 in semitones above 40 Hz, 0.05-semitone bins (≈ 0.3 % of F0).
    private var pitch = Histogram(lowerBound: 0, upperBound: 48, binWidth: 0.05)
    private var centroidSum = 0.0
    private var tiltSum = 0.0
    private(set) var speechFrames = 0
    private(set) var voicedFrames = 0
    static let pitchReferenceHz = 40.0

    /// A pitch in semitones above `pitchReferenceHz`.
    static func semitones(_ hz: Float) -> Double { 12 * log2(Double(hz) / pitchReferenceHz) }

    /// Adds a speech frame; `pitchSemitones` (above `pitchReferenceHz`) is nil unless its pitch is
    /// reliable enough for the statistics.
    mutating func add(levelDBFS: Float, isVoiced: Bool, pitchSemitones: Double?, centroidHz: Float, tiltDb: Float) {
        speechFrames += 1
        levels.add(Double(levelDBFS))
        centroidSum += Double(centroidHz)
        tiltSum += Double(tiltDb)
        if isVoiced { voicedFrames += 1 }
        if let pitchSemitones { pitch.add(pitchSemitones) }
    }

    /// The level below which 90 % of speech frames fall (dBFS): the talker's loud speech.
    func loudSpeechDBFS() -> Double? { levels.percentile(0.9) }

    /// The talker's median speech level (dBFS).
    func medianSpeechDBFS() -> Double? { levels.percentile(0.5) }

    func fill(_ summary: inout ChannelSummary) {
        func hz(_ semitones: Double?) -> Double? { semitones.map { Self.pitchReferenceHz * pow(2, $0 / 12) } }
        summary.speechFrameCount = speechFrames
        summary.voicedFrameCount = voicedFrames
        summary.levelMedianDBFS = levels.percentile(0.5)
        summary.levelP10DBFS = levels.percentile(0.1)
        summary.levelP90DBFS = levels.percentile(0.9)
        summary.pitchMedianHz = hz(pitch.percentile(0.5))
        summary.pitchP10Hz = hz(pitch.percentile(0.1))
        summary.pitchP90Hz = hz(pitch.percentile(0.9))
        summary.centroidMeanHz = speechFrames > 0 ? centroidSum / Double(speechFrames) : nil
        summary.tiltMeanDb = speechFrames > 0 ? tiltSum / Double(speechFrames) : nil
    }
}
