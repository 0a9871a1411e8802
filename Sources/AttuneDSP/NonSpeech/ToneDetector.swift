internal import Glibc

/// A keypad digit or a call-progress tone heard on one channel: frames `[startFrame, endFrame)`.
public struct ToneRun: Sendable, Equatable, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// A DTMF digit (ITU-T Q.23).
        case dtmf
        /// A steady single or dual tone: ringback, busy, reorder, dial, special information (SIT).
        case callProgress
    }
    public var kind: Kind
    /// First frame (10 ms units): the first whose hop centre is past the tone's half-amplitude onset.
    public var startFrame: Int
    /// One past the last frame.
    public var endFrame: Int
    /// The DTMF digit ("0"–"9", "*", "#", "A"–"D"); nil for call-progress tones.
    public var digit: Character?
    /// The tone's frequencies (Hz, 1 or 2, ascending): measured for call-progress tones (to about
    /// 0.5 Hz), the nominal pair for DTMF.
    public var frequenciesHz: [Double]

    public init(kind: Kind, startFrame: Int, endFrame: Int, digit: Character? = nil, frequenciesHz: [Double]) {
        self.kind = kind
        self.startFrame = startFrame
        self.endFrame = endFrame
        self.digit = digit
        self.frequenciesHz = frequenciesHz
    }

    public var frameCount: Int { endFrame - startFrame }
    public var startSeconds: Double { AnalysisGrid.seconds(frames: startFrame) }
    public var endSeconds: Double { AnalysisGrid.seconds(frames: endFrame) }
}

/// DTMF digits and call-progress tones on one channel, from each frame's power spectrum.
///
/// **Screening (every frame).** A frame can hold a tone only when its in-band power is above
/// `toneMinimumLevelDBFS` and its strongest bin between 250 and 3500 Hz holds at least 5 % of that
/// power (a steady tone's peak bin holds about 30 %, a tone's first or last frame 7 % or more;
/// white noise's about 3 %). Other frames cost that one vectorised scan of 208 bins.
///
/// **Tonal frames.** The two strongest spectral lobes (each a peak and the bins falling away from
/// it, up to 7 bins each side) are measured: power, peak frequency (log-parabolic interpolation)
/// and power-weighted centroid. The frame is *loose* evidence when the two hold at least half the
/// in-band power. Then, first:
/// - **DTMF**: the lower lobe within `dtmfFrequencyTolerance` of a row frequency (697, 770, 852,
///   941 Hz) and the upper of a column frequency (1209, 1336, 1477, 1633 Hz), with the twist (row
///   over column power) within +`dtmfMaximumTwistDb` / −`dtmfMaximumReverseTwistDb` (1 dB to
///   spare). *Strict* when, too, the pair holds `dtmfMinimumToneShare` of the in-band power, each
///   tone is above `toneMinimumLevelDBFS`, and no bin outside the two lobes comes within
///   `dtmfMinimumPeakContrastDb` of the weaker tone's peak bin.
/// - otherwise **call progress**: the strongest lobe, and the second if it holds a tenth of the
///   first's power, between `callProgressLowestHz` and `callProgressHighestHz`, and not partials
///   of a voice or an instrument: two tones not harmonics of one fundamental at or above
///   `callProgressHarmonicFloorHz` (within 1.5 %); a single tone without its own second or third
///   harmonic, or neighbours f ± f/m, within 20 dB of its peak. *Strict* when the tones hold
///   `toneMinimumShare` of the in-band power and are above `toneMinimumLevelDBFS`.
///
/// **Segments.** Consecutive frames of one digit, or of one call-progress tone (its centroid, or
/// each of its lobe peaks, within `callProgressFrequencyTolerance` of its first frames': two close
/// tones beat inside a 32 ms frame, which moves their peaks but not their centroid). A frame is
/// *low* when its tone power is under a quarter (−6 dB) of the segment's highest so far: a
/// 256-sample Hann window centred on a tone's edge holds half its amplitude, so the frames at or
/// above −6 dB are those whose hop centre lies inside the tone. Two low or missing frames in a row
/// end the segment; one is bridged (Q.24: a 10 ms interruption is not two digits; a 20 ms pause is
/// always two or more low frames). A run spans the frames at or above −6 dB of the segment's peak,
/// so its edges land within about half a frame of the tone's (10 ms at worst on a noisy line).
/// - A DTMF segment is a digit when it has a strict frame and lasts `dtmfMinimumSeconds`, timed as
///   Σ (frame power / peak power) × 10 ms: the window's energy summed over a tone is the tone's
///   length, so this reads 40 ms digits as 36–41 ms and 23 ms ones as 20–24 ms.
/// - A call-progress segment is a tone when it spans `callProgressMinimumSeconds`, 80 % of its
///   frames are strict, and its frequencies pass. They are measured once per segment by Goertzel
///   filters 5 Hz apart over ±60 Hz around each lobe, run over 1280 samples (160 ms, Hann window)
///   of the frames' newest hops from the third frame on: that resolves close pairs such as
///   440+480 Hz and reads them to within 0.3 Hz. Two tones that are harmonics of one fundamental at
///   or above `callProgressHarmonicFloorHz` (within 0.5 %), a tone with its own second or third
///   harmonic within 25 dB (a note of an instrument), and a DTMF pair are not call progress.
///
/// `isInTone` is causal: true from a DTMF segment's first strict frame, and from a call-progress
/// segment's fifth. Runs close two frames after a tone ends. No allocation per frame (one small
/// array per run reported, and the frequency measurement's filters, 1 KiB, at the channel's first).
/// - Complexity: per frame one 208-bin scan; on tonal frames two or three more and six logarithms;
///   while a call-progress tone is measured (16 frames), up to 64 Goertzel filters over 80 samples.
struct ToneDetector: Sendable {
    // MARK: Fixed

