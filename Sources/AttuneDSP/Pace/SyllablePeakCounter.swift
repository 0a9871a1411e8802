/// Counts syllable-like peaks in a channel's level: a voiced speech frame whose smoothed level
/// rose at least `peakProminenceDb` from the last dip and then falls by as much, at least
/// `minimumPeakSpacingSeconds` after the previous counted peak. Peaks per second of talk is the
/// pace proxy of DESIGN §3.
struct SyllablePeakCounter: Sendable {
    private let prominence: Float
    private let spacingFrames: Int
    private var smoothing: (Float, Float) = (0, 0)
    private var isRising = true
    private var trough: Float = .infinity
    private var peak: (level: Float, frame: Int, counts: Bool) = (-.infinity, 0, false)
    private var lastCountedFrame = Int.min / 2
    private var frame = 0
    /// Peaks counted.
    private(set) var count = 0

    init(configuration: PaceConfiguration) {
        prominence = Float(configuration.peakProminenceDb)
        spacingFrames = AnalysisGrid.frames(seconds: configuration.minimumPeakSpacingSeconds)
    }

    /// Feeds the next frame: its band power, whether it is speech and whether it is voiced.
    mutating func push(power: Float, isSpeech: Bool, isVoiced: Bool) {
        defer { frame += 1 }
        // Three-frame moving average of power, in dB.
        let level = decibels((power + smoothing.0 + smoothing.1) / 3)
        smoothing = (power, smoothing.0)
        if isRising {
            if level > peak.level { peak = (level, frame, isSpeech && isVoiced) }
            if level < peak.level - prominence {
                if peak.counts, peak.level - trough >= prominence, peak.frame - lastCountedFrame >= spacingFrames {
                    count += 1
                    lastCountedFrame = peak.frame
                }
                isRising = false
                trough = level
            }
        } else {
            if level < trough { trough = level }
            if level > trough + prominence {
                isRising = true
                peak = (level, frame, isSpeech && isVoiced)
            }
        }
    }
}
