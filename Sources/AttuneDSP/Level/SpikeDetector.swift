/// A run where a party's voice was raised well above their own speech baseline.
public struct EnergySpike: Sendable, Equatable, Hashable {
    /// First frame (10 ms units).
    public var startFrame: Int
    /// One past the last frame.
    public var endFrame: Int
    /// Highest short-term level above the baseline during the run (dB).
    public var peakDbAboveBaseline: Double

    public var startSeconds: Double { AnalysisGrid.seconds(frames: startFrame) }
    public var endSeconds: Double { AnalysisGrid.seconds(frames: endFrame) }
}

/// Finds raised voice: the short-term speech level (mean power over a window centred on the
/// frame, less the line's noise power) at least `thresholdDb` above the party's running speech
/// baseline, on speech frames, for at least `minimumSeconds` (DESIGN §3, "energy spike"), in a
/// voice that also sounds raised: higher and brighter than the party's own.
///
/// - **Noise-compensated level.** On a noisy line the noise adds the same power to calm and
///   raised windows, which compresses their difference (a +10 dB phrase read +8 on a 10 dB line);
///   the noise floor's power is taken off each window before its level is read.
/// - **A baseline raised phrases do not drag up.** The baseline is a percentile
///   (`baselinePercentile`, default the median) of the party's short-term speech levels so far,
///   leaving out every frame at least `baselineExclusionDb` above it (not just those over the
///   threshold), so a shouted passage does not lift the bar it is measured against.
/// - **The raised voice's own signs.** Raising the voice raises F0 and flattens the spectrum (more
///   vocal effort; Liénard & Di Benedetto 1999), while natural stress on a word is loud for a
///   syllable or two without either. A run shorter than `sustainedSeconds` counts only when its
///   median pitch is at least `minimumPitchRiseSemitones` above the party's baseline median (when
///   it has enough clearly periodic frames to say) and its median spectral centroid at least
///   `minimumBrightnessRiseHz` above theirs; a longer one, a phrase said louder rather than a
///   stressed word, counts whatever its pitch. On real speech (EmoDB speakers on μ-law lines,
///   `Scripts/make_realspeech.py`) this removed every false alarm on emphatic calm speech and
///   found all 120 phrases raised by 10–12 dB.
///
/// Spikes are reported only once `baselineMinimumSpeechSeconds` of speech have set the baseline,
/// so the first seconds of a call cannot spike. Works `window / 2` frames behind the frames it is fed.
struct SpikeDetector: Sendable {
    private let windowFrames: Int
    private let thresholdDb: Double
    private let baselinePercentile: Double
    private let minimumFrames: Int
    private let baselineMinimumFrames: Int
    private let exclusionDb: Double
    private let minimumPitchRise: Double
    private let minimumBrightnessRise: Double
    private let sustainedFrames: Int
    /// The noise taken off a window never leaves less than this share of its power (−6 dB): where
    /// the noise estimate meets the window's power, the difference says nothing.
    static let leastSpeechShare = 0.25
    /// Clearly periodic frames a run needs before its pitch is judged.
    static let minimumPitchFrames = 5
    /// Raised frames closer than one window (0.3 s) belong to one spike: word gaps inside a
    /// shouted phrase do not split it.
    private var bridgeFrames: Int { windowFrames }
    /// Powers and speech decisions of the last `windowFrames + 1` frames (ring): the window, plus
    /// the frame that just left it, whose power the running sum still has to subtract.
    private var powers: [Float]
    private var speech: [Bool]
    /// The line's noise power, pitch (semitones above 40 Hz, or 0) and centroid (Hz, or 0) of the
    /// same frames.
    private var noise: [Float]
    private var pitches: [Float]
    private var centroids: [Float]
    private var ringSize: Int { windowFrames + 1 }
    private var fed = 0
    private var evaluated = 0
    /// Sum of the powers of frames `windowFirst…windowLast` (the current window).
    private var windowSum = 0.0
    private var windowFirst = 0
    private var windowLast = -1
    private var baseline = Histogram(lowerBound: -120, upperBound: 0, binWidth: 0.25)
    private var baselineDBFS: Double? = nil
    private var baselineFramesSinceUpdate = 0
    /// The party's pitch (semitones) and centroid (Hz) over the frames in the baseline, and over
    /// the raised run in progress. Medians, not means: a loud, rough voice gives the pitch tracker
    /// octave slips (a shouted 200 Hz read as 60 Hz in a few frames), which drag a mean down.
    private var baselinePitch = Self.pitchHistogram()
    private var baselineCentroid = Self.centroidHistogram()
    private var runPitch = Self.pitchHistogram()
    private var runCentroid = Self.centroidHistogram()
    private var run: (start: Int, last: Int, peak: Double)? = nil
    private static func pitchHistogram() -> Histogram { Histogram(lowerBound: 0, upperBound: 48, binWidth: 0.5) }
    private static func centroidHistogram() -> Histogram { Histogram(lowerBound: 0, upperBound: 4000, binWidth: 50) }
    /// Spikes found, in order.
    private(set) var spikes: [EnergySpike] = []