    /// The measured band: 250 Hz up to 3.5 kHz (the engine's `bandPower`).
    private static let firstBin = BandLayout.firstMeasuredBin
    private static let endBin = BandLayout.endMeasuredBin
    private static let binHz = Float(AnalysisGrid.sampleRateHz) / Float(AnalysisGrid.fftSize)
    /// A tonal frame's strongest bin holds at least this share of the in-band power.
    private static let screeningPeakShare: Float = 0.05
    /// Two lobes holding at least this share of the in-band power: loose evidence (tone edges).
    private static let looseShare: Float = 0.5
    /// A lobe reaches at most this many bins either side of its peak.
    private static let lobeReach = 7
    /// A second lobe with at least this share of the first's power is a second tone (call progress).
    private static let secondToneShare: Float = 0.1
    /// Missing or low frames in a row that end a segment.
    private static let endingMisses = 2
    /// Frames of a segment's start kept for placing its onset.
    private static let leadingFrames = 4
    /// Call-progress frequency measurement: from the segment's third frame, over 16 hops.
    private static let fineFirstFrame = 2
    private static let fineHops = 16
    private static let fineSamples = fineHops * AnalysisGrid.hopSamples
    private static let fineStepHz: Float = 5
    private static let fineReachHz: Float = 60
    /// Goertzel filters, in groups of 8 (at most two lobes of 25 filters).
    private static let fineGroups = 8
    /// Two measured tones this close are one (Hz); a second tone needs this share of the first's power.
    private static let fineSeparationHz: Float = 20
    private static let fineSecondShare: Float = 0.02
    /// A tone's second or third harmonic at this share of its power or more (−25 dB): a note.
    private static let harmonicShare: Float = 0.003
    /// Harmonics of one fundamental: the upper tone within this fraction of a multiple of it, as
    /// measured over 160 ms, and as read off one frame's spectrum.
    private static let harmonicTolerance = 0.005
    private static let frameHarmonicTolerance = 0.015
    /// Twist is measured to about ±0.5 dB on a noisy μ-law line: a pair at the configured limit
    /// must still register, so the limits are applied with this much to spare (dB).
    private static let twistAllowanceDb = 1.0
    /// A call-progress segment counts as a tone for `isInTone` from its fifth strict frame (a high,
    /// steady voice can hold a near-pure harmonic for a few frames).
    private static let callProgressCredibleFrames = 5
    /// A single tone's harmonic neighbours count from this share of its peak bin (−20 dB).
    private static let companionShare: Float = 0.01

    private static let rowHz: [Float] = [697, 770, 852, 941]
    private static let columnHz: [Float] = [1209, 1336, 1477, 1633]
    private static let keypad: [Character] = Array("123A456B789C*0#D")
    /// Hann window over the 1280 samples of a frequency measurement; shared by every detector.
    private static let sharedFineWindow: [Float] = (0..<fineSamples).map {
        Float(0.5 - 0.5 * cos(2 * Double.pi * Double($0) / Double(fineSamples)))
    }

    // MARK: Configuration

