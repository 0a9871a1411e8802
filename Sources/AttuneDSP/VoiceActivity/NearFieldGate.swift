internal import Glibc

/// Tells a channel's own talker (near: the headset wearer, the caller at their phone) from other
/// voices the microphone hears (far: the next desk, a TV, people behind the caller).
///
/// A far voice reaches the microphone after the room has smeared it: each syllable's energy
/// lingers in every band for a few hundred milliseconds, so its bands never fall far below their
/// recent peak and swing little, where a close, dry voice drops between syllables to the line's
/// floor. And it is quieter than the wearer's own loud speech. Per 10 ms frame, over a window of
/// ±150 ms (`halfWindowFrames`):
/// - **below peak**: how far each band sits under its own held peak (released at 100 dB/s, the
///   decay of a moderately reverberant room), averaged over the 16 bands and the window (dB, ≤ 0):
///   a dry voice falls away from it between syllables, a far voice's reverberation lingers under it;
/// - **band modulation**: each band's standard deviation over the window, averaged (dB);
/// - **loudness**: the window's loudest frame against the channel's own loud speech (its 90th
///   percentile level so far, dB).
/// A logistic rule (`weights`) turns them into the probability that the frame is the near talker's;
/// below `minimumProbability` the frame's speech score is set to zero, so far speech can neither
/// start nor carry a turn. The rule was fitted on the `tune` half of the real-speech far-talker
/// calls (`Scripts/make_realspeech.py`: EmoDB speakers 03, 08, 10, 11, 13 as near and far
/// talkers, one sox reverb) and is measured on the held-out half (other speakers, AMI meeting
/// speech as far talkers, another room).
///
/// Works `halfWindowFrames` frames behind the frames it is fed (the window's look-ahead). Memory
/// is fixed (a ring of `windowFrames` rows of band levels). Pure: no I/O, no clock, no globals.
struct NearFieldGate: Sendable {
    /// Half the analysis window (frames): 150 ms either side; also the gate's delay.
    static let halfWindowFrames = 15
    /// The whole window (frames).
    static let windowFrames = 2 * halfWindowFrames + 1
    /// How fast a band's held peak falls (dB per 10 ms frame): 100 dB/s, the decay of a room with a
    /// reverberation time of 0.6 s. Dry speech falls faster; a far voice's reverberation, slower.
    static let peakReleaseDbPerFrame: Float = 1
    /// A band with no more power than the noise floor reads 10 dB under the floor.
    static let noiseFloorShare: Float = 0.1

    /// The logistic rule's coefficients, on the raw features (see the type's documentation):
    /// z = bias + belowPeak·w₁ + bandModulation·w₂ + loudness·w₃, probability = 1 / (1 + e^−z).
    struct Weights: Sendable, Equatable {
        var bias: Double
        var belowPeak: Double
        var bandModulation: Double
        var loudness: Double
    }
    /// Fitted on the tune half of the far-talker calls (logistic regression on every frame the gate
    /// judges, with the gate held open; `Scripts/fit_near_field.py`).
    static let weights = Weights(bias: -7.850, belowPeak: -1.510, bandModulation: 0.412, loudness: 0.159)

    /// One frame's measurements, as the gate saw them (for the frame trace and for fitting).
    struct Evidence: Sendable, Equatable {
        var belowPeakDb: Float = 0
        var bandModulationDb: Float = 0
        var loudnessDb: Float = 0
        var probability: Float = 1
    }

    private let minimumProbability: Float
    /// Frames scoring below this cannot be speech (the decision's offset threshold), so they are
    /// not judged.
    private let candidateScore: Float
    /// Band levels (dB) of the last `windowFrames` frames (ring of rows).
    private var bandDb: [Float]
    /// Per-frame mean of (band level − band peak) over the bands, same ring.
    private var belowPeak: [Float]
    /// Frame levels (dBFS) and speech scores, same ring.
    private var levels: [Float]
    private var scores: [Float]
    /// Running sums over the ring: of `belowPeak`, and per band of level and level² (interleaved:
    /// Σ level of band b at 2b, Σ level² at 2b + 1).
    private var belowPeakSum: Double = 0
    private var bandMoments: [Double]
    /// Each band's held peak (dB).
    private var peak: [Float]
    /// Frames pushed so far, and frames evaluated (gated scores given out).
    private var pushed = 0
    private var evaluated = 0

    /// - Parameters:
    ///   - minimumProbability: 0 turns the gate off (every score passes unchanged).
    ///   - candidateScore: the lowest speech score that can be speech (dB): lower frames are not judged.
    init(minimumProbability: Double, candidateScore: Double) {
        self.minimumProbability = Float(minimumProbability)
        self.candidateScore = Float(candidateScore)
        let rows = Self.windowFrames
        bandDb = [Float](repeating: -120, count: rows * BandLayout.bandCount)
        belowPeak = [Float](repeating: 0, count: rows)
        levels = [Float](repeating: -120, count: rows)
        scores = [Float](repeating: 0, count: rows)
        bandMoments = [Double](repeating: 0, count: 2 * BandLayout.bandCount)
        peak = [Float](repeating: 0, count: BandLayout.bandCount)
    }

    /// Frames between a frame being pushed and its gated score coming out.
    static let delayFrames = halfWindowFrames

