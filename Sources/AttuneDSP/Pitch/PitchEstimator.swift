import AttuneFFT
internal import Glibc

/// One frame's fundamental frequency estimate.
struct PitchEstimate: Sendable, Equatable {
    /// F0 (Hz), or 0 when no period was found.
    var frequencyHz: Float
    /// Normalised autocorrelation at the chosen period (0–1): how periodic the frame is.
    var voicing: Float

    static let unvoiced = PitchEstimate(frequencyHz: 0, voicing: 0)
}

/// Estimates F0 from a frame's power spectrum by autocorrelation (Wiener–Khinchin), normalised by
/// the Hann window's own autocorrelation (Boersma 1993, the method behind Praat's pitch tracker).
///
/// - The autocorrelation is the inverse FFT of the power spectrum's 62.5–2000 Hz bins. Taking
///   those 15.625 Hz bins as the half spectrum of a 256-point transform gives the autocorrelation
///   of the band-limited frame on a 4 kHz lag grid (0.25 ms steps): half the work of the
///   full-rate one, and still linear rather than circular (the 256-sample window was zero-padded
///   to 512). Voiced harmonics below 2 kHz carry the period.
/// - Bins below 62.5 Hz are dropped so DC offset and the mains fundamental cannot look periodic.
///   (Dropping up to 250 Hz, to shed hum harmonics too, was tried: without harmonics 1–3 a
///   2.5-period window puts 80 Hz voices at 64 Hz.) Hum harmonics remain, but pitch is only used
///   on speech frames, where the voice dominates them.
/// - Each peak is judged by its interpolated height (a parabola, then a Gaussian fit for the
///   contenders), capped at 1 (the window correction can push noisy long-lag peaks above it).
///   The period chosen is the shortest whose peak reaches 95 % of the best: a subharmonic (2T,
///   3T) correlates as well as the true period, while a harmonic that a formant boosts (T/2 or T/3
///   with F1 on it) correlates less (≤ 0.92 of it in the vowel tests).
///   (Octave and jump costs à la Praat were tried; on formant-shaped telephone vowels they picked
///   3·F0 or F0/3 outright.)
/// - Complexity: one 256-point inverse FFT plus O(lags) per frame; no state between frames.
struct PitchEstimator: Sendable {
    /// The autocorrelation's lag grid: 4 kHz (every other analysis sample).
    static let lagRateHz = AnalysisGrid.sampleRateHz / 2
    static let inverseSize = AnalysisGrid.fftSize / 2
    /// A period is taken when its peak reaches this share of the best peak, shortest first.
    private static let peakShare: Float = 0.95
    /// Peaks within this share of the best (parabolic) one are refined and compared.
    private static let contenderShare: Float = 0.8

    /// Each lag's interpolated peak height, capped at 1, 0 where `n` has no peak (a parabola
    /// through the lag and its neighbours); returns the largest. `n` must hold `lags` ± 1.
    /// Branch-free (noise makes peaks random, so branches would mispredict constantly), eight
    /// lags at a time, then one by one: the same operations in the same order for every lag.
    static func peakHeights(_ n: UnsafeBufferPointer<Float>, _ lags: ClosedRange<Int>, into heights: UnsafeMutableBufferPointer<Float>) -> Float {
        precondition(lags.lowerBound >= 1 && lags.upperBound + 1 < n.count && lags.upperBound < heights.count)
        var lag = lags.lowerBound
        let values = UnsafeRawPointer(n.baseAddress!), stride = MemoryLayout<Float>.stride
        let flattest = SIMD8<Float>(repeating: -1e-9), one = SIMD8<Float>(repeating: 1)
        var bestLanes = SIMD8<Float>()
        while lag + 7 <= lags.upperBound {
            let current = values.loadUnaligned(fromByteOffset: lag * stride, as: SIMD8<Float>.self)
            let before = values.loadUnaligned(fromByteOffset: (lag - 1) * stride, as: SIMD8<Float>.self)
            let after = values.loadUnaligned(fromByteOffset: (lag + 1) * stride, as: SIMD8<Float>.self)
            let margin = (current - before).lanewiseMinimum(current - after + .leastNormalMagnitude).lanewiseMinimum(current)
            let curvature = (before - 2 * current + after).lanewiseMinimum(flattest)
            var height = (current - 0.125 * (before - after) * (before - after) / curvature).lanewiseMinimum(one)
            height.replace(with: SIMD8(), where: .!(margin .> 0))
            UnsafeMutableRawPointer(heights.baseAddress!).storeBytes(of: height, toByteOffset: lag * stride, as: SIMD8<Float>.self)
            bestLanes = bestLanes.lanewiseMaximum(height)
            lag += 8
        }
        // (The largest of the lanes is the largest of their heights whatever the order.)
        var best = bestLanes.largestLane
        while lag <= lags.upperBound {
            let current = n[lag], before = n[lag - 1], after = n[lag + 1]
            let margin = min(min(current - before, current - after + .leastNormalMagnitude), current)
            let curvature = min(before - 2 * current + after, -1e-9)
            let height = min(current - 0.125 * (before - after) * (before - after) / curvature, 1)
            heights[lag] = margin > 0 ? height : 0
            best = max(best, heights[lag])
            lag += 1
        }
        return best
    }

    /// Height of the peak through three samples, fitted as a Gaussian (a parabola on their logs),
    /// capped at 1.
    static func gaussianPeak(_ before: Float, _ current: Float, _ after: Float) -> Float {
        let a = logf(max(before, 1e-3)), b = logf(current), c = logf(max(after, 1e-3))
        let curvature = a - 2 * b + c
        guard curvature < 0 else { return min(max(current, 1e-3), 1) }
        return min(max(expf(b - 0.125 * (a - c) * (a - c) / curvature), 1e-3), 1)
    }
    /// First bin kept (62.5 Hz) and one past the last (2 kHz).
    private static let lowBin = 4
    private static let highBin = 128

