internal import Glibc

/// Music on one channel (hold music, a radio), told from speech by how long its spectral peaks
/// stay put: a note holds its partials at the same frequencies for a tenth of a second or more,
/// while a voice's harmonics glide with its pitch and its formants move with every sound.
///
/// Per frame louder than `musicMinimumLevelDBFS`: the local maxima of the power spectrum between
/// 250 and 3500 Hz that stand 3 dB over their neighbours two bins away and hold at least 0.3 % of
/// the band's power; the frame's **persistence** is the share of that peak power at bins that were
/// peaks 50 ms earlier too. Averaged over the last `musicWindowSeconds` (frames louder than the
/// minimum only; at least half the window must be), music scores 0.76–0.94 on synthesised hold
/// music, clean or on a 15 dB μ-law line; real speech (EmoDB, AMI meetings, the fixtures) at most
/// 0.70, and never for more than 0.34 s. A run opens once the average has stayed at or above
/// `musicPeakPersistence` for `musicConfirmSeconds`, and closes once it has stayed below for as
/// long (a bar's rest or a quiet passage does not split the music). Each edge is put at the change
/// point within two windows of where the average crossed: the split that best separates frames
/// above and below two thirds of the threshold (speech sits far below that, music far above), so a
/// hold's edges land within a few frames of the music's.
///
/// Music whose partials do not hold still (drums, a busy electronic mix) is caught instead as sound
/// that never pauses (`SteadySoundWindow`) for `steadySoundConfirmSeconds`, its run starting where
/// the sound did.
///
/// Pure and streaming: frames in, runs out; O(bins) per frame, no allocation.
struct MusicDetector: Sendable {
    private static let lagFrames = 5
    /// The measured band, scanned eight bins at a time (208 bins: 26 steps).
    private static let firstBin = BandLayout.firstMeasuredBin
    private static let endBin = BandLayout.endMeasuredBin
    /// Entries of one frame's peak mask (one per bin of the measured band).
    private static let maskCount = endBin - firstBin
    private let threshold: Float
    private let windowFrames: Int
    private let confirmFrames: Int
    private let minimumPower: Float
    /// Peak masks of the last `lagFrames` frames (`maskCount` each, −1 at a peak bin, else 0), ring
    /// by frame. A byte per bin (1 KB a channel), so that storing and reading a mask is a pack and
    /// an unpack of the compares' lanes: a bit per bin cost a horizontal sum per eight bins.
    private var masks: [Int8]
    /// Whether each slot of `masks` was written by a frame looked at (a quiet frame's slot holds
    /// no peaks, whatever is left in it).
    private var maskHoldsPeaks = [Bool](repeating: false, count: lagFrames)
    /// Persistence of the last `2 × windowFrames` frames (ring by frame); negative: not looked at.
    private var persistence: [Float]
    /// Persistence that splits music from speech at a run's edges (two thirds of the threshold).
    private let changeLevel: Float
    /// Where the music ended, when the average fell below the threshold (nil while it holds).
    private var pendingEnd: Int?
    private var quietFrames = 0
    /// Music that does not hold its notes still (drums, a busy mix) but never pauses.
    private var steadySound = SteadySoundWindow()
    private var sawSteadySound = false
    private var steadyFrames = 0
    private let steadyConfirmFrames: Int
    private var windowSum: Double = 0
    private var windowLooked = 0
    private var evidenceFrames = 0
    private var candidateStart = 0
    private var openStart: Int?
    private var frame = 0
    /// Runs closed so far, in order.
    private(set) var runs: [NonSpeechRun] = []

    init(configuration: HoldConfiguration) {
        threshold = Float(configuration.musicPeakPersistence)
        windowFrames = max(AnalysisGrid.frames(seconds: configuration.musicWindowSeconds), 1)
        confirmFrames = AnalysisGrid.frames(seconds: configuration.musicConfirmSeconds)
        minimumPower = Float(pow(10, configuration.musicMinimumLevelDBFS / 10))
        masks = [Int8](repeating: 0, count: Self.lagFrames * Self.maskCount)
        persistence = [Float](repeating: -1, count: 2 * windowFrames)
        changeLevel = threshold * 2 / 3
        steadyConfirmFrames = AnalysisGrid.frames(seconds: configuration.steadySoundConfirmSeconds)
    }