    private let minimumPower: Float
    private let dtmfMinimumFrames: Float
    private let dtmfTolerance: Float
    private let normalTwist: Float
    private let reverseTwist: Float
    private let dtmfShare: Float
    private let dtmfContrast: Float
    private let toneShare: Float
    private let callProgressMinimumFrames: Int
    private let callProgressLowestHz: Float
    private let callProgressHighestHz: Float
    private let callProgressTolerance: Float
    private let harmonicFloorHz: Double
    private let rowHz = Self.rowHz
    private let columnHz = Self.columnHz
    private let fineWindow = Self.sharedFineWindow

    // MARK: State

    /// Runs closed so far, in order of start.
    private(set) var runs: [ToneRun] = []
    /// Whether the frame just pushed is part of a tone: it continues a segment that has strict
    /// evidence (and, for call progress, has not been found to be a voice) at full level. Known at
    /// push time; may be true on the frames of a tone later found too short to report.
    private(set) var isInTone = false
    private var open: Segment?
    /// Goertzel filters of the open segment's frequency measurement (coefficients 2·cos ω and the
    /// two state lines), `fineGroups` groups of 8. Empty until the channel's first measurement
    /// (most calls have none, and a live server holds two detectors per call).
    private var fineCoefficients: [SIMD8<Float>] = []
    private var fineState1: [SIMD8<Float>] = []
    private var fineState2: [SIMD8<Float>] = []
    private var fineFrequencyHz: [Float] = []
    private var fineCount = 0
    /// Where the second lobe's filters start (the first lobe's run from 0); `fineCount` if one lobe.
    private var fineSplit = 0
    /// Filters at twice and three times each tone (after the `fineCount` of the lobes), and how many.
    private var fineHarmonics = 0
    /// Hops accumulated; −1: not measuring.
    private var fineHop = -1

    init(configuration: ToneConfiguration) {
        minimumPower = Float(pow(10, configuration.toneMinimumLevelDBFS / 10))
        dtmfMinimumFrames = Float(configuration.dtmfMinimumSeconds / AnalysisGrid.frameSeconds)
        dtmfTolerance = Float(configuration.dtmfFrequencyTolerance)
        normalTwist = Float(pow(10, (configuration.dtmfMaximumTwistDb + Self.twistAllowanceDb) / 10))
        reverseTwist = Float(pow(10, (configuration.dtmfMaximumReverseTwistDb + Self.twistAllowanceDb) / 10))
        dtmfShare = Float(configuration.dtmfMinimumToneShare)
        dtmfContrast = Float(pow(10, configuration.dtmfMinimumPeakContrastDb / 10))
        toneShare = Float(configuration.toneMinimumShare)
        callProgressMinimumFrames = max(
            AnalysisGrid.frames(seconds: configuration.callProgressMinimumSeconds), Self.fineFirstFrame + Self.fineHops)
        callProgressLowestHz = Float(configuration.callProgressLowestHz)
        callProgressHighestHz = Float(configuration.callProgressHighestHz)
        callProgressTolerance = Float(configuration.callProgressFrequencyTolerance)
        harmonicFloorHz = configuration.callProgressHarmonicFloorHz
    }

    // MARK: - Frames in

    /// Feeds frame `index` (consecutive from 0): its raw 256-sample window, its power spectrum
    /// (257 bins, mean-square units) and its power between 250 and 3500 Hz.
    mutating func push(frame index: Int, window: FrameWindow, powerSpectrum: UnsafeBufferPointer<Float>, bandPower: Float) {
        let evidence = read(powerSpectrum, bandPower: bandPower)
        track(evidence, at: index)
        if fineHop >= 0, let segment = open, segment.kind == .callProgress {
            accumulateFine(window)
            if fineHop == Self.fineHops { finishFine() }
        }
    }

    /// Closes any open run (end of stream).
    mutating func finish() {
        if let segment = open { close(segment) }
        open = nil
        isInTone = false
    }

    /// Runs so far with any open run closed at the last frame pushed, as `finish()` would. Changes nothing.
    func snapshotRuns() -> [ToneRun] {
        var copy = self
        copy.finish()
        return copy.runs
    }

    // MARK: - One frame

    /// One spectral lobe: bins `low...high` around the peak bin.
    private struct Lobe {
        var low = 0, high = -1, peak = 0
        var power: Float = 0
        /// Σ bin · power, for the centroid.
        var moment: Float = 0
        var peakPower: Float = 0
        var frequencyHz: Float = 0
    }