    /// Feeds the next frame: its band powers, level (dBFS) and speech score. Returns the gated
    /// score of the frame `delayFrames` earlier (with its evidence), or nil while the window fills.
    /// - Parameter loudSpeechDBFS: the channel's loud-speech level so far (nil until known).
    /// - Parameter noise: the channel's noise floor per band: band levels are read above it (the
    ///   power left when the noise is taken off, floored at `noiseFloorShare` of the noise), so
    ///   a noisy line's own floor does not look like a far voice filling the pauses.
    mutating func push(bands: [Float], noise: [Float], levelDBFS: Float, score: Float, loudSpeechDBFS: Float?) -> (score: Float, evidence: Evidence)? {
        let rows = Self.windowFrames, count = BandLayout.bandCount
        let row = pushed % rows, leaving = pushed >= rows
        if leaving { belowPeakSum -= Double(belowPeak[row]) }
        let floorShare = Self.noiseFloorShare, pushedSoFar = pushed, release = Self.peakReleaseDbPerFrame
        // (`below` is the closure's own and returned: captured, it would go through memory.)
        let below = bands.withUnsafeBufferPointer { bands in
          noise.withUnsafeBufferPointer { noise in
            bandDb.withUnsafeMutableBufferPointer { history in
              bandMoments.withUnsafeMutableBufferPointer { moments in
                peak.withUnsafeMutableBufferPointer { peak in
                    let base = row * count
                    var below: Float = 0
                    // The frame leaving the ring (pushed − rows) leaves the running sums.
                    if leaving {
                        for b in 0..<count {
                            let old = Double(history[base + b])
                            moments[2 * b] -= old
                            moments[2 * b + 1] -= old * old
                        }
                    }
                    for b in 0..<count { history[base + b] = decibels(max(bands[b] - noise[b], noise[b] * floorShare)) }
                    for b in 0..<count {
                        let value = Double(history[base + b])
                        moments[2 * b] += value
                        moments[2 * b + 1] += value * value
                    }
                    // Each band's peak, held and released at `peakReleaseDbPerFrame`: a dry
                    // voice falls away from it between syllables, a room's reverberation
                    // lingers close under it.
                    for b in 0..<count {
                        let level = history[base + b]
                        peak[b] = pushedSoFar == 0 ? level : max(level, peak[b] - release)
                        below += level - peak[b]
                    }
                    return below
                }
              }
            }
          }
        }
        belowPeak[row] = below / Float(count)
        belowPeakSum += Double(belowPeak[row])
        levels[row] = levelDBFS
        scores[row] = score
        pushed += 1
        guard pushed > Self.halfWindowFrames else { return nil }
        return evaluate(loudSpeechDBFS: loudSpeechDBFS)
    }

    /// After the last frame: the gated scores of the frames still in the window, oldest first
    /// (the window is cut at the end of the stream).
    mutating func drain(loudSpeechDBFS: Float?, _ body: (Float, Evidence) -> Void) {
        while evaluated < pushed {
            let (score, evidence) = evaluate(loudSpeechDBFS: loudSpeechDBFS)
            body(score, evidence)
        }
    }

    /// Gates frame `evaluated` on the window of frames around it that the ring holds.
    private mutating func evaluate(loudSpeechDBFS: Float?) -> (score: Float, evidence: Evidence) {
        let centre = evaluated
        evaluated += 1
        let rows = Self.windowFrames, bandCount = BandLayout.bandCount
        let score = scores[centre % rows]
        // Off, or a frame the speech decision will not take anyway: nothing to judge.
        guard minimumProbability > 0, score >= candidateScore else { return (score, Evidence()) }
        // The window: frames max(0, centre − h) … min(pushed − 1, centre + h). The running sums
        // cover the last `rows` frames pushed, which is that window once the stream is under way;
        // at the very start and end the window is cut short and summed directly.
        let first = max(0, centre - Self.halfWindowFrames), last = min(pushed - 1, centre + Self.halfWindowFrames)
        let frames = last - first + 1
        var belowSum = 0.0, loudest: Float = -120
        var modulation = 0.0
        if frames == rows && last == pushed - 1 {
            // The window is the whole ring: running sums, and a plain scan for the loudest.
            belowSum = belowPeakSum
            bandMoments.withUnsafeBufferPointer { moments in
                for b in 0..<bandCount {
                    let mean = moments[2 * b] / Double(rows)
                    modulation += max(moments[2 * b + 1] / Double(rows) - mean * mean, 0).squareRoot()
                }
            }
            levels.withUnsafeBufferPointer { levels in for level in levels { loudest = max(loudest, level) } }
        } else {
            for frame in first...last { belowSum += Double(belowPeak[frame % rows]) }
            for b in 0..<bandCount {
                var sum = 0.0, squares = 0.0
                for frame in first...last {
                    let value = Double(bandDb[(frame % rows) * bandCount + b])
                    sum += value
                    squares += value * value
                }
                let mean = sum / Double(frames)
                modulation += max(squares / Double(frames) - mean * mean, 0).squareRoot()
            }
            for frame in first...last { loudest = max(loudest, levels[frame % rows]) }
        }
        var evidence = Evidence()
        evidence.belowPeakDb = Float(belowSum / Double(frames))
        evidence.bandModulationDb = Float(modulation / Double(bandCount))
        // Before the channel's own loud speech is known, loudness says nothing (0 dB).
        evidence.loudnessDb = loudSpeechDBFS.map { loudest - $0 } ?? 0
        let w = Self.weights
        let z = w.bias + w.belowPeak * Double(evidence.belowPeakDb) + w.bandModulation * Double(evidence.bandModulationDb)
            + w.loudness * Double(evidence.loudnessDb)
        evidence.probability = Float(1 / (1 + exp(-z)))
        return (evidence.probability >= minimumProbability ? score : 0, evidence)
    }
}