    /// Whether music is under way (a run is open): known at once, for keeping music out of the
    /// running statistics.
    var isInMusic: Bool { openStart != nil }

    /// Feeds the next frame's power spectrum (mean-square units, 257 bins), band power, level
    /// (dBFS) and the line's usual noise (dBFS, nil while unknown: `MutedLineDetector`).
    mutating func push(powerSpectrum: UnsafeBufferPointer<Float>, bandPower: Float, levelDBFS: Float, usualNoiseDBFS: Float?) {
        let steady = steadySound.push(levelDBFS: levelDBFS, usualNoiseDBFS: usualNoiseDBFS)
        let value = bandPower >= minimumPower ? peakPersistence(powerSpectrum, bandPower: bandPower) : clearMask()
        if frame >= windowFrames, let leaving = self.value(at: frame - windowFrames) {
            windowSum -= Double(leaving)
            windowLooked -= 1
        }
        persistence[frame % persistence.count] = value
        if value >= 0 { windowSum += Double(value); windowLooked += 1 }
        let held = windowLooked * 2 >= windowFrames && windowSum >= Double(threshold) * Double(windowLooked)
        steadyFrames = steady ? steadyFrames + 1 : 0
        // Steady sound must last longer to count: a room of voices behind a talker can fill 3 s
        // without a pause (4.1 s at most on the far-talker calls), hold music plays on.
        let steadyMusic = steadyFrames >= steadyConfirmFrames || (steady && openStart != nil)
        if steadyMusic { sawSteadySound = true }
        if held || steadyMusic {
            if evidenceFrames == 0 && openStart == nil {
                candidateStart = held ? changePointStart() : steadySound.soundStartFrame
            }
            evidenceFrames += 1
            quietFrames = 0
            pendingEnd = nil
            if openStart == nil && evidenceFrames >= confirmFrames { openStart = candidateStart }
        } else {
            evidenceFrames = 0
            if let start = openStart {
                if pendingEnd == nil { pendingEnd = runEnd(start: start, last: frame) }
                quietFrames += 1
                if quietFrames >= confirmFrames { close(start: start) }
            }
        }
        frame += 1
    }

    /// Closes an open run at the end of the stream.
    mutating func finish() {
        guard let start = openStart else { return }
        if pendingEnd == nil { pendingEnd = runEnd(start: start, last: frame - 1) }
        close(start: start)
    }

    /// The runs so far with an open one closed as `finish()` would. Changes nothing.
    func snapshotRuns() -> [NonSpeechRun] {
        var copy = self
        copy.finish()
        return copy.runs
    }

    // MARK: - Per frame

    /// A vector compare's result as lanes of all ones or zeros.
    @inline(__always)
    private static func bits(_ mask: SIMDMask<SIMD8<Int32>>) -> SIMD8<UInt32> {
        unsafeBitCast(mask, to: SIMD8<UInt32>.self)
    }

