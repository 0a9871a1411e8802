/// A looped announcement on one channel ("Thank you for holding…" every 20 s): the same
/// recorded audio heard again, which a live voice never is (a phrase said twice differs).
///
/// Every 50 ms, the channel's last 200 ms is described by its 16 band levels (whole dB). When that
/// stretch sounds like speech (at least 12 of its 20 frames score as speech), it is compared with
/// every stretch `announcementMinimumPeriodSeconds`…`announcementMaximumPeriodSeconds` earlier that
/// did too; two are the same audio when their band levels differ by at most
/// `announcementMaximumDistanceDb` on average. Per period (one 50 ms step either way, so a period
/// that is not a multiple of 50 ms still lines up), a streak counts matching stretches (a miss
/// takes four off), and a streak of `announcementConfirmSeconds`, matching now, is a repeat.
///
/// A loop is the same audio heard a third time at the same period (a repeat of a stretch that was
/// itself a repeat), with nothing but repeats on the channel over the period before. Then
/// everything from the first hearing's start (two periods before this hearing's) is marked as
/// `announcement`, and so is everything up to each later stretch that repeats at that period, until
/// half a second of other speech ends the loop. The run carries where the loop would play next
/// (`NonSpeechRun.waitsUntilFrame`): the silence after the last hearing is still the wait.
///
/// On EmoDB (one speaker saying the same sentence in five emotions) and AMI meetings, streaks
/// stay under 0.5 s; an exact loop on a 15 dB line reaches 5 s. Twice is not enough: test calls
/// built from a corpus reuse a clip now and then, and so may a recorded prompt played once more.
///
/// Memory: 24 bytes per 50 ms of the longest period (14 KiB at 30 s); work per 50 ms of speech:
/// one comparison of level sums per period step, and a 16-band one where the sums allow a match.
struct LoopDetector: Sendable {
    private static let blockFrames = 5
    private static let spanBlocks = 4
    private static let spanFrames = spanBlocks * blockFrames
    private static let minimumSpeechFrames = 12
    private let minimumLagBlocks: Int
    private let maximumLagBlocks: Int
    private let maximumDistance: Int
    private let confirmBlocks: Int
    private let speechScore: Float
    /// Band levels (dB, −120…0) of the last `maximumLagBlocks + 1` stretches (ring by block).
    private var history: [SIMD16<Int8>]
    /// Each stored stretch's band levels summed (dB), `Int16.min` for a stretch that did not sound
    /// like speech: two stretches whose sums differ by more than the largest distance cannot match
    /// (|Σa − Σb| ≤ Σ|a − b|), so most comparisons stop there.
    private var historySums: [Int16]
    /// Matching stretches per period, a miss taking `missPenalty` off (index: lag in blocks).
    private var streak: [UInt16]
    private var matched: [Bool]
    /// Band powers (mean-square units) and speech frames of the last `spanBlocks` blocks (ring).
    private var blockBands = [SIMD16<Float>](repeating: SIMD16(), count: spanBlocks)
    private var blockSpeechFrames = [Int](repeating: 0, count: spanBlocks)
    private var frame = 0
    private var block = 0
    /// The loops found so far (`announcement` runs, in order), each with where it would play next.
    private(set) var runs: [NonSpeechRun] = []
    /// Where the current run of speech-like stretches began (block), allowing short pauses.
    private var hearingStartBlock = 0
    private var lastSpeechBlock = Int.min / 2
    private static let hearingPauseBlocks = 20
    /// A stretch that does not match takes this many off its period's streak (a loop whose period
    /// is not a multiple of 50 ms lines up half a step off, and misses one stretch in six or so).
    private static let missPenalty: UInt16 = 4
    /// Speech that repeats nothing for this many stretches in a row ends a loop (0.5 s).
    private static let otherSpeechBlocks = 10
    private var unmatchedBlocks = 0
    private var lastMatchedFrame = 0
    private var markedHearingStartBlock = -1
    /// Matching stretches in a row per period: a repeat is confirmed only while it is matching now
    /// (a streak outlives the silence between hearings; this does not).
    private var inARow: [UInt8]
    private static let confirmRunBlocks = 5
    /// Per stretch in `history`: the period (blocks) at which it was a confirmed repeat, 0 if not.
    private var repeatLag: [UInt16]
    /// The period of the loop found last (blocks), 0 before any.
    private var loopLag = 0

