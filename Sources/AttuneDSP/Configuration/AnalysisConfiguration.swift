/// Every threshold of the analysis, in one value.
///
/// Defaults follow `DESIGN.md` §3. Each field is listed, with its unit and meaning, in
/// `AnalysisConfiguration.fields`, which `attune config` prints and `--set key=value` writes through;
/// that table is the only list of settings, so a new field added here and there is all it takes.
public struct AnalysisConfiguration: Sendable, Equatable, Hashable {
    public var voiceActivity = VoiceActivityConfiguration()
    public var turns = TurnConfiguration()
    public var spikes = SpikeConfiguration()
    public var pitch = PitchConfiguration()
    public var pace = PaceConfiguration()
    public var distressCues = DistressCueConfiguration()
    public var holds = HoldConfiguration()
    public var tones = ToneConfiguration()

    public init() {}

    /// The defaults.
    public static let `default` = AnalysisConfiguration()
}

// MARK: - Fixed analysis grid

/// The analysis grid, which is not configurable: every input is resampled to it, so features
/// compare across 8, 16, 22.05, 44.1 and 48 kHz recordings (the telephone band, 300–3400 Hz,
/// is what matters on calls).
public enum AnalysisGrid {
    /// Sample rate of the analysis (Hz).
    public static let sampleRateHz = 8000
    /// Hop between frames: 80 samples = 10 ms.
    public static let hopSamples = 80
    /// Hann window length: 256 samples = 32 ms.
    public static let windowSamples = 256
    /// FFT length: the window zero-padded to 512 samples, so its power spectrum gives a linear
    /// (not circular) autocorrelation for pitch. Bins are 15.625 Hz apart.
    public static let fftSize = 512
    /// One frame's duration (s).
    public static let frameSeconds = 0.01

    /// Converts a frame index (10 ms steps) to seconds.
    @inlinable public static func seconds(frames: Int) -> Double { Double(frames) / 100 }
    /// Converts seconds to a whole number of frames (rounded).
    @inlinable public static func frames(seconds: Double) -> Int { Int((seconds * 100).rounded()) }
}

// MARK: - Sections

/// Voice activity per channel, decided against the channel's own noise floor and the other
/// channel's bleed.
public struct VoiceActivityConfiguration: Sendable, Equatable, Hashable {
    /// Mean band SNR at which speech starts (dB, 0–30). Default 3 dB.
    public var onsetThresholdDb = 3.0
    /// Mean band SNR below which speech ends, with hangover (dB, 0–onset). Default 1.5 dB.
    public var offsetThresholdDb = 1.5
    /// How long speech is held after the score falls below the offset (s, 0–0.5). Default 0:
    /// turns already bridge gaps under 0.3 s, and on noisy lines the hidden-edge extension below
    /// takes over.
    public var hangoverSeconds = 0.0
    /// Word edges sink below the noise on a noisy line: for every dB the channel's median speech
    /// level is less than `hiddenEdgeDepthDb` above its noise floor, onsets are extended by this
    /// much (s per dB, 0–0.01). Default 1.5 ms/dB. (Defaults chosen on the fixture calls' edge
    /// bias across 10–30 dB SNR; see the README's accuracy section.)
    public var hiddenOnsetSecondsPerDb = 0.0015
    /// …and word tails by this much (s per dB, 0–0.01). Default 1.2 ms/dB.
    public var hiddenTailSecondsPerDb = 0.0012
    /// Speech-to-noise ratio (median speech level over the noise floor) at and above which no
    /// edge is hidden (dB, 10–60). Default 30 dB.
    public var hiddenEdgeDepthDb = 30.0
    /// How far a speech onset is traced back over frames above the offset threshold (s, 0–0.3).
    /// Default 100 ms. Also the decision delay.
    public var lookbackSeconds = 0.1
    /// Quietest level that can be speech (dBFS, telephone band). Default −60 dBFS.
    public var minimumSpeechLevelDBFS = -60.0
    /// Frames this far below the channel's own loud speech (the 90th percentile of its speech
    /// levels so far) are not speech: word tails, breaths, faint background voices (dB, 10–80).
    /// Default 35 dB. Inactive until the channel has 0.5 s of speech.
    public var belowOwnSpeechLevelDb = 35.0
    /// Far talkers (`NearFieldGate`): a frame whose probability of being the channel's own talker
    /// is below this is not speech (0–1; 0 turns the rejection off). Default 0.3. The gate looks
    /// 0.15 s ahead, which adds to the decision delay. Off on a mono mix of several parties.
    public var nearFieldMinimumProbability = 0.3
    /// Energy this far or further below the other channel's (over the echo delays) is taken as
    /// bleed, not speech (dB, 0–60). Default 15 dB.
    public var bleedRejectionDb = 15.0
    /// Longest echo or crosstalk delay looked for (s, 0–0.2). Default 60 ms.
    public var bleedMaximumDelaySeconds = 0.06
    /// Span of the minimum-statistics noise-floor tracker (s, 0.5–10). Default 2.5 s.
    public var noiseFloorWindowSeconds = 2.5
    /// Added to the tracked minimum to estimate the mean noise level (dB, 0–10). Default 3 dB.
    public var noiseFloorBiasDb = 3.0
    /// Lowest noise floor assumed, per band, for digitally silent channels (dBFS, −120 to −40).
    /// Default −85 dBFS.
    public var noiseFloorMinimumDBFS = -85.0