    /// What a frame says about tones.
    private struct Evidence {
        var kind: ToneRun.Kind
        /// Keypad index (row · 4 + column) for DTMF; −1 for call progress.
        var digit: Int
        /// The tone's power (its lobes', mean-square).
        var power: Float
        var strict: Bool
        /// Call progress: power-weighted centroid of the tone's lobes (Hz).
        var centroidHz: Float = 0
        /// Call progress: peak frequencies of its lobes (Hz); the second 0 for one tone.
        var firstHz: Float = 0
        var secondHz: Float = 0
    }

    private func read(_ power: UnsafeBufferPointer<Float>, bandPower: Float) -> Evidence? {
        guard bandPower >= minimumPower else { return nil }
        let m1 = Self.bandMaximum(power)
        guard m1 >= Self.screeningPeakShare * bandPower else { return nil }
        var k1 = Self.firstBin
        while k1 < Self.endBin - 1, power[k1] != m1 { k1 += 1 }
        let first = lobe(power, peak: k1, floor: Self.firstBin, ceiling: Self.endBin - 1)
        let k2 = strongestBin(power, outside: first, and: nil)
        guard k2 >= 0 else { return nil }
        let second = lobe(power, peak: k2, floor: k2 < k1 ? Self.firstBin : first.high + 1, ceiling: k2 < k1 ? first.low - 1 : Self.endBin - 1)
        let share = (first.power + second.power) / bandPower
        guard share >= Self.looseShare else { return nil }
        if let dtmf = dtmfEvidence(power, first, second, share: share) { return dtmf }
        return callProgressEvidence(power, first, second, share: share)
    }

    private func dtmfEvidence(_ power: UnsafeBufferPointer<Float>, _ a: Lobe, _ b: Lobe, share: Float) -> Evidence? {
        let (low, high) = a.frequencyHz < b.frequencyHz ? (a, b) : (b, a)
        guard let row = nearest(rowHz, to: low.frequencyHz), let column = nearest(columnHz, to: high.frequencyHz),
              low.power <= high.power * normalTwist, high.power <= low.power * reverseTwist
        else { return nil }
        var strict = share >= dtmfShare && min(low.power, high.power) >= minimumPower
        if strict {
            let k3 = strongestBin(power, outside: low, and: high)
            strict = k3 < 0 || power[k3] * dtmfContrast <= min(low.peakPower, high.peakPower)
        }
        return Evidence(kind: .dtmf, digit: row * 4 + column, power: low.power + high.power, strict: strict)
    }

    private func callProgressEvidence(_ power: UnsafeBufferPointer<Float>, _ first: Lobe, _ second: Lobe, share: Float) -> Evidence? {
        let dual = second.power >= Self.secondToneShare * first.power
        guard first.frequencyHz >= callProgressLowestHz, first.frequencyHz <= callProgressHighestHz else { return nil }
        if dual, second.frequencyHz < callProgressLowestHz || second.frequencyHz > callProgressHighestHz { return nil }
        // Two partials of one voice (or instrument) are not a call-progress tone.
        if dual, isHarmonicPair(Double(min(first.frequencyHz, second.frequencyHz)), Double(max(first.frequencyHz, second.frequencyHz)), tolerance: Self.frameHarmonicTolerance) {
            return nil
        }
        if !dual, hasHarmonicCompanions(power, first) { return nil }
        let tonePower = first.power + (dual ? second.power : 0)
        let moment = first.moment + (dual ? second.moment : 0)
        return Evidence(
            kind: .callProgress, digit: -1, power: tonePower, strict: share >= toneShare && tonePower >= minimumPower,
            centroidHz: moment / tonePower * Self.binHz, firstHz: first.frequencyHz, secondHz: dual ? second.frequencyHz : 0)
    }

    /// Whether a single tone is one partial of a harmonic series: a bin within `companionShare` of
    /// its peak at its own second or third harmonic, or at both f − f/m and f + f/m for some
    /// m = 2, 3, … with f/m at least the harmonic floor (bins outside its lobe). A voice's or an
    /// instrument's strongest partial has them (a vowel's formant can lift one harmonic far above
    /// the rest, and a high voice's fundamental can stand alone in the band); a generated tone has
    /// noise there, rarely that strong.
    private func hasHarmonicCompanions(_ power: UnsafeBufferPointer<Float>, _ tone: Lobe) -> Bool {
        let threshold = tone.peakPower * Self.companionShare
        /// Whether bin k (±1) is strong enough; bins inside the tone's lobe or off the spectrum are not.
        func isStrong(_ k: Int) -> Bool {
            guard k < tone.low - 1 || k > tone.high + 1, k >= 1, k < power.count - 1 else { return false }
            return max(power[k - 1], power[k], power[k + 1]) >= threshold
        }
        let peak = tone.frequencyHz / Self.binHz
        if isStrong(Int((2 * peak).rounded())) || isStrong(Int((3 * peak).rounded())) { return true }
        let floorHz = Float(harmonicFloorHz)
        var m: Float = 2
        while tone.frequencyHz / m >= floorHz {
            let step = peak / m
            if isStrong(Int((peak - step).rounded())), isStrong(Int((peak + step).rounded())) { return true }
            m += 1
        }
        return false
    }