    init(configuration: HoldConfiguration, speechScore: Double) {
        minimumLagBlocks = max(1, Int((configuration.announcementMinimumPeriodSeconds * 100 / Double(Self.blockFrames)).rounded()))
        maximumLagBlocks = max(minimumLagBlocks + 1, Int((configuration.announcementMaximumPeriodSeconds * 100 / Double(Self.blockFrames)).rounded()))
        maximumDistance = Int((configuration.announcementMaximumDistanceDb * 16).rounded())
        confirmBlocks = max(1, Int((configuration.announcementConfirmSeconds * 100 / Double(Self.blockFrames)).rounded()))
        self.speechScore = Float(speechScore)
        history = [SIMD16<Int8>](repeating: SIMD16(repeating: .min), count: maximumLagBlocks + 1)
        streak = [UInt16](repeating: 0, count: maximumLagBlocks + 2)
        repeatLag = [UInt16](repeating: 0, count: maximumLagBlocks + 1)
        historySums = [Int16](repeating: .min, count: maximumLagBlocks + 1)
        inARow = [UInt8](repeating: 0, count: maximumLagBlocks + 2)
        matched = [Bool](repeating: false, count: maximumLagBlocks + 2)
    }

    /// Whether the stretch just described belongs to a loop already confirmed.
    private(set) var isInLoop = false
    /// Whether a loop is playing: found, and no other speech on the channel since.
    var isLooping: Bool { loopLag > 0 }

    /// Feeds the next frame's band powers (mean-square units, `BandLayout.bandCount` of them) and
    /// its speech score (dB).
    mutating func push(bands: UnsafeBufferPointer<Float>, score: Float) {
        let slot = block % Self.spanBlocks
        for b in 0..<16 { blockBands[slot][b] += bands[b] }
        if score >= speechScore { blockSpeechFrames[slot] += 1 }
        frame += 1
        guard frame % Self.blockFrames == 0 else { return }
        var span = SIMD16<Float>()
        for bands in blockBands { span += bands }
        let isSpeech = blockSpeechFrames.reduce(0, +) >= Self.minimumSpeechFrames
        var levels = SIMD16<Int8>(repeating: .min)
        if isSpeech {
            for b in 0..<16 { levels[b] = Int8(max(-120, min(0, decibels(span[b]).rounded()))) }
        }
        history[block % history.count] = levels
        historySums[block % history.count] = isSpeech ? Int16(truncatingIfNeeded: SIMD16<Int16>(truncatingIfNeeded: levels).wrappedSum()) : Int16.min
        repeatLag[block % history.count] = 0
        isInLoop = false
        if isSpeech {
            if block - lastSpeechBlock > Self.hearingPauseBlocks { hearingStartBlock = block }
            lastSpeechBlock = block
            compare(levels)
        }
        block += 1
        blockBands[block % Self.spanBlocks] = SIMD16()
        blockSpeechFrames[block % Self.spanBlocks] = 0
    }

