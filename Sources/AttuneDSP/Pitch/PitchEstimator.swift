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
/// The autocorrelation is the inverse FFT of the power spectrum's 62.5–2000 Hz bins. Taking those
/// 15.625 Hz bins as the half spectrum of a 256-point transform gives the autocorrelation of the
/// band-limited frame on a 4 kHz lag grid (0.25 ms steps): half the work of the full-rate one,
/// still linear rather than circular (the 256-sample window was zero-padded to 512), and smooth
/// enough that parabolic interpolation places the peak to a few hundredths of a step. Voiced
/// harmonics below 2 kHz carry the period. Bins below 62.5 Hz are dropped so DC offset and the
/// mains fundamental (50/60 Hz) cannot look periodic. (Dropping up to 250 Hz, to shed hum
/// harmonics too, was tried: without harmonics 1–3 a 2.5-period window puts 80 Hz voices at
/// 64 Hz, where harmonics 4 and 5 re-align.) Hum harmonics remain, but pitch is only used on
/// speech frames, where the voice dominates them.
///
/// The chosen period is the local maximum with the best strength: its normalised value, capped at
/// 1 (the window correction can push noisy long-lag peaks above it), minus an octave cost that
/// keeps a subharmonic from beating the true period; then parabolic interpolation refines it.
/// - Complexity: one 256-point inverse FFT plus O(lags) per frame.
struct PitchEstimator: Sendable {
    /// The autocorrelation's lag grid: 4 kHz (every other analysis sample).
    static let lagRateHz = AnalysisGrid.sampleRateHz / 2
    private static let inverseSize = AnalysisGrid.fftSize / 2
    private let fft = RealFFT(size: inverseSize)
    /// Shortest and longest period searched (steps of the 4 kHz lag grid).
    let shortestLag: Int
    let longestLag: Int
    /// r_w(0) / r_w(τ) for the Hann window.
    private let windowCorrection: [Float]
    /// Octave cost of each lag: `octaveCost · log2(τ / shortestLag)`.
    private let lagCost: [Float]
    /// Scratch: the normalised autocorrelation.
    private var normalised: [Float]
    private var spectrum = FFTBuffer(count: inverseSize + 2)
    private var autocorrelation = FFTBuffer(count: inverseSize)
    /// First bin kept (62.5 Hz) and one past the last (2 kHz).
    private let lowBin = 4
    private let highBin = 128

    init(configuration: PitchConfiguration, window: [Float]) {
        let rate = Double(Self.lagRateHz)
        shortestLag = max(2, Int((rate / configuration.maximumHz).rounded(.down)))
        // Beyond ~0.52 of the window the window's own autocorrelation is too small to divide by.
        longestLag = min(Int((rate / configuration.minimumHz).rounded(.up)), window.count * 26 / 100)
        var correction = [Float](repeating: 0, count: longestLag + 2)
        var zeroLag = 0.0
        for n in 0..<window.count { zeroLag += Double(window[n] * window[n]) }
        for lag in 0..<correction.count {
            // The window's autocorrelation at the same delay, in analysis-rate samples.
            let delay = 2 * lag
            var sum = 0.0
            for n in 0..<(window.count - delay) { sum += Double(window[n] * window[n + delay]) }
            correction[lag] = Float(zeroLag / sum)
        }
        windowCorrection = correction
        normalised = [Float](repeating: 0, count: correction.count)
        let shortest = Double(shortestLag)
        lagCost = (0..<correction.count).map { lag in
            lag == 0 ? 0 : Self.octaveCost * Float(log2(Double(lag) / shortest))
        }
    }

    /// Estimates F0 from `powerSpectrum` (257 bins of the 512-point FFT).
    mutating func estimate(powerSpectrum: [Float]) -> PitchEstimate {
        let (low, high) = (lowBin, highBin)
        spectrum.withUnsafeMutableBufferPointer { complex in
            powerSpectrum.withUnsafeBufferPointer { power in
                for k in 0...(Self.inverseSize / 2) {
                    complex[2 * k] = (k >= low && k < high) ? power[k] : 0
                    complex[2 * k + 1] = 0
                }
            }
        }
        fft.inverse(&spectrum, into: &autocorrelation)
        return autocorrelation.withUnsafeBufferPointer { r in
            windowCorrection.withUnsafeBufferPointer { correction in
                lagCost.withUnsafeBufferPointer { cost in pickPeriod(r, correction, cost) }
            }
        }
    }

    /// Preference for shorter periods per octave of lag (Praat's "octave cost"), so a subharmonic
    /// that correlates as well as the true period does not win.
    private static let octaveCost: Float = 0.04

    private mutating func pickPeriod(_ r: UnsafeBufferPointer<Float>, _ correction: UnsafeBufferPointer<Float>, _ cost: UnsafeBufferPointer<Float>) -> PitchEstimate {
        let zeroLag = r[0]
        guard zeroLag > 1e-12 else { return .unvoiced }
        let inverseZero = 1 / zeroLag
        let first = shortestLag - 1, last = longestLag + 1
        // Normalise every lag in one vectorisable pass, then scan for peaks.
        return normalised.withUnsafeMutableBufferPointer { n in
            for lag in first...last { n[lag] = r[lag] * inverseZero * correction[lag] }
            // Choose on the sampled peaks; interpolate only the winner.
            // Branch-free: noise makes peaks random, so branches would mispredict constantly.
            var bestStrength = -Float.infinity, bestLag = 0
            for lag in shortestLag...longestLag {
                let current = n[lag]
                // A peak rises from the left, does not fall to the right and is positive: all three
                // as one margin, so one comparison decides.
                let margin = min(min(current - n[lag - 1], current - n[lag + 1] + .leastNormalMagnitude), current)
                let strength = margin > 0 ? min(current, 1) - cost[lag] : -Float.infinity
                let better = strength > bestStrength
                bestStrength = better ? strength : bestStrength
                bestLag = better ? lag : bestLag
            }
            guard bestLag > 0 else { return .unvoiced }
            let previous = n[bestLag - 1], current = n[bestLag], next = n[bestLag + 1]
            let curvature = previous - 2 * current + next
            let offset = curvature < 0 ? 0.5 * (previous - next) / curvature : 0
            let peak = min(current - 0.25 * (previous - next) * offset, 1)
            return PitchEstimate(
                frequencyHz: Float(Self.lagRateHz) / (Float(bestLag) + offset),
                voicing: max(peak, 0))
        }
    }
}
