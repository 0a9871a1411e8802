/// Sound that never pauses, for music whose notes do not hold still (drums, synth pads, a busy
/// mix): over `windowFrames` (3 s), at least 99 % of frames stand 4 dB or more above the line's
/// usual noise, and their levels spread by at most 5 dB (standard deviation). Speech pauses
/// between words, down to the line's noise, and swings 10–20 dB from syllable to pause; the real
/// music clip of the hold fixtures (a7xpg's bgm1, −24 dBFS) dips to 5–7 dB over the noise of a
/// 15 dB line, hence the low mark. What else passes is a room of voices behind a talker (the
/// far-talker calls: up to 4.1 s beyond the window), which is why `MusicDetector` asks for
/// `steadySoundConfirmSeconds` more.
///
/// Also tracks where the current stretch of sound began and where its latest gap (three or more
/// frames below the mark) began, for the music run's edges.
struct SteadySoundWindow: Sendable {
    private static let windowFrames = 300
    private static let aboveNoiseDb: Float = 4
    private static let maximumSpreadDb = 5.0
    private static let allowedQuietFrames = 3  // 1 % of the window
    private static let gapFrames = 3
    /// Levels (dBFS) of the window's loud frames (ring by frame); NaN where a frame was not loud.
    private var loudLevels = [Float](repeating: .nan, count: windowFrames)
    private var loudFrames = 0
    private var sum = 0.0
    private var sumOfSquares = 0.0
    private var frame = 0
    private var quietRun = 0
    /// First frame of the current stretch of sound (after the last gap).
    private(set) var soundStartFrame = 0
    /// First frame of the latest run of quiet frames (valid while `quietRun > 0`).
    private var quietStartFrame = 0

    /// Feeds the next frame's level and the line's usual noise (dBFS; nil while unknown). Returns
    /// whether the last 3 s were steady sound.
    mutating func push(levelDBFS: Float, usualNoiseDBFS: Float?) -> Bool {
        let slot = frame % Self.windowFrames
        let leaving = loudLevels[slot]
        if !leaving.isNaN {
            loudFrames -= 1
            sum -= Double(leaving)
            sumOfSquares -= Double(leaving) * Double(leaving)
        }
        let loud = usualNoiseDBFS.map { levelDBFS >= $0 + Self.aboveNoiseDb } ?? false
        loudLevels[slot] = loud ? levelDBFS : .nan
        if loud {
            loudFrames += 1
            sum += Double(levelDBFS)
            sumOfSquares += Double(levelDBFS) * Double(levelDBFS)
            if quietRun >= Self.gapFrames { soundStartFrame = frame }
            quietRun = 0
        } else {
            if quietRun == 0 { quietStartFrame = frame }
            quietRun += 1
        }
        frame += 1
        guard frame >= Self.windowFrames, loudFrames >= Self.windowFrames - Self.allowedQuietFrames else { return false }
        let mean = sum / Double(loudFrames)
        let variance = max(0, sumOfSquares / Double(loudFrames) - mean * mean)
        return variance <= Self.maximumSpreadDb * Self.maximumSpreadDb
    }

    /// Where the sound stopped: the start of the current quiet run, or the next frame if it has
    /// not stopped.
    var soundEndFrame: Int { quietRun > 0 ? quietStartFrame : frame }
}