    private mutating func compare(_ levels: SIMD16<Int8>) {
        let newest = SIMD16<Int16>(truncatingIfNeeded: levels)
        let newestSum = Int(newest.wrappedSum())
        let highestLag = min(maximumLagBlocks, block)
        guard highestLag >= minimumLagBlocks else { return }
        let count = history.count, maximumDistance = maximumDistance
        history.withUnsafeBufferPointer { history in
            historySums.withUnsafeBufferPointer { sums in
            matched.withUnsafeMutableBufferPointer { matched in
                // The stretch `lag` blocks back, walking back through the ring (no division per lag).
                var index = (block - minimumLagBlocks + count) % count
                for lag in minimumLagBlocks...highestLag {
                    defer { index = index == 0 ? count - 1 : index - 1 }
                    let sum = sums[index]
                    guard sum != .min, abs(Int(sum) - newestSum) <= maximumDistance else { matched[lag] = false; continue }
                    let earlier = history[index]
                    let difference = newest &- SIMD16<Int16>(truncatingIfNeeded: earlier)
                    let sign = difference &>> 15  // all ones where negative (a select would go lane by lane)
                    let absolute = (difference ^ sign) &- sign
                    matched[lag] = Int(absolute.wrappedSum()) <= maximumDistance
                }
            }
            }
        }
        var confirmedLag = 0, confirmedStreak = 0
        let lowestLag = minimumLagBlocks, confirmBlocks = confirmBlocks
        matched.withUnsafeBufferPointer { matched in
            streak.withUnsafeMutableBufferPointer { streak in
                inARow.withUnsafeMutableBufferPointer { inARow in
                    for lag in lowestLag...highestLag {
                        let near = matched[lag] || (lag > lowestLag && matched[lag - 1]) || (lag < highestLag && matched[lag + 1])
                        streak[lag] = near ? streak[lag] &+ 1 : (streak[lag] > Self.missPenalty ? streak[lag] - Self.missPenalty : 0)
                        inARow[lag] = near ? inARow[lag] &+ (inARow[lag] < UInt8.max ? 1 : 0) : 0
                        if Int(inARow[lag]) >= Self.confirmRunBlocks && Int(streak[lag]) >= confirmBlocks && Int(streak[lag]) > confirmedStreak {
                            confirmedLag = lag
                            confirmedStreak = Int(streak[lag])
                        }
                    }
                }
            }
        }
        if confirmedLag > 0 {
            // A repeat: a loop if the audio it repeats was itself a repeat at the same period.
            // (On confirmation, the whole streak is a repeat. A played-back loop keeps its period to
            // the sample, so the stretch repeated sits at most one 50 ms step from where the period
            // says; a voice saying the same recording again keeps no such time.)
            let flagged = confirmedStreak == confirmBlocks ? confirmBlocks : 1
            for back in 0..<min(flagged, block + 1) { repeatLag[(block - back) % count] = UInt16(confirmedLag) }
            let thirdHearing = (-1...1).contains { offset in
                let earlier = Int(repeatLag[(block - confirmedLag + offset + count) % count])
                return earlier > 0 && abs(earlier - confirmedLag) <= 1
            }
            if thirdHearing && abs(confirmedLag - loopLag) > 1 && isOnlyRepeats(overLast: confirmedLag) {
                loopLag = confirmedLag
                unmatchedBlocks = 0
                mark(from: max(0, hearingStartBlock - 2 * loopLag))
                return
            }
        }
        // A loop found: every stretch that repeats at its period extends it, until the channel
        // carries other speech (half a second of stretches that repeat nothing).
        guard loopLag > 0, loopLag <= highestLag else { return }
        if matched[loopLag] || matched[max(loopLag - 1, minimumLagBlocks)] || matched[min(loopLag + 1, highestLag)] {
            unmatchedBlocks = 0
            mark(from: hearingStartBlock)
            lastMatchedFrame = frame
        } else if !runs.isEmpty {
            // A stretch of the hearing that does not line up (noise, a half-step miss) stays in
            // it; half a second of them is other speech, and the loop ends at its last match.
            unmatchedBlocks += 1
            if unmatchedBlocks > Self.otherSpeechBlocks {
                loopLag = 0
                runs[runs.count - 1].endFrame = min(runs[runs.count - 1].endFrame, lastMatchedFrame)
            } else if hearingStartBlock == markedHearingStartBlock {
                runs[runs.count - 1].endFrame = max(runs[runs.count - 1].endFrame, frame)
                isInLoop = true
            }
        }
    }

    /// Whether the channel's speech over the last `lag` blocks was (almost) all repeats: a loop
    /// plays alone (or with music), while a voice that happens to say the same recording again
    /// says other things between.
    private func isOnlyRepeats(overLast lag: Int) -> Bool {
        var speech = 0, repeats = 0
        for back in 0..<lag {
            let index = (block - back + history.count) % history.count
            guard historySums[index] != .min else { continue }
            speech += 1
            if repeatLag[index] != 0 { repeats += 1 }
        }
        return repeats * 5 >= speech * 4
    }

    /// Marks from block `startBlock` (or the current loop's end, if it reaches back to it) to the
    /// end of this stretch.
    private mutating func mark(from startBlock: Int) {
        isInLoop = true
        markedHearingStartBlock = hearingStartBlock
        let start = startBlock * Self.blockFrames, end = frame
        let waitsUntil = (hearingStartBlock + loopLag) * Self.blockFrames
        if var last = runs.last, start <= last.endFrame || start - last.endFrame <= loopLag * Self.blockFrames {
            last.endFrame = max(last.endFrame, end)
            last.waitsUntilFrame = max(last.waitsUntilFrame ?? 0, waitsUntil)
            runs[runs.count - 1] = last
        } else {
            var loop = NonSpeechRun(kind: .announcement, startFrame: start, endFrame: end)
            loop.waitsUntilFrame = waitsUntil
            runs.append(loop)
        }
    }
}