    /// This frame's persistence (0–1), storing its peak mask: eight bins at a time (a peak test
    /// per bin is a coin toss for a branch predictor; as vector compares and selects it is not).
    private mutating func peakPersistence(_ power: UnsafeBufferPointer<Float>, bandPower: Float) -> Float {
        let slot = (frame % Self.lagFrames) * Self.maskCount
        let earlierHoldsPeaks = maskHoldsPeaks[frame % Self.lagFrames]
        maskHoldsPeaks[frame % Self.lagFrames] = true
        let minimum = SIMD8<Float>(repeating: 0.003 * bandPower)
        // A slot a quiet frame left holds no peaks, whatever is stored in it.
        let earlierKept = SIMD8<Int8>(repeating: earlierHoldsPeaks ? -1 : 0)
        let first = UnsafeRawPointer(power.baseAddress! + Self.firstBin)
        // Both sums (and the pointers) are locals of the closure: in registers for the whole
        // scan (captured, they went through memory at every step).
        let (held, total) = masks.withUnsafeMutableBufferPointer { masks in
            var held = SIMD8<Float>(), total = SIMD8<Float>()
            // Pointers advance by addition: no overflow-checked multiplication per load.
            var at = first, mask = UnsafeMutableRawPointer(masks.baseAddress! + slot)
            let stride = MemoryLayout<Float>.stride
            for _ in 0..<(Self.maskCount / 8) {
                let c = at.loadUnaligned(as: SIMD8<Float>.self)
                let left = at.loadUnaligned(fromByteOffset: -stride, as: SIMD8<Float>.self)
                let right = at.loadUnaligned(fromByteOffset: stride, as: SIMD8<Float>.self)
                let left2 = at.loadUnaligned(fromByteOffset: -2 * stride, as: SIMD8<Float>.self)
                let right2 = at.loadUnaligned(fromByteOffset: 2 * stride, as: SIMD8<Float>.self)
                // Compares as all-ones lanes, combined and applied as bits (the generic mask and
                // select operations go lane by lane through memory).
                let isPeak = Self.bits(c .> minimum) & Self.bits(c .> left) & Self.bits(c .>= right)
                    & Self.bits(c .> 2 * left2) & Self.bits(c .> 2 * right2)
                let peakBits = unsafeBitCast(c, to: SIMD8<UInt32>.self) & isPeak
                let peakPower = unsafeBitCast(peakBits, to: SIMD8<Float>.self)
                // The mask 5 frames back, widened from 8 to 32 bits (−1 stays all ones).
                let earlier = mask.loadUnaligned(as: SIMD8<Int8>.self) & earlierKept
                let wasPeak = unsafeBitCast(SIMD8<Int32>(truncatingIfNeeded: earlier), to: SIMD8<UInt32>.self)
                total += peakPower
                held += unsafeBitCast(peakBits & wasPeak, to: SIMD8<Float>.self)
                mask.storeBytes(of: SIMD8<Int8>(truncatingIfNeeded: unsafeBitCast(isPeak, to: SIMD8<Int32>.self)), as: SIMD8<Int8>.self)
                at += 8 * stride
                mask += 8 * MemoryLayout<Int8>.stride
            }
            return (held, total)
        }
        let totalPower = total.sum()
        return totalPower > 0 ? held.sum() / totalPower : 0
    }

    /// A frame too quiet to look at: no peaks to hold. Returns the "not looked at" marker.
    private mutating func clearMask() -> Float {
        maskHoldsPeaks[frame % Self.lagFrames] = false
        return -1
    }

    // MARK: - Run edges

    /// Persistence of `index` (within the last two windows), nil when not looked at.
    private func value(at index: Int) -> Float? {
        let v = persistence[index % persistence.count]
        return v >= 0 ? v : nil
    }

    /// Where music starts, within two windows before this frame: the start of the suffix whose
    /// sum of (persistence − change level) is largest (a frame not looked at counts as 0).
    private func changePointStart() -> Int {
        let first = max(0, frame - persistence.count + 1)
        var sum: Float = 0, best: Float = 0, start = frame
        var i = frame
        while i >= first {
            sum += (value(at: i) ?? 0) - changeLevel
            if sum > best { best = sum; start = i }
            i -= 1
        }
        return start
    }

    /// Where music ended, within two windows before `last` (and not before `start`): after the
    /// prefix whose sum of (persistence − change level) is largest.
    private func changePointEnd(start: Int, last: Int) -> Int {
        let first = max(start, last - persistence.count + 1)
        var sum: Float = 0, best: Float = 0, end = first
        for i in first...max(first, last) {
            sum += (value(at: i) ?? 0) - changeLevel
            if sum > best { best = sum; end = i + 1 }
        }
        return end
    }

    /// Where the open run ends: at the persistence change point, or, for steady sound, where the
    /// sound stopped, whichever is later.
    private func runEnd(start: Int, last: Int) -> Int {
        let end = changePointEnd(start: start, last: last)
        return sawSteadySound ? max(end, min(steadySound.soundEndFrame, last + 1)) : end
    }

    private mutating func close(start: Int) {
        sawSteadySound = false
        if let end = pendingEnd, end > start { runs.append(NonSpeechRun(kind: .music, startFrame: start, endFrame: end)) }
        openStart = nil
        pendingEnd = nil
        quietFrames = 0
    }
}