    /// Index of the nearest of `nominal` within the DTMF tolerance of `frequencyHz`.
    private func nearest(_ nominal: [Float], to frequencyHz: Float) -> Int? {
        for i in 0..<nominal.count where abs(frequencyHz - nominal[i]) <= dtmfTolerance * nominal[i] { return i }
        return nil
    }

    /// The strongest in-band bin's power (every frame pays for this).
    private static func bandMaximum(_ power: UnsafeBufferPointer<Float>) -> Float {
        maximum(power, firstBin..<endBin)
    }

    /// The largest of `power[range]` (0 for an empty range; powers are never negative or NaN),
    /// eight bins at a time.
    static func maximum(_ power: UnsafeBufferPointer<Float>, _ range: Range<Int>) -> Float {
        let base = UnsafeRawPointer(power.baseAddress!)
        var lanes = SIMD8<Float>(repeating: 0)
        var k = range.lowerBound
        while k + 8 <= range.upperBound {
            let next = base.loadUnaligned(fromByteOffset: k * MemoryLayout<Float>.stride, as: SIMD8<Float>.self)
            lanes = lanes.lanewiseMaximum(next)
            k += 8
        }
        var best = lanes.largestLane
        while k < range.upperBound {
            best = max(best, power[k])
            k += 1
        }
        return best
    }

    /// The lobe around `peak`: bins falling away from it on both sides, within `floor...ceiling`.
    private func lobe(_ power: UnsafeBufferPointer<Float>, peak: Int, floor: Int, ceiling: Int) -> Lobe {
        var low = peak, high = peak
        while low > floor, peak - low < Self.lobeReach, power[low - 1] <= power[low] { low -= 1 }
        while high < ceiling, high - peak < Self.lobeReach, power[high + 1] <= power[high] { high += 1 }
        var sum: Float = 0, moment: Float = 0
        for k in low...high {
            sum += power[k]
            moment += Float(k) * power[k]
        }
        // Log-parabolic interpolation of the peak (a Hann lobe is close to a Gaussian).
        var offset: Float = 0
        let left = power[peak - 1], centre = power[peak], right = power[peak + 1]
        if left > 0, right > 0, centre > 0 {
            let a = logf(left), b = logf(centre), c = logf(right)
            let curvature = a - 2 * b + c
            if curvature < 0 { offset = min(max(0.5 * (a - c) / curvature, -0.5), 0.5) }
        }
        return Lobe(low: low, high: high, peak: peak, power: sum, moment: moment, peakPower: centre, frequencyHz: (Float(peak) + offset) * Self.binHz)
    }

    /// The strongest in-band bin outside `a` (and `b`), or −1; the first of equals.
    private func strongestBin(_ power: UnsafeBufferPointer<Float>, outside a: Lobe, and b: Lobe?) -> Int {
        Self.strongestBin(power, in: Self.firstBin..<Self.endBin, outside: a.low...a.high, and: b.map { $0.low...$0.high })
    }

    /// The strongest bin of `band` outside `a` (and `b`), or −1 when there is none; the first of
    /// equals. The lobes lie within `band` and apart; powers are never negative or NaN.
    static func strongestBin(_ power: UnsafeBufferPointer<Float>, in band: Range<Int>, outside a: ClosedRange<Int>, and b: ClosedRange<Int>?) -> Int {
        // The band less the lobes is up to three ranges: the largest power in them, vector by
        // vector, then the first bin that has it.
        var early = a, late = b
        if let b, b.lowerBound < a.lowerBound { (early, late) = (b, a) }
        let first = band.lowerBound..<early.lowerBound
        let second = (early.upperBound + 1)..<(late?.lowerBound ?? band.upperBound)
        let third = ((late?.upperBound ?? band.upperBound - 1) + 1)..<band.upperBound
        guard !(first.isEmpty && second.isEmpty && third.isEmpty) else { return -1 }
        // (An empty range's 0 is at most any power, so the best is in a range that has bins.)
        let best = max(maximum(power, first), maximum(power, second), maximum(power, third))
        if let k = first.first(where: { power[$0] == best }) { return k }
        if let k = second.first(where: { power[$0] == best }) { return k }
        return third.first { power[$0] == best } ?? -1
    }

