/// Turns per-frame speech scores into speech/non-speech decisions with hysteresis, a look-back at
/// onsets and a hangover at offsets, in the style of WebRTC's VAD state.
///
/// Speech starts when the score reaches the onset threshold; the onset is then traced back over
/// the preceding frames that were above the (lower) offset threshold, so a word's soft start is
/// kept. Speech continues while the score stays above the offset threshold, plus `hangover`
/// frames. Decisions come out `lookback` frames late, once no later onset can change them.
///
/// On a noisy line the soft start and the fading tail of each word sink below the noise, so the
/// caller can widen both edges (`setHiddenEdgeFrames`): onsets are then traced back that many
/// extra frames whatever their score, and speech is held that many extra frames after it fades.
struct SpeechDecision: Sendable {
    private let onset: Float
    private let offset: Float
    private let baseHangoverFrames: Int
    /// Extra frames at each edge for speech hidden under the noise (0 on a clean line).
    private var hiddenOnsetFrames = 0
    private var hiddenTailFrames = 0
    private var hangoverFrames: Int { baseHangoverFrames + hiddenTailFrames }
    /// Frames of delay (= the longest look-back).
    let delayFrames: Int
    private var isActive = false
    private var framesBelowOffset = 0
    /// Scores and provisional decisions of the last `delayFrames + 1` frames, oldest first.
    private var scores: [Float]
    private var decisions: [Bool]
    private var head = 0
    private var filled = 0

    init(configuration: VoiceActivityConfiguration) {
        onset = Float(configuration.onsetThresholdDb)
        offset = Float(configuration.offsetThresholdDb)
        baseHangoverFrames = AnalysisGrid.frames(seconds: configuration.hangoverSeconds)
        delayFrames = AnalysisGrid.frames(seconds: configuration.lookbackSeconds)
        scores = [Float](repeating: 0, count: delayFrames + 1)
        decisions = [Bool](repeating: false, count: delayFrames + 1)
    }

    /// Sets how many frames of speech each edge is expected to hide under the noise.
    /// - Precondition: `onsetFrames <= delayFrames`.
    mutating func setHiddenEdgeFrames(onset onsetFrames: Int, tail tailFrames: Int) {
        hiddenOnsetFrames = min(onsetFrames, delayFrames)
        hiddenTailFrames = tailFrames
    }

    /// Feeds the next frame's score. Returns the final decision for the frame exactly
    /// `delayFrames` earlier, or nil while the first `delayFrames` frames fill the delay line.
    mutating func push(score: Float) -> Bool? {
        let capacity = delayFrames + 1
        var decision: Bool
        if isActive {
            if score >= offset {
                framesBelowOffset = 0
                decision = true
            } else {
                framesBelowOffset += 1
                decision = framesBelowOffset <= hangoverFrames
                if !decision { isActive = false }
            }
        } else if score >= onset {
            isActive = true
            framesBelowOffset = 0
            decision = true
            // Trace the onset back over frames not yet emitted that are still above the offset,
            // then over the frames the noise is expected to hide.
            var back = 1
            while back <= min(filled, delayFrames) {
                let index = (head - back + capacity) % capacity
                if decisions[index] || scores[index] < offset { break }
                decisions[index] = true
                back += 1
            }
            let hiddenEnd = min(back - 1 + hiddenOnsetFrames, min(filled, delayFrames))
            while back <= hiddenEnd {
                let index = (head - back + capacity) % capacity
                if decisions[index] { break }
                decisions[index] = true
                back += 1
            }
        } else {
            decision = false
        }
        scores[head] = score
        decisions[head] = decision
        head = (head + 1) % capacity
        if filled < capacity { filled += 1 }
        // Full: the ring holds frames t − delay … t, and `head` points at the oldest, now final.
        return filled == capacity ? decisions[head] : nil
    }

    /// After the last frame, the decisions not yet emitted, oldest first.
    mutating func drain(_ body: (Bool) -> Void) {
        let capacity = delayFrames + 1
        let (start, count) = filled == capacity ? ((head + 1) % capacity, delayFrames) : (0, filled)
        for i in 0..<count { body(decisions[(start + i) % capacity]) }
        filled = 0
    }
}
