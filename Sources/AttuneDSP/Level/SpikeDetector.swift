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

/// Finds raised voice: the short-term level (mean power over a window centred on the frame) at
/// least `thresholdDb` above the party's running speech baseline, on speech frames, for at least
/// `minimumSeconds` (DESIGN §3, "energy spike").
///
/// The baseline is a percentile (`baselinePercentile`, default the median) of the short-term
/// level of the party's speech so far, excluding frames already judged raised; spikes are reported only once `baselineMinimumSpeechSeconds` of speech
/// have set it, so the first seconds of a call cannot spike. Works `window / 2` frames behind the
/// frames it is fed.
struct SpikeDetector: Sendable {
    private let windowFrames: Int
    private let thresholdDb: Double
    private let baselinePercentile: Double
    private let minimumFrames: Int
    private let baselineMinimumFrames: Int
    /// Raised frames closer than one window (0.3 s) belong to one spike: word gaps inside a
    /// shouted phrase do not split it.
    private var bridgeFrames: Int { windowFrames }
    /// Powers and speech decisions of the last `windowFrames + 1` frames (ring): the window, plus
    /// the frame that just left it, whose power the running sum still has to subtract.
    private var powers: [Float]
    private var speech: [Bool]
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
    private var run: (start: Int, last: Int, peak: Double)? = nil
    /// Spikes found, in order.
    private(set) var spikes: [EnergySpike] = []

    init(configuration: SpikeConfiguration) {
        windowFrames = max(1, AnalysisGrid.frames(seconds: configuration.windowSeconds))
        thresholdDb = configuration.thresholdDb
        baselinePercentile = configuration.baselinePercentile
        minimumFrames = AnalysisGrid.frames(seconds: configuration.minimumSeconds)
        baselineMinimumFrames = AnalysisGrid.frames(seconds: configuration.baselineMinimumSpeechSeconds)
        powers = [Float](repeating: 0, count: windowFrames + 1)
        speech = [Bool](repeating: false, count: windowFrames + 1)
        spikes.reserveCapacity(64)  // no allocation when a spike is found (per-frame path)
    }

    /// Raised-voice events (closed, or open and already long enough) starting at or after `frame`.
    func spikeCount(startingAtOrAfter frame: Int) -> Int {
        var count = 0
        for spike in spikes.reversed() {
            guard spike.startFrame >= frame else { break }
            count += 1
        }
        if let open = run, open.start >= frame, open.last + 1 - open.start >= minimumFrames { count += 1 }
        return count
    }

    /// The current speech baseline (dBFS), once trusted.
    var currentBaselineDBFS: Double? { baselineDBFS }

    /// Frames from the centre to the window's newest frame.
    private var aheadFrames: Int { windowFrames - windowFrames / 2 - 1 }

    /// Feeds frame `fed`'s power and speech decision; evaluates the frame half a window back.
    mutating func push(isSpeech: Bool, power: Float) {
        powers[fed % ringSize] = power
        speech[fed % ringSize] = isSpeech
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
        let level = Double(decibels(Float(max(windowSum, 0) / Double(last - first + 1))))
        guard speech[centre % ringSize] else {
            if let open = run, centre - open.last > bridgeFrames { closeRun() }
            return
        }
        if let base = baselineDBFS, level - base >= thresholdDb {
            if let open = run, centre - open.last <= bridgeFrames + 1 {
                run = (open.start, centre, max(open.peak, level - base))
            } else {
                closeRun()
                run = (centre, centre, level - base)
            }
            return
        }
        if let open = run, centre - open.last > bridgeFrames { closeRun() }
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
        if open.last + 1 - open.start >= minimumFrames {
            spikes.append(EnergySpike(startFrame: open.start, endFrame: open.last + 1, peakDbAboveBaseline: open.peak))
        }
    }
}