    public init() {}
}

/// Turns and the conversation events built from them (DESIGN §3).
public struct TurnConfiguration: Sendable, Equatable, Hashable {
    /// Speech frames closer than this are one segment (s, 0–2). Default 0.3 s.
    public var mergeGapSeconds = 0.3
    /// Segments shorter than this are dropped (s, 0–1). Default 0.1 s.
    public var minimumSegmentSeconds = 0.1
    /// Share of a segment's length that must be voiced frames (with a pitch) for it to count as
    /// talk: taps, rustle, breath and handling noise are unvoiced (ratio, 0–1). Default 0.3.
    public var minimumVoicedShare = 0.3
    /// A silence at least this long is dead air (s, 0.5–60). Default 3 s (one vendor uses 5 s).
    public var deadAirMinimumSeconds = 3.0
    /// Overlap runs at least this long are overtalk events (s, 0–5). Default 0.3 s.
    public var overtalkMinimumSeconds = 0.3
    /// An interruption needs the other party talking at least this long already (s). Default 1 s.
    public var interruptionPriorTalkSeconds = 1.0
    /// …and the other party stopping within this long of the interruption's start (s). Default 2 s.
    public var interruptionStopWithinSeconds = 2.0
    /// A burst shorter than this inside the other's turn, which carries on, is a backchannel (s).
    /// Default 1 s.
    public var backchannelMaximumSeconds = 1.0

    public init() {}
}

/// Energy spikes (raised voice), relative to the party's own speech baseline.
public struct SpikeConfiguration: Sendable, Equatable, Hashable {
    /// Short-term level window, centred on the frame (s, 0.05–2). Default 0.3 s.
    public var windowSeconds = 0.3
    /// Which percentile of the party's short-term speech levels so far is their baseline (0.1–0.99).
    /// Default 0.5 (the median).
    public var baselinePercentile = 0.5
    /// Level above the party's running speech baseline that counts as raised (dB, 1–30). Default 9 dB.
    public var thresholdDb = 9.0
    /// Shortest raised run reported (s, 0–5). Default 0.3 s.
    public var minimumSeconds = 0.3
    /// Speech needed before the baseline is trusted and spikes can be reported (s, 0–60). Default 2 s.
    public var baselineMinimumSpeechSeconds = 2.0
    /// Frames at least this far above the baseline stay out of it, so raised phrases do not drag
    /// it up (dB, 1–30). Default 6 dB.
    public var baselineExclusionDb = 6.0
    /// A raised run shorter than `sustainedSeconds` must have its median pitch at least this far
    /// above the party's baseline pitch, when it has enough clearly periodic frames to tell
    /// (semitones, 0–12). Default 3.5 st: raising the voice by 10 dB raised it 4–15 st on EmoDB's
    /// angry phrases; emphatic calm words, under 3.4.
    public var minimumPitchRiseSemitones = 3.5
    /// …and its median spectral centroid at least this far above the party's baseline (Hz,
    /// 0–1000). Default 100 Hz (raised phrases: 220 Hz or more on EmoDB).
    public var minimumBrightnessRiseHz = 100.0
    /// A loud run at least this long counts on level alone, whatever its pitch and brightness: a
    /// phrase said louder, not a stressed word (s, 0.3–10). Default 0.8 s (emphatic calm words on
    /// EmoDB were loud for 0.5 s at most).
    public var sustainedSeconds = 0.8

    public init() {}
}

/// Fundamental frequency (F0).
public struct PitchConfiguration: Sendable, Equatable, Hashable {
    /// Lowest F0 searched (Hz, 40–200). Default 60 Hz.
    public var minimumHz = 60.0
    /// Highest F0 searched (Hz, 200–1000). Default 500 Hz.
    public var maximumHz = 500.0
    /// Normalised autocorrelation at the period needed to call a frame voiced (0–1). Default 0.5.
    public var voicingThreshold = 0.5
    /// Periodicity a frame needs for its pitch to enter the pitch median and range (0–1).
    /// Default 0.8: less periodic frames (onsets, one dominant harmonic through a telephone
    /// line) are where harmonic and subharmonic picks happen.
    public var statisticsVoicingThreshold = 0.8

    public init() {}
}