    private let fft = RealFFT(size: inverseSize)
    /// Shortest and longest period searched (steps of the 4 kHz lag grid).
    let shortestLag: Int
    let longestLag: Int
    /// r_w(0) / r_w(τ) for the engine's Hann window, τ on the 4 kHz grid (this estimator reads
    /// lags `shortestLag − 1 … longestLag + 1` of the shared table).
    private let windowCorrection = Self.sharedCorrection
    /// The longest lag any configuration may search: beyond ~0.52 of the window (0.26 of it on
    /// this half-rate grid) the window's own autocorrelation is too small to divide by.
    private static let maximumLag = AnalysisGrid.windowSamples * 26 / 100
    /// Entries of the per-lag tables and scratch (`FrameScratch.pitchNormalised`, `pitchHeights`):
    /// every lag up to `maximumLag`, + 2.
    static let scratchCount = maximumLag + 2
    /// The window correction for every lag any configuration reads, computed once for all
    /// estimators (each lag's value depends on the window alone).
    private static let sharedCorrection: [Float] = {
        let window = SpectrumAnalyzer.sharedWindow
        var correction = [Float](repeating: 0, count: scratchCount)
        var zeroLag = 0.0
        for n in 0..<window.count { zeroLag += Double(window[n] * window[n]) }
        for lag in 0..<correction.count {
            let delay = 2 * lag  // the same delay in analysis-rate samples
            var sum = 0.0
            for n in 0..<(window.count - delay) { sum += Double(window[n] * window[n + delay]) }
            correction[lag] = Float(zeroLag / sum)
        }
        return correction
    }()

    init(configuration: PitchConfiguration) {
        let rate = Double(Self.lagRateHz)
        shortestLag = max(2, Int((rate / configuration.maximumHz).rounded(.down)))
        longestLag = min(Int((rate / configuration.minimumHz).rounded(.up)), Self.maximumLag)
    }

    /// Estimates F0 from channel `channel`'s power spectrum in `scratch` (257 bins of the
    /// 512-point FFT, as `SpectrumAnalyzer.analyze` left it).
    mutating func estimate(spectrumOf channel: Int, scratch: inout FrameScratch) -> PitchEstimate {
        let range = FrameScratch.spectrumRange(of: channel)
        scratch.powerSpectra.withUnsafeBufferPointer { spectra in
            scratch.pitchSpectrum.withUnsafeMutableBufferPointer { complex in
                let power = spectra.baseAddress! + range.lowerBound
                for k in 0...(Self.inverseSize / 2) {
                    complex[2 * k] = (k >= Self.lowBin && k < Self.highBin) ? power[k] : 0
                    complex[2 * k + 1] = 0
                }
            }
        }
        fft.inverse(&scratch.pitchSpectrum, into: &scratch.autocorrelation)
        return scratch.autocorrelation.withUnsafeBufferPointer { r in
            windowCorrection.withUnsafeBufferPointer { correction in
                pickPeriod(r, correction, normalised: &scratch.pitchNormalised, heights: &scratch.pitchHeights)
            }
        }
    }

    /// - Parameters: normalised, heights: scratch (`scratchCount` entries each), written before read.
    private func pickPeriod(
        _ r: UnsafeBufferPointer<Float>, _ correction: UnsafeBufferPointer<Float>, normalised: inout [Float], heights: inout [Float]
    ) -> PitchEstimate {
        let zeroLag = r[0]
        guard zeroLag > 1e-12 else { return .unvoiced }
        let inverseZero = 1 / zeroLag
        let (shortest, longest) = (shortestLag, longestLag)
        return normalised.withUnsafeMutableBufferPointer { n in
            heights.withUnsafeMutableBufferPointer { heights in
                for lag in (shortest - 1)...(longest + 1) { n[lag] = r[lag] * inverseZero * correction[lag] }
                let best = Self.peakHeights(UnsafeBufferPointer(n), shortest...longest, into: heights)
                guard best > 0 else { return .unvoiced }
                // Refine the contenders' heights with a Gaussian (log-parabolic) fit, which
                // follows sharp peaks closely where the parabola falls short: a 300 Hz voice's
                // peak reads 0.92 on the parabola and 1.0 here, as its period deserves.
                // Everything else drops out (0), so the best contender itself always qualifies.
                var refinedBest: Float = 0
                let contender = Self.contenderShare * best
                for lag in shortest...longest {
                    heights[lag] = heights[lag] >= contender ? Self.gaussianPeak(n[lag - 1], n[lag], n[lag + 1]) : 0
                    refinedBest = max(refinedBest, heights[lag])
                }
                guard refinedBest > 0 else { return .unvoiced }
                let wanted = Self.peakShare * refinedBest
                var chosen = shortest
                while chosen < longest && heights[chosen] < wanted { chosen += 1 }
                // Voicing stays the parabolic height: the Gaussian fit flatters noise peaks.
                let before = n[chosen - 1], current = n[chosen], after = n[chosen + 1]
                let curvature = before - 2 * current + after
                let offset = curvature < 0 ? 0.5 * (before - after) / curvature : 0
                let voicing = curvature < 0 ? min(current - 0.125 * (before - after) * (before - after) / curvature, 1) : current
                return PitchEstimate(frequencyHz: Float(Self.lagRateHz) / (Float(chosen) + offset), voicing: max(voicing, 0))
            }
        }
    }
}