    // MARK: - Segments

    /// Consecutive frames of one digit or one call-progress tone.
    private struct Segment {
        var kind: ToneRun.Kind
        var digit: Int
        var firstFrame: Int
        /// Last frame at or above a quarter of the peak power so far.
        var lastFull: Int
        /// Low or missing frames since `lastFull`.
        var misses = 0
        var peakPower: Float
        var powerSum: Float
        var strictFrames: Int
        /// Tone power of the first `leadingFrames` frames (0 where missing).
        var leading: SIMD4<Float> = .zero
        /// Call progress: the reference centroid and lobe peaks (the first three frames', then
        /// fixed), and how many frames set them.
        var centroidHz: Float
        var firstHz: Float
        var secondHz: Float
        var referenceFrames = 1
        /// Call progress: measured frequencies (nil until measured) and whether they rule it out.
        var frequenciesHz: (Float, Float)?
        var rejected = false

        init(_ evidence: Evidence, at frame: Int) {
            kind = evidence.kind
            digit = evidence.digit
            firstFrame = frame
            lastFull = frame
            peakPower = evidence.power
            powerSum = evidence.power
            strictFrames = evidence.strict ? 1 : 0
            leading[0] = evidence.power
            centroidHz = evidence.centroidHz
            firstHz = evidence.firstHz
            secondHz = evidence.secondHz
        }

        /// Whether it has shown a tone (strict evidence; three frames of it for call progress) not ruled out.
        var isCredible: Bool {
            strictFrames >= (kind == .dtmf ? 1 : ToneDetector.callProgressCredibleFrames) && !rejected
        }

        /// The same digit; the same call-progress tone: its centroid near the reference's (two close
        /// tones beat inside a frame, moving their peaks but not their centroid), or each of its
        /// lobe peaks near one of the reference's (resolved tones whose levels wobble in noise).
        func matches(_ evidence: Evidence, tolerance: Float) -> Bool {
            guard evidence.kind == kind else { return false }
            if kind == .dtmf { return evidence.digit == digit }
            if abs(evidence.centroidHz - centroidHz) <= tolerance * centroidHz { return true }
            func isReference(_ hz: Float) -> Bool {
                abs(hz - firstHz) <= tolerance * firstHz || (secondHz > 0 && abs(hz - secondHz) <= tolerance * secondHz)
            }
            return isReference(evidence.firstHz) && (evidence.secondHz == 0 || isReference(evidence.secondHz))
        }

        /// Adds a matching frame; returns whether it is at full level.
        mutating func add(_ evidence: Evidence, at frame: Int) -> Bool {
            let offset = frame - firstFrame
            if offset < ToneDetector.leadingFrames { leading[offset] = evidence.power }
            powerSum += evidence.power
            peakPower = max(peakPower, evidence.power)
            if evidence.strict { strictFrames += 1 }
            if kind == .callProgress, referenceFrames < 3 {
                centroidHz = evidence.centroidHz
                firstHz = evidence.firstHz
                secondHz = evidence.secondHz
                referenceFrames += 1
            }
            if 4 * evidence.power >= peakPower {
                lastFull = frame
                misses = 0
                return true
            }
            misses += 1
            return false
        }
    }

    private mutating func track(_ evidence: Evidence?, at frame: Int) {
        isInTone = false
        if var segment = open {
            if let evidence, segment.matches(evidence, tolerance: callProgressTolerance) {
                let full = segment.add(evidence, at: frame)
                if segment.misses < Self.endingMisses {
                    open = segment
                    isInTone = full && segment.isCredible
                    // Measure the frequencies from the first full frame past the onset's.
                    if segment.kind == .callProgress, full, fineHop < 0, segment.frequenciesHz == nil, !segment.rejected,
                       frame - segment.firstFrame >= Self.fineFirstFrame {
                        startFine(evidence)
                    }
                    return
                }
            } else {
                segment.misses += 1
                // A new tone replaces at once a segment that has shown none, and a new digit any segment.
                let replaced = evidence != nil && (!segment.isCredible || (evidence!.kind == .dtmf && evidence!.strict))
                if !replaced && segment.misses < Self.endingMisses {
                    open = segment
                    return
                }
            }
            close(segment)
            open = nil
        }
        guard let evidence else { return }
        open = Segment(evidence, at: frame)
        isInTone = open!.isCredible
    }