/// The customer's arousal and strain cues, measured against their own baseline for the distress
/// score.
public struct DistressCueConfiguration: Sendable, Equatable, Hashable {
    /// The moving window the live distress value looks at (s, 5–120). Default 20 s.
    public var windowSeconds = 20.0
    /// The customer's first this-much speech is their baseline (s, 5–120). Default 15 s.
    public var baselineSpeechSeconds = 15.0
    /// No distress value before the baseline holds this much speech (s, 2–60). Default 8 s.
    public var minimumBaselineSeconds = 8.0
    /// …nor from a window with less speech than this (s, 1–60). Default 3 s.
    public var minimumWindowSpeechSeconds = 3.0

    public init() {}
}

/// Speaking rate: syllable-like energy peaks per second of talk.
public struct PaceConfiguration: Sendable, Equatable, Hashable {
    /// Rise and fall around a peak needed to count it (dB, 0.5–20). Default 3 dB.
    public var peakProminenceDb = 3.0
    /// Closest two counted peaks may be (s, 0.02–1). Default 0.1 s.
    public var minimumPeakSpacingSeconds = 0.1

    public init() {}
}

/// What a call carries besides two voices: music and looped announcements on hold, a muted line,
/// and the holds they make (see `NonSpeech/`).
public struct HoldConfiguration: Sendable, Equatable, Hashable {
    /// Whether music, looped announcements and muted lines are looked for at all (1) or not (0).
    /// Default 1. Off, nothing is ever a hold and the engine does a little less per frame: for
    /// recordings that never carry hold material, or for steady synthetic tones (a tone that
    /// holds its pitch is music to the detector: no voice does).
    public var detectsHolds = 1.0
    /// Music: share of a frame's spectral-peak power at bins that held a peak 50 ms earlier,
    /// averaged over `musicWindowSeconds`, at or above which the window sounds like music (ratio,
    /// 0.3–0.95). Default 0.6: synthesised hold music scores 0.76–0.94 (also on a 15 dB μ-law
    /// line); real speech (EmoDB, AMI meetings, the fixtures) at most 0.70 for 0.34 s.
    public var musicPeakPersistence = 0.6
    /// The window that persistence is averaged over (s, 0.5–5). Default 1 s.
    public var musicWindowSeconds = 1.0
    /// Music is reported only once the window has sounded like music this long without a break
    /// (s, 0.2–10). Default 1 s; the run then starts where the music did.
    public var musicConfirmSeconds = 1.0
    /// Frames quieter than this are not looked at for music (dBFS, −90…−20). Default −55 dBFS.
    public var musicMinimumLevelDBFS = -55.0
    /// Music whose notes do not hold still (drums, a busy mix) counts once it has sounded without
    /// a pause for 3 s and then this long more (s, 2–60). Default 8 s: voices of a room behind a
    /// talker filled 3 s without a pause for at most 4.1 s more on the far-talker calls (both
    /// halves looked at: no held-out figure for this one), hold music plays on.
    public var steadySoundConfirmSeconds = 8.0
    /// Looped announcement: the same audio heard again between this many… (s, 1–30). Default 3 s.
    public var announcementMinimumPeriodSeconds = 3.0
    /// …and this many seconds later (s, 5–60). Default 30 s; memory grows with it (16 bytes per
    /// 50 ms on the channel that places holds: 9.4 KiB at 30 s).
    public var announcementMaximumPeriodSeconds = 30.0
    /// Two 100 ms stretches are the same audio when their 16 band levels differ by at most this
    /// much on average (dB, 0.5–10). Default 3 dB (an identical loop on a 15 dB line: within 3 dB;
    /// the same sentence said again by the same EmoDB speaker: never for more than 0.5 s).
    public var announcementMaximumDistanceDb = 3.0
    /// …for at least this long without a break before it counts as a loop (s, 0.3–5). Default 1 s.
    public var announcementConfirmSeconds = 1.0
    /// A line this far below its own usual noise is muted: the advisor's microphone is out of the
    /// call, as on a silent hold (dB, 6–60). Default 20 dB. Lines whose usual noise is below
    /// −75 dBFS (digitally clean recordings) are never called muted.
    public var mutedDropDb = 20.0
    /// Shortest hold (s, 1–120). Default 5 s. Shorter music or loops still never count as talk.
    public var minimumSeconds = 5.0
    /// Hold material on one channel (music, a loop, a muted line) separated by at most this much,
    /// with no talk on that channel between, is one hold (s, 0–60). Default 20 s (an announcement
    /// repeated every 8–30 s, with silence between, is one hold).
    public var mergeGapSeconds = 20.0
    /// Whether a silent hold (muted line) also counts as dead air (1) or only as a hold (0): the
    /// customer hears silence either way. Default 1. Music and announcement holds are never dead air.
    public var silentHoldIsDeadAir = 1.0

    public init() {}
}