    init(configuration: SpikeConfiguration) {
        windowFrames = max(1, AnalysisGrid.frames(seconds: configuration.windowSeconds))
        thresholdDb = configuration.thresholdDb
        baselinePercentile = configuration.baselinePercentile
        minimumFrames = AnalysisGrid.frames(seconds: configuration.minimumSeconds)
        baselineMinimumFrames = AnalysisGrid.frames(seconds: configuration.baselineMinimumSpeechSeconds)
        exclusionDb = configuration.baselineExclusionDb
        minimumPitchRise = configuration.minimumPitchRiseSemitones
        minimumBrightnessRise = configuration.minimumBrightnessRiseHz
        sustainedFrames = AnalysisGrid.frames(seconds: configuration.sustainedSeconds)
        powers = [Float](repeating: 0, count: windowFrames + 1)
        speech = [Bool](repeating: false, count: windowFrames + 1)
        noise = [Float](repeating: 0, count: windowFrames + 1)
        pitches = [Float](repeating: 0, count: windowFrames + 1)
        centroids = [Float](repeating: 0, count: windowFrames + 1)
        spikes.reserveCapacity(64)  // no allocation when a spike is found (per-frame path)
    }

    /// Raised-voice events (closed, or open and already long enough) starting at or after `frame`.
    func spikeCount(startingAtOrAfter frame: Int) -> Int {
        var count = 0
        for spike in spikes.reversed() {
            guard spike.startFrame >= frame else { break }
            count += 1
        }
        if let open = run, open.start >= frame, counts(open) { count += 1 }
        return count
    }

    /// The current speech baseline (dBFS), once trusted.
    var currentBaselineDBFS: Double? { baselineDBFS }

    /// Frames from the centre to the window's newest frame.
    private var aheadFrames: Int { windowFrames - windowFrames / 2 - 1 }

    /// Feeds frame `fed`: its power and the line's noise power (mean-square), its speech decision,
    /// its pitch (semitones above 40 Hz, 0 unless clearly periodic) and spectral centroid (Hz, 0
    /// when unknown). Evaluates the frame half a window back.
    mutating func push(isSpeech: Bool, power: Float, noisePower: Float, pitchSemitones: Float, centroidHz: Float) {
        let slot = fed % ringSize
        powers[slot] = power
        speech[slot] = isSpeech
        noise[slot] = noisePower
        pitches[slot] = pitchSemitones
        centroids[slot] = centroidHz
        fed += 1
        if fed - 1 - evaluated >= aheadFrames { evaluate(evaluated) }
    }

    /// Evaluates the remaining frames with the window cut at the end of the stream.
    mutating func finish() {
        while evaluated < fed { evaluate(evaluated) }
        closeRun()
    }

    private mutating func evaluate(_ centre: Int) {
        evaluated += 1
        // Window sums kept in Double: deterministic, and drift-free for hours of audio.
        let first = max(0, centre - windowFrames / 2)
        let last = min(fed - 1, centre + aheadFrames)
        while windowLast < last { windowLast += 1; windowSum += Double(powers[windowLast % ringSize]) }
        while windowFirst < first { windowSum -= Double(powers[windowFirst % ringSize]); windowFirst += 1 }
        let slot = centre % ringSize
        let windowPower = windowSum / Double(last - first + 1)
        let speechPower = max(windowPower - Double(noise[slot]), windowPower * Self.leastSpeechShare)
        let level = Double(decibels(Float(speechPower)))
        guard speech[slot] else {
            if let open = run, centre - open.last > bridgeFrames { closeRun() }
            return
        }
        let pitch = pitches[slot], centroid = centroids[slot]
        if let base = baselineDBFS, level - base >= thresholdDb {
            if let open = run, centre - open.last <= bridgeFrames + 1 {
                run = (open.start, centre, max(open.peak, level - base))
            } else {
                closeRun()
                run = (centre, centre, level - base)
            }
            if pitch > 0 { runPitch.add(Double(pitch)) }
            if centroid > 0 { runCentroid.add(Double(centroid)) }
            return
        }
        if let open = run, centre - open.last > bridgeFrames { closeRun() }
        if let base = baselineDBFS, level - base >= exclusionDb { return }
        if pitch > 0 { baselinePitch.add(Double(pitch)) }
        if centroid > 0 { baselineCentroid.add(Double(centroid)) }
        baseline.add(level)
        baselineFramesSinceUpdate += 1
        if baseline.total >= baselineMinimumFrames && (baselineDBFS == nil || baselineFramesSinceUpdate >= 10) {
            baselineDBFS = baseline.percentile(baselinePercentile)
            baselineFramesSinceUpdate = 0
        }
    }

    private mutating func closeRun() {
        guard let open = run else { return }
        run = nil
        if counts(open) {
            spikes.append(EnergySpike(startFrame: open.start, endFrame: open.last + 1, peakDbAboveBaseline: open.peak))
        }
        runPitch.clear()
        runCentroid.clear()
    }

    /// Whether a loud run is raised voice: long enough, and either sustained (a phrase said
    /// louder) or sounding raised.
    private func counts(_ open: (start: Int, last: Int, peak: Double)) -> Bool {
        let frames = open.last + 1 - open.start
        return frames >= minimumFrames && (frames >= sustainedFrames || runSoundsRaised)
    }

    /// Whether the loud run in progress also sounds raised: brighter than the party's baseline
    /// (median centroids) and, when its pitch is known, higher (median pitches).
    private var runSoundsRaised: Bool {
        guard let centroid = runCentroid.percentile(0.5), let usual = baselineCentroid.percentile(0.5),
              centroid - usual >= minimumBrightnessRise else { return false }
        guard runPitch.total >= Self.minimumPitchFrames, let pitch = runPitch.percentile(0.5), let usualPitch = baselinePitch.percentile(0.5) else { return true }
        return pitch - usualPitch >= minimumPitchRise
    }
}