    private mutating func close(_ segment: Segment) {
        fineHop = -1
        let full = segment.peakPower / 4
        // The first frame at or above −6 dB (a tone that takes longer to rise starts after them).
        var start = segment.firstFrame + Self.leadingFrames
        for j in 0..<Self.leadingFrames where segment.leading[j] >= full {
            start = segment.firstFrame + j
            break
        }
        let end = segment.lastFull + 1
        guard end > start else { return }
        switch segment.kind {
        case .dtmf:
            guard segment.strictFrames > 0, segment.powerSum / segment.peakPower >= dtmfMinimumFrames else { return }
            let row = segment.digit / 4, column = segment.digit % 4
            runs.append(ToneRun(
                kind: .dtmf, startFrame: start, endFrame: end, digit: Self.keypad[segment.digit],
                frequenciesHz: [Double(rowHz[row]), Double(columnHz[column])]))
        case .callProgress:
            guard !segment.rejected, let (f1, f2) = segment.frequenciesHz, end - start >= callProgressMinimumFrames,
                  5 * segment.strictFrames >= 4 * (end - start)
            else { return }
            let frequencies = f2 > 0 ? [Double(f1), Double(f2)] : [Double(f1)]
            runs.append(ToneRun(kind: .callProgress, startFrame: start, endFrame: end, frequenciesHz: frequencies))
        }
    }

    // MARK: - Call-progress frequencies

    /// Sets Goertzel filters 5 Hz apart over ±60 Hz around each of the frame's tones.
    private mutating func startFine(_ evidence: Evidence) {
        if fineFrequencyHz.isEmpty {
            fineCoefficients = [SIMD8<Float>](repeating: .zero, count: Self.fineGroups)
            fineState1 = [SIMD8<Float>](repeating: .zero, count: Self.fineGroups)
            fineState2 = [SIMD8<Float>](repeating: .zero, count: Self.fineGroups)
            fineFrequencyHz = [Float](repeating: 0, count: Self.fineGroups * 8)
        }
        var first = (evidence.firstHz - Self.fineReachHz, evidence.firstHz + Self.fineReachHz)
        var second: (Float, Float)?
        if evidence.secondHz > 0 {
            let other = (evidence.secondHz - Self.fineReachHz, evidence.secondHz + Self.fineReachHz)
            if other.0 > first.1 {
                second = other
            } else if other.1 < first.0 {
                second = first
                first = other
            } else {
                first = (min(first.0, other.0), max(first.1, other.1))
            }
        }
        let capacity = Self.fineGroups * 8
        var count = 0
        func fill(_ span: (Float, Float)) {
            var f = max(span.0, Self.fineStepHz)
            while f <= span.1, count < capacity {
                fineFrequencyHz[count] = f
                count += 1
                f += Self.fineStepHz
            }
        }
        fill(first)
        fineSplit = count
        if let second { fill(second) }
        fineCount = count
        // The tones' own second and third harmonics: a note of an instrument has them, a
        // call-progress tone (a generated sine) not within 25 dB.
        let nyquist = Float(AnalysisGrid.sampleRateHz) / 2 - Self.fineReachHz
        func addHarmonics(of tone: Float) {
            var multiple: Float = 2
            while multiple <= 3, tone > 0, multiple * tone < nyquist, count < capacity {
                fineFrequencyHz[count] = multiple * tone
                count += 1
                multiple += 1
            }
        }
        addHarmonics(of: evidence.firstHz)
        addHarmonics(of: evidence.secondHz)
        fineHarmonics = count - fineCount
        let rate = Float(AnalysisGrid.sampleRateHz)
        for g in 0..<Self.fineGroups {
            var c = SIMD8<Float>.zero
            for j in 0..<8 {
                let m = g * 8 + j
                c[j] = m < count ? 2 * cos(2 * Float.pi * fineFrequencyHz[m] / rate) : 0
            }
            fineCoefficients[g] = c
            fineState1[g] = .zero
            fineState2[g] = .zero
        }
        fineHop = 0
    }

    /// Runs the filters over the frame's newest hop (its last 80 samples).
    private mutating func accumulateFine(_ window: FrameWindow) {
        let hop = AnalysisGrid.hopSamples
        let newest = AnalysisGrid.windowSamples - hop
        let base = fineHop * hop
        let groups = (fineCount + fineHarmonics + 7) / 8
        fineWindow.withUnsafeBufferPointer { taper in
            fineCoefficients.withUnsafeBufferPointer { coefficients in
                fineState1.withUnsafeMutableBufferPointer { state1 in
                    fineState2.withUnsafeMutableBufferPointer { state2 in
                        // Sample by sample, the groups in the inner loop: they are independent, so
                        // their recurrences overlap in the pipeline.
                        for n in 0..<hop {
                            let x = SIMD8<Float>(repeating: window[newest + n] * taper[base + n])
                            for g in 0..<groups {
                                let s0 = x + coefficients[g] * state1[g] - state2[g]
                                state2[g] = state1[g]
                                state1[g] = s0
                            }
                        }
                    }
                }
            }
        }
        fineHop += 1
    }

    /// Reads the filters: the strongest peak, and a second at least `fineSeparationHz` away with
    /// `fineSecondShare` of its power; rules out harmonic pairs and DTMF pairs.
    private mutating func finishFine() {
        fineHop = -1
        guard var segment = open else { return }
        // |X|² of filter m, from its state: s1² + s2² − c·s1·s2.
        func power(_ m: Int) -> Float {
            let s1 = fineState1[m / 8][m % 8], s2 = fineState2[m / 8][m % 8], c = fineCoefficients[m / 8][m % 8]
            return s1 * s1 + s2 * s2 - c * s1 * s2
        }
        /// Whether filter m is a local maximum inside its span (filters 0..<split, split..<count).
        func isPeak(_ m: Int) -> Bool {
            guard m > 0, m < fineCount - 1, m != fineSplit - 1, m != fineSplit else { return false }
            let p = power(m)
            return p > power(m - 1) && p >= power(m + 1)
        }
        var best = -1
        var bestPower: Float = 0
        for m in 0..<fineCount where isPeak(m) && power(m) > bestPower {
            best = m
            bestPower = power(m)
        }
        guard best >= 0 else {
            segment.rejected = true
            open = segment
            return
        }
        let bestHz = interpolatedFine(best, power)
        var second = -1
        var secondPower: Float = 0
        for m in 0..<fineCount where isPeak(m) && power(m) > secondPower && abs(fineFrequencyHz[m] - fineFrequencyHz[best]) >= Self.fineSeparationHz {
            second = m
            secondPower = power(m)
        }
        var frequencies: (Float, Float) = (bestHz, 0)
        if second >= 0, secondPower >= Self.fineSecondShare * bestPower {
            let secondHz = interpolatedFine(second, power)
            frequencies = (min(bestHz, secondHz), max(bestHz, secondHz))
        }
        segment.frequenciesHz = frequencies
        for m in fineCount..<(fineCount + fineHarmonics) where power(m) >= Self.harmonicShare * bestPower {
            segment.rejected = true
        }
        if frequencies.1 > 0 {
            segment.rejected = segment.rejected
                || isHarmonicPair(Double(frequencies.0), Double(frequencies.1), tolerance: Self.harmonicTolerance)
                || (nearest(rowHz, to: frequencies.0) != nil && nearest(columnHz, to: frequencies.1) != nil)
        }
        open = segment
    }

    private func interpolatedFine(_ m: Int, _ power: (Int) -> Float) -> Float {
        let a = power(m - 1), b = power(m), c = power(m + 1)
        guard a > 0, b > 0, c > 0 else { return fineFrequencyHz[m] }
        let la = logf(a), lb = logf(b), lc = logf(c)
        let curvature = la - 2 * lb + lc
        let offset = curvature < 0 ? min(max(0.5 * (la - lc) / curvature, -0.5), 0.5) : 0
        return fineFrequencyHz[m] + offset * Self.fineStepHz
    }

    /// Whether `high` is within `tolerance` of a multiple of `low / m` for a fundamental `low / m`
    /// at or above the harmonic floor: two partials of one voice or instrument.
    private func isHarmonicPair(_ low: Double, _ high: Double, tolerance: Double) -> Bool {
        var m = 1.0
        while low / m >= harmonicFloorHz {
            let fundamental = low / m
            let n = (high / fundamental).rounded()
            if n > m, abs(high - n * fundamental) <= tolerance * high { return true }
            m += 1
        }
        return false
    }
}
